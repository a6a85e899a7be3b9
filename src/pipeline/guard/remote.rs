//! The check at Dintero: listing the window's Kravia transactions, or looking each
//! reference up, whichever costs fewer requests. Every request goes through the one
//! request policy; an unanswered look-up is never taken for "not invoiced".

use super::{CheckReport, lock};
use crate::dintero::client::TransactionFilter;
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::Transaction;
use crate::error::{Error, Result};
use crate::output::progress::{SharedProgress, Units};
use crate::pipeline::connection::Connection;
use crate::run::policy::{Ended, Kind};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
pub(super) fn check_failure(reference: &str, e: Ended) -> Error {
    match e {
        Ended::Failed(e) if e.outcome == Outcome::Unauthorized => Error::Setup(anyhow::anyhow!(
            "Dintero refused the credentials ({e}) while checking which invoices exist already, even with a fresh token; nothing was sent. Check DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET"
        )),
        Ended::Failed(e) => Error::Setup(anyhow::anyhow!(
            "cannot check at Dintero whether {reference} was invoiced already ({e}); nothing was sent. Check the network (and Dintero's status), then run the same command again"
        )),
        Ended::Stopped => Error::Incomplete(anyhow::anyhow!(
            "interrupted while checking for invoices sent before; nothing was sent. Run the same command again"
        )),
        e @ Ended::Stalled(_) => Error::Incomplete(anyhow::anyhow!(
            "{e} while checking for invoices sent before; nothing was sent. Run the same command again later"
        )),
    }
}

/// Looks every reference up at Dintero; returns those with a successful transaction.
///
/// Two ways, whichever costs fewer requests for the file at hand: listing the window's
/// Kravia transactions (one request per 100, in slices listed concurrently), or one
/// look-up per reference. The listing is tried first when it can be cheaper (more
/// references than slices); it gives up once it has read as many pages as there are
/// references, and the look-ups follow. An unanswered check is never "not invoiced".
pub(super) async fn lookup_all(
    connection: &Connection,
    refs: Vec<String>,
    quiet: bool,
) -> Result<(Vec<(String, Transaction)>, Option<CheckReport>)> {
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
) -> Result<(Option<Vec<(String, Transaction)>>, u64)> {
    let wanted: Arc<std::collections::HashSet<String>> = Arc::new(refs.iter().cloned().collect());
    let budget = refs.len() as u64;
    let now = chrono::Utc::now();
    let start = now - chrono::Duration::days(i64::from(window_days));
    let span = (now - start) / i32::try_from(slices).unwrap_or(1);
    let pages = Arc::new(AtomicU64::new(0));
    let over = Arc::new(AtomicBool::new(false));
    let progress = SharedProgress::new("checking at Dintero", Units::Items("pages"), 0, quiet);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..slices {
        let from = start + span * i32::try_from(i).unwrap_or(0);
        // The last slice is open-ended: whatever is created meanwhile is seen too.
        let to = (i + 1 < slices).then(|| from + span);
        let slice = Slice {
            policy: connection.policy.clone(),
            filter: window_filter(from, to),
            wanted: wanted.clone(),
            pages: pages.clone(),
            over: over.clone(),
            progress: progress.clone(),
            budget,
        };
        set.spawn(slice.list());
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
                failure.get_or_insert(task_stopped("a listing task", &join));
            }
        }
    }
    progress.finish();
    if let Some(e) = failure {
        return Err(check_failure("any invoice of the file", e));
    }
    let pages = pages.load(Ordering::SeqCst);
    if over.load(Ordering::SeqCst) {
        return Ok((None, pages));
    }
    Ok((Some(all.into_iter().collect()), pages))
}

/// The listing filter of one time slice of the window: successful Kravia transactions.
fn window_filter(
    from: chrono::DateTime<chrono::Utc>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> TransactionFilter {
    TransactionFilter {
        payment_product_types: KRAVIA_PRODUCTS.iter().map(|s| s.to_string()).collect(),
        statuses: SUCCESS_STATUSES.iter().map(|s| s.to_string()).collect(),
        created_gte: Some(from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        created_lte: to.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        limit: 100,
    }
}

/// One time slice of the window, paged under the policy, and what the slices share.
struct Slice {
    policy: crate::run::policy::Policy,
    filter: TransactionFilter,
    wanted: Arc<std::collections::HashSet<String>>,
    pages: Arc<AtomicU64>,
    /// Raised when the pages read reach the budget (or a slice failed): all stop.
    over: Arc<AtomicBool>,
    progress: SharedProgress,
    budget: u64,
}

impl Slice {
    /// Reads the slice's pages; returns the wanted references' successful transactions.
    async fn list(self) -> std::result::Result<Vec<(String, Transaction)>, Ended> {
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        loop {
            if self.over.load(Ordering::SeqCst) {
                return Ok(found);
            }
            let page = self
                .policy
                .send(Kind::Idempotent, || {
                    self.policy
                        .client
                        .transactions_page(&self.filter, after.as_deref())
                })
                .await?;
            let n = self.pages.fetch_add(1, Ordering::SeqCst) + 1;
            self.progress.tick();
            if n >= self.budget {
                self.over.store(true, Ordering::SeqCst);
            }
            let full = page.len() >= self.filter.limit as usize;
            let last = page.last().map(|t| t.id.clone());
            for t in page {
                if t.is_success()
                    && let Some(r) = t.merchant_reference.clone()
                    && self.wanted.contains(&r)
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
    }
}

/// A check task that panicked or was cancelled: an unknown outcome, never "not invoiced".
fn task_stopped(what: &str, join: &tokio::task::JoinError) -> Ended {
    Ended::Failed(ApiError {
        outcome: Outcome::Unknown,
        status: None,
        code: None,
        message: format!("{what} stopped: {join}"),
        request: "GET /v1/transactions".into(),
        source: None,
    })
}

/// One look-up per reference, concurrently under the policy. Stops at the first
/// reference that cannot be looked up. Returns the hits and the look-ups made.
async fn lookup_each(
    connection: &Connection,
    refs: Vec<String>,
    quiet: bool,
) -> Result<(Vec<(String, Transaction)>, u64)> {
    let total = refs.len() as u64;
    let workers = connection.policy.concurrency.clamp(1, refs.len().max(1));
    let queue = Arc::new(Mutex::new(refs.into_iter().collect::<VecDeque<_>>()));
    let found = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let progress = SharedProgress::new(
        "checking at Dintero",
        Units::Items("invoices"),
        total,
        quiet,
    );
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let policy = connection.policy.clone();
        let (queue, found, stop, progress) =
            (queue.clone(), found.clone(), stop.clone(), progress.clone());
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
                progress.tick();
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
                task_stopped("a look-up task", &join),
            ),
        };
        stop.store(true, Ordering::SeqCst);
        failure.get_or_insert(e);
    }
    progress.finish();
    if let Some((reference, e)) = failure {
        return Err(check_failure(&reference, e));
    }
    let found = std::mem::take(&mut *lock(&found));
    Ok((found, progress.done()))
}
