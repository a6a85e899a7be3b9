//! The live run's summary: counts, totals per status and currency, the reconciliation
//! with the dry run, and what to do next, as text for a person or JSON for a wrapper.
//!
//! Why here: the numbers are [`crate::pipeline::outcome::RunOutcome`]'s; rendering is
//! the command line's job (and `output` sits below the pipeline, so it cannot know it).

use crate::exit::Exit;
use crate::model::money::format_minor_nordic;
use crate::output::results::ResultStatus;
use crate::pipeline::guard::CheckReport;
use crate::pipeline::outcome::RunOutcome;
use serde_json::json;

/// The statuses in the order the summary lists them, with their words.
const NAMES: [(ResultStatus, &str); 5] = [
    (ResultStatus::Created, "created"),
    (ResultStatus::AlreadyExists, "already existed"),
    (ResultStatus::Failed, "failed"),
    (ResultStatus::Unknown, "unknown"),
    (ResultStatus::NotSent, "not sent"),
];

/// The summary for a person.
pub fn text(o: &RunOutcome) -> String {
    let mut s = String::new();
    let target = if o.sandbox {
        format!(
            "the in-process sandbox (account {}): a rehearsal, nothing reached Dintero",
            o.account
        )
    } else {
        format!("Dintero account {}", o.account)
    };
    s.push_str(&format!("{}\n  sent to {target}\n\n", o.input.display()));
    s.push_str(&format!("Invoices  {}\n", counts_line(o).join(", ")));
    totals(o, &mut s);
    reconciliation(o, &mut s);
    if let Some(c) = &o.check {
        s.push_str(&format!("Duplicate check at Dintero: {}.\n", c.describe()));
    }
    if o.rate_limited > 0 {
        s.push_str(&format!(
            "Dintero asked to slow down {} times (429); the run settled at {:.1} requests per second (--rate {}).\n",
            o.rate_limited, o.settled_rate.0, o.settled_rate.1
        ));
    }
    if o.handled == 0 {
        s.push_str(
            "This run sent nothing: every invoice was settled by an earlier run (see its journal).\n",
        );
    }
    s.push_str(&format!("\nResults: {}\n", o.results_file.display()));
    s.push_str(verdict(o));
    s
}

/// `created 3, already done 2 (by an earlier run), already existed 0, ...`
fn counts_line(o: &RunOutcome) -> Vec<String> {
    let mut parts: Vec<String> = NAMES
        .iter()
        .map(|(st, n)| match st {
            ResultStatus::Created => {
                format!("{n} {}", o.count_of(*st).saturating_sub(o.earlier_created))
            }
            _ => format!("{n} {}", o.count_of(*st)),
        })
        .collect();
    if o.earlier_created > 0 {
        parts.insert(
            1,
            format!("already done {} (by an earlier run)", o.earlier_created),
        );
    }
    parts
}

/// One line per status and currency: the amount and the number of invoices.
fn totals(o: &RunOutcome, s: &mut String) {
    for (st, n) in NAMES {
        if let Some(t) = o.totals.get(st.as_str()) {
            for (cur, (count, amount)) in t {
                s.push_str(&format!(
                    "  {n:<16} {cur} {:>18} ({})\n",
                    format_minor_nordic(*amount, 2),
                    crate::output::summary::plural(*count, "invoice")
                ));
            }
        }
    }
}

/// Per currency: the results' total against the dry run's.
fn reconciliation(o: &RunOutcome, s: &mut String) {
    for (cur, results, dry) in &o.reconciled {
        let verdict = if results == dry {
            "equals the dry run's total".to_string()
        } else {
            format!(
                "DIFFERS from the dry run's {}: check the results file",
                format_minor_nordic(*dry, 2)
            )
        };
        s.push_str(&format!(
            "  {:<16} {cur} {:>18} {verdict}\n",
            "all",
            format_minor_nordic(*results, 2)
        ));
    }
}

/// The last line: what the run means and what to do.
fn verdict(o: &RunOutcome) -> &'static str {
    match o.exit() {
        Exit::Ok if o.sandbox => {
            "Result: every invoice exists in the sandbox. This was a rehearsal: nothing was sent to Dintero.\n"
        }
        Exit::Ok => "Result: every invoice exists at Kravia.\n",
        Exit::SomeFailed => {
            "Result: some invoices were not created; the results file says why for each.\n"
        }
        _ => {
            "Result: the run is incomplete. Run the same command again: it resumes, and never sends an invoice twice.\n"
        }
    }
}

/// The summary for a wrapper (stable keys).
pub fn json(o: &RunOutcome) -> serde_json::Value {
    let totals: serde_json::Map<String, serde_json::Value> = o
        .totals
        .iter()
        .map(|(st, t)| {
            let list: Vec<serde_json::Value> = t
                .iter()
                .map(|(cur, (n, a))| json!({"currency": cur, "invoices": n, "amount": a}))
                .collect();
            (st.to_string(), json!(list))
        })
        .collect();
    json!({
        "account": o.account,
        "sandbox": o.sandbox,
        "results_file": o.results_file.display().to_string(),
        "journal": o.journal_file.display().to_string(),
        "counts": o.counts,
        "already_done": o.earlier_created,
        "totals": totals,
        "interrupted": o.interrupted,
        "reconciled": o.reconciled.iter().all(|(_, a, b)| a == b),
        "rate_limited": o.rate_limited,
        "settled_rate": (o.settled_rate.0 * 10.0).round() / 10.0,
        "duplicate_check": o.check.as_ref().map(CheckReport::json),
        "handled_this_run": o.handled,
    })
}
