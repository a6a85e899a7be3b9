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

use super::Failure;
use super::args::{GuardArg, LiveArgs};
use super::connect::{Connection, config_failure};
use crate::config::ResultsSettings;
use crate::dintero::client::TransactionFilter;
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::Transaction;
use crate::exit::Exit;
use crate::output::progress::{Progress, Units};
use crate::run::journal::{Journal, META_INPUT_PATH, Recorded, Row, Status};
use crate::run::policy::{Ended, Kind};
use crate::run::registry::{Invoiced, Recorder, Registry};
use crate::run::scheduler::Job;
use anyhow::anyhow;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// References listed per group in a refusal before "and N more".
const LISTED: usize = 20;

/// Where an invoiced reference was found.
enum Hit {
    /// This machine's record.
    Local(Invoiced),
    /// Dintero: the successful transaction.
    Remote(Box<Transaction>),
}

/// Checks the jobs of a run; returns the jobs to send.
pub async fn check(
    connection: &Connection,
    journal: &Journal,
    local: LocalLookup,
    jobs: Vec<Job>,
    live: &LiveArgs,
    quiet: bool,
) -> Result<(Vec<Job>, Option<CheckReport>), Failure> {
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
    let remote = match live.guard {
        GuardArg::Full => remote,
        // The server's strict-success toggle still refuses a second invoice at send time.
        GuardArg::Local => Vec::new(),
    };
    let (found, report) = lookup_all(connection, remote, quiet).await?;
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
    if !live.skip_invoiced {
        return Err(Failure::new(
            Exit::InputErrors,
            anyhow!(refusal(&ordered, new.len())),
        ));
    }
    skip(journal, &ordered).await?;
    eprintln!(
        "{} invoiced already and not sent (--skip-invoiced); the results list them as already_exists.",
        crate::output::summary::plural(ordered.len() as u64, "invoice")
    );
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

/// The references of `refs` in this machine's record (none for the in-process sandbox).
/// A record that cannot be read is a warning: the look-up at Dintero still runs.
/// The local record's hits for a run's references, looked up on a thread of its own
/// while the run gets ready (journal, hashes), since they need nothing from either.
pub struct LocalLookup(Option<std::thread::JoinHandle<Vec<Invoiced>>>);

impl LocalLookup {
    /// Starts looking `refs` up (nothing to look up for the sandbox, or without a data
    /// folder, which is said once here).
    pub fn start(connection: &Connection, results: &ResultsSettings, refs: Vec<String>) -> Self {
        if connection.sandbox.is_some() || refs.is_empty() {
            return LocalLookup(None);
        }
        let Some(dir) = &results.data_dir else {
            eprintln!(
                "warning: no data folder is known (set KRAVIA_BATCH_DATA_DIR), so there is no local record of invoiced references; checking at Dintero only"
            );
            return LocalLookup(None);
        };
        let (dir, api, account) = (
            dir.value.clone(),
            connection.endpoints.checkout.clone(),
            connection.account.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("invoiced-lookup".into())
            .spawn(move || {
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                let found = Registry::open_existing(&dir).and_then(|r| match r {
                    Some(r) => r.find(&api, &account, &refs),
                    None => Ok(Vec::new()),
                });
                found.unwrap_or_else(|e| {
                    eprintln!("warning: {e}; checking at Dintero only");
                    Vec::new()
                })
            });
        match thread {
            Ok(t) => LocalLookup(Some(t)),
            Err(e) => {
                eprintln!(
                    "warning: cannot read the local record of invoiced references ({e}); checking at Dintero only"
                );
                LocalLookup(None)
            }
        }
    }

    fn hits(self) -> Vec<Invoiced> {
        self.0
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default()
    }
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

/// The Kravia product types and the statuses of an invoice that exists.
const KRAVIA_PRODUCTS: [&str; 3] = [
    "kravia.invoice_b2b",
    "kravia.invoice_b2b_grouped",
    "kravia.invoice_b2c",
];
const SUCCESS_STATUSES: [&str; 3] = ["AUTHORIZED", "CAPTURED", "PARTIALLY_CAPTURED"];
/// References per slice of the window listed concurrently (at most 16 slices).
const REFS_PER_SLICE: usize = 1000;

/// The failure of the check, as the command reports it.
fn check_failure(reference: &str, e: Ended) -> Failure {
    match e {
        Ended::Failed(e) if e.outcome == Outcome::Unauthorized => Failure::new(
            Exit::Config,
            anyhow!(
                "Dintero refused the credentials ({e}) while checking which invoices exist already, even with a fresh token; nothing was sent. Check DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET"
            ),
        ),
        Ended::Failed(e) => Failure::new(
            Exit::Config,
            anyhow!(
                "cannot check at Dintero whether {reference} was invoiced already ({e}); nothing was sent. Check the network (and Dintero's status), then run the same command again"
            ),
        ),
        Ended::Stopped => Failure::new(
            Exit::Incomplete,
            anyhow!(
                "interrupted while checking for invoices sent before; nothing was sent. Run the same command again"
            ),
        ),
        e @ Ended::Stalled(_) => Failure::new(
            Exit::Incomplete,
            anyhow!(
                "{e} while checking for invoices sent before; nothing was sent. Run the same command again later"
            ),
        ),
    }
}

/// Looks every reference up at Dintero; returns those with a successful transaction.
///
/// Two ways, whichever costs fewer requests for the file at hand: listing the window's
/// Kravia transactions (one request per 100, in slices listed concurrently), or one
/// look-up per reference. The listing is tried first when it can be cheaper (more
/// references than slices); it gives up once it has read as many pages as there are
/// references, and the look-ups follow. An unanswered check is never "not invoiced".
async fn lookup_all(
    connection: &Connection,
    refs: Vec<String>,
    quiet: bool,
) -> Result<(Vec<(String, Transaction)>, Option<CheckReport>), Failure> {
    if refs.is_empty() {
        return Ok((Vec::new(), None));
    }
    let started = std::time::Instant::now();
    let window_days = connection.settings.check_window_days.value;
    let mut report = CheckReport {
        references: refs.len(),
        pages: 0,
        lookups: 0,
        window_days,
        seconds: 0.0,
    };
    let slices = (refs.len() / REFS_PER_SLICE).clamp(1, 16);
    if refs.len() > slices {
        let listed = list_window(connection, &refs, window_days, slices, quiet).await?;
        report.pages = listed.1;
        if let Some(found) = listed.0 {
            report.seconds = started.elapsed().as_secs_f64();
            return Ok((found, Some(report)));
        }
    }
    let (found, lookups) = lookup_each(connection, refs, quiet).await?;
    report.lookups = lookups;
    report.seconds = started.elapsed().as_secs_f64();
    Ok((found, Some(report)))
}

/// Lists the window's successful Kravia transactions in `slices` time slices, each paged
/// under the policy; `None` when that took as many pages as there are references.
async fn list_window(
    connection: &Connection,
    refs: &[String],
    window_days: u32,
    slices: usize,
    quiet: bool,
) -> Result<(Option<Vec<(String, Transaction)>>, u64), Failure> {
    let wanted: Arc<std::collections::HashSet<String>> = Arc::new(refs.iter().cloned().collect());
    let budget = refs.len() as u64;
    let now = chrono::Utc::now();
    let start = now - chrono::Duration::days(i64::from(window_days));
    let span = (now - start) / i32::try_from(slices).unwrap_or(1);
    let pages = Arc::new(AtomicU64::new(0));
    let over = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Mutex::new(Progress::new(
        "checking at Dintero",
        Units::Items("pages"),
        quiet,
    )));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..slices {
        let from = start + span * i32::try_from(i).unwrap_or(0);
        // The last slice is open-ended: whatever is created meanwhile is seen too.
        let to = (i + 1 < slices).then(|| from + span);
        let filter = TransactionFilter {
            payment_product_types: KRAVIA_PRODUCTS.iter().map(|s| s.to_string()).collect(),
            statuses: SUCCESS_STATUSES.iter().map(|s| s.to_string()).collect(),
            created_gte: Some(from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            created_lte: to.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            limit: 100,
        };
        let (policy, wanted, pages, over, progress) = (
            connection.policy.clone(),
            wanted.clone(),
            pages.clone(),
            over.clone(),
            progress.clone(),
        );
        set.spawn(async move {
            let mut found = Vec::new();
            let mut after: Option<String> = None;
            loop {
                if over.load(Ordering::SeqCst) {
                    return Ok(found);
                }
                let page = policy
                    .send(Kind::Idempotent, || {
                        policy.client.transactions_page(&filter, after.as_deref())
                    })
                    .await?;
                let n = pages.fetch_add(1, Ordering::SeqCst) + 1;
                lock(&progress).update(n, 0, None);
                if n >= budget {
                    over.store(true, Ordering::SeqCst);
                }
                let full = page.len() >= filter.limit as usize;
                let last = page.last().map(|t| t.id.clone());
                for t in page {
                    if t.is_success()
                        && let Some(r) = t.merchant_reference.clone()
                        && wanted.contains(&r)
                    {
                        found.push((r, t));
                    }
                }
                match last {
                    // A server repeating the cursor would loop forever.
                    Some(id) if full && after.as_deref() != Some(id.as_str()) => after = Some(id),
                    _ => return Ok(found),
                }
            }
        });
    }
    let mut all: HashMap<String, Transaction> = HashMap::new();
    let mut failure = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(found)) => all.extend(found),
            Ok(Err(e)) => {
                over.store(true, Ordering::SeqCst);
                failure.get_or_insert(e);
            }
            Err(join) => {
                over.store(true, Ordering::SeqCst);
                failure.get_or_insert(Ended::Failed(ApiError {
                    outcome: Outcome::Unknown,
                    status: None,
                    code: None,
                    message: format!("a listing task stopped: {join}"),
                    request: "GET /v1/transactions".into(),
                    source: None,
                }));
            }
        }
    }
    lock(&progress).finish();
    if let Some(e) = failure {
        return Err(check_failure("any invoice of the file", e));
    }
    let pages = pages.load(Ordering::SeqCst);
    if over.load(Ordering::SeqCst) {
        return Ok((None, pages));
    }
    Ok((Some(all.into_iter().collect()), pages))
}

/// One look-up per reference, concurrently under the policy. Stops at the first
/// reference that cannot be looked up. Returns the hits and the look-ups made.
async fn lookup_each(
    connection: &Connection,
    refs: Vec<String>,
    quiet: bool,
) -> Result<(Vec<(String, Transaction)>, u64), Failure> {
    let total = refs.len() as u64;
    let workers = connection.policy.concurrency.clamp(1, refs.len().max(1));
    let queue = Arc::new(Mutex::new(refs.into_iter().collect::<VecDeque<_>>()));
    let found = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(Mutex::new(Progress::new(
        "checking at Dintero",
        Units::Items("invoices"),
        quiet,
    )));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let policy = connection.policy.clone();
        let (queue, found, stop, done, progress) = (
            queue.clone(),
            found.clone(),
            stop.clone(),
            done.clone(),
            progress.clone(),
        );
        set.spawn(async move {
            loop {
                if stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
                let next = lock(&queue).pop_front();
                let Some(reference) = next else {
                    return Ok(());
                };
                let looked = policy
                    .send(Kind::Idempotent, || {
                        policy.client.transactions_by_reference(&reference)
                    })
                    .await;
                match looked {
                    Ok(list) => {
                        if let Some(t) = list.into_iter().find(|t| t.is_success()) {
                            lock(&found).push((reference, t));
                        }
                    }
                    Err(e) => {
                        stop.store(true, Ordering::SeqCst);
                        return Err((reference, e));
                    }
                }
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                lock(&progress).update(n, total, None);
            }
        });
    }
    let mut failure = None;
    while let Some(joined) = set.join_next().await {
        let e = match joined {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(join) => (
                "an invoice".to_string(),
                Ended::Failed(ApiError {
                    outcome: Outcome::Unknown,
                    status: None,
                    code: None,
                    message: format!("a look-up task stopped: {join}"),
                    request: "GET /v1/transactions".into(),
                    source: None,
                }),
            ),
        };
        stop.store(true, Ordering::SeqCst);
        failure.get_or_insert(e);
    }
    lock(&progress).finish();
    if let Some((reference, e)) = failure {
        return Err(check_failure(&reference, e));
    }
    let found = std::mem::take(&mut *lock(&found));
    Ok((found, done.load(Ordering::SeqCst)))
}

/// `--skip-invoiced`: records the hits as `already_exists` in the journal.
async fn skip(journal: &Journal, hits: &[(&str, &Hit)]) -> Result<(), Failure> {
    let writer = journal.writer().map_err(config_failure)?;
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
            .map_err(|e| config_failure(anyhow!("recording in the journal stopped: {e}")))?
            .map_err(config_failure)?;
    }
    writer.close().await.map_err(config_failure)
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The run's writer of the local record: references are recorded as the run creates (or
/// finds) them, and [`RunRecord::finish`] adds whatever it did not get at the end.
pub struct RunRecord {
    dir: std::path::PathBuf,
    recorder: Recorder,
    template: Invoiced,
}

impl RunRecord {
    /// `None` when there is no local record (sandbox, no data folder).
    pub fn start(
        connection: &Connection,
        results: &ResultsSettings,
        journal: &Journal,
        path: &Path,
    ) -> Option<RunRecord> {
        if connection.sandbox.is_some() {
            return None;
        }
        let dir = results.data_dir.as_ref()?.value.clone();
        Some(RunRecord {
            recorder: Recorder::start(dir.clone()),
            dir,
            template: template(connection, journal, path),
        })
    }

    /// No more outcomes: the recorder writes what it has and ends ([`RunRecord::finish`]
    /// waits for it).
    pub fn stop(&self) {
        self.recorder.stop();
    }

    /// Waits for the recorder, then records the run's invoices it did not get: those of
    /// earlier runs of this journal, or all of them if it could not run. A failure is a
    /// warning: the journal and the results file hold the truth.
    pub fn finish(&self, rows: &[Row]) {
        let warn = |e: &dyn std::fmt::Display| {
            eprintln!(
                "warning: the local record of invoiced references was not updated ({e}); the results file and the journal are complete, and the next run still checks at Dintero"
            );
        };
        let outcome = self.recorder.finish();
        if let Some(e) = outcome.error {
            return warn(&e);
        }
        let done: std::collections::HashSet<String> = outcome.recorded.into_iter().collect();
        let invoiced: Vec<Invoiced> = rows
            .iter()
            .filter(|r| matches!(r.recorded.status, Status::Created | Status::AlreadyExists))
            .filter(|r| !done.contains(&r.entry.reference))
            .map(|r| Invoiced {
                reference: r.entry.reference.clone(),
                transaction_id: r.recorded.transaction_id.clone(),
                invoice_number: r.recorded.invoice_number.clone(),
                ..self.template.clone()
            })
            .collect();
        if invoiced.is_empty() {
            return;
        }
        if let Err(e) = Registry::open(&self.dir).and_then(|mut r| r.record(&invoiced)) {
            warn(&e);
        }
    }

    /// Notes an outcome; only invoices that exist at Dintero are recorded.
    pub fn note(&self, reference: &str, r: &Recorded) {
        if matches!(r.status, Status::Created | Status::AlreadyExists) {
            self.recorder.add(Invoiced {
                reference: reference.to_owned(),
                transaction_id: r.transaction_id.clone(),
                invoice_number: r.invoice_number.clone(),
                ..self.template.clone()
            });
        }
    }
}

/// A record of this run, without the invoice's own fields.
fn template(connection: &Connection, journal: &Journal, path: &Path) -> Invoiced {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    // The run's input, as the journal recorded it.
    let input_file = journal
        .meta(META_INPUT_PATH)
        .ok()
        .flatten()
        .map(|p| absolute(Path::new(&p)))
        .unwrap_or_default();
    Invoiced {
        api_base: connection.endpoints.checkout.clone(),
        account: connection.account.clone(),
        reference: String::new(),
        transaction_id: None,
        invoice_number: None,
        results_file: absolute(path),
        input_file,
        recorded_at: String::new(),
    }
}
