//! What a release carries, through the real binary: `--version` with the commit,
//! shell completions and man pages from the clap definition, and the `-v`/`RUST_LOG`
//! diagnostics on stderr (stdout unchanged, no secret ever logged).

use assert_cmd::Command;
use std::process::Output;

/// The binary with no logging asked for by the environment the tests run in.
fn bin() -> Command {
    let mut cmd = Command::cargo_bin("kravia-batch").expect("bin");
    cmd.env_remove("RUST_LOG").env_remove("KRAVIA_BATCH_CONFIG");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| text(&out.stdout).trim().to_owned())
}

#[test]
fn version_names_the_commit() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    let line = text(&out.stdout);
    let prefix = concat!("kravia-batch ", env!("CARGO_PKG_VERSION"), " (");
    let inner = line
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line:?}"));
    assert_eq!(text(&run(&["-V"]).stdout), line, "-V and --version agree");
    if inner == "unknown" {
        // Only a build without git (a tarball) may say so; CI builds a clone.
        let top = git(&["rev-parse", "--show-toplevel"]);
        assert!(
            top.is_none_or(|t| std::fs::canonicalize(t).ok()
                != std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).ok()),
            "built in a checkout, yet --version says {line:?}"
        );
        return;
    }
    // `abc1234 2026-12-06` or `abc1234-dirty 2026-12-06`.
    let (commit, date) = inner.split_once(' ').unwrap_or_else(|| panic!("{line:?}"));
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{line:?}"
    );
    let d = date.as_bytes();
    assert!(
        d.len() == 10
            && d[4] == b'-'
            && d[7] == b'-'
            && date.replace('-', "").bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    if let Some(head) = git(&["rev-parse", "HEAD"]) {
        assert!(
            head.starts_with(hash),
            "--version says {hash}, HEAD is {head}"
        );
    }
}
