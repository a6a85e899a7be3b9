//! The live import through the real binary against the sandbox over loopback HTTP:
//! a clean import, a second run, every fault class, and a kill -9 in the middle. Each
//! ends with every invoice created exactly once and the results file agreeing with the
//! sandbox's ledger.

mod common;

use assert_cmd::Command;
use kravia_batch::sandbox::{BlockingSandbox, FaultRule, Faults, SandboxConfig, start_blocking};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SAMPLE: &str = "samples/november-2026-canonical.csv";

fn sandbox(faults: Faults) -> BlockingSandbox {
    start_blocking(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

fn std_cmd(
    sb: &BlockingSandbox,
    input: &Path,
    results: &Path,
    extra: &[&str],
) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kravia-batch"));
    cmd.args(["import", "--quiet", "--format", "json"]);
    if !extra.contains(&"--rate") {
        cmd.args(["--rate", "200"]);
    }
    if !extra.contains(&"--concurrency") {
        cmd.args(["--concurrency", "8"]);
    }
    cmd.arg(input)
        .arg("--results")
        .arg(results)
        .args(extra)
        .env("DINTERO_ACCOUNT_ID", "T12345678")
        .env("DINTERO_CLIENT_ID", "sandbox-client")
        .env("DINTERO_CLIENT_SECRET", "sandbox-secret")
        .env("DINTERO_API_URL", format!("{}/v1", sb.base_url()))
        .env("DINTERO_CHECKOUT_URL", format!("{}/v1", sb.base_url()))
        .env_remove("DINTERO_CLIENT_SECRET_FILE")
        // The local record of invoiced references, and any config file: the test's own.
        .env("KRAVIA_BATCH_DATA_DIR", test_dir(results).join("data"))
        .env("XDG_CONFIG_HOME", test_dir(results))
        .env_remove("KRAVIA_BATCH_CONFIG");
    cmd
}

/// The test's temporary folder (where its results file is).
fn test_dir(results: &Path) -> PathBuf {
    results.parent().unwrap_or(Path::new(".")).to_path_buf()
}

fn import_cmd(sb: &BlockingSandbox, input: &Path, results: &Path, extra: &[&str]) -> Command {
    Command::from_std(std_cmd(sb, input, results, extra))
}

fn import(sb: &BlockingSandbox, results: &Path, extra: &[&str]) -> (i32, Value) {
    let out = import_cmd(sb, Path::new(SAMPLE), results, extra)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|_| {
        panic!(
            "stdout is not JSON: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn results(path: &Path) -> HashMap<String, HashMap<String, String>> {
    common::results_map(path)
}

/// Every invoice of the sample exists exactly once, and the results file names it.
fn assert_exactly_once(sb: &BlockingSandbox, results_path: &Path) {
    let ledger = sb.ledger();
    let rows = results(results_path);
    assert_eq!(rows.len(), 25, "results rows");
    for (reference, row) in &rows {
        let ok = ledger.successful_by_reference(reference);
        assert_eq!(
            ok.len(),
            1,
            "{reference}: {} successful transactions",
            ok.len()
        );
        assert!(
            matches!(row["status"].as_str(), "created" | "already_exists"),
            "{reference}: {row:?}"
        );
        assert_eq!(row["transaction_id"], ok[0].id, "{reference}");
        assert!(
            !row["invoice_number"].is_empty(),
            "{reference}: no invoice number"
        );
    }
}

/// Starts the sample's import against a sandbox answering after 50 ms, at 8 invoices a
/// second, waits until `ready` holds for the sandbox's ledger, then sends SIGINT (as
/// Ctrl-C does) and returns what the process printed.
fn interrupted_run(
    sb: &BlockingSandbox,
    results_path: &Path,
    ready: impl Fn(&kravia_batch::sandbox::Ledger) -> bool,
) -> std::process::Output {
    let child = std_cmd(
        sb,
        Path::new(SAMPLE),
        results_path,
        &["--rate", "8", "--concurrency", "2"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !ready(&sb.ledger()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    child.wait_with_output().expect("wait")
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let results = dir.path().join("results.csv");
    (dir, results)
}

#[test]
fn clean_import_sends_exactly_the_dry_run_payloads() {
    let sb = sandbox(Faults::default());
    let (dir, results_path) = tmp();
    let payloads = dir.path().join("payloads.jsonl");
    Command::cargo_bin("kravia-batch")
        .expect("bin")
        .args(["validate", "--quiet", SAMPLE, "--emit-payloads"])
        .arg(&payloads)
        .assert()
        .success();
    let (code, json) = import(&sb, &results_path, &[]);
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

#[test]
fn a_second_run_of_a_finished_file_sends_nothing() {
    let sb = sandbox(Faults::default());
    let (_dir, results_path) = tmp();
    assert_eq!(import(&sb, &results_path, &[]).0, 0);
    let before = sb.ledger().requests.len();
    let (code, json) = import(&sb, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        sb.ledger().requests.len(),
        before,
        "the second run sent requests"
    );
    assert_exactly_once(&sb, &results_path);
}

fn fault_run(
    faults: Faults,
    extra: &[&str],
) -> (BlockingSandbox, i32, Value, tempfile::TempDir, PathBuf) {
    let sb = sandbox(faults);
    let (dir, results_path) = tmp();
    let (code, json) = import(&sb, &results_path, extra);
    (sb, code, json, dir, results_path)
}

#[test]
fn a_429_storm_is_paced_and_every_invoice_created_once() {
    let faults = Faults {
        rate_limit: Some(5),
        ..Faults::default()
    };
    let (sb, code, json, _d, path) = fault_run(faults, &["--rate", "100"]);
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
    let (sb, code, json, _d, path) = fault_run(faults, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn a_dropped_connection_after_commit_is_looked_up_not_resent() {
    let faults = Faults {
        drop_after_commit: FaultRule::EveryNth(4),
        ..Faults::default()
    };
    let (sb, code, json, _d, path) = fault_run(faults, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn an_answer_after_the_timeout_is_looked_up_not_resent() {
    let faults = Faults {
        slow_after_commit: Some((FaultRule::EveryNth(5), Duration::from_secs(2))),
        ..Faults::default()
    };
    let (sb, code, json, _d, path) = fault_run(faults, &["--request-timeout", "0.5"]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &path);
}

#[test]
fn token_expiry_and_spurious_401_refresh_the_token() {
    let sb = start_blocking(SandboxConfig {
        faults: Faults {
            spurious_401: FaultRule::EveryNth(3),
            ..Faults::default()
        },
        token_lifetime: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let (_dir, results_path) = tmp();
    let (code, json) = import(&sb, &results_path, &["--rate", "10"]);
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
fn a_lost_journal_meets_duplicates_as_already_exists() {
    let sb = sandbox(Faults::default());
    let (dir, first) = tmp();
    assert_eq!(import(&sb, &first, &[]).0, 0);
    // Same file, another results path (journal lost): the cross-run guard finds each one
    // (tests/plan_guard.rs shows the refusal); with --skip-invoiced they are
    // already_exists and nothing new is created.
    let second = dir.path().join("again.csv");
    let (code, json) = import(&sb, &second, &["--skip-invoiced"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["already_exists"], 25, "{json:#}");
    assert_exactly_once(&sb, &second);
}

#[test]
fn a_failed_transaction_is_a_failure_and_not_retried() {
    let refs = vec!["2026-11-0003".to_string(), "2026-11-0010".to_string()];
    let faults = Faults {
        fail_status: FaultRule::References(refs.clone()),
        ..Faults::default()
    };
    let (sb, code, json, _d, path) = fault_run(faults, &[]);
    assert_eq!(code, 4, "{json:#}");
    let rows = results(&path);
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
fn kill_9_in_the_middle_then_the_same_command_finishes_without_duplicates() {
    let sb = sandbox(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    let mut child = (std_cmd(
        &sb,
        Path::new(SAMPLE),
        &results_path,
        &["--rate", "8", "--concurrency", "2"],
    ))
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("spawn");
    // Wait until some, but not all, invoices exist, then kill -9.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = sb.ledger().transactions.len();
        if n >= 5 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let created_before = sb.ledger().transactions.len();
    assert!(
        created_before > 0 && created_before < 25,
        "killed at {created_before}"
    );
    let (code, json) = import(&sb, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn an_invoice_changed_since_the_journal_stops_the_run() {
    let sb = sandbox(Faults::default());
    let (dir, results_path) = tmp();
    assert_eq!(import(&sb, &results_path, &[]).0, 0);
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let changed = dir.path().join("changed.csv");
    // The first line of 2026-11-0001 changes its description.
    std::fs::write(
        &changed,
        text.replacen("Rådgivning, november", "Rådgivning, desember", 1),
    )
    .expect("write");
    let before = sb.ledger().requests.len();
    let out = import_cmd(&sb, &changed, &results_path, &[])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-11-0001"));
    assert_eq!(sb.ledger().requests.len(), before);
}

#[test]
fn a_file_with_errors_sends_nothing() {
    let sb = sandbox(Faults::default());
    let (_dir, results_path) = tmp();
    let out = import_cmd(
        &sb,
        Path::new("tests/data/17-bad-no-orgnr.csv"),
        &results_path,
        &[],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(sb.ledger().requests.is_empty());
}

#[test]
fn secrets_never_reach_output_or_results() {
    let sb = sandbox(Faults {
        spurious_401: FaultRule::EveryNth(2),
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    let out = import_cmd(&sb, Path::new(SAMPLE), &results_path, &[])
        .output()
        .expect("run");
    let all = format!(
        "{}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&results_path).unwrap_or_default()
    );
    assert!(!all.contains("sandbox-secret"));
    let journal = std::fs::read(results_path.with_file_name("results.csv.journal.sqlite"))
        .unwrap_or_default();
    assert!(!String::from_utf8_lossy(&journal).contains("sandbox-secret"));
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_5_and_the_same_command_resumes() {
    let sb = sandbox(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    let out = interrupted_run(&sb, &results_path, |l| l.transactions.len() >= 5);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["interrupted"], true);
    // The results file exists and names what was created so far.
    let partial = results(&results_path);
    assert_eq!(partial.len(), 25);
    assert!(partial.values().any(|r| r["status"] == "created"));
    assert!(partial.values().any(|r| r["status"] == "not_sent"));
    let (code, json) = import(&sb, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn the_readme_command_runs_against_the_in_process_sandbox() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("november.csv");
    std::fs::copy("samples/november-2026-no.csv", &input).expect("copy");
    for _ in 0..2 {
        let out = Command::cargo_bin("kravia-batch")
            .expect("bin")
            .args(["import", "--quiet", "--sandbox", "--rate", "200"])
            .arg(&input)
            .env_remove("DINTERO_CLIENT_SECRET")
            .env("KRAVIA_BATCH_DATA_DIR", dir.path().join("data"))
            .env("XDG_CONFIG_HOME", dir.path())
            .env_remove("KRAVIA_BATCH_CONFIG")
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("created 25")
                || String::from_utf8_lossy(&out.stdout).contains("created 0")
        );
    }
    // Norwegian Excel: UTF-8 with BOM and the input's ';'.
    // A rehearsal's results are never where the live run's go.
    assert!(!dir.path().join("november.results.csv").exists());
    let text = std::fs::read(dir.path().join("november.rehearsal.results.csv")).expect("results");
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
    let sb = start_blocking(config).expect("sandbox");
    let (_dir, results_path) = tmp();
    let prod = |extra: &[&str]| {
        import_cmd(&sb, Path::new(SAMPLE), &results_path, extra)
            .env("DINTERO_ACCOUNT_ID", "P12345678")
            .env("DINTERO_CLIENT_ID", "prod-client")
            .env("DINTERO_CLIENT_SECRET", "prod-secret")
            .output()
            .expect("run")
    };
    // Without --live: refused, nothing sent.
    let out = prod(&[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("PRODUCTION"));
    // --live without a terminal needs --confirm-total; a wrong total is refused.
    assert_eq!(prod(&["--live"]).status.code(), Some(2));
    assert_eq!(
        prod(&["--live", "--confirm-total", "NOK=1,SEK=12800.00,EUR=681.50"])
            .status
            .code(),
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
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let (_dir, results_path) = tmp();
    let started = std::time::Instant::now();
    let out = Command::cargo_bin("kravia-batch")
        .expect("bin")
        .args(["import", "--quiet", SAMPLE, "--results"])
        .arg(&results_path)
        .env("DINTERO_ACCOUNT_ID", "T12345678")
        .env("DINTERO_CLIENT_ID", "sandbox-client")
        .env("DINTERO_CLIENT_SECRET", "sandbox-secret")
        .env("DINTERO_API_URL", format!("http://127.0.0.1:{port}/v1"))
        .env(
            "DINTERO_CHECKOUT_URL",
            format!("http://127.0.0.1:{port}/v1"),
        )
        .env(
            "KRAVIA_BATCH_DATA_DIR",
            test_dir(&results_path).join("data"),
        )
        .env("XDG_CONFIG_HOME", test_dir(&results_path))
        .env_remove("KRAVIA_BATCH_CONFIG")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(!stderr.contains("sandbox-secret"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_invoice_fixed_after_a_skip_invalid_run_is_sent_by_the_next_run() {
    let sb = sandbox(Faults::default());
    let (dir, results_path) = tmp();
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    // Break 2026-11-0003's organization number (974 760 673 is valid; ...674 is not).
    let broken = dir.path().join("month.csv");
    std::fs::write(&broken, text.replacen("974 760 673", "974 760 674", 1)).expect("write");
    let out = import_cmd(&sb, &broken, &results_path, &["--skip-invalid"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(results(&results_path)["2026-11-0003"]["status"], "not_sent");
    // Fixed in the export, the same command sends it and nothing else.
    std::fs::write(&broken, &text).expect("write");
    let out = import_cmd(&sb, &broken, &results_path, &[])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_exactly_once(&sb, &results_path);
}

// ----- two-step flow (POST /v1/sessions, then POST /v1/sessions/{id}/pay) -----

/// Sessions the sandbox created through `POST /v1/sessions`, per reference.
fn two_step_sessions(sb: &BlockingSandbox) -> HashMap<String, Vec<String>> {
    let mut by_ref: HashMap<String, Vec<String>> = HashMap::new();
    for s in sb.ledger().sessions.iter().filter(|s| !s.one_step) {
        by_ref
            .entry(s.merchant_reference.clone())
            .or_default()
            .push(s.id.clone());
    }
    by_ref
}

/// The session id the journal holds for each reference.
fn journal_sessions(results_path: &Path) -> HashMap<String, String> {
    let mut name = results_path.file_name().expect("name").to_os_string();
    name.push(".journal.sqlite");
    let journal = kravia_batch::run::journal::Journal::open(&results_path.with_file_name(name))
        .expect("journal");
    journal
        .rows()
        .expect("rows")
        .into_iter()
        .filter_map(|r| r.recorded.session_id.map(|s| (r.entry.reference, s)))
        .collect()
}

#[test]
fn two_step_creates_one_session_and_one_payment_per_invoice() {
    for pay_result_shape in [false, true] {
        let sb = sandbox(Faults {
            two_step_pay_result_shape: pay_result_shape,
            ..Faults::default()
        });
        let (_dir, results_path) = tmp();
        let (code, json) = import(&sb, &results_path, &["--flow", "two-step"]);
        assert_eq!(code, 0, "{json:#}");
        assert_eq!(json["counts"]["created"], 25);
        assert_eq!(json["reconciled"], true);
        assert_exactly_once(&sb, &results_path);
        let sessions = two_step_sessions(&sb);
        assert_eq!(sessions.len(), 25, "one session per invoice");
        assert!(sessions.values().all(|s| s.len() == 1), "{sessions:?}");
        let ledger = sb.ledger();
        assert!(
            ledger.requests_to("POST", "/v1/sessions/pay").is_empty(),
            "no one-step call"
        );
        // Each transaction pays the session made for its reference, and the session's
        // order never carried the billing address (it goes with the pay call).
        for t in ledger.transactions.iter() {
            assert_eq!(
                sessions[&t.merchant_reference][0], t.session_id,
                "{}",
                t.merchant_reference
            );
        }
        for s in ledger.sessions.iter() {
            assert!(s.order.get("billing_address").is_none(), "{}", s.id);
        }
    }
}

#[test]
fn two_step_stopped_between_the_steps_pays_the_recorded_session_on_resume() {
    // Every pay call is refused 401 (after one token refresh): the run stops with the
    // first sessions created but not paid.
    let sb = sandbox(Faults {
        spurious_401: FaultRule::Always,
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    let (code, _) = import(
        &sb,
        &results_path,
        &["--flow", "two-step", "--concurrency", "2"],
    );
    assert_eq!(code, 3, "a refused token stops the run");
    let recorded = journal_sessions(&results_path);
    assert!(
        !recorded.is_empty(),
        "sessions were journaled before paying"
    );
    assert!(sb.ledger().transactions.is_empty(), "nothing paid yet");

    sb.set_faults(Faults::default());
    let (code, json) = import(&sb, &results_path, &["--flow", "two-step"]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
    let sessions = two_step_sessions(&sb);
    for (reference, session) in &recorded {
        assert_eq!(
            sessions[reference],
            vec![session.clone()],
            "{reference}: the recorded session was paid, not recreated"
        );
        let paid = sb.ledger().successful_by_reference(reference)[0]
            .session_id
            .clone();
        assert_eq!(&paid, session, "{reference}");
    }
}

#[test]
fn two_step_kill_9_between_the_steps_then_the_same_command_finishes() {
    let sb = sandbox(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    let mut child = std_cmd(
        &sb,
        Path::new(SAMPLE),
        &results_path,
        &["--flow", "two-step", "--rate", "8", "--concurrency", "2"],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("spawn");
    // Kill when sessions exist beyond the paid ones: a session created, its pay not done.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let l = sb.ledger();
        let unpaid = l
            .sessions
            .iter()
            .filter(|s| !s.one_step && s.transaction_id.is_none())
            .count();
        if (l.transactions.len() >= 3 && unpaid > 0) || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let recorded = journal_sessions(&results_path);
    assert!(sb.ledger().transactions.len() < 25, "killed too late");
    let (code, json) = import(&sb, &results_path, &["--flow", "two-step"]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
    // A session the journal knew of was paid, never replaced.
    let ledger = sb.ledger();
    for (reference, session) in &recorded {
        assert_eq!(
            &ledger.successful_by_reference(reference)[0].session_id,
            session,
            "{reference}"
        );
    }
}

#[test]
fn skip_invalid_never_sends_an_invoice_missing_an_unreadable_row() {
    // Row 4 (a line of 2026-11-0101) has a cell too many: its invoice is incomplete, so
    // --skip-invalid sends the other five and lists 0101 as not sent.
    let sb = sandbox(Faults::default());
    let (_dir, results_path) = tmp();
    let out = import_cmd(
        &sb,
        Path::new("tests/data/06-inconsistent-field-count.csv"),
        &results_path,
        &["--skip-invalid"],
    )
    .output()
    .expect("run");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ledger = sb.ledger();
    assert!(ledger.transactions_by_reference("2026-11-0101").is_empty());
    assert_eq!(ledger.transactions.len(), 5);
    assert_eq!(results(&results_path)["2026-11-0101"]["status"], "not_sent");
}

#[test]
fn skip_invalid_sends_nothing_when_a_row_in_error_names_no_invoice() {
    // A line whose merchant_reference is empty could belong to any invoice.
    let sb = sandbox(Faults::default());
    let (dir, results_path) = tmp();
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let cut = lines[3].find(',').expect("comma");
    lines[3] = lines[3][cut..].to_string();
    let broken = dir.path().join("month.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").expect("write");
    let out = import_cmd(&sb, &broken, &results_path, &["--skip-invalid"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("row(s) 4 have errors and name no invoice"),
        "{stderr}"
    );
    assert!(sb.ledger().requests.is_empty(), "something was sent");
}

#[test]
fn ctrl_c_while_the_guard_checks_sends_nothing_and_exits_5() {
    // The check lists the window in one request: a slow answer leaves time to interrupt.
    let sb = sandbox(Faults {
        latency: Duration::from_millis(1500),
        ..Faults::default()
    });
    let (_dir, results_path) = tmp();
    // Interrupt during the guard's listing (GET /v1/transactions).
    let out = interrupted_run(&sb, &results_path, |l| {
        !l.requests_to("GET", "/v1/transactions").is_empty()
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["exit_code"], 5);
    assert!(
        sb.ledger()
            .requests
            .iter()
            .all(|r| r.method != "POST" || r.path.contains("auth")),
        "something was sent"
    );
    // The same command then runs to the end.
    let (code, json) = import(&sb, &results_path, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_exactly_once(&sb, &results_path);
}

#[test]
fn a_live_import_writes_the_report_annotated_copy_and_payloads_asked_for() {
    let sb = sandbox(Faults::default());
    let (dir, results_path) = tmp();
    let (annotated, report, payloads) = (
        dir.path().join("checked.csv"),
        dir.path().join("errors.csv"),
        dir.path().join("payloads.jsonl"),
    );
    let (code, json) = import(
        &sb,
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
