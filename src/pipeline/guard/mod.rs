//! The cross-run guard: references already invoiced (by an earlier run on this machine, or
//! found at Dintero) stop a run before anything is sent.
//!
//! Checked: every invoice this journal never sent a request for (`pending`, no attempt).
//! Not checked: invoices the journal already knows as `created`/`already_exists` (they
//! are not sent again anyway), and invoices this journal sent requests for
//! (`sending`/`unknown`, or `pending` after attempts): the scheduler looks those up
//! itself before sending, and finding them means this run created them. So running the
//! same file with its journal again stays a resume.
//!
//! Each checked reference is looked up (1) in the local record of this machine
//! ([`crate::run::registry`], keyed by the checkout API base URL and the account; skipped
//! for the in-process sandbox, which forgets everything on exit), then (2) at Dintero,
//! whichever costs fewer requests: listing the account's successful Kravia transactions
//! of the check window (`run.check_window_days`, default 90: one request per 100), or one
//! `GET /transactions?merchant_reference=` per reference not found locally. A file of
//! 10,000 invoices checked one by one at 10/s spent 17 minutes before sending anything;
//! listing a window of 30,000 transactions takes 300 requests. A successful transaction
//! (AUTHORIZED, CAPTURED, PARTIALLY_CAPTURED) counts as invoiced. Every request goes
//! through the one request policy ([`crate::run::policy`]): a 401 refreshes the token, a
//! 429 slows down, neither ends the check.
//!
//! Any hit refuses the run (exit 1, nothing sent) with the references and where they
//! were found, unless `--skip-invoiced`: then they are recorded as `already_exists` in
//! the journal and the others are sent. A look-up that fails for good stops the run
//! (exit 3, nothing sent): an unanswered look-up is never taken for "not invoiced".

mod local;
mod remote;

pub use local::{LocalLookup, RunRecord};

use crate::config::Guard;
use crate::dintero::types::Transaction;
use crate::error::{Error, Result};
use crate::pipeline::connection::Connection;
use crate::pipeline::notice::Notices;
use crate::run::journal::{Journal, Recorded, Status};
use crate::run::registry::Invoiced;
use crate::run::scheduler::Job;
use std::collections::HashMap;
use std::sync::Mutex;

/// References listed per group in a refusal before "and N more".
const LISTED: usize = 20;

/// Where an invoiced reference was found.
enum Hit {
    /// This machine's record.
    Local(Invoiced),
    /// Dintero: the successful transaction.
    Remote(Box<Transaction>),
}

/// How the check runs: its depth, what a hit does, and where its words go.
pub struct How<'a> {
    pub guard: Guard,
    /// `--skip-invoiced`: a hit is recorded as `already_exists` instead of refusing.
    pub skip_invoiced: bool,
    pub quiet: bool,
    pub notices: &'a Notices,
}

/// Checks the jobs of a run; returns the jobs to send.
pub async fn check(
    connection: &Connection,
    journal: &Journal,
    local: LocalLookup,
    jobs: Vec<Job>,
    how: How<'_>,
) -> Result<(Vec<Job>, Option<CheckReport>)> {
    let new: Vec<&str> = jobs
        .iter()
        .filter(|j| never_sent(j))
        .map(|j| j.invoice.merchant_reference.as_str())
        .collect();
    if new.is_empty() {
        return Ok((jobs, None));
    }
    // The local look-up covered every valid invoice: only the never-sent ones count.
    let wanted: std::collections::HashSet<&str> = new.iter().copied().collect();
    let mut hits: HashMap<String, Hit> = local
        .hits()
        .into_iter()
        .filter(|i| wanted.contains(i.reference.as_str()))
        .map(|i| (i.reference.clone(), Hit::Local(i)))
        .collect();
    let remote: Vec<String> = new
        .iter()
        .filter(|r| !hits.contains_key(**r))
        .map(|r| r.to_string())
        .collect();
    let remote = match how.guard {
        Guard::Full => remote,
        // The server's strict-success toggle still refuses a second invoice at send time.
        Guard::Local => Vec::new(),
    };
    let (found, report) = remote::lookup_all(connection, remote, how.quiet).await?;
    for (reference, t) in found {
        hits.insert(reference, Hit::Remote(Box::new(t)));
    }
    if hits.is_empty() {
        return Ok((jobs, report));
    }
    // In the file's order.
    let ordered: Vec<(&str, &Hit)> = new
        .iter()
        .filter_map(|r| hits.get(*r).map(|h| (*r, h)))
        .collect();
    if !how.skip_invoiced {
        return Err(Error::refused(refusal(&ordered, new.len())));
    }
    skip(journal, &ordered).await?;
    how.notices.say(format!(
        "{} invoiced already and not sent (--skip-invoiced); the results list them as already_exists.",
        crate::output::summary::plural(ordered.len() as u64, "invoice")
    ));
    let jobs = jobs
        .into_iter()
        .filter(|j| !hits.contains_key(&j.invoice.merchant_reference))
        .collect();
    Ok((jobs, report))
}

/// An invoice this journal never sent a request for.
fn never_sent(j: &Job) -> bool {
    j.recorded.status == Status::Pending && j.recorded.attempts == 0
}

/// How the duplicate check at Dintero went, for the summary.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// References checked at Dintero.
    pub references: usize,
    /// Listing pages read (the window's Kravia transactions), if it listed.
    pub pages: u64,
    /// Per-reference look-ups made (none when the listing sufficed).
    pub lookups: u64,
    /// The window listed, in days.
    pub window_days: u32,
    pub seconds: f64,
}

impl CheckReport {
    pub fn describe(&self) -> String {
        let how = match (self.pages, self.lookups) {
            (p, 0) => format!(
                "listed the last {} days of Kravia transactions ({})",
                self.window_days,
                crate::output::summary::plural(p, "request")
            ),
            (0, l) => format!(
                "looked up each reference ({})",
                crate::output::summary::plural(l, "request")
            ),
            (p, l) => format!(
                "listing the last {} days took more requests than looking each reference up ({p} pages, then {l} look-ups)",
                self.window_days
            ),
        };
        format!(
            "{} invoices checked, {how}, {:.1} s",
            self.references, self.seconds
        )
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "references": self.references,
            "pages": self.pages,
            "lookups": self.lookups,
            "window_days": self.window_days,
            "seconds": (self.seconds * 100.0).round() / 100.0,
        })
    }
}

/// `--skip-invoiced`: records the hits as `already_exists` in the journal.
async fn skip(journal: &Journal, hits: &[(&str, &Hit)]) -> Result<()> {
    let writer = journal.writer().map_err(Error::setup)?;
    let mut set = tokio::task::JoinSet::new();
    for (reference, hit) in hits {
        let (recorded, detail) = match hit {
            Hit::Local(i) => {
                let note = format!(
                    "invoiced already (recorded {} by the run with results {}); not sent again",
                    when(&i.recorded_at),
                    i.results_file
                );
                (
                    Recorded {
                        status: Status::AlreadyExists,
                        transaction_id: i.transaction_id.clone(),
                        invoice_number: i.invoice_number.clone(),
                        error: Some(note.clone()),
                        ..Recorded::default()
                    },
                    format!("{note} (local record, --skip-invoiced)"),
                )
            }
            Hit::Remote(t) => {
                let note = format!("invoiced already ({} at Dintero); not sent again", t.id);
                (
                    Recorded {
                        status: Status::AlreadyExists,
                        session_id: t.session_id.clone(),
                        transaction_id: Some(t.id.clone()),
                        invoice_number: t.invoice_number().map(str::to_string),
                        invoice_url: t.invoice_url().map(str::to_string),
                        transaction_status: Some(t.status.as_str().to_string()),
                        error: Some(note.clone()),
                        invoice_date: t.invoice_date().map(str::to_string),
                        due_date: t.invoice_due_date().map(str::to_string),
                        ..Recorded::default()
                    },
                    format!("{note} (look-up, --skip-invoiced)"),
                )
            }
        };
        let (writer, reference) = (writer.clone(), reference.to_string());
        // Concurrently: the writer commits them in a few transactions.
        set.spawn(async move { writer.outcome(&reference, recorded, &detail).await });
    }
    while let Some(joined) = set.join_next().await {
        joined
            .map_err(|e| Error::setup(anyhow::anyhow!("recording in the journal stopped: {e}")))?
            .map_err(Error::setup)?;
    }
    writer.close().await.map_err(Error::setup)
}

/// The refusal: which references, and where each was found.
fn refusal(hits: &[(&str, &Hit)], checked: usize) -> String {
    let mut s = if hits.len() == checked {
        format!(
            "all {checked} invoices to send were invoiced already (is this a file sent before?); nothing was sent."
        )
    } else {
        format!(
            "{} of the {checked} invoices to send were invoiced already; nothing was sent.",
            hits.len()
        )
    };
    // Local hits, grouped by the run that recorded them (in the order first met).
    let mut groups: Vec<((&str, &str), Vec<&Invoiced>)> = Vec::new();
    for (_, hit) in hits {
        if let Hit::Local(i) = hit {
            let key = (i.results_file.as_str(), i.input_file.as_str());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(i),
                None => groups.push((key, vec![i])),
            }
        }
    }
    for ((results, input), items) in &groups {
        let first = items
            .iter()
            .map(|i| i.recorded_at.as_str())
            .min()
            .unwrap_or("");
        let input = if input.is_empty() {
            String::new()
        } else {
            format!(", input {input}")
        };
        s.push_str(&format!(
            "\n  recorded on this machine {} by the run with results {results}{input}:\n    {}",
            when(first),
            list(items.iter().map(|i| i.reference.clone()))
        ));
    }
    let remote: Vec<String> = hits
        .iter()
        .filter_map(|(r, h)| match h {
            Hit::Remote(t) => Some(format!("{r}  transaction {}", t.id)),
            Hit::Local(_) => None,
        })
        .collect();
    if !remote.is_empty() {
        s.push_str("\n  found at Dintero:");
        for line in remote.iter().take(LISTED) {
            s.push_str(&format!("\n    {line}"));
        }
        if remote.len() > LISTED {
            s.push_str(&format!("\n    and {} more", remote.len() - LISTED));
        }
    }
    s.push_str(
        "\nIf this file was sent before, stop here. If only these invoices were, run the same command with --skip-invoiced: they are listed as already_exists and the others are sent.",
    );
    s
}

/// `A, B, C` (at most 20, then "and N more").
fn list(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    let mut s = all
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > LISTED {
        s.push_str(&format!(" and {} more", all.len() - LISTED));
    }
    s
}

/// `on 2026-12-01 09:30 UTC` from a stored RFC 3339 timestamp.
pub(super) fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(d), Some(t)) => format!("on {d} {t} UTC"),
        _ => format!("at {at}"),
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
