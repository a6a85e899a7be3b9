//! `status`, `void` and `capture` through the real binary against the sandbox over
//! loopback HTTP: after an import, the sandbox marks invoices paid (fully, partly), and
//! each command's output, exit code, results file and the sandbox's ledger must agree.
//! No output of any command may show the client secret or a bearer token.

mod common;

use kravia_batch::run::lifecycle::{Action, ActionLog};
use kravia_batch::sandbox::{BlockingSandbox, Faults, SandboxConfig, start_blocking};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const SAMPLE: &str = "samples/november-2026-canonical.csv";
const SECRET: &str = "sandbox-secret";

struct Env {
    sb: BlockingSandbox,
    dir: tempfile::TempDir,
    results: PathBuf,
}

/// The binary under test.
fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kravia-batch")
}

fn base_cmd(env: &Env) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.env("DINTERO_ACCOUNT_ID", "T12345678")
        .env("DINTERO_CLIENT_ID", "sandbox-client")
        .env("DINTERO_CLIENT_SECRET", SECRET)
        .env("DINTERO_API_URL", format!("{}/v1", env.sb.base_url()))
        .env("DINTERO_CHECKOUT_URL", format!("{}/v1", env.sb.base_url()))
        .env("KRAVIA_BATCH_DATA_DIR", env.dir.path())
        .env("XDG_CONFIG_HOME", env.dir.path())
        .env_remove("DINTERO_CLIENT_SECRET_FILE")
        .env_remove("KRAVIA_BATCH_CONFIG")
        .stdin(Stdio::null());
    cmd
}

/// Runs a command; returns (exit code, stdout, stderr). Checks that no secret shows.
/// With `LIFECYCLE_SHOW=1` the command and its output are printed (docs/lifecycle.md's
/// example sessions come from `example_session`).
fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = base_cmd(env).args(args).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if std::env::var_os("LIFECYCLE_SHOW").is_some() {
        let dir = env.dir.path().to_string_lossy().into_owned();
        println!(
            "$ kravia-batch {}\n{}{}[exit {}]\n",
            args.join(" ").replace(&dir, "."),
            stderr.replace(&dir, "."),
            stdout.replace(&dir, "."),
            out.status.code().unwrap_or(-1)
        );
    }
    for text in [&stdout, &stderr] {
        assert!(!text.contains(SECRET), "the secret shows: {text}");
        assert!(!text.contains("Bearer "), "a bearer token shows: {text}");
    }
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// Runs a command with `--format json`; returns (exit code, JSON). The JSON's
/// `exit_code` must be the process's.
fn run_json(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json", "--quiet"]);
    let (code, stdout, stderr) = run(env, &all);
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}\nstderr: {stderr}"));
    assert_eq!(json["exit_code"], code, "{json:#}");
    (code, json)
}

/// A sandbox with the sample month imported (merchant channel for rows that do not say).
fn imported(faults: Faults) -> Env {
    let sb = start_blocking(SandboxConfig::default()).expect("sandbox");
    let dir = tempfile::tempdir().expect("tmp");
    let results = dir.path().join("results.csv");
    let env = Env { sb, dir, results };
    let r = env.results.to_str().expect("utf-8 path").to_string();
    let (code, json) = run_json(
        &env,
        &[
            "import",
            SAMPLE,
            "--results",
            &r,
            "--rate",
            "200",
            "--invoice-channel",
            "merchant",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["created"], 25);
    env.sb.set_faults(faults);
    env
}

fn results_arg(env: &Env) -> String {
    env.results.to_str().expect("utf-8 path").to_string()
}

fn rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    common::results_map(path)
}

fn tx_id(env: &Env, reference: &str) -> String {
    rows(&env.results)[reference]["transaction_id"].clone()
}

fn requests(env: &Env, method: &str, suffix: &str) -> Vec<String> {
    env.sb
        .ledger()
        .requests
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(suffix))
        .map(|r| r.path.clone())
        .collect()
}

fn invoice<'a>(json: &'a Value, reference: &str) -> &'a Value {
    json["invoices"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["merchant_reference"] == reference))
        .unwrap_or_else(|| panic!("{reference} not in {json:#}"))
}

#[test]
fn status_counts_paid_partly_paid_and_unpaid_and_updates_the_file() {
    let env = imported(Faults::default());
    // 0001 (NOK) paid in full, 0003 (NOK) 1 000,00 paid, 0005 (SEK) paid in full.
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0003"), Some(100_000))
        .expect("partly paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0005"), None)
        .expect("paid");
    let before = rows(&env.results);
    let (code, json) = run_json(&env, &["status", &results_arg(&env)]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["checked"], 25);
    assert_eq!(json["counts"]["not_checked"], 0);
    let nok = &json["totals"]["NOK"];
    let amount = |r: &str| -> i64 {
        before[r]["amount"]
            .replace('.', "")
            .parse::<i64>()
            .expect("amount")
    };
    assert_eq!(nok["paid"]["invoices"], 1);
    assert_eq!(nok["paid"]["amount_minor"], amount("2026-11-0001"));
    assert_eq!(nok["paid"]["paid_minor"], amount("2026-11-0001"));
    assert_eq!(nok["partly_paid"]["invoices"], 1);
    assert_eq!(nok["partly_paid"]["amount_minor"], amount("2026-11-0003"));
    assert_eq!(nok["partly_paid"]["paid_minor"], 100_000);
    assert_eq!(nok["unpaid"]["invoices"], 20);
    assert_eq!(nok["voided"]["invoices"], 0);
    assert_eq!(json["totals"]["SEK"]["paid"]["invoices"], 1);
    assert_eq!(json["totals"]["SEK"]["unpaid"]["invoices"], 1);
    assert_eq!(json["totals"]["EUR"]["unpaid"]["invoices"], 1);
    let total_nok: i64 = before
        .values()
        .filter(|r| r["currency"] == "NOK")
        .map(|r| amount(&r["merchant_reference"]))
        .sum();
    let summed: i64 = ["paid", "partly_paid", "unpaid", "voided", "other"]
        .iter()
        .map(|c| nok[c]["amount_minor"].as_i64().expect("amount"))
        .sum();
    assert_eq!(summed, total_nok, "every NOK invoice is counted once");

    // The results file now says it, in its own format (comma CSV, BOM, same rows).
    let after = rows(&env.results);
    assert_eq!(after.len(), 25);
    assert_eq!(after["2026-11-0001"]["transaction_status"], "CAPTURED");
    assert_eq!(
        after["2026-11-0003"]["transaction_status"],
        "PARTIALLY_CAPTURED"
    );
    assert_eq!(after["2026-11-0004"]["transaction_status"], "AUTHORIZED");
    for row in after.values() {
        assert!(!row["status_checked_at"].is_empty(), "{row:?}");
        assert!(!row["status_changed_at"].is_empty(), "{row:?}");
        assert_eq!(row["amount"], before[&row["merchant_reference"]]["amount"]);
    }
    let raw = std::fs::read(&env.results).expect("read");
    assert!(raw.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
    // Unchanged statuses keep their change time on the next check.
    let first = after["2026-11-0004"]["status_changed_at"].clone();
    let (code, _) = run_json(
        &env,
        &["status", &results_arg(&env), "--ref", "2026-11-0004"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        rows(&env.results)["2026-11-0004"]["status_changed_at"],
        first
    );

    // Unknown references: an error naming them, nothing fetched.
    let gets = requests(&env, "GET", "").len();
    let (code, out, err) = run(
        &env,
        &["status", &results_arg(&env), "--ref", "2026-11-0001,NOPE-1"],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("NOPE-1"), "{err}");
    assert_eq!(requests(&env, "GET", "").len(), gets);
}

#[test]
fn status_summary_snapshot_after_payments_and_a_void() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0003"), Some(100_000))
        .expect("partly paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0005"), None)
        .expect("paid");
    let (code, _) = run_json(
        &env,
        &["void", &results_arg(&env), "--ref", "2026-11-0007", "--yes"],
    );
    assert_eq!(code, 0);
    let (code, out, err) = run(&env, &["status", &results_arg(&env), "--quiet"]);
    assert_eq!(code, 0, "{out}{err}");
    let dir = env.dir.path().to_str().expect("utf-8").to_string();
    insta::assert_snapshot!("status_summary", out.replace(&dir, "[DIR]"));
}

#[test]
fn status_paces_through_429_and_reports_what_it_could_not_fetch() {
    let env = imported(Faults {
        rate_limit: Some(8),
        transaction_get_unavailable: vec!["2026-11-0008".into()],
        ..Faults::default()
    });
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0009"), None)
        .expect("paid");
    let (code, json) = run_json(&env, &["status", &results_arg(&env), "--rate", "50"]);
    assert_eq!(code, 5, "{json:#}");
    assert_eq!(json["counts"]["checked"], 24);
    assert_eq!(json["counts"]["not_checked"], 1);
    let failed = invoice(&json, "2026-11-0008");
    assert_eq!(failed["checked"], "failed");
    assert!(
        failed["error"].as_str().unwrap_or("").contains("503"),
        "{failed}"
    );
    // The file was still rewritten with what was learned; the unfetched row kept its
    // old values.
    let after = rows(&env.results);
    assert_eq!(after["2026-11-0009"]["transaction_status"], "CAPTURED");
    assert_eq!(after["2026-11-0008"]["transaction_status"], "AUTHORIZED");
    assert_eq!(after["2026-11-0008"]["status_checked_at"], "");
    // The failing look-up was tried 6 times (429 answers not counted), then given up.
    let failing = tx_id(&env, "2026-11-0008");
    let ledger = env.sb.ledger();
    let tries = ledger
        .requests
        .iter()
        .filter(|r| r.path.ends_with(&failing) && r.status_code == Some(503))
        .count();
    assert_eq!(tries, 6, "attempts on the failing transaction");
    let limited = ledger
        .requests
        .iter()
        .filter(|r| r.status_code == Some(429))
        .count();
    assert!(limited > 0, "the sandbox's rate limit was hit");
    assert!(json["rate_limited"].as_u64().unwrap_or(0) > 0, "{json:#}");
}

#[test]
fn void_cancels_authorized_refuses_captured_and_is_idempotent() {
    let env = imported(Faults::default());
    let (a, b) = ("2026-11-0004", "2026-11-0001");
    let (ta, tb) = (tx_id(&env, a), tx_id(&env, b));
    env.sb.mark_paid(&tb, None).expect("paid");
    let (code, json) = run_json(
        &env,
        &["void", &results_arg(&env), "--ref", a, "--ref", b, "--yes"],
    );
    assert_eq!(code, 4, "{json:#}");
    assert_eq!(invoice(&json, a)["outcome"], "done");
    assert_eq!(
        invoice(&json, a)["transaction_status"],
        "AUTHORIZATION_VOIDED"
    );
    let refused = invoice(&json, b);
    assert_eq!(refused["outcome"], "refused");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or("")
            .contains("Kravia has no refunds"),
        "{refused}"
    );
    // Exactly one void went out, for A; none for the paid B.
    let voids = requests(&env, "POST", "/void");
    assert_eq!(voids, vec![format!("/v1/transactions/{ta}/void")]);
    let ledger = env.sb.ledger();
    let status = |id: &str| {
        ledger
            .transactions
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.status.as_str())
    };
    assert_eq!(status(&ta), Some("AUTHORIZATION_VOIDED"));
    assert_eq!(status(&tb), Some("CAPTURED"));
    let after = rows(&env.results);
    assert_eq!(after[a]["transaction_status"], "AUTHORIZATION_VOIDED");
    assert_eq!(after[b]["transaction_status"], "CAPTURED");
    assert!(!after[a]["status_changed_at"].is_empty());

    // Again: already cancelled by us, not an error, and no second void request.
    let (code, json) = run_json(&env, &["void", &results_arg(&env), "--ref", a, "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(invoice(&json, a)["outcome"], "already_done");
    assert_eq!(requests(&env, "POST", "/void").len(), 1);

    // A crash after the void left before its outcome was recorded: the journal says
    // "sending". The re-run looks first, sees AUTHORIZATION_VOIDED, sends nothing and
    // settles the journal.
    let journal = env.dir.path().join("results.csv.journal.sqlite");
    {
        let conn = rusqlite::Connection::open(&journal).expect("journal");
        conn.execute("UPDATE actions SET state = 'sending'", [])
            .expect("update");
    }
    let (code, json) = run_json(&env, &["void", &results_arg(&env), "--ref", a, "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(invoice(&json, a)["outcome"], "already_done");
    assert_eq!(requests(&env, "POST", "/void").len(), 1);
    let log = ActionLog::open(&journal, "T12345678").expect("log");
    let history = log.history(Action::Void, &ta).expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].state.as_str(), "done");
}

#[test]
fn void_all_unpaid_cancels_unpaid_and_partly_paid_only() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    let partly = tx_id(&env, "2026-11-0003");
    env.sb.mark_paid(&partly, Some(100_000)).expect("partly");
    let (code, json) = run_json(&env, &["void", &results_arg(&env), "--all-unpaid", "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["done"], 24);
    assert_eq!(json["counts"]["skipped"], 1);
    assert_eq!(json["counts"]["refused"], 0);
    assert_eq!(invoice(&json, "2026-11-0001")["outcome"], "skipped");
    assert_eq!(invoice(&json, "2026-11-0003")["outcome"], "done");
    assert_eq!(requests(&env, "POST", "/void").len(), 24);
    let ledger = env.sb.ledger();
    let t = ledger
        .transactions
        .iter()
        .find(|t| t.id == partly)
        .expect("tx");
    assert_eq!(t.status.as_str(), "AUTHORIZATION_VOIDED");
    assert_eq!(t.captured_amount, 100_000, "the paid part stays paid");
    // Nothing left to cancel: a second run sends nothing.
    let (code, json) = run_json(&env, &["void", &results_arg(&env), "--all-unpaid", "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["already_done"], 24);
    assert_eq!(requests(&env, "POST", "/void").len(), 24);
}

#[test]
fn void_needs_confirmation_and_known_references() {
    let env = imported(Faults::default());
    // No terminal, no --yes: refused, nothing sent, the plan is shown.
    let (code, out, err) = run(&env, &["void", &results_arg(&env), "--ref", "2026-11-0004"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("About to CANCEL (void) 1 invoice(s)"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    // Neither --ref nor --all-unpaid.
    let (code, _, err) = run(&env, &["void", &results_arg(&env), "--yes"]);
    assert_eq!(code, 2, "{err}");
    // Unknown references: listed, nothing sent.
    let (code, json) = run_json(
        &env,
        &[
            "void",
            &results_arg(&env),
            "--ref",
            "2026-11-0004,X-1",
            "--ref",
            "X-2",
            "--yes",
        ],
    );
    assert_eq!(code, 2, "{json:#}");
    let msg = json["error"].as_str().unwrap_or("");
    assert!(msg.contains("X-1") && msg.contains("X-2"), "{msg}");
    assert!(requests(&env, "POST", "/void").is_empty());
}

#[test]
fn void_answered_202_is_confirmed_by_a_look_up() {
    let env = imported(Faults {
        void_async: true,
        ..Faults::default()
    });
    let (code, json) = run_json(
        &env,
        &["void", &results_arg(&env), "--ref", "2026-11-0004", "--yes"],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(invoice(&json, "2026-11-0004")["outcome"], "done");
    assert_eq!(
        rows(&env.results)["2026-11-0004"]["transaction_status"],
        "AUTHORIZATION_VOIDED"
    );
}

#[test]
fn capture_starts_collection_of_merchant_invoices_only() {
    let env = imported(Faults::default());
    let merchant: Vec<String> = env
        .sb
        .ledger()
        .transactions
        .iter()
        .filter(|t| t.invoice_channel.as_str() == "merchant")
        .map(|t| t.merchant_reference.clone())
        .collect();
    assert_eq!(merchant.len(), 3, "{merchant:?}");
    let (code, json) = run_json(&env, &["capture", &results_arg(&env), "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["done"], 3);
    assert_eq!(json["counts"]["skipped"], 22);
    let ledger = env.sb.ledger();
    let captures: Vec<_> = ledger
        .requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/capture"))
        .collect();
    assert_eq!(captures.len(), 3);
    for r in &merchant {
        let t = ledger
            .transactions
            .iter()
            .find(|t| &t.merchant_reference == r)
            .expect("tx");
        assert!(
            t.events
                .iter()
                .any(|e| e.event.as_str() == "INITIATE_CAPTURE"),
            "{r}"
        );
        let req = captures
            .iter()
            .find(|c| c.path.contains(&t.id))
            .expect("capture request");
        assert_eq!(req.body["amount"], t.amount, "the full amount");
        assert_eq!(invoice(&json, r)["outcome"], "done");
    }
    // Again: nothing new is sent.
    let (code, json) = run_json(&env, &["capture", &results_arg(&env), "--yes"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["already_done"], 3);
    assert_eq!(requests(&env, "POST", "/capture").len(), 3);
    // A Kravia-delivered invoice asked for by name: refused, nothing sent.
    let (code, json) = run_json(
        &env,
        &[
            "capture",
            &results_arg(&env),
            "--ref",
            "2026-11-0001",
            "--yes",
        ],
    );
    assert_eq!(code, 4, "{json:#}");
    let refused = invoice(&json, "2026-11-0001");
    assert_eq!(refused["outcome"], "refused");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or("")
            .contains("invoice_channel kravia"),
        "{refused}"
    );
    assert_eq!(requests(&env, "POST", "/capture").len(), 3);
}

#[test]
fn download_invoices_writes_each_live_invoice_once() {
    let env = imported(Faults::default());
    let (code, _) = run_json(
        &env,
        &["void", &results_arg(&env), "--ref", "2026-11-0004", "--yes"],
    );
    assert_eq!(code, 0);
    let pdfs = env.dir.path().join("pdf");
    let pdf_arg = pdfs.to_str().expect("utf-8").to_string();
    let (code, json) = run_json(
        &env,
        &[
            "capture",
            &results_arg(&env),
            "--download-invoices",
            &pdf_arg,
            "--download-only",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    assert!(
        requests(&env, "POST", "/capture").is_empty(),
        "--download-only starts no collection"
    );
    let results = rows(&env.results);
    let mut written = 0;
    for (reference, row) in &results {
        let d = &invoice(&json, reference)["download"];
        if reference == "2026-11-0004" {
            assert_eq!(d["outcome"], "skipped", "{d}");
            assert!(!pdfs.join(format!("{}.pdf", row["invoice_number"])).exists());
            continue;
        }
        assert_eq!(d["outcome"], "written", "{reference}: {d}");
        let path = pdfs.join(format!("{}.pdf", row["invoice_number"]));
        let bytes = std::fs::read(&path).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"), "{}", path.display());
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(reference.as_str()), "{reference}: {text}");
        written += 1;
    }
    assert_eq!(written, 24);
    let files = std::fs::read_dir(&pdfs).expect("dir").count();
    assert_eq!(files, 24, "no temporary files left");
    let gets = requests(&env, "GET", "").len();
    // Again: identical files are left alone.
    let (code, json) = run_json(
        &env,
        &[
            "capture",
            &results_arg(&env),
            "--download-invoices",
            &pdf_arg,
            "--download-only",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    let unchanged = json["invoices"]
        .as_array()
        .expect("invoices")
        .iter()
        .filter(|i| i["download"]["outcome"] == "unchanged")
        .count();
    assert_eq!(unchanged, 24);
    assert!(requests(&env, "GET", "").len() > gets);
}

/// The sessions shown in docs/lifecycle.md, in the human format, with their exit codes.
#[test]
fn example_session() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0003"), Some(100_000))
        .expect("partly paid");
    let r = "results.csv";
    let run_here = |args: &[&str]| {
        let mut cmd = base_cmd(&env);
        cmd.current_dir(env.dir.path());
        let out = cmd.args(args).output().expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
        if std::env::var_os("LIFECYCLE_SHOW").is_some() {
            println!(
                "$ kravia-batch {}\n{stderr}{stdout}[exit {}]\n",
                args.join(" "),
                out.status.code().unwrap_or(-1)
            );
        }
        out.status.code().unwrap_or(-1)
    };
    assert_eq!(
        run_here(&[
            "status",
            r,
            "--quiet",
            "--ref",
            "2026-11-0001,2026-11-0003,2026-11-0004,2026-11-0005"
        ]),
        0
    );
    assert_eq!(
        run_here(&[
            "status",
            r,
            "--quiet",
            "--ref",
            "2026-11-0003",
            "--format",
            "json"
        ]),
        0
    );
    assert_eq!(
        run_here(&[
            "void",
            r,
            "--ref",
            "2026-11-0001",
            "--ref",
            "2026-11-0003",
            "--ref",
            "2026-11-0004",
            "--yes",
            "--quiet"
        ]),
        4
    );
    assert_eq!(
        run_here(&["void", r, "--ref", "2026-11-0004", "--yes", "--quiet"]),
        0
    );
    assert_eq!(run_here(&["void", r, "--ref", "2026-11-0007"]), 2);
    assert_eq!(run_here(&["capture", r, "--yes", "--quiet"]), 0);
    assert_eq!(
        run_here(&[
            "capture",
            r,
            "--ref",
            "2026-11-0002,2026-11-0008",
            "--yes",
            "--quiet"
        ]),
        4
    );
    assert_eq!(
        run_here(&[
            "capture",
            r,
            "--ref",
            "2026-11-0002,2026-11-0003,2026-11-0004",
            "--download-invoices",
            "pdf",
            "--download-only",
            "--quiet"
        ]),
        0
    );
    if std::env::var_os("LIFECYCLE_SHOW").is_some() {
        let text = std::fs::read_to_string(&env.results).expect("results");
        for line in text.lines().filter(|l| {
            l.contains("merchant_reference")
                || l.contains("2026-11-0003")
                || l.contains("2026-11-0004")
        }) {
            println!("{}", line.trim_start_matches('\u{feff}'));
        }
    }
}

#[test]
fn a_resumed_import_keeps_the_status_columns() {
    let env = imported(Faults::default());
    env.sb
        .mark_paid(&tx_id(&env, "2026-11-0001"), None)
        .expect("paid");
    let r = results_arg(&env);
    let (code, _) = run_json(&env, &["status", &r]);
    assert_eq!(code, 0);
    let before = rows(&env.results)["2026-11-0001"].clone();
    assert_eq!(before["transaction_status"], "CAPTURED");
    // The import's command again (a resume that sends nothing) rebuilds the file from
    // its journal: what status learned stays.
    let (code, json) = run_json(
        &env,
        &[
            "import",
            SAMPLE,
            "--results",
            &r,
            "--invoice-channel",
            "merchant",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["handled_this_run"], 0);
    let after = rows(&env.results)["2026-11-0001"].clone();
    for column in [
        "transaction_status",
        "status_checked_at",
        "status_changed_at",
    ] {
        assert_eq!(after[column], before[column], "{column}");
    }
}
