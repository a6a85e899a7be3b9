//! The write-ahead journal of a live import: one SQLite file per run.
//!
//! **Why write-ahead.** Creating an invoice through Dintero is not
//! idempotent: a request whose response is lost may or may not have created
//! the invoice, and resending it blindly is how duplicates are made. So
//! before a request that may create an invoice leaves the machine, its
//! *intent* is committed (status `sending`); after the response, its
//! *outcome*. Both are durable before the caller goes on. After a crash, an
//! invoice still `sending` means "may exist": the next run must look it up by
//! reference before sending it again.
//!
//! **Why group commit.** Durable means an fsync per commit, and 8-64
//! concurrent workers each paying their own fsync would serialise on the
//! disk. Instead one writer thread owns a connection: it blocks for the first
//! queued record, drains everything else already queued (up to
//! [`MAX_BATCH`]), applies all of it in one transaction, commits once (one
//! fsync), and only then acknowledges every record of the batch. A caller's
//! `.await` returns only once its record is on disk, and a batch costs one
//! fsync however many workers are waiting in it.
//!
//! **Why SQLite rather than a hand-made file format.** Torn writes, partial
//! records, checksums and crash recovery are solved problems in SQLite (WAL
//! mode, `synchronous=FULL`); a hand-made append-only format would have to
//! solve them again. And support staff can open the journal with any SQLite
//! browser: the tables are plain, timestamps are RFC 3339 text in UTC.
//!
//! Tables (created if absent; `meta.schema_version` is checked on open):
//! - `meta(key, value)`: [`META_SCHEMA_VERSION`], [`META_CREATED_AT`] and
//!   [`META_TOOL_VERSION`] are written on creation; the caller adds
//!   [`META_INPUT_PATH`], [`META_INPUT_SHA256`], [`META_ACCOUNT_ID`].
//! - `invoices`: one row per invoice reference, with its content hash, the
//!   current [`Status`], the attempt count and what Dintero returned.
//! - `events`: append-only history (`intent`, `outcome`, `lookup`, ...).
//!
//! [`Journal`]'s methods block on disk I/O: call them before the workers
//! start and after they finish (or through `spawn_blocking`). During the run,
//! records go through the async [`JournalWriter`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use tokio::sync::oneshot;

/// The schema version this code reads and writes (`meta.schema_version`).
pub const SCHEMA_VERSION: &str = "1";
/// `meta` key: the schema version, written on creation.
pub const META_SCHEMA_VERSION: &str = "schema_version";
/// `meta` key: when the journal was created (RFC 3339, UTC), written on creation.
pub const META_CREATED_AT: &str = "created_at";
/// `meta` key: the kravia-batch version that created the journal.
pub const META_TOOL_VERSION: &str = "tool_version";
/// `meta` key: the input spreadsheet's path, as given.
pub const META_INPUT_PATH: &str = "input_path";
/// `meta` key: the input file's SHA-256, lowercase hex.
pub const META_INPUT_SHA256: &str = "input_sha256";
/// `meta` key: the Dintero account id the run creates invoices in.
pub const META_ACCOUNT_ID: &str = "account_id";
/// Where the journal's requests went: `in-process sandbox`, or the API and checkout base
/// URLs. A run to anywhere else refuses the journal.
pub const META_TARGET: &str = "target";

/// At most this many records are committed in one transaction.
pub const MAX_BATCH: usize = 1024;
/// How long the writer waits for more records after the first of a batch: a busy run
/// (hundreds of requests a second) then shares each fsync among many records, at the cost
/// of a few milliseconds before a request leaves. A batch that reaches [`MAX_BATCH`]
/// records is committed at once and the rest waits for the next.
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

/// How long a connection waits for another one's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS invoices (
    reference TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    customer TEXT NOT NULL,
    "rows" TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    session_id TEXT,
    transaction_id TEXT,
    invoice_number TEXT,
    invoice_url TEXT,
    transaction_status TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    invoice_date TEXT,
    due_date TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
);
"#;

/// Errors of the journal.
///
/// `Clone` because one failed commit is reported to every record of its
/// batch.
#[derive(thiserror::Error, Debug, Clone)]
pub enum JournalError {
    /// SQLite failed; `path` names the journal file when known.
    #[error("{}{source}", path_prefix(.path.as_deref()))]
    Sqlite {
        /// The journal file.
        path: Option<PathBuf>,
        /// SQLite's error (shared: a batch's failure goes to every caller).
        #[source]
        source: Arc<rusqlite::Error>,
    },
    /// The writer thread is gone (closed, or never started): the record was
    /// not acknowledged.
    #[error("the journal writer has stopped; the record was not acknowledged")]
    Closed,
    /// The file is not a journal this version can use (foreign database,
    /// other schema version, unknown status value).
    #[error("journal unusable: {0}")]
    Corrupt(String),
    /// A record the journal refuses: an unknown reference, or an intent to
    /// send an invoice the journal already knows to exist. Only that record
    /// fails; the rest of its batch is committed.
    #[error("journal refused the record: {0}")]
    Refused(String),
}

impl From<rusqlite::Error> for JournalError {
    fn from(source: rusqlite::Error) -> Self {
        JournalError::Sqlite {
            path: None,
            source: Arc::new(source),
        }
    }
}

fn path_prefix(path: Option<&Path>) -> String {
    match path {
        Some(path) => format!("journal {}: ", path.display()),
        None => "journal: ".to_owned(),
    }
}

/// Wraps a SQLite error with the journal's path.
fn at(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |source| JournalError::Sqlite {
        path: Some(path.to_owned()),
        source: Arc::new(source),
    }
}

/// The current time as stored: RFC 3339, UTC, milliseconds.
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One invoice of the input, as registered in the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceEntry {
    /// The merchant reference (unique per run; Dintero looks invoices up by it).
    pub reference: String,
    /// Hash of the invoice's content; a resumed run compares it with the input.
    pub content_hash: String,
    /// Total amount in minor units.
    pub amount: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The customer, as support staff recognise it (name and/or number).
    pub customer: String,
    /// The input rows the invoice came from, e.g. `"12-15"`.
    pub rows: String,
}

/// Where an invoice stands (`invoices.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// Registered, never sent.
    #[default]
    Pending,
    /// Two-step flow: the session exists (its id is recorded), its pay call was never
    /// sent. A resumed run pays this session rather than creating another.
    SessionCreated,
    /// An intent is recorded, no outcome yet. After a crash this means
    /// UNKNOWN: look the reference up before sending again.
    Sending,
    /// Dintero created the invoice.
    Created,
    /// The invoice existed already (found by lookup or reported as a duplicate).
    AlreadyExists,
    /// Dintero refused it, or it failed for good.
    Failed,
    /// The outcome could not be established.
    Unknown,
    /// Invalid in the input, or skipped: never to be sent by this run.
    NotSent,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Pending,
        Status::SessionCreated,
        Status::Sending,
        Status::Created,
        Status::AlreadyExists,
        Status::Failed,
        Status::Unknown,
        Status::NotSent,
    ];

    /// The stored form: `pending`, `sending`, `created`, `already_exists`,
    /// `failed`, `unknown`, `not_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::SessionCreated => "session_created",
            Status::Sending => "sending",
            Status::Created => "created",
            Status::AlreadyExists => "already_exists",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
            Status::NotSent => "not_sent",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invoice's recorded state. As an argument of
/// [`JournalWriter::outcome`], `None` fields keep their stored value and
/// `attempts` is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Recorded {
    /// Where the invoice stands.
    pub status: Status,
    /// How many intents were recorded (requests about to be sent).
    pub attempts: u32,
    /// Dintero's session id.
    pub session_id: Option<String>,
    /// Dintero's transaction id.
    pub transaction_id: Option<String>,
    /// Kravia's invoice number.
    pub invoice_number: Option<String>,
    /// Link to the invoice.
    pub invoice_url: Option<String>,
    /// The transaction's status as Dintero reported it.
    pub transaction_status: Option<String>,
    /// The last error, for support staff.
    pub error: Option<String>,
    /// Kravia's invoice date and due date (`kravia:invoice_date`, `kravia:invoice_due_date`).
    pub invoice_date: Option<String>,
    pub due_date: Option<String>,
}

/// One invoice as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What was registered.
    pub entry: InvoiceEntry,
    /// What happened to it.
    pub recorded: Recorded,
}

/// An invoice already in the journal whose content differs from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// The invoice's reference.
    pub reference: String,
    /// The hash the journal holds (kept).
    pub journal_hash: String,
    /// The hash of the input now.
    pub input_hash: String,
}

/// An open journal file. Reads, metadata and registration go through its own
/// connection; records of the live import go through a [`JournalWriter`].
pub struct Journal {
    path: PathBuf,
    conn: Mutex<Connection>,
}

/// Opens a connection with the journal's pragmas: WAL, `synchronous=FULL`,
/// busy timeout. (`synchronous` is per connection, so every one needs it.)
fn open_connection(path: &Path) -> Result<Connection, JournalError> {
    let conn = Connection::open(path).map_err(at(path))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(at(path))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(at(path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(JournalError::Corrupt(format!(
            "{}: SQLite could not switch to WAL mode (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(at(path))?;
    Ok(conn)
}

impl Journal {
    /// Opens or creates the journal at `path`; sets WAL, `synchronous=FULL`
    /// and a busy timeout; creates missing tables; checks `schema_version`.
    ///
    /// A database that has tables but no `schema_version` is refused as
    /// [`JournalError::Corrupt`] (it is not a journal), and so is another
    /// schema version.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let mut conn = open_connection(path)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(at(path))?;
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |row| row.get(0),
            )
            .map_err(at(path))?;
        let version: Option<String> = if tables == 0 {
            None
        } else {
            let has_meta: bool = tx
                .query_row(
                    "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                    [],
                    |row| row.get(0),
                )
                .map_err(at(path))?;
            let version = if has_meta {
                tx.query_row(
                    "SELECT value FROM meta WHERE key = ?1",
                    [META_SCHEMA_VERSION],
                    |row| row.get(0),
                )
                .optional()
                .map_err(at(path))?
            } else {
                None
            };
            if version.is_none() {
                return Err(JournalError::Corrupt(format!(
                    "{} is an SQLite database but not a kravia-batch journal (no schema_version)",
                    path.display()
                )));
            }
            version
        };
        match version.as_deref() {
            // Tables and indexes are created if absent on every open.
            Some(SCHEMA_VERSION) => {
                tx.execute_batch(SCHEMA).map_err(at(path))?;
                add_date_columns(&tx).map_err(at(path))?;
            }
            Some(other) => {
                return Err(JournalError::Corrupt(format!(
                    "{} has schema_version {other}; this version of kravia-batch reads {SCHEMA_VERSION}",
                    path.display()
                )));
            }
            None => {
                tx.execute_batch(SCHEMA).map_err(at(path))?;
                let mut insert = tx
                    .prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")
                    .map_err(at(path))?;
                for (key, value) in [
                    (META_SCHEMA_VERSION, SCHEMA_VERSION.to_owned()),
                    (META_CREATED_AT, now()),
                    (META_TOOL_VERSION, env!("CARGO_PKG_VERSION").to_owned()),
                ] {
                    insert.execute(params![key, value]).map_err(at(path))?;
                }
            }
        }
        tx.commit().map_err(at(path))?;
        Ok(Journal {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done SQLite
        // transaction behind (rusqlite rolls back on drop), so a poisoned
        // lock is still usable.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets a `meta` value (insert or replace). `schema_version` is refused.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), JournalError> {
        self.set_metas(&[(key, value)])
    }

    /// Sets several `meta` values in one transaction (one fsync).
    pub fn set_metas(&self, pairs: &[(&str, &str)]) -> Result<(), JournalError> {
        if pairs.iter().any(|(key, _)| *key == META_SCHEMA_VERSION) {
            return Err(JournalError::Refused(format!(
                "{META_SCHEMA_VERSION} is managed by the journal"
            )));
        }
        let conn = self.conn();
        let write = || -> rusqlite::Result<()> {
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )?;
                for (key, value) in pairs {
                    stmt.execute(params![key, value])?;
                }
            }
            tx.commit()
        };
        write().map_err(at(&self.path))
    }

    /// A `meta` value, if set.
    pub fn meta(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn()
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
            .map_err(at(&self.path))
    }

    /// Inserts the invoices not yet in the journal (status `pending`, or
    /// `not_sent` when `not_sent` is true) in one transaction, and returns
    /// the references already present whose `content_hash` differs from the
    /// input (the caller stops the run and says so). Never overwrites an
    /// existing invoice's hash or status, so registering again is a no-op, with
    /// one exception: an invoice recorded as `not_sent` (invalid in an earlier
    /// run, so never sent) that is now registered as valid takes the new content
    /// and becomes `pending`: the accountant fixed it and runs the file again.
    pub fn register(
        &self,
        entries: &[InvoiceEntry],
        not_sent: bool,
    ) -> Result<Vec<Changed>, JournalError> {
        let status = if not_sent {
            Status::NotSent
        } else {
            Status::Pending
        };
        let conn = self.conn();
        let register = || -> rusqlite::Result<Vec<Changed>> {
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            let mut changed = Vec::new();
            {
                let mut insert = tx.prepare_cached(
                    r#"INSERT INTO invoices
                         (reference, content_hash, amount, currency, customer, "rows", status, updated_at)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                       ON CONFLICT (reference) DO NOTHING"#,
                )?;
                let mut existing = tx.prepare_cached(
                    "SELECT content_hash, status FROM invoices WHERE reference = ?1",
                )?;
                let mut reopen = tx.prepare_cached(
                    r#"UPDATE invoices SET content_hash = ?2, amount = ?3, currency = ?4,
                         customer = ?5, "rows" = ?6, status = 'pending', error = NULL,
                         updated_at = ?7
                       WHERE reference = ?1"#,
                )?;
                let mut event = tx.prepare_cached(
                    "INSERT INTO events (reference, kind, detail, at) VALUES (?1, 'revalidated', ?2, ?3)",
                )?;
                let at = now();
                for entry in entries {
                    let inserted = insert.execute(params![
                        entry.reference,
                        entry.content_hash,
                        entry.amount,
                        entry.currency,
                        entry.customer,
                        entry.rows,
                        status.as_str(),
                        at,
                    ])?;
                    if inserted == 0 {
                        let (journal_hash, journal_status): (String, String) = existing
                            .query_row([&entry.reference], |row| Ok((row.get(0)?, row.get(1)?)))?;
                        if !not_sent && journal_status == Status::NotSent.as_str() {
                            reopen.execute(params![
                                entry.reference,
                                entry.content_hash,
                                entry.amount,
                                entry.currency,
                                entry.customer,
                                entry.rows,
                                at,
                            ])?;
                            event.execute(params![
                                entry.reference,
                                "valid now; was not sent in an earlier run",
                                at,
                            ])?;
                        } else if journal_hash != entry.content_hash {
                            changed.push(Changed {
                                reference: entry.reference.clone(),
                                journal_hash,
                                input_hash: entry.content_hash.clone(),
                            });
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(changed)
        };
        register().map_err(at(&self.path))
    }

    /// Every invoice with its recorded state, in insertion order.
    pub fn rows(&self) -> Result<Vec<Row>, JournalError> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<Vec<(InvoiceEntry, Recorded, String)>> {
            let mut stmt = conn.prepare_cached(&format!(
                r#"SELECT reference, content_hash, amount, currency, customer, "rows",
                          {RECORDED_COLUMNS}
                   FROM invoices ORDER BY rowid"#
            ))?;
            let rows = stmt.query_map([], |row| {
                let entry = InvoiceEntry {
                    reference: row.get(0)?,
                    content_hash: row.get(1)?,
                    amount: row.get(2)?,
                    currency: row.get(3)?,
                    customer: row.get(4)?,
                    rows: row.get(5)?,
                };
                let (recorded, status) = recorded_from(row, 6)?;
                Ok((entry, recorded, status))
            })?;
            rows.collect()
        };
        read()
            .map_err(at(&self.path))?
            .into_iter()
            .map(|(entry, mut recorded, status)| {
                recorded.status = self.status_of(&entry.reference, &status)?;
                Ok(Row { entry, recorded })
            })
            .collect()
    }

    /// What the journal records of each invoice something happened to: every invoice
    /// not in it, or still `pending` with no attempt and nothing learnt, is in the
    /// default state ([`Recorded::default`]) and is left out, so that preparing a fresh
    /// run reads nothing.
    pub fn recorded(&self) -> Result<HashMap<String, Recorded>, JournalError> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<Vec<(String, Recorded, String)>> {
            let mut stmt = conn.prepare_cached(&format!(
                r#"SELECT reference, {RECORDED_COLUMNS}
                   FROM invoices
                   WHERE status <> 'pending' OR attempts <> 0 OR session_id IS NOT NULL
                      OR transaction_id IS NOT NULL OR invoice_number IS NOT NULL
                      OR invoice_url IS NOT NULL OR transaction_status IS NOT NULL
                      OR error IS NOT NULL"#
            ))?;
            let rows = stmt.query_map([], |row| {
                let (recorded, status) = recorded_from(row, 1)?;
                Ok((row.get(0)?, recorded, status))
            })?;
            rows.collect()
        };
        read()
            .map_err(at(&self.path))?
            .into_iter()
            .map(|(reference, mut recorded, status)| {
                recorded.status = self.status_of(&reference, &status)?;
                Ok((reference, recorded))
            })
            .collect()
    }

    /// A stored status, or the corruption that an unknown one is.
    fn status_of(&self, reference: &str, status: &str) -> Result<Status, JournalError> {
        Status::parse(status).ok_or_else(|| {
            JournalError::Corrupt(format!(
                "{}: invoice {reference:?} has unknown status {status:?}",
                self.path.display(),
            ))
        })
    }

    /// Starts the group-commit writer thread, which owns its own connection.
    /// One writer per run: clone it for every worker.
    pub fn writer(&self) -> Result<JournalWriter, JournalError> {
        let conn = open_connection(&self.path)?;
        let (sender, receiver) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let hurry = Arc::new(AtomicBool::new(false));
        let thread = WriterThread {
            conn,
            path: self.path.clone(),
            receiver,
            commits: Arc::clone(&commits),
            hurry: Arc::clone(&hurry),
        };
        std::thread::Builder::new()
            .name("journal-writer".to_owned())
            .spawn(move || thread.run())
            .map_err(|_| JournalError::Closed)?;
        Ok(JournalWriter {
            sender,
            commits,
            hurry,
        })
    }
}

/// The columns of a [`Recorded`], in the order [`recorded_from`] reads them.
const RECORDED_COLUMNS: &str = "status, attempts, session_id, transaction_id, invoice_number, invoice_url, transaction_status, error, invoice_date, due_date";

/// A journal made before the invoice dates were kept gets their columns (empty, filled by
/// later outcomes or left to `status`): the same schema version reads both.
fn add_date_columns(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let has: bool = tx.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('invoices') WHERE name = 'invoice_date'",
        [],
        |row| row.get(0),
    )?;
    if !has {
        tx.execute_batch(
            "ALTER TABLE invoices ADD COLUMN invoice_date TEXT;
             ALTER TABLE invoices ADD COLUMN due_date TEXT;",
        )?;
    }
    Ok(())
}

/// A [`Recorded`] from [`RECORDED_COLUMNS`] starting at column `first`, with its status
/// still as text (status `Pending` until the caller parses it).
fn recorded_from(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<(Recorded, String)> {
    Ok((
        Recorded {
            status: Status::Pending,
            attempts: row.get(first + 1)?,
            session_id: row.get(first + 2)?,
            transaction_id: row.get(first + 3)?,
            invoice_number: row.get(first + 4)?,
            invoice_url: row.get(first + 5)?,
            transaction_status: row.get(first + 6)?,
            error: row.get(first + 7)?,
            invoice_date: row.get(first + 8)?,
            due_date: row.get(first + 9)?,
        },
        row.get(first)?,
    ))
}

type Ack = oneshot::Sender<Result<(), JournalError>>;

/// A record for the writer thread.
enum Op {
    Intent {
        reference: String,
        detail: String,
    },
    Outcome {
        reference: String,
        recorded: Recorded,
        detail: String,
    },
    Event {
        reference: String,
        kind: String,
        detail: String,
    },
}

// `Close` is sent once per run; boxing `Op` would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Op(Op, Ack),
    Close(Ack),
}

/// The handle to the group-commit writer. Cheap to clone; the thread stops
/// after [`close`](JournalWriter::close), or once the last clone is dropped
/// (after committing whatever was queued).
///
/// Every method returns once its record is committed (fsync'd), or with the
/// error that prevented it. A caller that stops awaiting does not withdraw
/// its record: it is committed with its batch all the same.
#[derive(Clone)]
pub struct JournalWriter {
    sender: mpsc::Sender<Msg>,
    commits: Arc<AtomicU64>,
    hurry: Arc<AtomicBool>,
}

impl JournalWriter {
    /// From now on, commits without lingering: the run is ending (nothing left to
    /// send), so there are no more records for a batch to wait for, and every wait
    /// would only delay the last invoices.
    pub fn hurry(&self) {
        self.hurry.store(true, Ordering::Relaxed);
    }

    async fn submit(&self, op: Op) -> Result<(), JournalError> {
        let (ack, done) = oneshot::channel();
        self.sender
            .send(Msg::Op(op, ack))
            .map_err(|_| JournalError::Closed)?;
        done.await.map_err(|_| JournalError::Closed)?
    }

    /// Durably records that a request for `reference` is about to be sent:
    /// status `sending`, `attempts + 1`, an `intent` event with `detail`
    /// (an empty detail is stored as NULL). Returns when committed: only
    /// then may the request be sent.
    ///
    /// Refused ([`JournalError::Refused`]) for a reference not registered,
    /// and for an invoice recorded as `created` or `already_exists` (sending
    /// it again would make a duplicate).
    pub async fn intent(&self, reference: &str, detail: &str) -> Result<(), JournalError> {
        self.submit(Op::Intent {
            reference: reference.to_owned(),
            detail: detail.to_owned(),
        })
        .await
    }

    /// Durably records an outcome: `recorded.status`, and those fields of
    /// `recorded` that are `Some` (the others keep their value; `attempts`
    /// is ignored), plus an `outcome` event whose detail is
    /// `"<status>: <detail>"`. Returns when committed. Refused for a
    /// reference not registered.
    pub async fn outcome(
        &self,
        reference: &str,
        recorded: Recorded,
        detail: &str,
    ) -> Result<(), JournalError> {
        self.submit(Op::Outcome {
            reference: reference.to_owned(),
            recorded,
            detail: detail.to_owned(),
        })
        .await
    }

    /// Appends an event only (`lookup`, `session_created`, ...), committed
    /// with the next batch; returns when committed. `reference` need not be
    /// registered (run-level events may use any marker, e.g. `"*"`).
    pub async fn event(
        &self,
        reference: &str,
        kind: &str,
        detail: &str,
    ) -> Result<(), JournalError> {
        self.submit(Op::Event {
            reference: reference.to_owned(),
            kind: kind.to_owned(),
            detail: detail.to_owned(),
        })
        .await
    }

    /// Commits everything queued before it, closes the connection and stops
    /// the thread. Records sent afterwards through other clones fail with
    /// [`JournalError::Closed`]; so does closing a writer already closed.
    pub async fn close(self) -> Result<(), JournalError> {
        let (ack, done) = oneshot::channel();
        self.sender
            .send(Msg::Close(ack))
            .map_err(|_| JournalError::Closed)?;
        done.await.map_err(|_| JournalError::Closed)?
    }

    /// How many transactions the writer has committed so far (each one
    /// fsync): with concurrent callers, far fewer than records.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

struct WriterThread {
    conn: Connection,
    path: PathBuf,
    receiver: mpsc::Receiver<Msg>,
    commits: Arc<AtomicU64>,
    hurry: Arc<AtomicBool>,
}

impl WriterThread {
    fn run(mut self) {
        let mut batch: Vec<(Op, Ack)> = Vec::with_capacity(64);
        // Blocks for the first record; ends when every sender is gone (the
        // channel hands out everything queued before reporting that).
        while let Ok(first) = self.receiver.recv() {
            // Sleep through the linger window, then take everything that arrived: one
            // wake-up per batch rather than one per record (at a thousand requests a
            // second, that is most of the writer's cost).
            if matches!(first, Msg::Op(..)) && !self.hurry.load(Ordering::Relaxed) {
                std::thread::sleep(LINGER);
            }
            let mut close = None;
            let mut next = Some(first);
            while let Some(msg) = next.take() {
                match msg {
                    Msg::Op(op, ack) => batch.push((op, ack)),
                    Msg::Close(ack) => {
                        close = Some(ack);
                        break;
                    }
                }
                if batch.len() < MAX_BATCH {
                    next = self.receiver.try_recv().ok();
                }
            }
            if !batch.is_empty() {
                self.commit(&mut batch);
            }
            if let Some(ack) = close {
                let path = self.path;
                let result = self.conn.close().map_err(|(_, source)| at(&path)(source));
                // Dropping the receiver (with self) fails anything queued
                // after the close with `Closed`.
                drop(self.receiver);
                let _ = ack.send(result);
                return;
            }
        }
    }

    /// Applies `batch` in one transaction, commits, and acknowledges every
    /// record: each with its own refusal, or the batch's SQLite error.
    fn commit(&mut self, batch: &mut Vec<(Op, Ack)>) {
        let at_time = now();
        let result = (|| -> rusqlite::Result<Vec<Result<(), JournalError>>> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut results = Vec::with_capacity(batch.len());
            for (op, _) in batch.iter() {
                results.push(apply(&tx, op, &at_time)?);
            }
            tx.commit()?;
            Ok(results)
        })();
        match result {
            Ok(results) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                for ((_, ack), result) in batch.drain(..).zip(results) {
                    let _ = ack.send(result);
                }
            }
            Err(source) => {
                let error = at(&self.path)(source);
                for (_, ack) in batch.drain(..) {
                    let _ = ack.send(Err(error.clone()));
                }
            }
        }
    }
}

/// Applies one record inside the batch's transaction. The outer error is
/// SQLite's and fails the whole batch; the inner one is a refusal of this
/// record only, detected before anything is written.
fn apply(tx: &Transaction<'_>, op: &Op, at: &str) -> rusqlite::Result<Result<(), JournalError>> {
    let event = |reference: &str, kind: &str, detail: &str| -> rusqlite::Result<()> {
        let detail = (!detail.is_empty()).then_some(detail);
        tx.prepare_cached(
            "INSERT INTO events (reference, kind, detail, at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![reference, kind, detail, at])?;
        Ok(())
    };
    match op {
        Op::Intent { reference, detail } => {
            // One statement on the common path; the reason for a refusal is looked up
            // only when nothing was updated.
            let updated = tx
                .prepare_cached(
                    "UPDATE invoices SET status = ?2, attempts = attempts + 1, updated_at = ?3
                     WHERE reference = ?1 AND status NOT IN ('created', 'already_exists')",
                )?
                .execute(params![reference, Status::Sending.as_str(), at])?;
            if updated == 0 {
                let status: Option<String> = tx
                    .prepare_cached("SELECT status FROM invoices WHERE reference = ?1")?
                    .query_row([reference], |row| row.get(0))
                    .optional()?;
                return Ok(Err(match status {
                    None => not_registered("intent", reference),
                    Some(status) => JournalError::Refused(format!(
                        "intent for {reference:?}: the invoice is recorded as {status}; sending it again would duplicate it"
                    )),
                }));
            }
            event(reference, "intent", detail)?;
        }
        Op::Outcome {
            reference,
            recorded,
            detail,
        } => {
            let updated = tx
                .prepare_cached(
                    "UPDATE invoices SET status = ?2,
                        session_id = COALESCE(?3, session_id),
                        transaction_id = COALESCE(?4, transaction_id),
                        invoice_number = COALESCE(?5, invoice_number),
                        invoice_url = COALESCE(?6, invoice_url),
                        transaction_status = COALESCE(?7, transaction_status),
                        error = COALESCE(?8, error),
                        updated_at = ?9,
                        invoice_date = COALESCE(?10, invoice_date),
                        due_date = COALESCE(?11, due_date)
                     WHERE reference = ?1",
                )?
                .execute(params![
                    reference,
                    recorded.status.as_str(),
                    recorded.session_id,
                    recorded.transaction_id,
                    recorded.invoice_number,
                    recorded.invoice_url,
                    recorded.transaction_status,
                    recorded.error,
                    at,
                    recorded.invoice_date,
                    recorded.due_date,
                ])?;
            if updated == 0 {
                return Ok(Err(not_registered("outcome", reference)));
            }
            let detail = if detail.is_empty() {
                recorded.status.as_str().to_owned()
            } else {
                format!("{}: {detail}", recorded.status)
            };
            event(reference, "outcome", &detail)?;
        }
        Op::Event {
            reference,
            kind,
            detail,
        } => event(reference, kind, detail)?,
    }
    Ok(Ok(()))
}

fn not_registered(what: &str, reference: &str) -> JournalError {
    JournalError::Refused(format!(
        "{what} for {reference:?}: no such invoice in the journal"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(reference: &str, hash: &str) -> InvoiceEntry {
        InvoiceEntry {
            reference: reference.to_owned(),
            content_hash: hash.to_owned(),
            amount: 12_500,
            currency: "NOK".to_owned(),
            customer: format!("Kunde {reference}"),
            rows: "2-3".to_owned(),
        }
    }

    fn journal_in(dir: &tempfile::TempDir) -> (PathBuf, Journal) {
        let path = dir.path().join("run.journal.sqlite");
        let journal = Journal::open(&path).unwrap();
        (path, journal)
    }

    /// A journal with invoices A and B registered, and an intent recorded for A.
    async fn a_and_b_with_a_sending(dir: &tempfile::TempDir) -> (PathBuf, Journal, JournalWriter) {
        let (path, journal) = journal_in(dir);
        journal
            .register(&[entry("A", "h"), entry("B", "h")], false)
            .unwrap();
        let writer = journal.writer().unwrap();
        writer.intent("A", "").await.unwrap();
        (path, journal, writer)
    }

    fn row(journal: &Journal, reference: &str) -> Row {
        journal
            .rows()
            .unwrap()
            .into_iter()
            .find(|row| row.entry.reference == reference)
            .unwrap()
    }

    fn events(path: &Path, reference: &str) -> Vec<(String, Option<String>, String)> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind, detail, at FROM events WHERE reference = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([reference], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn status_strings_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(Status::parse("Created"), None);
        assert_eq!(Status::default(), Status::Pending);
    }

    #[test]
    fn create_and_reopen_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal) = journal_in(&dir);
        assert_eq!(journal.path(), path);
        journal.set_meta(META_INPUT_PATH, "faktura.xlsx").unwrap();
        journal.set_meta(META_ACCOUNT_ID, "T11112542").unwrap();
        journal.set_meta(META_ACCOUNT_ID, "P11112542").unwrap();
        let entries = [entry("B-2", "h2"), entry("A-1", "h1"), entry("C-3", "h3")];
        assert!(journal.register(&entries, false).unwrap().is_empty());
        let before = journal.rows().unwrap();
        let created_at = journal.meta(META_CREATED_AT).unwrap().unwrap();
        drop(journal);

        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.rows().unwrap(), before);
        let order: Vec<_> = before.iter().map(|r| r.entry.reference.as_str()).collect();
        assert_eq!(order, ["B-2", "A-1", "C-3"], "insertion order");
        assert_eq!(before[0].entry, entries[0]);
        assert_eq!(before[0].recorded, Recorded::default());
        assert_eq!(
            journal.meta(META_INPUT_PATH).unwrap().as_deref(),
            Some("faktura.xlsx")
        );
        assert_eq!(
            journal.meta(META_ACCOUNT_ID).unwrap().as_deref(),
            Some("P11112542")
        );
        assert_eq!(journal.meta("nope").unwrap(), None);
        assert_eq!(
            journal.meta(META_SCHEMA_VERSION).unwrap().as_deref(),
            Some(SCHEMA_VERSION)
        );
        assert_eq!(
            journal.meta(META_TOOL_VERSION).unwrap().as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            journal.meta(META_CREATED_AT).unwrap(),
            Some(created_at.clone())
        );
        chrono::DateTime::parse_from_rfc3339(&created_at).unwrap();
        assert!(matches!(
            journal.set_meta(META_SCHEMA_VERSION, "2"),
            Err(JournalError::Refused(_))
        ));
    }

    #[test]
    fn an_invoice_invalid_before_and_valid_now_becomes_pending() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, journal) = journal_in(&dir);
        journal.register(&[entry("A", "")], true).unwrap();
        assert_eq!(journal.rows().unwrap()[0].recorded.status, Status::NotSent);
        // Fixed in the export: registered as valid, it is not a "changed" invoice.
        assert!(
            journal
                .register(&[entry("A", "h1")], false)
                .unwrap()
                .is_empty()
        );
        let row = &journal.rows().unwrap()[0];
        assert_eq!(row.recorded.status, Status::Pending);
        assert_eq!(row.entry.content_hash, "h1");
        // From then on it is an ordinary pending invoice: a different body is a change.
        assert_eq!(
            journal.register(&[entry("A", "h2")], false).unwrap().len(),
            1
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn register_twice_is_idempotent_and_reports_changed_hash() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, journal) = journal_in(&dir);
        let entries = [entry("A", "h1"), entry("B", "h2")];
        assert!(journal.register(&entries, false).unwrap().is_empty());
        assert!(journal.register(&entries, false).unwrap().is_empty());
        assert_eq!(journal.rows().unwrap().len(), 2);

        let writer = journal.writer().unwrap();
        writer.intent("B", "attempt 1").await.unwrap();
        writer.close().await.unwrap();

        let changed = journal
            .register(
                &[entry("A", "h1-new"), entry("B", "h2"), entry("C", "h3")],
                false,
            )
            .unwrap();
        assert_eq!(
            changed,
            [Changed {
                reference: "A".to_owned(),
                journal_hash: "h1".to_owned(),
                input_hash: "h1-new".to_owned(),
            }]
        );
        let rows = journal.rows().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].entry.content_hash, "h1", "hash not overwritten");
        assert_eq!(rows[1].recorded.status, Status::Sending, "status not reset");
        assert_eq!(rows[1].recorded.attempts, 1);
        assert_eq!(rows[2].recorded.status, Status::Pending);

        // not_sent registers new invoices as not_sent, leaves existing ones alone.
        assert!(
            journal
                .register(&[entry("A", "h1"), entry("X", "hx")], true)
                .unwrap()
                .is_empty()
        );
        assert_eq!(row(&journal, "A").recorded.status, Status::Pending);
        assert_eq!(row(&journal, "X").recorded.status, Status::NotSent);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn recorded_lists_only_invoices_something_happened_to() {
        let dir = tempfile::tempdir().unwrap();
        let (_, journal) = journal_in(&dir);
        journal
            .register(&[entry("A", "h"), entry("B", "h"), entry("C", "h")], false)
            .unwrap();
        journal.register(&[entry("X", "")], true).unwrap();
        assert_eq!(
            journal.recorded().unwrap().keys().collect::<Vec<_>>(),
            ["X"],
            "a fresh run reads only what is not pending"
        );
        let writer = journal.writer().unwrap();
        writer.intent("A", "").await.unwrap();
        writer.intent("B", "").await.unwrap();
        let created = Recorded {
            status: Status::Created,
            transaction_id: Some("T1".into()),
            ..Recorded::default()
        };
        writer.outcome("B", created.clone(), "").await.unwrap();
        writer.close().await.unwrap();
        let recorded = journal.recorded().unwrap();
        assert_eq!(recorded.len(), 3);
        assert_eq!(recorded["A"].status, Status::Sending);
        assert_eq!(recorded["B"].transaction_id.as_deref(), Some("T1"));
        assert_eq!(recorded["B"].attempts, 1);
        assert!(!recorded.contains_key("C"));
        // Everything it leaves out is in the default state.
        for r in journal.rows().unwrap() {
            match recorded.get(&r.entry.reference) {
                Some(rec) => assert_eq!(*rec, r.recorded),
                None => assert_eq!(r.recorded, Recorded::default()),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_hurried_writer_still_commits_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let (_, journal, writer) = a_and_b_with_a_sending(&dir).await;
        writer.hurry();
        writer.intent("B", "").await.unwrap();
        writer
            .outcome(
                "B",
                Recorded {
                    status: Status::Created,
                    ..Recorded::default()
                },
                "",
            )
            .await
            .unwrap();
        writer.close().await.unwrap();
        assert_eq!(row(&journal, "A").recorded.status, Status::Sending);
        assert_eq!(row(&journal, "B").recorded.status, Status::Created);
    }

    #[test]
    fn set_metas_writes_all_or_refuses_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let (_, journal) = journal_in(&dir);
        journal
            .set_metas(&[(META_INPUT_PATH, "a.csv"), (META_INPUT_SHA256, "ab")])
            .unwrap();
        assert_eq!(
            journal.meta(META_INPUT_SHA256).unwrap().as_deref(),
            Some("ab")
        );
        assert!(matches!(
            journal.set_metas(&[(META_INPUT_PATH, "b.csv"), (META_SCHEMA_VERSION, "9")]),
            Err(JournalError::Refused(_))
        ));
        assert_eq!(
            journal.meta(META_INPUT_PATH).unwrap().as_deref(),
            Some("a.csv")
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn intent_then_outcome_updates_status_fields_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal) = journal_in(&dir);
        journal.register(&[entry("A", "h")], false).unwrap();
        let writer = journal.writer().unwrap();

        writer.intent("A", "POST /v1/sessions/pay").await.unwrap();
        let recorded = row(&journal, "A").recorded;
        assert_eq!(recorded.status, Status::Sending);
        assert_eq!(recorded.attempts, 1);

        writer
            .outcome(
                "A",
                Recorded {
                    status: Status::Unknown,
                    attempts: 99,
                    error: Some("timeout after connecting".to_owned()),
                    ..Recorded::default()
                },
                "",
            )
            .await
            .unwrap();
        writer.event("A", "lookup", "not found").await.unwrap();
        writer.intent("A", "POST /v1/sessions/pay").await.unwrap();
        assert_eq!(row(&journal, "A").recorded.attempts, 2);

        writer
            .outcome(
                "A",
                Recorded {
                    status: Status::Created,
                    session_id: Some("S1".to_owned()),
                    transaction_id: Some("T1".to_owned()),
                    invoice_number: Some("1001".to_owned()),
                    invoice_url: Some("https://example.test/i/1001".to_owned()),
                    transaction_status: Some("ON_HOLD".to_owned()),
                    ..Recorded::default()
                },
                "201",
            )
            .await
            .unwrap();
        // None fields keep their value.
        writer
            .outcome(
                "A",
                Recorded {
                    status: Status::Created,
                    transaction_status: Some("AUTHORIZED".to_owned()),
                    ..Recorded::default()
                },
                "status refresh",
            )
            .await
            .unwrap();
        writer.close().await.unwrap();

        assert_eq!(
            row(&journal, "A").recorded,
            Recorded {
                status: Status::Created,
                attempts: 2,
                session_id: Some("S1".to_owned()),
                transaction_id: Some("T1".to_owned()),
                invoice_number: Some("1001".to_owned()),
                invoice_url: Some("https://example.test/i/1001".to_owned()),
                transaction_status: Some("AUTHORIZED".to_owned()),
                error: Some("timeout after connecting".to_owned()),
                invoice_date: None,
                due_date: None,
            }
        );
        let events = events(&path, "A");
        let kinds: Vec<_> = events
            .iter()
            .map(|(kind, detail, _)| (kind.as_str(), detail.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("intent", Some("POST /v1/sessions/pay")),
                ("outcome", Some("unknown")),
                ("lookup", Some("not found")),
                ("intent", Some("POST /v1/sessions/pay")),
                ("outcome", Some("created: 201")),
                ("outcome", Some("created: status refresh")),
            ]
        );
        for (_, _, at) in &events {
            chrono::DateTime::parse_from_rfc3339(at).unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refuses_unknown_references_and_resending_a_created_invoice() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, journal) = journal_in(&dir);
        journal
            .register(&[entry("A", "h"), entry("B", "h")], false)
            .unwrap();
        let writer = journal.writer().unwrap();
        assert!(matches!(
            writer.intent("nope", "").await,
            Err(JournalError::Refused(_))
        ));
        assert!(matches!(
            writer.outcome("nope", Recorded::default(), "").await,
            Err(JournalError::Refused(_))
        ));
        writer.intent("A", "").await.unwrap();
        let created = Recorded {
            status: Status::AlreadyExists,
            ..Recorded::default()
        };
        writer
            .outcome("A", created, "found by lookup")
            .await
            .unwrap();
        let refused = writer.intent("A", "").await.unwrap_err();
        assert!(refused.to_string().contains("duplicate"), "{refused}");
        // A refusal fails only its own record.
        writer.intent("B", "").await.unwrap();
        writer.event("*", "run_started", "").await.unwrap();
        writer.close().await.unwrap();
        assert_eq!(row(&journal, "A").recorded.attempts, 1);
        assert_eq!(row(&journal, "B").recorded.status, Status::Sending);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_intents_are_group_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, journal) = journal_in(&dir);
        let entries: Vec<_> = (0..200).map(|i| entry(&format!("R{i}"), "h")).collect();
        journal.register(&entries, false).unwrap();
        let writer = journal.writer().unwrap();

        let tasks: Vec<_> = (0..50)
            .map(|task| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    for i in 0..4 {
                        writer
                            .intent(&format!("R{}", task * 4 + i), "")
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let commits = writer.commits();
        writer.close().await.unwrap();

        let rows = journal.rows().unwrap();
        assert!(
            rows.iter()
                .all(|row| row.recorded.status == Status::Sending && row.recorded.attempts == 1)
        );
        eprintln!("200 intents from 50 tasks: {commits} commits");
        assert!(commits >= 4, "each task waits for its ack: {commits}");
        assert!(commits <= 50, "200 intents took {commits} commits");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn acknowledged_records_survive_dropping_the_writer_mid_stream() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal) = journal_in(&dir);
        let entries: Vec<_> = (0..1000).map(|i| entry(&format!("R{i}"), "h")).collect();
        journal.register(&entries, false).unwrap();
        let writer = journal.writer().unwrap();
        let acked = Arc::new(Mutex::new(Vec::new()));

        let tasks: Vec<_> = (0..20)
            .map(|task| {
                let writer = writer.clone();
                let acked = Arc::clone(&acked);
                tokio::spawn(async move {
                    for i in 0..50 {
                        let reference = format!("R{}", task * 50 + i);
                        if writer.intent(&reference, "").await.is_err() {
                            break;
                        }
                        acked.lock().unwrap().push(reference);
                    }
                })
            })
            .collect();
        drop(writer);
        while acked.lock().unwrap().len() < 100 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Mid-stream: the tasks (and with them the last writer clones) go
        // away without close().
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
        drop(journal);

        let acked = acked.lock().unwrap().clone();
        let journal = Journal::open(&path).unwrap();
        let rows = journal.rows().unwrap();
        for reference in &acked {
            let row = rows
                .iter()
                .find(|r| &r.entry.reference == reference)
                .unwrap();
            assert_eq!(row.recorded.status, Status::Sending, "{reference}");
            assert_eq!(row.recorded.attempts, 1, "{reference}");
        }
        assert!(acked.len() >= 100);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sending_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal, writer) = a_and_b_with_a_sending(&dir).await;
        // No outcome, no close: as after a crash between send and response.
        drop(writer);
        drop(journal);

        let journal = Journal::open(&path).unwrap();
        let rows = journal.rows().unwrap();
        assert_eq!(rows[0].recorded.status, Status::Sending);
        assert_eq!(rows[0].recorded.attempts, 1);
        assert_eq!(rows[1].recorded.status, Status::Pending);
        assert_eq!(events(&path, "A")[0].0, "intent");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_file_is_plain_sqlite_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let (path, journal) = journal_in(&dir);
        journal.register(&[entry("A", "h")], false).unwrap();
        let writer = journal.writer().unwrap();
        writer.intent("A", "").await.unwrap();

        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let (status, attempts): (String, i64) = conn
            .query_row(
                "SELECT status, attempts FROM invoices WHERE reference = 'A'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), attempts), ("sending", 1));
        let synchronous: i64 = journal
            .conn()
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
        writer.close().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn close_stops_every_clone() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, journal) = journal_in(&dir);
        journal.register(&[entry("A", "h")], false).unwrap();
        let writer = journal.writer().unwrap();
        let other = writer.clone();
        writer.intent("A", "").await.unwrap();
        assert_eq!(writer.commits(), 1);
        writer.close().await.unwrap();
        assert!(matches!(
            other.event("A", "lookup", "").await,
            Err(JournalError::Closed)
        ));
        assert!(matches!(other.close().await, Err(JournalError::Closed)));
    }

    #[test]
    fn refuses_foreign_databases_and_other_schema_versions() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("foreign.sqlite");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE invoices (x TEXT)")
            .unwrap();
        assert!(matches!(
            Journal::open(&foreign),
            Err(JournalError::Corrupt(_))
        ));

        let (path, journal) = journal_in(&dir);
        drop(journal);
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        let error = Journal::open(&path).err().unwrap();
        assert!(matches!(error, JournalError::Corrupt(_)));
        assert!(error.to_string().contains("99"), "{error}");
    }

    #[test]
    fn sqlite_errors_name_the_journal_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-database.sqlite");
        std::fs::write(&path, "reference;amount\n".repeat(200)).unwrap();
        let error = Journal::open(&path).err().unwrap();
        assert!(matches!(error, JournalError::Sqlite { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }
}
