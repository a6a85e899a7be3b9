//! The lifecycle's unit tests: the pure rules (paid part, change times, void and capture
//! plans, PDF names, token hosts), the `actions` table and the results file's round trip.

use super::time::parse_time;
use super::*;
use crate::dintero::config::Endpoints;
use crate::dintero::types::Transaction;
use crate::output::results::{ResultRow, ResultsFormat, write_results};
use crate::run::journal::{Journal, META_ACCOUNT_ID};
use chrono::{DateTime, Utc};
use serde_json::json;

fn tx(v: serde_json::Value) -> Transaction {
    serde_json::from_value(v).expect("transaction")
}

fn record(state: ActionState, updated_at: &str) -> ActionRecord {
    ActionRecord {
        id: 1,
        reference: "A".into(),
        transaction_id: "T1.a".into(),
        amount: None,
        state,
        transaction_status: None,
        detail: None,
        started_at: updated_at.into(),
        updated_at: updated_at.into(),
    }
}

fn now() -> DateTime<Utc> {
    parse_time("2026-12-01T12:00:00Z").expect("time")
}

#[test]
fn paid_amounts() {
    let partly = tx(
        json!({"id": "T1", "status": "PARTIALLY_CAPTURED", "amount": 10000, "events": [
            {"event": "AUTHORIZE", "amount": 10000},
            {"event": "CAPTURE", "amount": 2500, "success": true},
            {"event": "CAPTURE", "amount": 500, "success": false},
            {"event": "CAPTURE", "amount": 1000}
        ]}),
    );
    assert_eq!(paid_amount(&partly), Some(3500));
    let unknown = tx(
        json!({"id": "T1", "status": "PARTIALLY_CAPTURED", "amount": 10000,
        "events": [{"event": "CAPTURE", "amount": "12.5"}]}),
    );
    assert_eq!(
        paid_amount(&unknown),
        None,
        "a non-integer amount is unknown"
    );
    let no_events = tx(json!({"id": "T1", "status": "PARTIALLY_CAPTURED", "amount": 10000}));
    assert_eq!(paid_amount(&no_events), None);
    let paid = tx(json!({"id": "T1", "status": "CAPTURED", "amount": 10000}));
    assert_eq!(paid_amount(&paid), Some(10000));
    let unpaid = tx(json!({"id": "T1", "status": "AUTHORIZED", "amount": 10000}));
    assert_eq!(paid_amount(&unpaid), Some(0));
}

#[test]
fn observe_keeps_or_sets_the_change_time() {
    let t = tx(
        json!({"id": "T1", "status": "CAPTURED", "amount": 100, "events": [
            {"event": "AUTHORIZE", "created_at": "2026-11-02T08:00:00Z"},
            {"event": "CAPTURE", "created_at": "2026-11-20T09:30:00+01:00"}
        ]}),
    );
    let mut row = ResultRow {
        transaction_status: Some("AUTHORIZED".into()),
        status_changed_at: Some("2026-11-02T08:00:00Z".into()),
        ..Default::default()
    };
    observe(&mut row, &t, now());
    assert_eq!(row.transaction_status.as_deref(), Some("CAPTURED"));
    assert_eq!(
        row.status_changed_at.as_deref(),
        Some("2026-11-20T08:30:00Z")
    );
    assert_eq!(
        row.status_checked_at.as_deref(),
        Some("2026-12-01T12:00:00Z")
    );
    // Unchanged: the old change time stays even though a later check happens.
    row.status_changed_at = Some("2026-11-21T00:00:00Z".into());
    observe(&mut row, &t, now());
    assert_eq!(
        row.status_changed_at.as_deref(),
        Some("2026-11-21T00:00:00Z")
    );
    // Changed, no event time: now.
    let v = tx(json!({"id": "T1", "status": "AUTHORIZATION_VOIDED"}));
    observe(&mut row, &v, now());
    assert_eq!(
        row.status_changed_at.as_deref(),
        Some("2026-12-01T12:00:00Z")
    );
}

#[test]
fn void_rules() {
    let status = |s: &str| tx(json!({"id": "T1", "status": s, "amount": 100}));
    assert_eq!(plan_void(&status("AUTHORIZED"), &[], now()), VoidPlan::Send);
    assert_eq!(
        plan_void(&status("PARTIALLY_CAPTURED"), &[], now()),
        VoidPlan::Send
    );
    let VoidPlan::Refuse(r) = plan_void(&status("CAPTURED"), &[], now()) else {
        panic!("captured must be refused")
    };
    assert!(r.contains("Kravia has no refunds"), "{r}");
    assert!(matches!(
        plan_void(&status("FAILED"), &[], now()),
        VoidPlan::Refuse(_)
    ));
    assert!(matches!(
        plan_void(&status("ON_HOLD"), &[], now()),
        VoidPlan::Refuse(_)
    ));
    // Voided: ours if our journal has a void that may have gone out.
    let voided = status("AUTHORIZATION_VOIDED");
    assert_eq!(
        plan_void(&voided, &[], now()),
        VoidPlan::AlreadyVoided { by_us: None }
    );
    let refused = record(ActionState::Refused, "2026-12-01T11:00:00Z");
    assert_eq!(
        plan_void(&voided, std::slice::from_ref(&refused), now()),
        VoidPlan::AlreadyVoided { by_us: None }
    );
    let sending = record(ActionState::Sending, "2026-12-01T11:00:00Z");
    assert_eq!(
        plan_void(&voided, std::slice::from_ref(&sending), now()),
        VoidPlan::AlreadyVoided {
            by_us: Some(sending.clone())
        }
    );
    // A crash after sending, still AUTHORIZED: looked at, so send again.
    assert_eq!(
        plan_void(&status("AUTHORIZED"), &[sending], now()),
        VoidPlan::Send
    );
    // 202 a minute ago: wait; an hour ago: send again.
    let recent = record(ActionState::Accepted, "2026-12-01T11:59:00Z");
    assert!(matches!(
        plan_void(&status("AUTHORIZED"), &[recent], now()),
        VoidPlan::Pending { .. }
    ));
    let old = record(ActionState::Accepted, "2026-12-01T11:00:00Z");
    assert_eq!(
        plan_void(&status("AUTHORIZED"), &[old], now()),
        VoidPlan::Send
    );
}

#[test]
fn capture_rules() {
    let merchant = tx(json!({"id": "T1", "status": "AUTHORIZED", "amount": 500,
        "events": [{"event": "AUTHORIZE", "success": true}]}));
    assert_eq!(
        plan_capture(&merchant, &[]),
        CapturePlan::Send { amount: 500 }
    );
    // Kravia-delivered: INITIATE_CAPTURE from creation.
    let kravia = tx(json!({"id": "T1", "status": "AUTHORIZED", "amount": 500,
        "events": [{"event": "AUTHORIZE"}, {"event": "INITIATE_CAPTURE"}]}));
    assert_eq!(
        plan_capture(&kravia, &[]),
        CapturePlan::AlreadyStarted { by_us: false }
    );
    let stated = tx(json!({"id": "T1", "status": "AUTHORIZED", "amount": 500,
        "metadata": {"kravia:invoice_channel": "kravia"}}));
    assert!(matches!(plan_capture(&stated, &[]), CapturePlan::Refuse(_)));
    let paid = tx(json!({"id": "T1", "status": "CAPTURED", "amount": 500}));
    assert_eq!(plan_capture(&paid, &[]), CapturePlan::AlreadyPaid);
    let voided = tx(json!({"id": "T1", "status": "AUTHORIZATION_VOIDED", "amount": 500}));
    assert!(matches!(plan_capture(&voided, &[]), CapturePlan::Refuse(_)));
    let no_amount = tx(json!({"id": "T1", "status": "AUTHORIZED"}));
    assert!(matches!(
        plan_capture(&no_amount, &[]),
        CapturePlan::Refuse(_)
    ));
}

#[test]
fn pdf_names_are_safe() {
    assert_eq!(
        pdf_file_name(Some("INV-2026-0001"), "x"),
        "INV-2026-0001.pdf"
    );
    assert_eq!(pdf_file_name(None, "2026/11 ../a"), "2026_11_.._a.pdf");
    assert_eq!(pdf_file_name(Some("  "), "..hidden"), "hidden.pdf");
    assert_eq!(pdf_file_name(None, "CON"), "_CON.pdf");
    assert_eq!(pdf_file_name(None, "com1.x"), "_com1.x.pdf");
    assert_eq!(pdf_file_name(None, "Blåbær"), "Bl_b_r.pdf");
    assert_eq!(pdf_file_name(None, "..."), "invoice.pdf");
    assert_eq!(pdf_file_name(None, &"x".repeat(300)).len(), 104);
}

#[test]
fn token_goes_only_to_the_configured_hosts() {
    let e = Endpoints {
        api: "https://api.dintero.com/v1".into(),
        checkout: "https://checkout.dintero.com/v1".into(),
    };
    assert!(url_allowed("https://api.dintero.com/v1/files/f-1", &e));
    assert!(url_allowed("https://checkout.dintero.com/v1/x", &e));
    assert!(!url_allowed("http://api.dintero.com/v1/files/f-1", &e));
    assert!(!url_allowed(
        "https://api.dintero.com:8443/v1/files/f-1",
        &e
    ));
    assert!(!url_allowed("https://evil.example/v1/files/f-1", &e));
    assert!(!url_allowed("https://api.dintero.com.evil.example/f", &e));
    assert!(!url_allowed("http://127.0.0.1:9/v1/files/f-1", &e));
    assert!(!url_allowed("not a url", &e));
    let sandbox = Endpoints {
        api: "http://127.0.0.1:4000/v1".into(),
        checkout: "http://127.0.0.1:4000/v1".into(),
    };
    assert!(url_allowed("http://127.0.0.1:4000/v1/files/f-1", &sandbox));
    assert!(!url_allowed("http://127.0.0.1:4001/v1/files/f-1", &sandbox));
}

#[test]
fn save_pdf_is_atomic_and_never_clobbers() {
    let dir = tempfile::tempdir().expect("tmp");
    assert_eq!(save_pdf(dir.path(), "a.pdf", b"%PDF-1"), Ok(Saved::Written));
    assert_eq!(
        save_pdf(dir.path(), "a.pdf", b"%PDF-1"),
        Ok(Saved::Unchanged)
    );
    let err = save_pdf(dir.path(), "a.pdf", b"%PDF-2").expect_err("differs");
    assert!(err.contains("not overwritten"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("a.pdf")).expect("read"),
        b"%PDF-1"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}

#[test]
fn action_log_round_trip_and_account_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.csv.journal.sqlite");
    let log = ActionLog::open(&path, "T12345678").expect("open");
    let id = log
        .intent(Action::Void, "A", "T12345678.x", None)
        .expect("intent");
    let h = log.history(Action::Void, "T12345678.x").expect("history");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].state, ActionState::Sending);
    log.outcome(id, ActionState::Done, Some("AUTHORIZATION_VOIDED"), None)
        .expect("outcome");
    let h = log.history(Action::Void, "T12345678.x").expect("history");
    assert_eq!(h[0].state, ActionState::Done);
    assert_eq!(
        h[0].transaction_status.as_deref(),
        Some("AUTHORIZATION_VOIDED")
    );
    assert!(
        log.history(Action::Capture, "T12345678.x")
            .expect("history")
            .is_empty()
    );
    drop(log);
    // The file is still an import journal.
    let j = Journal::open(&path).expect("journal");
    j.set_meta(META_ACCOUNT_ID, "T87654321").expect("meta");
    drop(j);
    let err = ActionLog::open(&path, "T12345678").expect_err("other account");
    assert!(matches!(err, LifecycleError::OtherAccount { .. }), "{err}");
}

#[test]
fn results_file_is_rewritten_in_its_own_dialect() {
    let dir = tempfile::tempdir().expect("tmp");
    let row = ResultRow {
        merchant_reference: "A-1".into(),
        status: crate::output::results::ResultStatus::Created,
        transaction_id: Some("T12345678.a".into()),
        amount: 123_450,
        currency: "NOK".into(),
        ..Default::default()
    };
    for (name, format, delimiter) in [
        ("r.csv", ResultsFormat::Csv, b';'),
        ("c.csv", ResultsFormat::Csv, b','),
        ("t.csv", ResultsFormat::Csv, b'\t'),
        ("r.json", ResultsFormat::Json, b';'),
        ("r.xlsx", ResultsFormat::Xlsx, b';'),
    ] {
        let path = dir.path().join(name);
        write_results(&path, std::slice::from_ref(&row), format, delimiter).expect("write");
        let mut file = ResultsFile::read(&path).expect("read");
        assert_eq!(file.format, format, "{name}");
        if format == ResultsFormat::Csv {
            assert_eq!(file.delimiter, delimiter, "{name}");
        }
        file.rows[0].transaction_status = Some("CAPTURED".into());
        file.write().expect("rewrite");
        let again = ResultsFile::read(&path).expect("read again");
        assert_eq!(again.delimiter, file.delimiter, "{name}");
        assert_eq!(
            again.rows[0].transaction_status.as_deref(),
            Some("CAPTURED")
        );
        assert_eq!(again.rows[0].amount, 123_450, "{name}");
    }
    let text = std::fs::read_to_string(dir.path().join("r.csv")).expect("csv");
    assert!(
        text.contains(";1234,50;"),
        "decimal comma kept with ';': {text}"
    );
}

#[test]
fn select_rows_by_reference() {
    let file = ResultsFile {
        path: "r.csv".into(),
        format: ResultsFormat::Csv,
        delimiter: b';',
        rows: ["A", "B", "C"]
            .iter()
            .map(|r| ResultRow {
                merchant_reference: r.to_string(),
                ..Default::default()
            })
            .collect(),
    };
    assert_eq!(file.select(&[]), Ok(vec![0, 1, 2]));
    assert_eq!(file.select(&["C".into(), " A ".into()]), Ok(vec![0, 2]));
    assert_eq!(
        file.select(&["A".into(), "X".into(), "Y".into(), "X".into()]),
        Err(vec!["X".to_string(), "Y".to_string()])
    );
}
