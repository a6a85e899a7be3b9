use super::*;
use crate::exit::Exit;

fn item(r: &str, outcome: ActionOutcome) -> ActionItem {
    ActionItem {
        row: 0,
        reference: r.into(),
        transaction_id: Some("T1.x".into()),
        invoice_number: Some("INV-1".into()),
        customer: "Blåbær AS".into(),
        currency: "NOK".into(),
        amount: 123_450,
        paid: Some(23_450),
        transaction_status: Some("PARTIALLY_CAPTURED".into()),
        outcome,
        download: None,
    }
}

#[test]
fn plan_shows_what_a_void_cancels() {
    let plan = render_plan(
        Command::Void,
        "T12345678",
        &[
            item("A", ActionOutcome::Planned),
            item("B", ActionOutcome::Skipped("paid".into())),
        ],
    );
    assert!(
        plan.contains("About to CANCEL (void) 1 invoice(s)"),
        "{plan}"
    );
    assert!(plan.contains("cancels the unpaid 1 000,00"), "{plan}");
    assert!(plan.contains("NOK 1 234,50"), "{plan}");
    assert!(!plan.contains("  B "), "{plan}");
}

#[test]
fn exit_codes() {
    let report = |items| ActionReport {
        command: Command::Void,
        results_file: "r.csv".into(),
        journal: "r.csv.journal.sqlite".into(),
        account: "T12345678".into(),
        items,
        download_dir: None,
        download_only: false,
        rate_limited: 0,
    };
    let ok = report(vec![
        item("A", ActionOutcome::Done),
        item("B", ActionOutcome::AlreadyDone("earlier".into())),
        item("C", ActionOutcome::Skipped("paid".into())),
    ]);
    assert_eq!(ok.exit(), Exit::Ok);
    let refused = report(vec![
        item("A", ActionOutcome::Done),
        item("B", ActionOutcome::Refused("paid".into())),
    ]);
    assert_eq!(refused.exit(), Exit::SomeFailed);
    let incomplete = report(vec![
        item("A", ActionOutcome::Refused("paid".into())),
        item("B", ActionOutcome::Pending("202".into())),
    ]);
    assert_eq!(incomplete.exit(), Exit::Incomplete);
    let j = incomplete.json();
    assert_eq!(j["counts"]["refused"], 1);
    assert_eq!(j["invoices"][1]["outcome"], "pending");
}
