//! The live import through the real binary against the sandbox over loopback HTTP: a
//! clean import, every fault class, and what stops a run before it sends. Each ends with
//! every invoice created exactly once and the results file agreeing with the sandbox's
//! ledger. Runs that stop and resume: `import_resume.rs`; the two-step flow:
//! `import_two_step.rs`.

mod common;

use common::import::{assert_exactly_once, import, import_cmd, live};
use common::sandbox::{self, dintero_env};
use common::{SAMPLE, Sandbox, Test, results_map};
use kravia_batch::sandbox::{FaultRule, Faults, SandboxConfig};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[test]
fn clean_import_sends_exactly_the_dry_run_payloads() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let payloads = t.path("payloads.jsonl");
    t.cmd(["validate", "--quiet", SAMPLE, "--emit-payloads"])
        .arg(&payloads)
        .assert()
        .success();
    let (code, json) = import(&t, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["created"], 25);
    assert_eq!(
        json["reconciled"], true,
        "results totals differ from the dry run's"
    );
    assert_exactly_once(&sb, &results_path);
    // The ledger's accepted bodies equal the dry run's payloads, field by field.
    let expected: HashMap<String, Value> = std::fs::read_to_string(&payloads)
        .expect("payloads")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            (
                v["session"]["order"]["merchant_reference"]
                    .as_str()
                    .expect("ref")
                    .to_string(),
                v,
            )
        })
        .collect();
    let ledger = sb.ledger();
    let sent: Vec<_> = ledger
        .requests_to("POST", "/v1/sessions/pay")
        .into_iter()
        .filter(|r| r.status_code == Some(200))
        .collect();
    assert_eq!(sent.len(), 25);
    for r in sent {
        let reference = r.body["session"]["order"]["merchant_reference"]
            .as_str()
            .expect("ref");
        assert_eq!(&r.body, &expected[reference], "{reference}");
        assert_eq!(
            r.toggles,
            vec!["strict-success-merchant-reference".to_string()]
        );
        assert_eq!(r.system_name.as_deref(), Some("kravia-batch"));
    }
    // Totals created equal the dry run's.
    assert_eq!(
        json["totals"]["created"][0]["amount"].as_i64().map(|_| ()),
        Some(())
    );
}

/// The sample imported against a sandbox with `faults`: the sandbox, the exit code, the
/// summary, the test's folder and the results path.
fn fault_run(faults: Faults, extra: &[&str]) -> (Sandbox, i32, Value, Test, PathBuf) {
    let sb = Sandbox::with_faults(faults);
    let (t, results_path) = live(&sb);
    let (code, json) = import(&t, &results_path, extra);
    (sb, code, json, t, results_path)
}

#[test]
fn a_429_storm_is_paced_and_every_invoice_created_once() {
    let faults = Faults {
        rate_limit: Some(5),
        ..Faults::default()
    };
    let (sb, code, json, _t, path) = fault_run(faults, &["--rate", "100"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(
        json["rate_limited"].as_u64().unwrap_or(0) > 0,
        "no 429 seen: {json:#}"
    );
    assert_exactly_once(&sb, &path);
}

#[test]
fn a_503_before_commit_is_retried() {
    let faults = Faults {
        fail_before_commit: FaultRule::EveryNth(3),
        ..Faults::default()
    };
    let (sb, code, json, _t, path) = fault_run(faults, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn a_dropped_connection_after_commit_is_looked_up_not_resent() {
    let faults = Faults {
        drop_after_commit: FaultRule::EveryNth(4),
        ..Faults::default()
    };
    let (sb, code, json, _t, path) = fault_run(faults, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn an_answer_after_the_timeout_is_looked_up_not_resent() {
    let faults = Faults {
        slow_after_commit: Some((FaultRule::EveryNth(5), Duration::from_secs(2))),
        ..Faults::default()
    };
    let (sb, code, json, _t, path) = fault_run(faults, &["--request-timeout", "0.5"]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn token_expiry_and_spurious_401_refresh_the_token() {
    let sb = Sandbox::with_config(SandboxConfig {
        token_lifetime: Duration::from_secs(1),
        ..sandbox::config(Faults {
            spurious_401: FaultRule::EveryNth(3),
            ..Faults::default()
        })
    });
    let (t, results_path) = live(&sb);
    let (code, json) = import(&t, &results_path, &["--rate", "10"]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
    let tokens = sb
        .ledger()
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/auth/token"))
        .count();
    assert!(tokens >= 2, "expected token refreshes, saw {tokens}");
}

#[test]
fn a_failed_transaction_is_a_failure_and_not_retried() {
    let refs = vec!["2026-11-0003".to_string(), "2026-11-0010".to_string()];
    let faults = Faults {
        fail_status: FaultRule::References(refs.clone()),
        ..Faults::default()
    };
    let (sb, code, json, _t, path) = fault_run(faults, &[]);
    assert_eq!(code, 4, "{json:#}");
    let rows = results_map(&path);
    for r in &refs {
        assert_eq!(rows[r]["status"], "failed");
        assert!(!rows[r]["error"].is_empty());
        assert_eq!(
            sb.ledger()
                .requests_to("POST", "/v1/sessions/pay")
                .iter()
                .filter(|q| q.body["session"]["order"]["merchant_reference"] == r.as_str())
                .count(),
            1,
            "{r} retried"
        );
    }
    assert_eq!(json["counts"]["created"], 23);
}

#[test]
fn a_file_with_errors_sends_nothing() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let out = import_cmd(
        &t,
        Path::new("tests/data/17-bad-no-orgnr.csv"),
        &results_path,
        &[],
    )
    .run();
    assert_eq!(out.code(), Some(1));
    assert!(sb.ledger().requests.is_empty());
}

#[test]
fn secrets_never_reach_output_or_results() {
    let sb = Sandbox::with_faults(Faults {
        spurious_401: FaultRule::EveryNth(2),
        ..Faults::default()
    });
    let (t, results_path) = live(&sb);
    let out = import_cmd(&t, Path::new(SAMPLE), &results_path, &[]).run();
    let all = format!(
        "{}{}{}",
        out.stdout(),
        out.stderr(),
        std::fs::read_to_string(&results_path).unwrap_or_default()
    );
    assert!(!all.contains("sandbox-secret"));
    let journal = std::fs::read(results_path.with_file_name("results.csv.journal.sqlite"))
        .unwrap_or_default();
    assert!(!String::from_utf8_lossy(&journal).contains("sandbox-secret"));
}

#[test]
fn the_readme_command_runs_against_the_in_process_sandbox() {
    let t = Test::new().copy("samples/november-2026-no.csv", "november.csv");
    let input = t.path("november.csv");
    for _ in 0..2 {
        let out = t
            .cmd(["import", "--quiet", "--sandbox", "--rate", "200"])
            .arg(&input)
            .run();
        assert_eq!(out.code(), Some(0), "{}", out.stderr());
        assert!(out.stdout().contains("created 25") || out.stdout().contains("created 0"));
    }
    // Norwegian Excel: UTF-8 with BOM and the input's ';'.
    // A rehearsal's results are never where the live run's go.
    assert!(!t.path("november.results.csv").exists());
    let text = std::fs::read(t.path("november.rehearsal.results.csv")).expect("results");
    assert!(text.starts_with(b"\xEF\xBB\xBFmerchant_reference;status;"));
}

#[test]
fn a_production_account_needs_live_and_the_confirmed_total() {
    use kravia_batch::sandbox::Account;
    let mut config = SandboxConfig::default();
    config.accounts.push(Account {
        account_id: "P12345678".into(),
        client_id: "prod-client".into(),
        client_secret: "prod-secret".into(),
    });
    let sb = Sandbox::with_config(config);
    let (t, results_path) = live(&sb);
    let prod = |extra: &[&str]| {
        import_cmd(&t, Path::new(SAMPLE), &results_path, extra)
            .env("DINTERO_ACCOUNT_ID", "P12345678")
            .env("DINTERO_CLIENT_ID", "prod-client")
            .env("DINTERO_CLIENT_SECRET", "prod-secret")
            .run()
    };
    // Without --live: refused, nothing sent.
    let out = prod(&[]);
    assert_eq!(out.code(), Some(2), "{}", out.stderr());
    assert!(out.stderr().contains("PRODUCTION"));
    // --live without a terminal needs --confirm-total; a wrong total is refused.
    assert_eq!(prod(&["--live"]).code(), Some(2));
    assert_eq!(
        prod(&["--live", "--confirm-total", "NOK=1,SEK=12800.00,EUR=681.50"]).code(),
        Some(2)
    );
    assert!(
        sb.ledger()
            .requests
            .iter()
            .all(|r| !r.path.contains("sessions")),
        "something was sent"
    );
    // The right totals: sent.
    let out = prod(&[
        "--live",
        "--confirm-total",
        "NOK=136919.68,SEK=12800.00,EUR=681.50",
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn an_unreachable_dintero_stops_before_sending_with_exit_3() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let t = Test::new().envs(dintero_env(&format!("http://127.0.0.1:{port}")));
    let results_path = t.path("results.csv");
    let started = std::time::Instant::now();
    let out = t
        .cmd(["import", "--quiet", SAMPLE, "--results"])
        .arg(&results_path)
        .run();
    assert_eq!(out.code(), Some(3));
    let stderr = out.stderr();
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(!stderr.contains("sandbox-secret"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn skip_invalid_never_sends_an_invoice_missing_an_unreadable_row() {
    // Row 4 (a line of 2026-11-0101) has a cell too many: its invoice is incomplete, so
    // --skip-invalid sends the other five and lists 0101 as not sent.
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let out = import_cmd(
        &t,
        Path::new("tests/data/06-inconsistent-field-count.csv"),
        &results_path,
        &["--skip-invalid"],
    )
    .run();
    assert_eq!(out.code(), Some(4), "{}", out.stderr());
    let ledger = sb.ledger();
    assert!(ledger.transactions_by_reference("2026-11-0101").is_empty());
    assert_eq!(ledger.transactions.len(), 5);
    assert_eq!(
        results_map(&results_path)["2026-11-0101"]["status"],
        "not_sent"
    );
}

#[test]
fn skip_invalid_sends_nothing_when_a_row_in_error_names_no_invoice() {
    // A line whose merchant_reference is empty could belong to any invoice.
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let cut = lines[3].find(',').expect("comma");
    lines[3] = lines[3][cut..].to_string();
    let broken = t.path("month.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").expect("write");
    let out = import_cmd(&t, &broken, &results_path, &["--skip-invalid"]).run();
    let stderr = out.stderr();
    assert_eq!(out.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("row(s) 4 have errors and name no invoice"),
        "{stderr}"
    );
    assert!(sb.ledger().requests.is_empty(), "something was sent");
}

#[test]
fn a_live_import_writes_the_report_annotated_copy_and_payloads_asked_for() {
    let sb = Sandbox::start();
    let (t, results_path) = live(&sb);
    let (annotated, report, payloads) = (
        t.path("checked.csv"),
        t.path("errors.csv"),
        t.path("payloads.jsonl"),
    );
    let (code, json) = import(
        &t,
        &results_path,
        &[
            "--annotate",
            annotated.to_str().expect("utf-8"),
            "--report",
            report.to_str().expect("utf-8"),
            "--emit-payloads",
            payloads.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    let copy = std::fs::read_to_string(&annotated).expect("annotated copy");
    assert_eq!(copy.lines().filter(|l| l.ends_with(",ok,")).count(), 60);
    assert!(report.is_file());
    assert_eq!(
        std::fs::read_to_string(&payloads)
            .expect("payloads")
            .lines()
            .count(),
        25
    );
}
