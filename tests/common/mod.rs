//! Helpers shared by the integration tests: every `tests/*.rs` file that runs the binary
//! or starts a sandbox says `mod common;` (see docs/testing.md).
//!
//! A test describes its world, then runs the real binary in it:
//!
//! ```ignore
//! let sb = Sandbox::start();
//! let t = Test::new().in_folder().copy(SAMPLE, "november.csv").sandbox(&sb);
//! let out = t.run(["import", "november.csv", "--quiet", "--format", "json"]);
//! assert_eq!(out.code(), Some(0), "{}", out.stderr());
//! assert_eq!(out.json()["counts"]["created"], 25);
//! ```
//!
//! - [`Test`]: a folder of the test's own and a hermetic environment (nothing of the
//!   caller's `DINTERO_*` / `KRAVIA_*` settings, the home, config and data folders inside
//!   the test's folder), optionally pointed at a [`Sandbox`].
//! - [`Cmd`]: one command of a test (the binary by default), built like
//!   `std::process::Command`, run to an [`Output`].
//! - [`Sandbox`]: the embedded Dintero emulator and the `DINTERO_*` block that points
//!   the binary at it.
//! - Themed helpers for the files that share them: [`import`] (live imports of the
//!   sample month), [`lifecycle`] (status, void, capture after an import), [`annotate`],
//!   [`api`] (the sandbox's HTTP API spoken directly), [`client`] (the library's Dintero
//!   client), `hostile` (a child under a memory cap, its peak memory; unix only).

// Each test file is a crate of its own and uses only part of this module.
#![allow(dead_code)]

pub mod annotate;
pub mod api;
pub mod client;
#[cfg(unix)]
pub mod hostile;
pub mod import;
pub mod lifecycle;
pub mod sandbox;

pub use sandbox::Sandbox;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// The sample month every live test sends (25 invoices on 60 lines, comma CSV).
pub const SAMPLE: &str = "samples/november-2026-canonical.csv";

/// One test's world: a temporary folder of its own (removed when the test ends) and the
/// environment every command of the test runs with. Commands run in the crate root
/// (where `samples/` and `tests/data/` are), or in the folder after [`Test::in_folder`].
pub struct Test {
    dir: tempfile::TempDir,
    env: Vec<(OsString, Option<OsString>)>,
    in_folder: bool,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// A fresh folder, and an environment without any of the caller's `DINTERO_*` or
    /// `KRAVIA_*` variables, with `HOME`, `XDG_CONFIG_HOME` (`.config`) and
    /// `KRAVIA_BATCH_DATA_DIR` (`data`) inside the folder, `KRAVIA_NO_OPEN=1` (no
    /// command of a test opens a file in the desktop's viewer), and `LANG=C` without any
    /// `LC_*` or `LANGUAGE` (English, whatever the machine speaks; a test that wants
    /// Norwegian sets `LANG` or passes `--lang`).
    pub fn new() -> Test {
        let dir = tempfile::tempdir().expect("tmp");
        let mut env: Vec<(OsString, Option<OsString>)> = std::env::vars_os()
            .map(|(k, _)| k)
            .filter(|k| {
                let k = k.to_string_lossy();
                k.starts_with("DINTERO_")
                    || k.starts_with("KRAVIA_")
                    || k.starts_with("LC_")
                    || k == "LANGUAGE"
            })
            .map(|k| (k, None))
            .collect();
        let home = dir.path();
        for (k, v) in [
            ("HOME", home.to_path_buf()),
            ("XDG_CONFIG_HOME", home.join(".config")),
            ("KRAVIA_BATCH_DATA_DIR", home.join("data")),
            ("KRAVIA_NO_OPEN", "1".into()),
            // English, whatever the machine running the tests speaks.
            ("LANG", "C".into()),
        ] {
            env.push((k.into(), Some(v.into())));
        }
        Test {
            dir,
            env,
            in_folder: false,
        }
    }

    /// Writes `contents` to `name` in the test's folder.
    pub fn file(self, name: &str, contents: impl AsRef<[u8]>) -> Test {
        std::fs::write(self.path(name), contents).expect("write a test file");
        self
    }

    /// Makes the folder `name` (and any folder above it) in the test's folder; `.file` and
    /// `.copy` then write into it as `"name/file"`. For a name as people give them, with
    /// spaces (`"month end"`).
    pub fn folder(self, name: &str) -> Test {
        std::fs::create_dir_all(self.path(name)).expect("make a test folder");
        self
    }

    /// Copies `source` (a path from the crate root) to `name` in the test's folder.
    pub fn copy(self, source: impl AsRef<Path>, name: &str) -> Test {
        let source = crate_root().join(source);
        std::fs::copy(&source, self.path(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
        self
    }

    /// Sets `key` to `value` for every command of the test.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Test {
        let key = key.as_ref().to_os_string();
        self.env.push((key, Some(value.as_ref().to_os_string())));
        self
    }

    /// Sets each of `vars` for every command of the test.
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Test {
        vars.into_iter().fold(self, |t, (k, v)| t.env(k, v))
    }

    /// Points every command at `sb`: its test account's credentials and its URLs.
    pub fn sandbox(self, sb: &Sandbox) -> Test {
        self.envs(sb.env())
    }

    /// Runs the commands in the test's folder instead of the crate root.
    pub fn in_folder(mut self) -> Test {
        self.in_folder = true;
        self
    }

    /// The test's folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `name` in the test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with `args`, in this test's environment, to add to and run.
    pub fn cmd<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Cmd {
        self.bin().args(args)
    }

    /// The binary without arguments yet, in this test's environment.
    pub fn bin(&self) -> Cmd {
        self.command(assert_cmd::cargo::cargo_bin("kravia-batch"))
    }

    /// A script of the crate (`path` from the crate root, e.g. `scripts/month-end.sh`) in
    /// this test's environment, with `KRAVIA_BATCH` naming the built binary: the script
    /// runs the binary under test, not a `kravia-batch` on `PATH`.
    pub fn script(&self, path: &str) -> Cmd {
        self.command(crate_root().join(path))
            .env("KRAVIA_BATCH", assert_cmd::cargo::cargo_bin("kravia-batch"))
    }

    /// Another program (a script) in this test's environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Cmd {
        let mut cmd = std::process::Command::new(program);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.current_dir(if self.in_folder {
            self.dir.path().to_path_buf()
        } else {
            crate_root()
        });
        Cmd {
            cmd,
            stdin: None,
            timeout: None,
        }
    }

    /// Runs the binary with `args` and returns what it did.
    pub fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Output {
        self.cmd(args).run()
    }
}

/// Runs the binary once with `args`, in a [`Test`] of its own.
pub fn run<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    Test::new().run(args)
}

/// The crate's root folder (where `Cargo.toml` is).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One command of a [`Test`]: the test's environment and folder, then what is added.
pub struct Cmd {
    cmd: std::process::Command,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
}

impl Cmd {
    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.cmd.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cmd {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable for this command only.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.cmd.env(key, value);
        self
    }

    /// Sets each of `vars` for this command only.
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Cmd {
        self.cmd.envs(vars);
        self
    }

    /// Points this command at `sb` (see [`Test::sandbox`]).
    pub fn sandbox(self, sb: &Sandbox) -> Cmd {
        self.envs(sb.env())
    }

    /// Removes an environment variable for this command only.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Cmd {
        self.cmd.env_remove(key);
        self
    }

    /// Runs this command in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.cmd.current_dir(dir);
        self
    }

    /// What the command reads on stdin (otherwise it reads end of file at once).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(input.into());
        self
    }

    /// Kills the command if it runs longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Cmd {
        self.timeout = Some(limit);
        self
    }

    /// Runs the command in a process group of its own, so that a test can signal the
    /// whole group (`kill -INT -- -PID`), as a terminal's Ctrl-C does.
    #[cfg(unix)]
    pub fn process_group(mut self) -> Cmd {
        use std::os::unix::process::CommandExt;
        self.cmd.process_group(0);
        self
    }

    /// Starts the command with stdin, stdout and stderr piped, for a test that talks to it
    /// while it runs (waits for its question, answers it, signals it). What `.stdin` and
    /// `.timeout` set is for `.run()`: here the test writes and waits itself.
    pub fn spawn(mut self) -> std::process::Child {
        use std::process::Stdio;
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    }

    /// Runs the command to its end.
    pub fn run(self) -> Output {
        Output(self.assert_cmd().output().expect("run"))
    }

    /// Runs the command for `assert_cmd`'s assertions (`.success()`, `.code(2)`...).
    pub fn assert(self) -> assert_cmd::assert::Assert {
        self.assert_cmd().assert()
    }

    /// The `std::process::Command`, for a test that spawns it (to signal or kill it).
    pub fn into_std(self) -> std::process::Command {
        self.cmd
    }

    fn assert_cmd(self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.cmd);
        if let Some(input) = self.stdin {
            cmd.write_stdin(input);
        }
        if let Some(limit) = self.timeout {
            cmd.timeout(limit);
        }
        cmd
    }
}

/// What a command did: its exit status and output.
pub struct Output(std::process::Output);

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output(out)
    }
}

impl Output {
    /// The exit code (`None` when a signal ended the process).
    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    /// How the process ended.
    pub fn status(&self) -> ExitStatus {
        self.0.status
    }

    /// Stdout as text (bytes that are not UTF-8 replaced).
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Stderr as text (bytes that are not UTF-8 replaced).
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Stdout as it was written.
    pub fn stdout_bytes(&self) -> &[u8] {
        &self.0.stdout
    }

    /// Stdout parsed as JSON; panics with stdout and stderr when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|_| {
            panic!(
                "stdout is not JSON: {}\nstderr: {}",
                self.stdout(),
                self.stderr()
            )
        })
    }
}

/// A CSV results file (BOM, `,`) as reference -> column -> value.
pub fn results_map(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("results");
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b',')
        .from_reader(text.as_bytes());
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            let row: HashMap<String, String> = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["merchant_reference"].clone(), row)
        })
        .collect()
}
