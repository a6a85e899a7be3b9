//! The month-end words from JSON as `validate` and `import` print it. The steps
//! themselves, with the scripts, are tested end to end in `tests/month_end.rs`.

use super::verdicts::after_sending;
use super::words::{check_text, letter_index, outcome_text};
use super::{Approved, Kind, Previous};
use crate::exit::Exit;
use crate::plan::Plan;
use serde_json::json;

#[test]
fn column_letters_read_back_as_their_index() {
    for i in (0..1000).chain([16_383, 18_277, 18_278]) {
        assert_eq!(
            letter_index(&crate::mapping::column_letter(i)),
            Some(i),
            "{i}"
        );
    }
    for not_a_letter in ["", "a", "K1", "Ø", "-"] {
        assert_eq!(letter_index(not_a_letter), None, "{not_a_letter:?}");
    }
}

#[test]
fn a_summary_with_errors_lists_them_with_the_binary_s_problem_line() {
    let problem = |row: u32| {
        json!({"row": row, "column": "Orgnr", "column_letter": "J", "value": "974 760 674",
               "severity": "error", "message": "organization number has a wrong check digit",
               "merchant_reference": format!("2026-11-{row:04}")})
    };
    let mut problems: Vec<_> = (2..16).map(problem).collect();
    problems.push(json!({"row": null, "column": null, "column_letter": null, "value": null,
        "severity": "warning", "message": "the file has a byte order mark", "merchant_reference": null}));
    let j = json!({
        "invoices": 20, "valid_invoices": 6, "invalid_invoices": 14, "lines": 40,
        "errors": 14, "warnings": 1,
        "by_type": {"kravia.invoice_b2b": 6, "kravia.invoice_b2c": 0},
        "totals": [{"currency": "NOK", "invoices": 6, "lines": 9, "amount": 123_456_789,
                    "vat_amount": 24_691_358, "net_amount": 98_765_431,
                    "largest": {"amount": 100, "merchant_reference": "x", "customer": "y"}}],
        "vat_rates": [{"currency": "NOK", "rate": 25, "lines": 9, "base": 1, "vat_amount": 1}],
        "problems": problems,
        "input": {"format": "xlsx"},
    });
    let text = check_text(&j);
    for shown in [
        "The file has 20 invoices on 40 lines.\n",
        "14 invoices have errors (14 errors in all); 6 invoices are correct.\n",
        "Kinds: 6 to businesses.\n",
        "Control totals of the correct invoices (compare them with the ledger):\n",
        "  NOK              6       1 234 567,89       246 913,58         987 654,31\n",
        "Errors (these must be corrected before anything can be sent):\n",
        "  row 2, column 'Orgnr' (J): '974 760 674' organization number has a wrong check digit\n",
        "  ... and 2 more: all of them are in the error report.\n",
        "Warnings (these do not stop anything; check them):\n  the file has a byte order mark\n",
    ] {
        assert!(text.contains(shown), "missing {shown:?} in:\n{text}");
    }
    assert_eq!(text.matches("  row ").count(), 12, "{text}");
    // With errors, the details of the totals wait until they are fixed.
    assert!(
        !text.contains("VAT per rate") && !text.contains("Largest"),
        "{text}"
    );
}

#[test]
fn a_file_that_cannot_be_read_says_why_indented() {
    let j = json!({"error": "november.csv is empty: export the invoices again", "exit_code": 1});
    assert_eq!(
        check_text(&j),
        "The file cannot be read as an invoice list:\n    november.csv is empty: export the invoices again\n"
    );
    let j = json!({"error": "cannot read the mapping file", "exit_code": 3});
    assert!(check_text(&j).starts_with("kravia-batch could not check the file:\n"));
}

#[test]
fn the_question_and_the_confirmed_total_come_from_the_plan() {
    let plan = Plan::from_json(
        &json!({
            "format": crate::plan::FORMAT, "version": crate::plan::VERSION,
            "created_at": "2026-11-25T15:59:00.000Z", "tool_version": "0.1.0",
            "input": {"path": "november.csv", "sha256": "00"},
            "mapping": {"file": null, "columns": {}, "defaults": {}},
            "invoices": {},
            "totals": {
                "EUR": {"invoices": 1, "amount": 68_150, "vat_amount": 0},
                "NOK": {"invoices": 22, "amount": 13_691_968, "vat_amount": 2_390_539},
                "SEK": {"invoices": 2, "amount": 1_280_000, "vat_amount": 0},
            },
        })
        .to_string(),
    )
    .expect("plan");
    let approved = Approved::of(&plan);
    assert_eq!(
        approved.question(),
        "Send 25 invoices totalling 136 919,68 NOK, 12 800,00 SEK and 681,50 EUR? (yes/no) "
    );
    assert_eq!(
        approved.confirm_total(),
        "NOK=136919.68,SEK=12800.00,EUR=681.50"
    );
    let one = Approved {
        invoices: 1,
        totals: vec![("NOK".into(), 29_900)],
    };
    assert_eq!(
        one.question(),
        "Send 1 invoice totalling 299,00 NOK? (yes/no) "
    );
}

#[test]
fn the_outcome_counts_every_status_with_its_amounts() {
    let j = json!({
        "account": "T12345678", "results_file": "/m/november.results.csv",
        "counts": {"created": 20, "failed": 0, "not_sent": 5},
        "totals": {
            "created": [{"currency": "EUR", "invoices": 1, "amount": 68_150},
                        {"currency": "NOK", "invoices": 19, "amount": 10_686_068}],
            "not_sent": [{"currency": "NOK", "invoices": 5, "amount": 3_005_900}],
        },
        "interrupted": true, "reconciled": true,
    });
    assert_eq!(
        outcome_text(&j),
        "Dintero account T12345678.
  Created at Kravia:            20   681,50 EUR and 106 860,68 NOK
  Already at Kravia before:      0
  Refused by Kravia:             0
  Not sent:                      5   30 059,00 NOK
The run was interrupted before the end.

Results file (one line per invoice, with its Kravia invoice number):
  /m/november.results.csv
"
    );
    // An error was shown by import itself, on stderr.
    assert_eq!(outcome_text(&json!({"error": "x", "exit_code": 3})), "");
    assert_eq!(Kind::of(Some(&j)), Kind::Outcome);
    assert_eq!(Kind::of(None), Kind::Nothing);
}

#[test]
fn an_earlier_run_is_told_by_its_exit_code() {
    let state =
        |code: serde_json::Value| json!({"started_at": "2026-11-25 15:59", "exit_code": code});
    let when = "2026-11-25 15:59".to_string();
    assert_eq!(Previous::of(None), Previous::Nothing);
    assert_eq!(
        Previous::of(Some(&state(json!(0)))),
        Previous::Done { when: when.clone() }
    );
    assert_eq!(Previous::of(Some(&state(json!(3)))), Previous::Nothing);
    assert_eq!(
        Previous::of(Some(&state(json!(4)))),
        Previous::Refused { when: when.clone() }
    );
    for unfinished in [json!(null), json!(5), json!(130)] {
        assert_eq!(
            Previous::of(Some(&state(unfinished))),
            Previous::Unfinished { when: when.clone() }
        );
    }
    let text = Previous::of(Some(&json!({"exit_code": null}))).text();
    assert!(
        text.starts_with("This file was sent on earlier, and that run did not finish.\n"),
        "{text}"
    );
    assert!(text.ends_with("no invoice is sent twice.\n\n"), "{text}");
    assert_eq!(Previous::Nothing.text(), "");
}

#[test]
fn a_kravia_batch_stopped_by_a_signal_counts_as_not_finished() {
    let (text, exit) = after_sending(130, Kind::Nothing, "november.csv", false);
    assert_eq!(exit, Exit::Incomplete);
    assert!(
        text.starts_with(
            "NOT FINISHED: kravia-batch was stopped before the end (exit code 130).\n"
        ),
        "{text}"
    );
    let (text, exit) = after_sending(0, Kind::Outcome, "november.csv", true);
    assert_eq!(exit, Exit::Ok);
    assert!(text.starts_with("REHEARSAL DONE"), "{text}");
    assert!(text.ends_with("the same steps send for real.)\n"), "{text}");
}
