//! The invoice's life after the import: `status`, `void` and `capture` (issue #5).
//!
//! Everything here starts from the transaction's **current** state at Dintero, fetched
//! just before acting, never from the results file (which may be days old):
//!
//! - **Fetching** goes through the one request policy of every command
//!   ([`crate::run::policy::Policy`]): a GET changes nothing, so 401 (with a fresh token),
//!   429 (slower), connection failures, timeouts and 5xx are retried; 4xx are not.
//! - **Void and capture** change something, so they are resent only when the request
//!   provably was not processed (429, connection refused). After any other failure the
//!   transaction is looked at again: if the change shows, it is done; if not, the outcome
//!   stays unknown and the run is incomplete (exit 5). A re-run looks first again.
//! - **The `actions` table** in the import's journal (`<results>.journal.sqlite`) records
//!   the intent of each void/capture before it is sent and its outcome after, with
//!   SQLite's WAL and `synchronous=FULL` like the import's journal. It answers "did we
//!   send this?" after a crash, and it is how `void` tells "already cancelled by us"
//!   (not an error) from "cancelled by someone else" (refused).
//!
//! The results file is updated in place (its own format, CSV delimiter kept, written
//! atomically): `transaction_status`, `status_checked_at` (now) and `status_changed_at`
//! (see [`observe`]).

use crate::dintero::config::Endpoints;
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::{Transaction, TransactionStatus, VoidOutcome};
use crate::output::actions::{ActionItem, ActionOutcome, DownloadOutcome};
use crate::output::progress::{Progress, Units};
use crate::output::results::{
    ResultRow, ResultsError, ResultsFormat, read_results, results_csv_delimiter, write_results,
};
use crate::output::status::{Checked, InvoiceStatus, StatusReport};
use crate::run::journal::{Journal, JournalError, META_ACCOUNT_ID};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a void Dintero accepted with 202 is left to be applied before a re-run sends
/// it again (the transaction still shows AUTHORIZED or PARTIALLY_CAPTURED by then).
pub const ACCEPTED_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// Look-ups after a 202 before the void is reported as pending.
const ACCEPTED_POLLS: u32 = 3;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The `actions` table (created if absent in the import's journal).
pub const ACTIONS_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    reference TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    amount INTEGER,
    state TEXT NOT NULL,
    transaction_status TEXT,
    detail TEXT,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_transaction ON actions (transaction_id, action);
"#;

/// Errors of the lifecycle commands (per-invoice failures are outcomes, not errors).
#[derive(thiserror::Error, Debug)]
pub enum LifecycleError {
    #[error("the journal {}: {source}", path.display())]
    Journal {
        path: PathBuf,
        #[source]
        source: JournalError,
    },
    #[error("the journal {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the journal {}: {message}", path.display())]
    Unusable { path: PathBuf, message: String },
    #[error(
        "the journal {} belongs to account {recorded}, not {account}: these invoices were created in another account",
        path.display()
    )]
    OtherAccount {
        path: PathBuf,
        recorded: String,
        account: String,
    },
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("an internal task stopped: {0}")]
    Worker(String),
}

fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------------------
// The results file

/// A results file as read, with what it takes to write it back the same way.
#[derive(Debug, Clone)]
pub struct ResultsFile {
    pub path: PathBuf,
    pub format: ResultsFormat,
    /// CSV only: the delimiter found (kept on rewrite).
    pub delimiter: u8,
    pub rows: Vec<ResultRow>,
}

impl ResultsFile {
    pub fn read(path: &Path) -> Result<ResultsFile, ResultsError> {
        let rows = read_results(path)?;
        // read_results accepted the extension, so the format is known.
        let format = ResultsFormat::from_path(path).unwrap_or(ResultsFormat::Csv);
        let delimiter = match format {
            ResultsFormat::Csv => results_csv_delimiter(path)?,
            _ => b';',
        };
        Ok(ResultsFile {
            path: path.to_path_buf(),
            format,
            delimiter,
            rows,
        })
    }

    /// Rewrites the file atomically in its own format.
    pub fn write(&self) -> Result<(), ResultsError> {
        write_results(&self.path, &self.rows, self.format, self.delimiter)
    }

    /// The rows named by `refs` (all rows when `refs` is empty), in file order; the
    /// references that name no row are the error.
    pub fn select(&self, refs: &[String]) -> Result<Vec<usize>, Vec<String>> {
        let wanted: Vec<&str> = refs
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok((0..self.rows.len()).collect());
        }
        let known: HashSet<&str> = self
            .rows
            .iter()
            .map(|r| r.merchant_reference.as_str())
            .collect();
        let mut unknown: Vec<String> = Vec::new();
        for w in &wanted {
            if !known.contains(w) && !unknown.iter().any(|u| u == w) {
                unknown.push((*w).to_string());
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let set: HashSet<&str> = wanted.into_iter().collect();
        Ok(self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| set.contains(r.merchant_reference.as_str()))
            .map(|(i, _)| i)
            .collect())
    }
}

// ---------------------------------------------------------------------------------------
// What a transaction says

/// The paid part of an invoice, minor units, or `None` when the transaction does not say.
///
/// CAPTURED: the whole amount. Otherwise the sum of the successful CAPTURE events'
/// amounts (0 with no CAPTURE event, except PARTIALLY_CAPTURED, which must have paid
/// something: unknown). If any CAPTURE event lacks its amount: unknown.
pub fn paid_amount(tx: &Transaction) -> Option<i64> {
    let captures: Vec<_> = tx
        .events
        .iter()
        .filter(|e| e.event == "CAPTURE" && e.success != Some(false))
        .collect();
    let sum = captures
        .iter()
        .try_fold(0i64, |acc, e| e.amount.map(|a| acc.saturating_add(a)));
    match tx.status {
        TransactionStatus::Captured => tx.amount.or(sum),
        TransactionStatus::PartiallyCaptured if captures.is_empty() => None,
        _ if captures.is_empty() => Some(0),
        _ => sum,
    }
}

/// When the latest event happened (RFC 3339 UTC, seconds), if any event says.
pub fn latest_event_at(tx: &Transaction) -> Option<String> {
    tx.events
        .iter()
        .filter_map(|e| e.created_at.as_deref().and_then(parse_time))
        .max()
        .map(now_text)
}

/// Whether collection has started: a successful INITIATE_CAPTURE event. Kravia adds it
/// at creation when it delivers the invoice itself (`invoice_channel: kravia`), and when
/// the merchant calls capture (`invoice_channel: merchant`).
pub fn collection_started(tx: &Transaction) -> bool {
    tx.events
        .iter()
        .any(|e| e.event == "INITIATE_CAPTURE" && e.success != Some(false))
}

/// Records what `tx` says in its results row: `transaction_status`, `status_checked_at`
/// (now) and `status_changed_at`: kept when the status is unchanged and the row already
/// has one; when the status changed (or the row has none), the time of the transaction's
/// latest event, else (changed, no event time) now. Also fills an empty invoice number or
/// URL from the transaction; never overwrites one.
pub fn observe(row: &mut ResultRow, tx: &Transaction, now: DateTime<Utc>) {
    let new = tx.status.as_str();
    let changed = !row
        .transaction_status
        .as_deref()
        .is_some_and(|old| old.trim().eq_ignore_ascii_case(new));
    if changed {
        row.status_changed_at = Some(latest_event_at(tx).unwrap_or_else(|| now_text(now)));
    } else if row.status_changed_at.is_none() {
        row.status_changed_at = latest_event_at(tx);
    }
    row.transaction_status = Some(new.to_string());
    row.status_checked_at = Some(now_text(now));
    if row.invoice_number.is_none() {
        row.invoice_number = tx.invoice_number().map(str::to_string);
    }
    if row.invoice_url.is_none() {
        row.invoice_url = tx.invoice_url().map(str::to_string);
    }
    // The dates are Kravia's: kept current (a reminder can move the due date).
    if let Some(d) = tx.invoice_date() {
        row.invoice_date = Some(d.to_string());
    }
    if let Some(d) = tx.invoice_due_date() {
        row.due_date = Some(d.to_string());
    }
}

// ---------------------------------------------------------------------------------------
// Paced requests

/// The client with the command's pacing and retry policy: the one request policy
/// ([`crate::run::policy::Policy`]) every command shares.
pub use crate::run::policy::Policy as Paced;

/// Runs `f` on every item with `concurrency` workers; the results in the items' order
/// (`None` only if a worker died, which is a bug).
pub async fn for_each<T, R, F, Fut>(items: Vec<T>, concurrency: usize, f: F) -> Vec<Option<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let n = items.len();
    let queue = Arc::new(Mutex::new(
        items.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let results: Arc<Mutex<Vec<Option<R>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let f = Arc::new(f);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, n.max(1)) {
        let (queue, results, f) = (queue.clone(), results.clone(), f.clone());
        workers.spawn(async move {
            loop {
                let next = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                let Some((i, item)) = next else { return };
                let r = f(item).await;
                if let Some(slot) = results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_mut(i)
                {
                    *slot = Some(r);
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let mut guard = results.lock().unwrap_or_else(PoisonError::into_inner);
    std::mem::take(&mut *guard)
}

/// Progress of a phase on stderr.
#[derive(Clone)]
struct Ticker {
    progress: Arc<Mutex<Progress>>,
    done: Arc<AtomicU64>,
    total: u64,
}

impl Ticker {
    fn new(what: &'static str, total: usize, quiet: bool) -> Ticker {
        Ticker {
            progress: Arc::new(Mutex::new(Progress::new(
                what,
                Units::Items("invoices"),
                quiet,
            ))),
            done: Arc::new(AtomicU64::new(0)),
            total: total as u64,
        }
    }

    fn tick(&self) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .update(n, self.total, None);
    }

    fn finish(&self) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .finish();
    }
}

/// What fetching one row gave.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// The row has no transaction id.
    NoInvoice,
    Fetched(Box<Transaction>),
    /// Why it could not be fetched.
    Failed(String),
}

/// Fetches the current transaction of every selected row (paced, retried).
pub async fn fetch_rows(
    paced: &Paced,
    rows: &[ResultRow],
    selected: &[usize],
    quiet: bool,
) -> Vec<Fetch> {
    let ids: Vec<Option<String>> = selected
        .iter()
        .map(|&i| {
            rows.get(i)
                .and_then(|r| r.transaction_id.clone())
                .filter(|t| !t.trim().is_empty())
        })
        .collect();
    let ticker = Ticker::new(
        "checking",
        ids.iter().filter(|i| i.is_some()).count(),
        quiet,
    );
    let p = paced.clone();
    let t = ticker.clone();
    let fetched = for_each(ids, paced.concurrency, move |id| {
        let (p, t) = (p.clone(), t.clone());
        async move {
            let Some(id) = id else {
                return Fetch::NoInvoice;
            };
            let r = match p.transaction(id.trim()).await {
                Ok(tx) => Fetch::Fetched(Box::new(tx)),
                Err(e) => Fetch::Failed(e.to_string()),
            };
            t.tick();
            r
        }
    })
    .await;
    ticker.finish();
    fetched
        .into_iter()
        .map(|f| f.unwrap_or_else(|| Fetch::Failed("the look-up task stopped".into())))
        .collect()
}

// ---------------------------------------------------------------------------------------
// status

/// `kravia-batch status`: fetches the selected rows, records what it learned in `file`
/// (the caller writes it) and returns the summary.
pub async fn run_status(
    paced: &Paced,
    file: &mut ResultsFile,
    selected: &[usize],
    account: &str,
    now: DateTime<Utc>,
    quiet: bool,
) -> StatusReport {
    let fetched = fetch_rows(paced, &file.rows, selected, quiet).await;
    let mut invoices = Vec::with_capacity(selected.len());
    for (&i, f) in selected.iter().zip(fetched) {
        let Some(row) = file.rows.get_mut(i) else {
            continue;
        };
        let (tx, checked) = match f {
            Fetch::Fetched(tx) => {
                observe(row, &tx, now);
                (Some(tx), Checked::Now)
            }
            Fetch::Failed(e) => (None, Checked::Failed(e)),
            Fetch::NoInvoice => (None, Checked::NoInvoice),
        };
        invoices.push(InvoiceStatus {
            reference: row.merchant_reference.clone(),
            transaction_id: row.transaction_id.clone(),
            invoice_number: row.invoice_number.clone(),
            customer: row.customer.clone(),
            currency: tx
                .as_ref()
                .and_then(|t| t.currency.clone())
                .unwrap_or_else(|| row.currency.clone()),
            amount: tx.as_ref().and_then(|t| t.amount).unwrap_or(row.amount),
            paid: tx.as_deref().and_then(paid_amount),
            transaction_status: row.transaction_status.clone(),
            status_changed_at: row.status_changed_at.clone(),
            checked,
        });
    }
    StatusReport {
        results_file: file.path.clone(),
        account: account.to_string(),
        invoices,
        rate_limited: paced.rate_limited_count(),
    }
}

// ---------------------------------------------------------------------------------------
// The actions table

/// What was done to a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Void,
    Capture,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Void => "void",
            Action::Capture => "capture",
        }
    }
}

/// Where one void/capture stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionState {
    /// Written before the request leaves: it may have been processed.
    Sending,
    /// Confirmed (200, or a look-up showed the change).
    Done,
    /// 202: Dintero will apply it later.
    Accepted,
    /// Dintero refused it (4xx): nothing changed.
    Refused,
    /// Provably not processed (connection refused, or rate-limited until giving up).
    NotSent,
    /// The answer was lost and a look-up did not show the change.
    Unknown,
}

impl ActionState {
    pub const ALL: [ActionState; 6] = [
        ActionState::Sending,
        ActionState::Done,
        ActionState::Accepted,
        ActionState::Refused,
        ActionState::NotSent,
        ActionState::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Sending => "sending",
            ActionState::Done => "done",
            ActionState::Accepted => "accepted",
            ActionState::Refused => "refused",
            ActionState::NotSent => "not_sent",
            ActionState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<ActionState> {
        ActionState::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether the request may have reached Dintero and been applied.
    pub fn may_have_effect(self) -> bool {
        matches!(
            self,
            ActionState::Sending | ActionState::Done | ActionState::Accepted | ActionState::Unknown
        )
    }
}

/// One row of `actions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    pub id: i64,
    pub reference: String,
    pub transaction_id: String,
    pub amount: Option<i64>,
    pub state: ActionState,
    pub transaction_status: Option<String>,
    pub detail: Option<String>,
    pub started_at: String,
    pub updated_at: String,
}

/// The `actions` table of a journal file.
pub struct ActionLog {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for ActionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionLog")
            .field("path", &self.path)
            .finish()
    }
}

impl ActionLog {
    /// Opens the journal at `path` (creating it as an import journal if absent, so the
    /// file stays one), checks that it belongs to `account`, and adds the `actions`
    /// table. WAL and `synchronous=FULL`: a record is on disk before the caller goes on.
    pub fn open(path: &Path, account: &str) -> Result<ActionLog, LifecycleError> {
        let journal = Journal::open(path).map_err(|source| LifecycleError::Journal {
            path: path.to_path_buf(),
            source,
        })?;
        let recorded = journal
            .meta(META_ACCOUNT_ID)
            .map_err(|source| LifecycleError::Journal {
                path: path.to_path_buf(),
                source,
            })?;
        drop(journal);
        if let Some(recorded) = recorded
            && recorded != account
        {
            return Err(LifecycleError::OtherAccount {
                path: path.to_path_buf(),
                recorded,
                account: account.to_string(),
            });
        }
        let sql = |source| LifecycleError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LifecycleError::Unusable {
                path: path.to_path_buf(),
                message: format!("SQLite could not switch to WAL mode (journal_mode is {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.execute_batch(ACTIONS_SCHEMA).map_err(sql)?;
        Ok(ActionLog {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> LifecycleError + '_ {
        |source| LifecycleError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Records the intent to send `action` (state `sending`), durably; returns its id.
    pub fn intent(
        &self,
        action: Action,
        reference: &str,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<i64, LifecycleError> {
        let now = now_text(Utc::now());
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.execute(
            "INSERT INTO actions (action, reference, transaction_id, amount, state, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                action.as_str(),
                reference,
                transaction_id,
                amount,
                ActionState::Sending.as_str(),
                now
            ],
        )
        .map_err(self.sql())?;
        Ok(conn.last_insert_rowid())
    }

    /// Records the outcome of action `id`.
    pub fn outcome(
        &self,
        id: i64,
        state: ActionState,
        transaction_status: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), LifecycleError> {
        let now = now_text(Utc::now());
        self.conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .execute(
                "UPDATE actions SET state = ?2, transaction_status = COALESCE(?3, transaction_status),
                 detail = COALESCE(?4, detail), updated_at = ?5 WHERE id = ?1",
                params![id, state.as_str(), transaction_status, detail, now],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Every `action` recorded for `transaction_id`, oldest first.
    pub fn history(
        &self,
        action: Action,
        transaction_id: &str,
    ) -> Result<Vec<ActionRecord>, LifecycleError> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, reference, transaction_id, amount, state, transaction_status, detail, started_at, updated_at
                 FROM actions WHERE transaction_id = ?1 AND action = ?2 ORDER BY id",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![transaction_id, action.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reference, transaction_id, amount, state, status, detail, started, updated) =
                row.map_err(self.sql())?;
            let state = ActionState::parse(&state).ok_or_else(|| LifecycleError::Unusable {
                path: self.path.clone(),
                message: format!("action {id} has an unknown state {state:?}"),
            })?;
            out.push(ActionRecord {
                id,
                reference,
                transaction_id,
                amount,
                state,
                transaction_status: status,
                detail,
                started_at: started,
                updated_at: updated,
            });
        }
        Ok(out)
    }
}

/// Runs a blocking journal call off the async threads.
async fn blocking<R, F>(log: &Arc<ActionLog>, f: F) -> Result<R, LifecycleError>
where
    R: Send + 'static,
    F: FnOnce(&ActionLog) -> Result<R, LifecycleError> + Send + 'static,
{
    let log = log.clone();
    tokio::task::spawn_blocking(move || f(&log))
        .await
        .map_err(|e| LifecycleError::Worker(e.to_string()))?
}

// ---------------------------------------------------------------------------------------
// Deciding

/// What to do about a void, from the transaction's current state and our own record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoidPlan {
    Send,
    /// AUTHORIZATION_VOIDED; `by_us` is our own earlier record of it, if any.
    AlreadyVoided {
        by_us: Option<ActionRecord>,
    },
    /// Dintero accepted our void (202) less than [`ACCEPTED_GRACE`] ago.
    Pending {
        accepted_at: String,
    },
    Refuse(String),
}

/// Void is allowed on AUTHORIZED (cancels the invoice) and PARTIALLY_CAPTURED (cancels
/// the rest); the reason for anything else comes from the current status.
pub fn plan_void(tx: &Transaction, history: &[ActionRecord], now: DateTime<Utc>) -> VoidPlan {
    use TransactionStatus as S;
    let status = tx.status.as_str();
    match tx.status {
        S::AuthorizationVoided => VoidPlan::AlreadyVoided {
            by_us: history
                .iter()
                .rev()
                .find(|r| r.state.may_have_effect())
                .cloned(),
        },
        S::Authorized | S::PartiallyCaptured => match history.last() {
            Some(r)
                if r.state == ActionState::Accepted
                    && parse_time(&r.updated_at).is_some_and(|t| now - t < ACCEPTED_GRACE) =>
            {
                VoidPlan::Pending {
                    accepted_at: r.updated_at.clone(),
                }
            }
            _ => VoidPlan::Send,
        },
        S::Captured => VoidPlan::Refuse(
            "paid in full (CAPTURED); Kravia has no refunds, so it cannot be cancelled".into(),
        ),
        S::Refunded | S::PartiallyRefunded | S::PartiallyCapturedRefunded => {
            VoidPlan::Refuse(format!(
                "{status}: refunded; void is allowed only on AUTHORIZED and PARTIALLY_CAPTURED"
            ))
        }
        S::Failed | S::Declined => VoidPlan::Refuse(format!(
            "{status}: no invoice was created, nothing to cancel"
        )),
        _ => VoidPlan::Refuse(format!(
            "{status}: void is allowed only on AUTHORIZED (unpaid) and PARTIALLY_CAPTURED (partly paid)"
        )),
    }
}

/// What to do about a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapturePlan {
    /// Start collection of the full amount.
    Send {
        amount: i64,
    },
    /// INITIATE_CAPTURE is there; `by_us` when our record says we sent it.
    AlreadyStarted {
        by_us: bool,
    },
    /// CAPTURED or PARTIALLY_CAPTURED: the customer has paid (some).
    AlreadyPaid,
    Refuse(String),
}

/// Capture is for invoices the merchant delivers (`invoice_channel: merchant`): an
/// AUTHORIZED transaction without an INITIATE_CAPTURE event. Dintero documents that
/// collection of a Kravia-delivered invoice starts by itself (the INITIATE_CAPTURE event
/// is there from creation) and that a merchant-delivered one waits for the capture call;
/// so the event is the test. A transaction that states `kravia:invoice_channel: kravia`
/// (the sandbox does; Dintero's documented Transaction does not) is refused outright.
pub fn plan_capture(tx: &Transaction, history: &[ActionRecord]) -> CapturePlan {
    use TransactionStatus as S;
    match tx.invoice_channel() {
        None | Some("merchant") => {}
        Some("kravia") => {
            return CapturePlan::Refuse(
                "invoice_channel kravia: Kravia delivers this invoice and starts collection itself"
                    .into(),
            );
        }
        Some(other) => {
            return CapturePlan::Refuse(format!(
                "unknown invoice_channel {other:?}: capture is only for invoice_channel merchant"
            ));
        }
    }
    match tx.status {
        S::Authorized if collection_started(tx) => CapturePlan::AlreadyStarted {
            by_us: history.iter().any(|r| r.state.may_have_effect()),
        },
        S::Authorized => match tx.amount {
            Some(a) if a > 0 => CapturePlan::Send { amount: a },
            _ => CapturePlan::Refuse("the transaction does not state a positive amount".into()),
        },
        S::Captured | S::PartiallyCaptured => CapturePlan::AlreadyPaid,
        S::AuthorizationVoided => {
            CapturePlan::Refuse("cancelled (AUTHORIZATION_VOIDED): nothing to collect".into())
        }
        s => CapturePlan::Refuse(format!(
            "{}: capture is only for AUTHORIZED invoices",
            s.as_str()
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Preparing and executing void / capture

/// The selected invoices with what will be done to each, before confirmation.
#[derive(Debug)]
pub struct Prepared {
    pub items: Vec<ActionItem>,
    /// The latest transaction known for each item.
    transactions: Vec<Option<Transaction>>,
    /// Capture amounts.
    amounts: Vec<Option<i64>>,
}

impl Prepared {
    /// How many are planned.
    pub fn planned(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.outcome == ActionOutcome::Planned)
            .count()
    }

    /// The user said no: nothing planned is sent.
    pub fn decline(&mut self) {
        for i in &mut self.items {
            if i.outcome == ActionOutcome::Planned {
                i.outcome = ActionOutcome::NotConfirmed;
            }
        }
    }

    /// Records every transaction learned in the results rows.
    pub fn apply(&self, file: &mut ResultsFile, now: DateTime<Utc>) {
        for (item, tx) in self.items.iter().zip(&self.transactions) {
            if let (Some(tx), Some(row)) = (tx, file.rows.get_mut(item.row)) {
                observe(row, tx, now);
            }
        }
    }
}

fn item_for(row_index: usize, row: &ResultRow, tx: Option<&Transaction>) -> ActionItem {
    ActionItem {
        row: row_index,
        reference: row.merchant_reference.clone(),
        transaction_id: row.transaction_id.clone(),
        invoice_number: tx
            .and_then(|t| t.invoice_number().map(str::to_string))
            .or_else(|| row.invoice_number.clone()),
        customer: row.customer.clone(),
        currency: tx
            .and_then(|t| t.currency.clone())
            .unwrap_or_else(|| row.currency.clone()),
        amount: tx.and_then(|t| t.amount).unwrap_or(row.amount),
        paid: tx.and_then(paid_amount),
        transaction_status: tx
            .map(|t| t.status.as_str().to_string())
            .or_else(|| row.transaction_status.clone()),
        outcome: ActionOutcome::Planned,
        download: None,
    }
}

/// Why a row without a transaction id cannot be acted on.
fn no_transaction(row: &ResultRow) -> String {
    let hint = match row.status {
        crate::output::results::ResultStatus::Unknown => {
            ": the import does not know whether it was created; run the same import again to settle it"
        }
        _ => ": no invoice was created",
    };
    format!(
        "the results file has no transaction for it (import status {}){hint}",
        row.status
    )
}

/// Which command prepares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Void,
    Capture,
    /// `capture --download-only`: no collection, only the PDFs.
    DownloadOnly,
}

/// Fetches every selected row's current transaction and decides, for each, what the
/// command will do. `explicit`: the rows were named with `--ref` (an invoice the command
/// cannot act on is then *refused*; otherwise it is *left alone*).
#[allow(clippy::too_many_arguments)]
pub async fn prepare(
    mode: Mode,
    paced: &Paced,
    log: Option<&Arc<ActionLog>>,
    file: &ResultsFile,
    selected: &[usize],
    explicit: bool,
    now: DateTime<Utc>,
    quiet: bool,
) -> Result<Prepared, LifecycleError> {
    let fetched = fetch_rows(paced, &file.rows, selected, quiet).await;
    let mut prepared = Prepared {
        items: Vec::new(),
        transactions: Vec::new(),
        amounts: Vec::new(),
    };
    let not_for_us = |reason: String| {
        if explicit {
            ActionOutcome::Refused(reason)
        } else {
            ActionOutcome::Skipped(reason)
        }
    };
    for (&i, f) in selected.iter().zip(fetched) {
        let Some(row) = file.rows.get(i) else {
            continue;
        };
        let tx = match &f {
            Fetch::Fetched(t) => Some(t.as_ref().clone()),
            _ => None,
        };
        let mut item = item_for(i, row, tx.as_ref());
        let mut amount = None;
        item.outcome = match (&f, mode) {
            (Fetch::NoInvoice, _) => not_for_us(no_transaction(row)),
            (Fetch::Failed(e), _) => {
                ActionOutcome::Incomplete(format!("could not be checked: {e}"))
            }
            (Fetch::Fetched(_), Mode::DownloadOnly) => {
                ActionOutcome::Skipped("download only".into())
            }
            (Fetch::Fetched(t), Mode::Void) => {
                let history = match log {
                    Some(log) => {
                        let id = t.id.clone();
                        blocking(log, move |l| l.history(Action::Void, &id)).await?
                    }
                    None => Vec::new(),
                };
                match plan_void(t, &history, now) {
                    VoidPlan::Send => ActionOutcome::Planned,
                    VoidPlan::AlreadyVoided { by_us: Some(r) } => {
                        if r.state != ActionState::Done
                            && let Some(log) = log
                        {
                            let id = r.id;
                            blocking(log, move |l| {
                                l.outcome(
                                    id,
                                    ActionState::Done,
                                    Some("AUTHORIZATION_VOIDED"),
                                    Some("confirmed by a later look-up"),
                                )
                            })
                            .await?;
                        }
                        ActionOutcome::AlreadyDone(format!(
                            "AUTHORIZATION_VOIDED: cancelled by an earlier run (void sent {})",
                            r.started_at
                        ))
                    }
                    VoidPlan::AlreadyVoided { by_us: None } => not_for_us(
                        "already cancelled (AUTHORIZATION_VOIDED), not by kravia-batch".into(),
                    ),
                    VoidPlan::Pending { accepted_at } => ActionOutcome::Pending(format!(
                        "Dintero accepted the void at {accepted_at} (202) and has not applied it yet; run the same command again later"
                    )),
                    VoidPlan::Refuse(reason) => not_for_us(reason),
                }
            }
            (Fetch::Fetched(t), Mode::Capture) => {
                let history = match log {
                    Some(log) => {
                        let id = t.id.clone();
                        blocking(log, move |l| l.history(Action::Capture, &id)).await?
                    }
                    None => Vec::new(),
                };
                match plan_capture(t, &history) {
                    CapturePlan::Send { amount: a } => {
                        amount = Some(a);
                        ActionOutcome::Planned
                    }
                    CapturePlan::AlreadyStarted { by_us: true } => ActionOutcome::AlreadyDone(
                        "collection started by an earlier run (INITIATE_CAPTURE)".into(),
                    ),
                    CapturePlan::AlreadyStarted { by_us: false } if explicit => {
                        ActionOutcome::AlreadyDone(
                            "collection already started (INITIATE_CAPTURE)".into(),
                        )
                    }
                    CapturePlan::AlreadyStarted { by_us: false } => {
                        ActionOutcome::Skipped("collection already started".into())
                    }
                    CapturePlan::AlreadyPaid if explicit => {
                        ActionOutcome::AlreadyDone(format!("already paid ({})", t.status.as_str()))
                    }
                    CapturePlan::AlreadyPaid => ActionOutcome::Skipped("already paid".into()),
                    CapturePlan::Refuse(reason) => not_for_us(reason),
                }
            }
        };
        prepared.items.push(item);
        prepared.transactions.push(tx);
        prepared.amounts.push(amount);
    }
    Ok(prepared)
}

/// How one void or capture ended.
enum Ended {
    Done(Option<Transaction>),
    Pending(Option<Transaction>),
    Refused(String, Option<Transaction>),
    NotSent(String),
    Unknown(String, Option<Transaction>),
}

impl Ended {
    fn state(&self) -> ActionState {
        match self {
            Ended::Done(_) => ActionState::Done,
            Ended::Pending(_) => ActionState::Accepted,
            Ended::Refused(..) => ActionState::Refused,
            Ended::NotSent(_) => ActionState::NotSent,
            Ended::Unknown(..) => ActionState::Unknown,
        }
    }

    fn transaction(&self) -> Option<&Transaction> {
        match self {
            Ended::Done(t) | Ended::Pending(t) | Ended::Refused(_, t) | Ended::Unknown(_, t) => {
                t.as_ref()
            }
            Ended::NotSent(_) => None,
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Ended::Done(_) => None,
            Ended::Pending(_) => Some("202 Accepted; not applied yet".into()),
            Ended::Refused(e, _) | Ended::NotSent(e) | Ended::Unknown(e, _) => Some(e.clone()),
        }
    }

    fn outcome(self, action: Action) -> (ActionOutcome, Option<Transaction>) {
        match self {
            Ended::Done(t) => (ActionOutcome::Done, t),
            Ended::Pending(t) => (
                ActionOutcome::Pending(
                    "Dintero accepted the void (202) and has not applied it yet; run `status` or the same command again later".into(),
                ),
                t,
            ),
            Ended::Refused(e, t) => (ActionOutcome::Refused(format!("Dintero refused: {e}")), t),
            Ended::NotSent(e) => (
                ActionOutcome::Incomplete(format!(
                    "not sent ({e}); run the same command again"
                )),
                None,
            ),
            Ended::Unknown(e, t) => (
                ActionOutcome::Incomplete(format!(
                    "the answer was lost ({e}) and the transaction does not show the {} yet; run the same command again (it looks first)",
                    action.as_str()
                )),
                t,
            ),
        }
    }
}

/// Looks at the transaction after an unclear or refused answer: `Ok(tx)` if the change
/// shows, else the latest transaction (if it could be fetched).
async fn look(
    paced: &Paced,
    id: &str,
    shows: impl Fn(&Transaction) -> bool,
) -> Result<Transaction, Option<Transaction>> {
    match paced.transaction(id).await {
        Ok(t) if shows(&t) => Ok(t),
        Ok(t) => Err(Some(t)),
        Err(_) => Err(None),
    }
}

fn voided(t: &Transaction) -> bool {
    t.status == TransactionStatus::AuthorizationVoided
}

fn capture_shows(t: &Transaction) -> bool {
    collection_started(t)
        || matches!(
            t.status,
            TransactionStatus::Captured | TransactionStatus::PartiallyCaptured
        )
}

async fn void_one(paced: &Paced, id: &str) -> Ended {
    let result = paced.once(|| paced.client.void(id)).await;
    match result {
        Ok(VoidOutcome::Voided(t)) if voided(&t) => Ended::Done(Some(*t)),
        Ok(VoidOutcome::Voided(t)) => match look(paced, id, voided).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(latest) => Ended::Unknown(
                format!("answered 200 with status {}", t.status.as_str()),
                latest.or(Some(*t)),
            ),
        },
        Ok(VoidOutcome::Accepted) => {
            let mut latest = None;
            for attempt in 0..ACCEPTED_POLLS {
                if paced.poll_pause(attempt).await.is_err() {
                    break; // interrupted: the void stays pending, looked at next time
                }
                match look(paced, id, voided).await {
                    Ok(t) => return Ended::Done(Some(t)),
                    Err(t) => latest = t.or(latest),
                }
            }
            Ended::Pending(latest)
        }
        Err(e) => after_error(paced, id, e, voided).await,
    }
}

async fn capture_one(paced: &Paced, id: &str, amount: i64) -> Ended {
    match paced.once(|| paced.client.capture(id, amount)).await {
        Ok(t) => Ended::Done(Some(t)),
        Err(e) => after_error(paced, id, e, capture_shows).await,
    }
}

async fn after_error(
    paced: &Paced,
    id: &str,
    e: ApiError,
    shows: impl Fn(&Transaction) -> bool,
) -> Ended {
    match e.outcome {
        Outcome::NotSent | Outcome::RateLimited { .. } => Ended::NotSent(e.to_string()),
        Outcome::Rejected | Outcome::Unauthorized => match look(paced, id, shows).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(t) => Ended::Refused(e.to_string(), t),
        },
        Outcome::Unknown | Outcome::Decode => match look(paced, id, shows).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(t) => Ended::Unknown(e.to_string(), t),
        },
    }
}

/// Sends the planned voids or captures (journaled: intent before, outcome after).
pub async fn execute(
    action: Action,
    paced: &Paced,
    log: &Arc<ActionLog>,
    prepared: &mut Prepared,
    quiet: bool,
) -> Result<(), LifecycleError> {
    let jobs: Vec<(usize, String, String, Option<i64>)> = prepared
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.outcome == ActionOutcome::Planned)
        .filter_map(|(k, i)| {
            let id = i.transaction_id.clone()?;
            Some((k, i.reference.clone(), id, prepared.amounts[k]))
        })
        .collect();
    let ticker = Ticker::new(
        match action {
            Action::Void => "cancelling",
            Action::Capture => "capturing",
        },
        jobs.len(),
        quiet,
    );
    let (p, l, t) = (paced.clone(), log.clone(), ticker.clone());
    let results = for_each(
        jobs,
        paced.concurrency,
        move |(k, reference, id, amount)| {
            let (p, l, t) = (p.clone(), l.clone(), t.clone());
            async move {
                let r = async {
                    let (r2, id2) = (reference.clone(), id.clone());
                    let record = blocking(&l, move |l| l.intent(action, &r2, &id2, amount)).await?;
                    let ended = match (action, amount) {
                        (Action::Void, _) => void_one(&p, id.trim()).await,
                        (Action::Capture, Some(a)) => capture_one(&p, id.trim(), a).await,
                        (Action::Capture, None) => {
                            Ended::NotSent("no amount to capture (internal error)".into())
                        }
                    };
                    let (state, status, detail) = (
                        ended.state(),
                        ended.transaction().map(|t| t.status.as_str().to_string()),
                        ended.detail(),
                    );
                    blocking(&l, move |l| {
                        l.outcome(record, state, status.as_deref(), detail.as_deref())
                    })
                    .await?;
                    Ok::<Ended, LifecycleError>(ended)
                }
                .await;
                t.tick();
                (k, r)
            }
        },
    )
    .await;
    ticker.finish();
    let mut first_error = None;
    for r in results {
        let Some((k, r)) = r else {
            continue;
        };
        match r {
            Ok(ended) => {
                let (outcome, tx) = ended.outcome(action);
                if let Some(item) = prepared.items.get_mut(k) {
                    item.outcome = outcome;
                    if let Some(tx) = &tx {
                        item.transaction_status = Some(tx.status.as_str().to_string());
                    }
                }
                if tx.is_some() {
                    prepared.transactions[k] = tx;
                }
            }
            Err(e) => {
                if let Some(item) = prepared.items.get_mut(k) {
                    item.outcome = ActionOutcome::Incomplete(format!("journal: {e}"));
                }
                first_error.get_or_insert(e);
            }
        }
    }
    // A planned item without a result: its worker died; its journal says the rest.
    for item in &mut prepared.items {
        if item.outcome == ActionOutcome::Planned {
            item.outcome = ActionOutcome::Incomplete("the task stopped; see the journal".into());
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Invoice PDFs

/// A file name for an invoice PDF: `<invoice number>.pdf`, else `<reference>.pdf`, with
/// every character but ASCII letters, digits, `-`, `_` and `.` replaced by `_`, no leading
/// dot, at most 100 characters, and Windows' reserved device names avoided.
pub fn pdf_file_name(invoice_number: Option<&str>, reference: &str) -> String {
    let base = invoice_number
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(reference.trim());
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let trimmed = name
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_string();
    name = trimmed;
    if name.is_empty() {
        name = "invoice".into();
    }
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        name.insert(0, '_');
    }
    name.push_str(".pdf");
    name
}

/// Whether the bearer token may be sent to `url`: only to the origin (scheme, host and
/// port) of the configured api or checkout base URL. Loopback is allowed only when it is
/// one of those (a sandbox), never any local port.
pub fn url_allowed(url: &str, endpoints: &Endpoints) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let origin = u.origin();
    [&endpoints.api, &endpoints.checkout]
        .into_iter()
        .filter_map(|b| reqwest::Url::parse(b).ok())
        .any(|b| b.origin() == origin)
}

/// What saving one PDF did.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Written,
    Unchanged,
}

/// Saves `bytes` as `dir/name` atomically (temporary file, fsync, rename without
/// replacing). An identical file is left as it is; a different one is never overwritten.
pub fn save_pdf(dir: &Path, name: &str, bytes: &[u8]) -> Result<Saved, String> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(existing) if existing == bytes => return Ok(Saved::Unchanged),
        Ok(_) => {
            return Err(format!(
                "{} exists with other content; not overwritten (move it away to download again)",
                path.display()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut tmp = crate::output::temp_file_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist_noclobber(&path).map_err(|e| io(e.error))?;
    Ok(Saved::Written)
}

/// Downloads the PDF of every item that is a live invoice (AUTHORIZED, CAPTURED,
/// PARTIALLY_CAPTURED) into `dir`, paced and retried (GETs), with the token sent only to
/// the configured Dintero hosts.
pub async fn download_invoices(
    paced: &Paced,
    endpoints: &Endpoints,
    prepared: &mut Prepared,
    file: &ResultsFile,
    dir: &Path,
    quiet: bool,
) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        for item in &mut prepared.items {
            item.download = Some(DownloadOutcome::Failed(format!(
                "cannot create {}: {e}",
                dir.display()
            )));
        }
        return;
    }
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut jobs = Vec::new();
    for (k, item) in prepared.items.iter_mut().enumerate() {
        let tx = prepared.transactions[k].as_ref();
        let row = file.rows.get(item.row);
        let skip = |r: &str| Some(DownloadOutcome::Skipped(r.to_string()));
        let Some(tx) = tx else {
            item.download = if item.transaction_id.is_none() {
                skip("no invoice")
            } else {
                skip("could not be checked")
            };
            continue;
        };
        if !tx.is_success() {
            item.download = Some(DownloadOutcome::Skipped(format!(
                "{}: not a live invoice, not downloaded",
                tx.status.as_str()
            )));
            continue;
        }
        let url = tx
            .invoice_url()
            .map(str::to_string)
            .or_else(|| row.and_then(|r| r.invoice_url.clone()));
        let Some(url) = url else {
            item.download = skip("no invoice URL");
            continue;
        };
        if !url_allowed(&url, endpoints) {
            item.download = Some(DownloadOutcome::Failed(format!(
                "refused: {url} is not on the configured Dintero hosts ({} or {}); the access token is sent nowhere else",
                endpoints.api, endpoints.checkout
            )));
            continue;
        }
        let mut name = pdf_file_name(item.invoice_number.as_deref(), &item.reference);
        let n = used.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name = format!("{}-{}.pdf", name.trim_end_matches(".pdf"), n);
        }
        jobs.push((k, url, name));
    }
    let ticker = Ticker::new("downloading", jobs.len(), quiet);
    let (p, t, d) = (paced.clone(), ticker.clone(), dir.to_path_buf());
    let results = for_each(jobs, paced.concurrency, move |(k, url, name)| {
        let (p, t, d) = (p.clone(), t.clone(), d.clone());
        async move {
            let r = match p.safe(|| p.client.download(&url)).await {
                Err(e) => DownloadOutcome::Failed(e.to_string()),
                Ok(bytes) if !bytes.starts_with(b"%PDF-") => DownloadOutcome::Failed(format!(
                    "{url} did not answer with a PDF ({} bytes); nothing saved",
                    bytes.len()
                )),
                Ok(bytes) => {
                    let path = d.join(&name);
                    match tokio::task::spawn_blocking(move || save_pdf(&d, &name, &bytes)).await {
                        Ok(Ok(Saved::Written)) => DownloadOutcome::Written(path),
                        Ok(Ok(Saved::Unchanged)) => DownloadOutcome::Unchanged(path),
                        Ok(Err(e)) => DownloadOutcome::Failed(e),
                        Err(e) => DownloadOutcome::Failed(e.to_string()),
                    }
                }
            };
            t.tick();
            (k, r)
        }
    })
    .await;
    ticker.finish();
    for (k, r) in results.into_iter().flatten() {
        if let Some(item) = prepared.items.get_mut(k) {
            item.download = Some(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
