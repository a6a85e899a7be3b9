//! `void` and `capture` (and `capture --download-invoices`) through the real binary
//! against the sandbox over loopback HTTP, after an import: each command's output, exit
//! code, results file and the sandbox's ledger must agree, a second run sends nothing
//! new, and no output shows the client secret or a bearer token.

mod common;

use common::lifecycle::{imported, invoice, requests, results_arg, rows, run, run_json, tx_id};
use kravia_batch::run::lifecycle::{Action, ActionLog};
use kravia_batch::sandbox::Faults;

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
    let after = rows(&env);
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
    let journal = env.t.dir().join("results.csv.journal.sqlite");
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
        rows(&env)["2026-11-0004"]["transaction_status"],
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
    let pdfs = env.t.dir().join("pdf");
    let pdf_arg = pdfs.to_str().expect("utf-8").to_string();
    let download = || {
        run_json(
            &env,
            &[
                "capture",
                &results_arg(&env),
                "--download-invoices",
                &pdf_arg,
                "--download-only",
            ],
        )
    };
    let (code, json) = download();
    assert_eq!(code, 0, "{json:#}");
    assert!(
        requests(&env, "POST", "/capture").is_empty(),
        "--download-only starts no collection"
    );
    let results = rows(&env);
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
    let (code, json) = download();
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
