//! The live import run again, through the real binary against the sandbox over loopback
//! HTTP: a second run of a finished file, a lost journal, a `kill -9` and a Ctrl-C in the
//! middle, an invoice changed or fixed between runs. Each ends with every invoice created
//! exactly once (or nothing sent) and the results file agreeing with the sandbox's ledger.

mod common;

use common::import::{assert_exactly_once, import, import_cmd, live, spawn_import};
use common::{SAMPLE, Sandbox, Test, results_map};
use kravia_batch::sandbox::{Faults, Ledger};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Starts the sample's import at 8 invoices a second, waits until `ready` holds for the
/// sandbox's ledger, then sends SIGINT (as Ctrl-C does) and returns what the process
/// printed.
fn interrupted_run(
    sb: &Sandbox,
    t: &Test,
    results_path: &Path,
    ready: impl Fn(&Ledger) -> bool,
) -> common::Output {
    let extra = ["--rate", "8", "--concurrency", "2"];
    let child = spawn_import(sb, t, results_path, &extra, ready);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    child.wait_with_output().expect("wait").into()
}

/// A sandbox that answers every request after `latency`.
fn slow_sandbox(latency: Duration) -> Sandbox {
    Sandbox::with_faults(Faults {
        latency,
        ..Faults::default()
    })
}

#[test]
fn a_second_run_of_a_finished_file_sends_nothing() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    assert_eq!(import(&t, &results_path, &[]).0, 0);
    let before = sb.ledger().requests.len();
    let (code, json) = import(&t, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        sb.ledger().requests.len(),
        before,
        "the second run sent requests"
    );
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn a_lost_journal_meets_duplicates_as_already_exists() {
    let sb = Sandbox::start();
    let (t, first) = live(&sb);
    assert_eq!(import(&t, &first, &[]).0, 0);
    // Same file, another results path (journal lost): the cross-run guard finds each one
    // (tests/plan_guard.rs shows the refusal); with --skip-invoiced they are
    // already_exists and nothing new is created.
    let second = t.path("again.csv");
    let (code, json) = import(&t, &second, &["--skip-invoiced"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["already_exists"], 25, "{json:#}");
    assert_exactly_once(&sb, &second);
}

#[test]
fn kill_9_in_the_middle_then_the_same_command_finishes_without_duplicates() {
    let sb = slow_sandbox(Duration::from_millis(50));
    let (t, results_path) = live(&sb);
    // Wait until some, but not all, invoices exist, then kill -9.
    let mut child = spawn_import(
        &sb,
        &t,
        &results_path,
        &["--rate", "8", "--concurrency", "2"],
        |l| l.transactions.len() >= 5,
    );
    child.kill().expect("kill");
    let _ = child.wait();
    let created_before = sb.ledger().transactions.len();
    assert!(
        created_before > 0 && created_before < 25,
        "killed at {created_before}"
    );
    let (code, json) = import(&t, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn an_invoice_changed_since_the_journal_stops_the_run() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    assert_eq!(import(&t, &results_path, &[]).0, 0);
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let changed = t.path("changed.csv");
    // The first line of 2026-11-0001 changes its description.
    std::fs::write(
        &changed,
        text.replacen("Rådgivning, november", "Rådgivning, desember", 1),
    )
    .expect("write");
    let before = sb.ledger().requests.len();
    let out = import_cmd(&t, &changed, &results_path, &[]).run();
    assert_eq!(out.code(), Some(1), "{}", out.stderr());
    assert!(out.stderr().contains("2026-11-0001"));
    assert_eq!(sb.ledger().requests.len(), before);
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_5_and_the_same_command_resumes() {
    let sb = slow_sandbox(Duration::from_millis(50));
    let (t, results_path) = live(&sb);
    let out = interrupted_run(&sb, &t, &results_path, |l| l.transactions.len() >= 5);
    assert_eq!(out.code(), Some(5), "{}", out.stderr());
    let json: Value = out.json();
    assert_eq!(json["interrupted"], true);
    // The results file exists and names what was created so far.
    let partial = results_map(&results_path);
    assert_eq!(partial.len(), 25);
    assert!(partial.values().any(|r| r["status"] == "created"));
    assert!(partial.values().any(|r| r["status"] == "not_sent"));
    let (code, json) = import(&t, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn an_invoice_fixed_after_a_skip_invalid_run_is_sent_by_the_next_run() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    // Break 2026-11-0003's organization number (974 760 673 is valid; ...674 is not).
    let broken = t.path("month.csv");
    std::fs::write(&broken, text.replacen("974 760 673", "974 760 674", 1)).expect("write");
    let out = import_cmd(&t, &broken, &results_path, &["--skip-invalid"]).run();
    assert_eq!(out.code(), Some(4), "{}", out.stderr());
    assert_eq!(
        results_map(&results_path)["2026-11-0003"]["status"],
        "not_sent"
    );
    // Fixed in the export, the same command sends it and nothing else.
    std::fs::write(&broken, &text).expect("write");
    let out = import_cmd(&t, &broken, &results_path, &[]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn ctrl_c_while_the_guard_checks_sends_nothing_and_exits_5() {
    // The check lists the window in one request: a slow answer leaves time to interrupt.
    let sb = slow_sandbox(Duration::from_millis(1500));
    let (t, results_path) = live(&sb);
    // Interrupt during the guard's listing (GET /v1/transactions).
    let out = interrupted_run(&sb, &t, &results_path, |l| {
        !l.requests_to("GET", "/v1/transactions").is_empty()
    });
    let stderr = out.stderr();
    assert_eq!(out.code(), Some(5), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    let json: Value = out.json();
    assert_eq!(json["exit_code"], 5);
    assert!(
        sb.ledger()
            .requests
            .iter()
            .all(|r| r.method != "POST" || r.path.contains("auth")),
        "something was sent"
    );
    // The same command then runs to the end.
    let (code, json) = import(&t, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}
