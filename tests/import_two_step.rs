//! The live import's two-step flow (`POST /v1/sessions`, then
//! `POST /v1/sessions/{id}/pay`) through the real binary against the sandbox over
//! loopback HTTP: one session and one payment per invoice, and a run stopped or killed
//! between the steps pays the session it recorded when it resumes.

mod common;

use common::Sandbox;
use common::import::{assert_exactly_once, import, live, spawn_import};
use kravia_batch::sandbox::{FaultRule, Faults};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Sessions the sandbox created through `POST /v1/sessions`, per reference.
fn two_step_sessions(sb: &Sandbox) -> HashMap<String, Vec<String>> {
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
        let sb = Sandbox::with_faults(Faults {
            two_step_pay_result_shape: pay_result_shape,
            ..Faults::default()
        });
        let (t, results_path) = live(&sb);
        let (code, json) = import(&t, &results_path, &["--flow", "two-step"]);
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
    let sb = Sandbox::with_faults(Faults {
        spurious_401: FaultRule::Always,
        ..Faults::default()
    });
    let (t, results_path) = live(&sb);
    let (code, _) = import(
        &t,
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
    let (code, json) = import(&t, &results_path, &["--flow", "two-step"]);
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
    let sb = Sandbox::with_faults(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    let (t, results_path) = live(&sb);
    // Kill when sessions exist beyond the paid ones: a session created, its pay not done.
    let mut child = spawn_import(
        &sb,
        &t,
        &results_path,
        &["--flow", "two-step", "--rate", "8", "--concurrency", "2"],
        |l| {
            let unpaid = l
                .sessions
                .iter()
                .filter(|s| !s.one_step && s.transaction_id.is_none())
                .count();
            l.transactions.len() >= 3 && unpaid > 0
        },
    );
    child.kill().expect("kill");
    let _ = child.wait();
    let recorded = journal_sessions(&results_path);
    assert!(sb.ledger().transactions.len() < 25, "killed too late");
    let (code, json) = import(&t, &results_path, &["--flow", "two-step"]);
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
