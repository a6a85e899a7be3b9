//! The binary on a hostile input file (issue #13), as `hostile_input.rs` and
//! `hostile_xlsx.rs` run it: a child under a 4 GiB address-space cap and a timeout,
//! its peak memory read from `wait4`, and what a clean refusal is.

use super::Test;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Peak memory allowed to the child on any hostile file.
pub const MAX_RSS_MB: i64 = 300;

/// How the child ended, its peak memory, what it printed, and how long it ran.
pub struct Outcome {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub rss_mb: i64,
    pub stdout: String,
    pub stderr: String,
    pub secs: f64,
}

impl Outcome {
    /// Refused cleanly: exit 1 or 3, no signal, bounded memory, and stderr or stdout
    /// says `words`.
    pub fn refused(&self, words: &[&str]) {
        let text = format!("{}\n{}", self.stderr, self.stdout);
        eprintln!(
            "exit {:?}, signal {:?}, peak {} MB, {:.1} s",
            self.code, self.signal, self.rss_mb, self.secs
        );
        assert!(
            matches!(self.code, Some(1 | 3)),
            "exit {:?} signal {:?}, {} MB: {text}",
            self.code,
            self.signal,
            self.rss_mb
        );
        assert!(
            self.rss_mb < MAX_RSS_MB,
            "peak memory {} MB (limit {MAX_RSS_MB}): {text}",
            self.rss_mb
        );
        for w in words {
            assert!(text.contains(w), "message lacks {w:?}: {text}");
        }
    }
}

/// Runs the binary with `args`, kills it after `timeout`, and reports its exit, peak
/// memory (`ru_maxrss` of `wait4`) and output.
pub fn run(args: &[&str], timeout: Duration) -> Outcome {
    let t = Test::new();
    let out_path = t.path("out");
    let err_path = t.path("err");
    let start = Instant::now();
    use std::os::unix::process::CommandExt;
    let mut cmd = t.cmd(args).into_std();
    cmd.stdin(Stdio::null())
        // A regression must fail here, not take the shared machine's memory.
        .process_group(0)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    // SAFETY: only setrlimit, which is async-signal-safe, runs in the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our own child, not yet reaped; the pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > timeout && !killed {
            // SAFETY: sending a signal to our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::mem::forget(child);
    let secs = start.elapsed().as_secs_f64();
    assert!(
        !killed,
        "still running after {timeout:?} (a hang): killed; args {args:?}"
    );
    let exited = libc::WIFEXITED(status);
    Outcome {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        rss_mb: usage.ru_maxrss / 1024,
        stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
        secs,
    }
}

/// `validate FILE --quiet`, with a minute to finish.
pub fn validate(file: &Path) -> Outcome {
    run(
        &["validate", file.to_str().unwrap(), "--quiet"],
        Duration::from_secs(60),
    )
}

/// `tests/data/NAME`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}
