//! Issue #17, "exactly what Dintero and the accountant expect", through the real binary
//! against the sandbox over loopback: sessions carry the `url` object the specification
//! requires, `--emit-payloads` shows both two-step bodies, the profile endpoint, one
//! canonical body, and journals written before bodies became canonical.

mod common;

use common::import::{import_cmd, live};
use common::{Sandbox, Test, api};
use kravia_batch::sandbox::SandboxConfig;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SAMPLE: &str = "samples/november-2026-no.csv";

/// `import --quiet --format json --rate 500 SAMPLE --results RESULTS EXTRA...` in `t`.
fn import_output(t: &Test, results: &Path, extra: &[&str]) -> common::Output {
    let extra = [&["--rate", "500"], extra].concat();
    import_cmd(t, Path::new(SAMPLE), results, &extra).run()
}

/// [`import_output`]'s exit code and JSON summary.
fn import(t: &Test, results: &Path, extra: &[&str]) -> (i32, Value) {
    let out = import_output(t, results, extra);
    (out.code().unwrap_or(-1), out.json())
}

/// The JSON lines of a payloads file.
fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("payloads")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Payload lines by merchant reference.
fn by_ref(v: Vec<Value>) -> HashMap<String, Value> {
    v.into_iter()
        .map(|l| {
            (
                l["merchant_reference"].as_str().expect("ref").to_string(),
                l,
            )
        })
        .collect()
}

/// Item 1: the sandbox refuses a session without `url`, as the specification does.
#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_refuses_a_session_without_url() {
    let (sb, c, base, token) = api::connect(SandboxConfig::default()).await;
    let invoice = kravia_batch::dintero::payload::documented_example("no-url");
    let mut body = serde_json::to_value(kravia_batch::dintero::payload::session_request(&invoice))
        .expect("body");
    body.as_object_mut().expect("object").remove("url");
    for path in ["/v1/sessions", "/v1/sessions-profile"] {
        let mut body = body.clone();
        if path.ends_with("profile") {
            body["profile_id"] = json!("default");
        }
        let r = c
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("session");
        assert_eq!(r.status().as_u16(), 400, "{path}");
        let v: Value = r.json().await.expect("json");
        let errors = v["error"]["errors"].to_string();
        assert!(errors.contains("\"url\""), "{path}: {v}");
        assert!(errors.contains("required object"), "{path}: {v}");
    }
    sb.shutdown().await.expect("shutdown");
}

/// Items 1 and 2: a two-step import sends `url` on every session, and the bodies the
/// sandbox received are exactly the ones `--emit-payloads --flow two-step` showed.
#[test]
fn two_step_sends_url_and_exactly_the_emitted_bodies() {
    let sb = Sandbox::start();
    let (t, results) = live(&sb);
    let payloads = t.path("payloads.jsonl");
    t.cmd(["validate", "--quiet", SAMPLE, "--flow", "two-step"])
        .args(["--callback-url", "https://erp.example.no/dintero"])
        .arg("--emit-payloads")
        .arg(&payloads)
        .assert()
        .success();
    let emitted = by_ref(lines(&payloads));
    assert_eq!(emitted.len(), 25);
    let (code, json) = import(
        &t,
        &results,
        &[
            "--flow",
            "two-step",
            "--callback-url",
            "https://erp.example.no/dintero",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["created"], 25);
    let ledger = sb.ledger();
    let sessions = ledger.requests_to("POST", "/v1/sessions");
    assert_eq!(sessions.len(), 25);
    for r in &sessions {
        assert_eq!(r.status_code, Some(200), "{}", r.body);
        let reference = r.body["order"]["merchant_reference"].as_str().expect("ref");
        let e = &emitted[reference];
        assert_eq!(e["session"]["request"], "POST /v1/sessions");
        assert_eq!(&r.body, &e["session"]["body"], "{reference}");
        assert_eq!(
            r.body["url"],
            json!({"return_url": "https://www.kravia.no/", "callback_url": "https://erp.example.no/dintero"})
        );
    }
    let pays: Vec<_> = ledger
        .requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/pay") && r.path != "/v1/sessions/pay")
        .collect();
    assert_eq!(pays.len(), 25);
    for r in pays {
        let tx = ledger
            .transactions
            .iter()
            .find(|t| r.path == format!("/v1/sessions/{}/pay", t.session_id))
            .expect("transaction of the session");
        let e = &emitted[&tx.merchant_reference];
        assert_eq!(&r.body, &e["pay"]["body"], "{}", tx.merchant_reference);
    }
}

/// Item 3: `--profile-id` creates the sessions through `/v1/sessions-profile`, still
/// with each invoice's own due days and channel.
#[test]
fn two_step_through_the_profile_endpoint() {
    let sb = Sandbox::start();
    let (t, results) = live(&sb);
    let (code, json) = import(
        &t,
        &results,
        &["--flow", "two-step", "--profile-id", "default"],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["counts"]["created"], 25);
    let ledger = sb.ledger();
    assert!(ledger.requests_to("POST", "/v1/sessions").is_empty());
    let sessions = ledger.requests_to("POST", "/v1/sessions-profile");
    assert_eq!(sessions.len(), 25);
    for r in &sessions {
        assert_eq!(r.body["profile_id"], "default");
        assert!(r.body["url"]["return_url"].is_string());
        let kravia = &r.body["configuration"]["kravia"];
        let product = kravia
            .as_object()
            .expect("kravia")
            .iter()
            .find(|(k, _)| k.as_str() != "type")
            .map(|(_, v)| v)
            .expect("a product");
        assert!(product["days_until_due"].is_u64(), "{}", r.body);
        assert!(product["invoice_channel"].is_string(), "{}", r.body);
    }
    // An unknown profile is refused by the server, and nothing is invoiced.
    let sb = Sandbox::start();
    let (t, results) = live(&sb);
    let (code, json) = import(
        &t,
        &results,
        &["--flow", "two-step", "--profile-id", "no-such-profile"],
    );
    assert_eq!(code, 4, "{json:#}");
    assert!(sb.ledger().transactions.is_empty());
    // --profile-id with the one-step flow would do nothing: a usage error.
    t.cmd(["validate", "--quiet", SAMPLE, "--profile-id", "default"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--flow two-step"));
}

/// Item 4: a row that fills in the default channel and one that leaves it blank send
/// the same body (and so have the same content hash).
#[test]
fn the_default_channel_gives_one_body() {
    let t = Test::new();
    let text = std::fs::read_to_string("samples/november-2026-canonical.csv").expect("sample");
    let blank = text.replace(",kravia,", ",,");
    assert_ne!(blank, text, "the sample names the channel somewhere");
    let (a, b) = (t.path("said.csv"), t.path("blank.csv"));
    std::fs::write(&a, &text).expect("write");
    std::fs::write(&b, &blank).expect("write");
    let emit = |input: &PathBuf, out: &str| {
        let out = t.path(out);
        t.cmd(["validate", "--quiet"])
            .arg(input)
            .arg("--emit-payloads")
            .arg(&out)
            .assert()
            .success();
        std::fs::read_to_string(out).expect("payloads")
    };
    let said = emit(&a, "said.jsonl");
    assert_eq!(said, emit(&b, "blank.jsonl"));
    assert!(!said.contains("\"invoice_channel\":\"kravia\""));
    assert!(said.contains("\"invoice_channel\":\"merchant\""));
}

/// The journal of a run made before bodies became canonical recorded other content
/// hashes: resuming it is neither refused nor a second invoice.
#[test]
fn a_journal_of_the_earlier_version_resumes_without_duplicates() {
    let sb = Sandbox::start();
    let (t, results) = live(&sb);
    let (code, json) = import(&t, &results, &[]);
    assert_eq!(code, 0, "{json:#}");
    // Rewrite the journal as 0.1.0 would have left it: legacy hashes, and half of the
    // invoices interrupted while sending.
    let input = kravia_batch::cli::args::InputArgs::for_file(SAMPLE);
    let prepared = kravia_batch::cli::validate::prepare_args(
        &input,
        &kravia_batch::config::Loaded::default(),
        true,
        true,
    )
    .map_err(|_| "prepare")
    .expect("prepare");
    let journal = t.path("results.csv.journal.sqlite");
    let db = rusqlite::Connection::open(&journal).expect("journal");
    let mut changed = 0;
    for (i, inv) in prepared.validation.invoices.iter().enumerate() {
        let legacy = kravia_batch::dintero::content_hash::legacy_content_hash(inv);
        if legacy != kravia_batch::dintero::content_hash::content_hash(inv) {
            changed += 1;
        }
        let status = if i % 2 == 0 { "sending" } else { "created" };
        db.execute(
            "UPDATE invoices SET content_hash = ?2, status = ?3 WHERE reference = ?1",
            rusqlite::params![inv.merchant_reference, legacy, status],
        )
        .expect("update");
    }
    drop(db);
    assert!(changed > 0, "the sample has invoices whose body changed");
    let before = sb.ledger().transactions.len();
    let (code, json) = import(&t, &results, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(sb.ledger().transactions.len(), before, "nothing sent twice");
    // A hash that is neither the current nor the legacy one is still refused.
    let db = rusqlite::Connection::open(&journal).expect("journal");
    db.execute(
        "UPDATE invoices SET content_hash = 'edited' WHERE reference = '2026-11-0001'",
        [],
    )
    .expect("update");
    drop(db);
    let out = import_output(&t, &results, &[]);
    assert_eq!(out.code(), Some(1));
    assert!(out.stderr().contains("2026-11-0001"), "{}", out.stderr());
}

/// Issue #17 item 5: the results carry Kravia's invoice date and due date (the
/// Transaction's `kravia:invoice_date` and `kravia:invoice_due_date`) in CSV, JSON and
/// XLSX, equal to the sandbox's own, and `status` keeps them current.
#[test]
fn results_carry_the_invoice_date_and_due_date_in_every_format() {
    let dir = Test::new();
    let mut sb = Sandbox::start();
    for name in ["r.json", "r.xlsx", "r.csv"] {
        // A fresh account each time (and a fresh local record), so that every format is a
        // first import.
        sb = Sandbox::start();
        let t = Test::new().sandbox(&sb);
        let results = dir.path(name);
        let (code, j) = import(&t, &results, &[]);
        assert_eq!(code, 0, "{name}: {j:#}");
        let rows = kravia_batch::output::results::read_results(&results).expect("read");
        assert_eq!(rows.len(), 25, "{name}");
        let ledger = sb.ledger();
        for r in &rows {
            let t = ledger
                .successful_by_reference(&r.merchant_reference)
                .into_iter()
                .next()
                .expect("transaction");
            let inv = t.invoice.as_ref().expect("invoice");
            assert_eq!(
                r.invoice_date.as_deref(),
                Some(inv.date.to_string().as_str()),
                "{name} {}",
                r.merchant_reference
            );
            assert_eq!(
                r.due_date.as_deref(),
                Some(inv.due_date.to_string().as_str()),
                "{name} {}",
                r.merchant_reference
            );
        }
    }
    // `status` fills dates the file lost (a journal of an older version kept none).
    let csv = dir.path("r.csv");
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for line in lines.iter_mut().skip(1) {
        let mut cells: Vec<&str> = line.split(';').collect();
        let n = cells.len();
        cells[n - 2] = "";
        cells[n - 1] = "";
        *line = cells.join(";");
    }
    std::fs::write(&csv, lines.join("\n") + "\n").expect("write");
    let out = Test::new()
        .sandbox(&sb)
        .cmd(["status", "--quiet"])
        .arg(&csv)
        .run();
    assert!(matches!(out.code(), Some(0 | 4)), "{}", out.stderr());
    let rows = kravia_batch::output::results::read_results(&csv).expect("read");
    assert!(
        rows.iter()
            .all(|r| r.invoice_date.is_some() && r.due_date.is_some()),
        "{rows:?}"
    );
}

/// Item 10: a re-run says the invoices were already done by an earlier run, never that it
/// created them.
#[test]
fn a_rerun_says_already_done() {
    let sb = Sandbox::start();
    let (t, _) = live(&sb);
    let results = t.path("r.csv");
    let (code, _) = import(&t, &results, &[]);
    assert_eq!(code, 0);
    let out = t
        .cmd(["import", "--quiet", "--rate", "500"])
        .arg(SAMPLE)
        .arg("--results")
        .arg(&results)
        .run();
    assert_eq!(out.code(), Some(0));
    let text = out.stdout();
    assert!(text.contains("created 0"), "{text}");
    assert!(text.contains("already done 25"), "{text}");
}
