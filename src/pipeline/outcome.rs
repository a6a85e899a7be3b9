//! The report stage: what a run did, counted from its results, and reconciled with the
//! dry run's control totals.
//!
//! Why from the results file's rows: they are what the accountant checks against the
//! ledger, so the counts and totals shown must be theirs. The words (text and JSON) are
//! `cli::run_summary`'s; the exit code is [`RunOutcome::exit`]'s.

use super::guard::CheckReport;
use super::send::Sent;
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::output::results::{ResultRow, ResultStatus};
use crate::run::journal::Status;
use crate::run::scheduler::RunError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Counts and totals of a finished (or stopped) run, from the results.
#[derive(Debug, Default)]
pub struct RunOutcome {
    pub counts: BTreeMap<&'static str, u64>,
    /// status -> currency -> (invoices, amount)
    pub totals: BTreeMap<&'static str, BTreeMap<String, (u64, i64)>>,
    pub interrupted: bool,
    pub rate_limited: u64,
    /// The rate (requests per second) the run's pacing settled at, and the rate asked for.
    pub settled_rate: (f64, u32),
    /// Requests the duplicate check made at Dintero, and how.
    pub check: Option<CheckReport>,
    /// Valid invoices not sent yet (pending, or interrupted in flight).
    pub waiting: u64,
    /// Invoices this run had to send or settle (0: an earlier run did everything).
    pub handled: u64,
    /// Invoices an earlier run of the journal had created already.
    pub earlier_created: u64,
    /// Per currency: the valid invoices' total in the results, and the dry run's.
    pub reconciled: Vec<(String, i64, i64)>,
    /// Where the run sent, and the files it read and wrote.
    pub account: String,
    pub sandbox: bool,
    pub input: PathBuf,
    pub results_file: PathBuf,
    pub journal_file: PathBuf,
}

/// The outcome of a run that sent (or tried to): an error if the run stopped early
/// (the results file is written either way and named in the error).
pub fn of(
    dry: &crate::validate::Totals,
    sent: Sent,
    results: &[ResultRow],
    results_file: &std::path::Path,
) -> Result<RunOutcome> {
    if let Err(e) = sent.ended {
        let message = anyhow::anyhow!("{e}; the results so far are in {}", results_file.display());
        return Err(match e {
            // Only 429s for a long stretch: the same command resumes later.
            RunError::Stalled(_) => Error::Incomplete(message),
            _ => Error::Setup(message),
        });
    }
    // Valid invoices still waiting to be sent (the results call them not_sent, like the
    // invalid ones, but they make the run incomplete rather than failed).
    let waiting = sent
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.recorded.status,
                Status::Pending | Status::SessionCreated | Status::Sending
            )
        })
        .count() as u64;
    let mut outcome = RunOutcome::count(results);
    outcome.interrupted = sent.interrupted;
    outcome.rate_limited = sent.rate_limited;
    outcome.waiting = waiting;
    outcome.handled = sent.total;
    outcome.settled_rate.0 = sent.settled_rate;
    outcome.reconcile(dry);
    // As for the invoices: the rest is left for the system to reclaim at exit.
    std::mem::forget(sent.rows);
    Ok(outcome)
}

impl RunOutcome {
    /// Counts and totals per status and currency.
    fn count(results: &[ResultRow]) -> RunOutcome {
        let mut counts = BTreeMap::new();
        let mut totals: BTreeMap<&'static str, BTreeMap<String, (u64, i64)>> = BTreeMap::new();
        for r in results {
            let s = r.status.as_str();
            *counts.entry(s).or_default() += 1;
            if !r.currency.is_empty() {
                let t = totals
                    .entry(s)
                    .or_default()
                    .entry(r.currency.clone())
                    .or_default();
                t.0 += 1;
                t.1 = t.1.saturating_add(r.amount);
            }
        }
        RunOutcome {
            counts,
            totals,
            ..RunOutcome::default()
        }
    }

    /// Compares the results' totals (every status) with the dry run's control totals:
    /// every valid invoice of the file must be accounted for, once.
    fn reconcile(&mut self, dry: &crate::validate::Totals) {
        self.reconciled = dry
            .by_currency
            .iter()
            .map(|(cur, t)| {
                let in_results: i64 = self
                    .totals
                    .values()
                    .filter_map(|m| m.get(cur.code()))
                    .fold(0i64, |sum, (_, a)| sum.saturating_add(*a));
                (cur.code().to_string(), in_results, t.amount)
            })
            .collect();
    }

    /// How many results have this status.
    pub fn count_of(&self, s: ResultStatus) -> u64 {
        self.counts.get(s.as_str()).copied().unwrap_or(0)
    }

    /// The exit code of a run that went to its end: 5 if anything is left to do, 4 if
    /// some invoices were not created, else 0.
    pub fn exit(&self) -> Exit {
        if self.interrupted || self.count_of(ResultStatus::Unknown) > 0 || self.waiting > 0 {
            Exit::Incomplete
        } else if self.count_of(ResultStatus::Failed) > 0
            || self.count_of(ResultStatus::NotSent) > 0
        {
            Exit::SomeFailed
        } else {
            Exit::Ok
        }
    }
}
