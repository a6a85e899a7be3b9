//! The one request policy (issue #14), through the real binary against the sandbox over
//! loopback: every command survives spurious 401s (on any request, GETs included) and a
//! 429 storm from a server with a small bucket, and completes; the duplicate check lists
//! the window instead of looking each invoice up.

mod common;

use common::{SAMPLE, Sandbox, Test};
use kravia_batch::sandbox::Faults;
use serde_json::Value;
use std::path::PathBuf;

/// A test's sandbox and folder.
struct Env {
    sb: Sandbox,
    t: Test,
}

impl Env {
    fn new() -> Env {
        let sb = Sandbox::start();
        let t = Test::new().sandbox(&sb);
        Env { sb, t }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.t.path(name)
    }

    /// Runs `ARGS --quiet --format json`; returns the exit code, the JSON (null when
    /// stdout is not JSON) and stderr.
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let out = self.t.cmd(args).args(["--quiet", "--format", "json"]).run();
        let json = serde_json::from_slice(out.stdout_bytes()).unwrap_or(Value::Null);
        (out.code().unwrap_or(-1), json, out.stderr())
    }

    fn import(&self, results: &str, extra: &[&str]) -> (i32, Value, String) {
        let r = self.path(results);
        let mut args = vec![
            "import",
            SAMPLE,
            "--results",
            r.to_str().expect("utf-8"),
            "--invoice-channel",
            "merchant",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn count(&self, method: &str, path_part: &str, status: u16) -> usize {
        self.sb
            .ledger()
            .requests
            .iter()
            .filter(|r| {
                r.method == method && r.path.contains(path_part) && r.status_code == Some(status)
            })
            .count()
    }
}

/// A server that drops tokens early on 10 % of all requests and admits 20 requests/s
/// from a bucket of 1, while the tool is told 50/s.
fn hostile() -> Faults {
    Faults {
        rate_limit: Some(20),
        rate_burst: Some(1),
        spurious_401_any: 10,
        spurious_401_seed: 7,
        ..Faults::default()
    }
}

#[test]
fn import_with_the_default_check_survives_401s_and_a_429_storm() {
    let env = Env::new();
    env.sb.set_faults(hostile());
    let (code, json, err) = env.import("results.csv", &["--rate", "50", "--concurrency", "8"]);
    assert_eq!(code, 0, "{json:#}\n{err}");
    assert_eq!(json["counts"]["created"], 25, "{json:#}");
    // The faults really happened, on GETs too.
    assert!(
        env.count("GET", "/v1/transactions", 401) > 0 || env.count("POST", "/v1/sessions", 401) > 0
    );
    assert!(json["rate_limited"].as_u64().unwrap_or(0) > 0, "{json:#}");
    assert!(
        json["settled_rate"].as_f64().unwrap_or(99.0) < 50.0,
        "{json:#}"
    );
    // Each invoice exactly once at the server.
    let ledger = env.sb.ledger();
    let mut refs: Vec<&str> = ledger
        .transactions
        .iter()
        .map(|t| t.merchant_reference.as_str())
        .collect();
    refs.sort_unstable();
    let n = refs.len();
    refs.dedup();
    assert_eq!((n, refs.len()), (25, 25));
    // The check listed the window (one page) rather than looking up 25 references.
    assert_eq!(json["duplicate_check"]["pages"], 1, "{json:#}");
    assert_eq!(json["duplicate_check"]["lookups"], 0, "{json:#}");
    assert_eq!(json["duplicate_check"]["window_days"], 90, "{json:#}");
}

#[test]
fn the_listing_finds_a_file_sent_before_without_a_local_record() {
    let env = Env::new();
    let (code, json, err) = env.import("first.csv", &["--rate", "200"]);
    assert_eq!(code, 0, "{json:#}\n{err}");
    // The local record is lost; the same file with a new journal.
    std::fs::remove_dir_all(env.path("data")).expect("rm data");
    let sent = env.sb.sends();
    env.sb.set_faults(hostile());
    let (code, json, err) = env.import("second.csv", &["--rate", "50"]);
    assert_eq!(code, 1, "{json:#}\n{err}");
    let msg = format!("{json}{err}");
    assert!(msg.contains("found at Dintero"), "{msg}");
    assert_eq!(env.sb.sends(), sent, "nothing sent");
    // One listing request (plus its retries after 401/429), not 25 look-ups.
    let lookups = env
        .sb
        .ledger()
        .requests
        .iter()
        .filter(|r| {
            r.path == "/v1/transactions"
                && r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("merchant_reference"))
        })
        .count();
    assert_eq!(lookups, 0);
}

#[test]
fn status_void_capture_and_download_survive_401s_and_a_429_storm() {
    let env = Env::new();
    let (code, json, err) = env.import("results.csv", &["--rate", "200"]);
    assert_eq!(code, 0, "{json:#}\n{err}");
    env.sb.set_faults(hostile());
    let results = env.path("results.csv");
    let r = results.to_str().expect("utf-8");
    let (code, json, err) = env.run(&["status", r, "--rate", "50"]);
    assert_eq!(code, 0, "status: {json:#}\n{err}");
    assert!(json["rate_limited"].as_u64().unwrap_or(0) > 0, "{json:#}");
    let (code, json, err) = env.run(&["void", r, "--ref", "2026-11-0004", "--yes", "--rate", "50"]);
    assert_eq!(code, 0, "void: {json:#}\n{err}");
    let pdfs = env.path("pdfs");
    let (code, json, err) = env.run(&[
        "capture",
        r,
        "--yes",
        "--rate",
        "50",
        "--download-invoices",
        pdfs.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "capture: {json:#}\n{err}");
    assert!(std::fs::read_dir(&pdfs).map(|d| d.count()).unwrap_or(0) > 0);
    // Every 401 and 429 was answered by a resend, none ended a command.
    assert!(env.count("GET", "/v1/transactions/", 401) + env.count("POST", "/capture", 401) > 0);
}

#[test]
fn the_sandbox_command_takes_a_burst_and_fault_flags() {
    let out = common::run(["sandbox", "--help"]);
    let help = out.stdout();
    for flag in [
        "--burst",
        "--spurious-401",
        "--fail-percent",
        "--drop-percent",
        "--slow-percent",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}
