//! The tool under careless use, seen from the exit code: a server that does not speak
//! TLS, a reader that goes away, two imports at once, an OS error, a plan that never ends.
//! Each test runs the real binary: the exit code stays within 0-5, the failure is said in
//! words (once), and never is the process ended by a signal.

mod common;

use common::{SAMPLE, Sandbox, Test, crate_root};
use kravia_batch::sandbox::Faults;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Exit codes stay within 0-5

#[test]
fn https_to_a_plain_http_server_is_an_error_with_words_not_a_signal() {
    let t = Test::new().in_folder();
    let d = t.dir();
    let sb = Sandbox::start();
    let https = sb.base_url().replace("http://", "https://");
    for args in [
        vec!["config", "check"],
        vec!["import", "in.csv", "--quiet"],
        vec!["status", "r.csv"],
    ] {
        std::fs::copy(SAMPLE, d.join("in.csv")).expect("copy");
        std::fs::write(
            d.join("r.csv"),
            "merchant_reference,status,transaction_id\n2026-11-0001,created,T1\n",
        )
        .expect("write");
        let out = t
            .bin()
            .sandbox(&sb)
            .env("DINTERO_API_URL", format!("{https}/v1"))
            .env("DINTERO_CHECKOUT_URL", format!("{https}/v1"))
            .args(&args)
            .timeout(Duration::from_secs(60))
            .run();
        let code = out.code();
        assert!(
            matches!(code, Some(0..=5)),
            "{args:?}: ended by {:?}; stderr {}",
            out.status(),
            out.stderr()
        );
        assert_ne!(code, Some(0), "{args:?}");
        let said = out.stderr() + &out.stdout();
        assert!(!said.trim().is_empty(), "{args:?}: printed nothing");
    }
}

#[test]
fn a_reader_that_goes_away_does_not_change_the_exit_code() {
    let mut child = Test::new()
        .cmd(["validate", SAMPLE])
        .into_std()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = common::Output::from(child.wait_with_output().expect("wait"));
    assert_eq!(out.code(), Some(0), "{:?}", out.status());
    assert!(!out.stderr().contains("panicked"), "{}", out.stderr());
}

#[test]
fn an_os_error_is_said_once() {
    let t = Test::new().in_folder();
    for args in [
        vec!["validate", "missing.csv"],
        vec!["validate", SAMPLE, "--mapping", "missing.toml"],
        vec!["status", "missing.results.csv"],
    ] {
        let out = t.cmd(&args).current_dir(crate_root()).run();
        assert_eq!(out.code(), Some(3), "{args:?}");
        let err = out.stderr();
        assert_eq!(err.matches("os error 2").count(), 1, "{args:?}: {err}");
    }
}

/// A socket write to a peer that hung up must be an error the command reports, never a
/// death by SIGPIPE (exit 141, nothing printed): the process keeps SIGPIPE ignored, as
/// Rust's runtime sets it. Checked on a running process through /proc, so it does not
/// depend on winning a race against a server's reset.
#[cfg(target_os = "linux")]
#[test]
fn sigpipe_stays_ignored_while_the_tool_talks_to_servers() {
    use std::io::BufRead;
    let mut child = Test::new()
        .cmd(["sandbox", "--port", "0"])
        .into_std()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("line");
    assert!(first.contains("listening"), "{first}");
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("proc status");
    let _ = child.kill();
    let _ = child.wait();
    let ignored = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).expect("mask"))
        .expect("SigIgn");
    const SIGPIPE: u32 = 13;
    assert_ne!(ignored & (1 << (SIGPIPE - 1)), 0, "SIGPIPE is not ignored");
}

#[cfg(unix)]
#[test]
fn a_plan_that_never_ends_is_refused_at_once() {
    let t = Test::new().in_folder().copy(SAMPLE, "in.csv");
    let out = t
        .cmd([
            "import",
            "in.csv",
            "--sandbox",
            "--quiet",
            "--plan",
            "/dev/zero",
        ])
        .timeout(Duration::from_secs(60))
        .run();
    assert_eq!(out.code(), Some(3), "{}", out.stderr());
    assert!(out.stderr().contains("/dev/zero"), "{}", out.stderr());
}

// ---------------------------------------------------------------------------------------
// Two imports at once

#[test]
fn a_second_import_at_the_same_time_refuses_at_the_start() {
    let t = Test::new().in_folder().copy(SAMPLE, "november.csv");
    let d = t.dir();
    let sb = Sandbox::with_faults(Faults {
        latency: Duration::from_millis(100),
        ..Faults::default()
    });
    // `import november.csv --quiet EXTRA...` against the sandbox.
    let import = |extra: &[&str]| {
        t.cmd(["import", "november.csv", "--quiet"])
            .args(extra)
            .sandbox(&sb)
    };
    let mut first = import(&["--rate", "5", "--concurrency", "1"])
        .into_std()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the first run is sending.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sb.ledger().transactions.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !sb.ledger().transactions.is_empty(),
        "the first run never sent"
    );
    // The same command again: the journal is taken.
    let out = import(&[]).run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout());
    let err = out.stderr();
    assert!(
        err.contains("another kravia-batch import is running"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    // Another results path, same account: the account is taken.
    let out = import(&["--results", "other.csv"]).run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout());
    assert!(
        out.stderr().contains("for account T12345678"),
        "{}",
        out.stderr()
    );
    assert!(!d.join("other.csv").exists());
    let _ = std::process::Command::new("kill")
        .args(["-INT", &first.id().to_string()])
        .status();
    let status = first.wait().expect("wait");
    assert!(matches!(status.code(), Some(0 | 5)), "{status:?}");
    // Every invoice is created once, in the end.
    let out = import(&["--rate", "500"]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let ledger = sb.ledger();
    assert_eq!(ledger.transactions.len(), 25);
}
