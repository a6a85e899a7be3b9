//! [`Journal`]: the journal as the commands use it before and after a run: open (and
//! create or check), metadata, registering the invoices, and reading what was recorded.
//! These calls block on disk I/O; the run itself records through the writer thread.

use super::error::{JournalError, at};
use super::records::{Changed, InvoiceEntry, Recorded, Row, Status};
use super::schema::{META_SCHEMA_VERSION, create_or_check, now, open_connection};
use rusqlite::{
    CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior, params,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// An open journal file. Reads, metadata and registration go through its own
/// connection; records of the live import go through a [`JournalWriter`].
///
/// [`JournalWriter`]: crate::run::journal::JournalWriter
pub struct Journal {
    pub(super) path: PathBuf,
    conn: Mutex<Connection>,
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
        create_or_check(&tx, path)?;
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

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
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
                let mut registration = Registration::prepare(&tx)?;
                for entry in entries {
                    changed.extend(registration.entry(entry, status)?);
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
        let rows = self.with_status(read(), |entry| &entry.reference)?;
        Ok(rows
            .into_iter()
            .map(|(entry, recorded)| Row { entry, recorded })
            .collect())
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
        let rows = self.with_status(read(), String::as_str)?;
        Ok(rows.into_iter().collect())
    }

    /// A stored status, or the corruption that an unknown one is.
    /// Rows read with [`recorded_from`], each given its parsed status: the tail of
    /// [`Journal::rows`] and [`Journal::recorded`]. `reference` names the invoice of a
    /// row in the error about a status the journal does not know.
    fn with_status<K>(
        &self,
        read: rusqlite::Result<Vec<(K, Recorded, String)>>,
        reference: impl Fn(&K) -> &str,
    ) -> Result<Vec<(K, Recorded)>, JournalError> {
        read.map_err(at(&self.path))?
            .into_iter()
            .map(|(key, mut recorded, status)| {
                recorded.status = self.status_of(reference(&key), &status)?;
                Ok((key, recorded))
            })
            .collect()
    }

    fn status_of(&self, reference: &str, status: &str) -> Result<Status, JournalError> {
        Status::parse(status).ok_or_else(|| {
            JournalError::Corrupt(format!(
                "{}: invoice {reference:?} has unknown status {status:?}",
                self.path.display(),
            ))
        })
    }
}

/// The columns of a [`Recorded`], in the order [`recorded_from`] reads them.
const RECORDED_COLUMNS: &str = "status, attempts, session_id, transaction_id, invoice_number, invoice_url, transaction_status, error, invoice_date, due_date";

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

/// The statements of one [`Journal::register`], prepared once for all its invoices.
struct Registration<'t> {
    insert: CachedStatement<'t>,
    existing: CachedStatement<'t>,
    reopen: CachedStatement<'t>,
    event: CachedStatement<'t>,
    at: String,
}

impl<'t> Registration<'t> {
    fn prepare(tx: &'t Transaction<'_>) -> rusqlite::Result<Registration<'t>> {
        Ok(Registration {
            insert: tx.prepare_cached(
                r#"INSERT INTO invoices
                     (reference, content_hash, amount, currency, customer, "rows", status, updated_at)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                   ON CONFLICT (reference) DO NOTHING"#,
            )?,
            existing: tx
                .prepare_cached("SELECT content_hash, status FROM invoices WHERE reference = ?1")?,
            reopen: tx.prepare_cached(
                r#"UPDATE invoices SET content_hash = ?2, amount = ?3, currency = ?4,
                     customer = ?5, "rows" = ?6, status = 'pending', error = NULL,
                     updated_at = ?7
                   WHERE reference = ?1"#,
            )?,
            event: tx.prepare_cached(
                "INSERT INTO events (reference, kind, detail, at) VALUES (?1, 'revalidated', ?2, ?3)",
            )?,
            at: now(),
        })
    }

    /// Registers one invoice as `status` (see [`Journal::register`]); `Some` when the
    /// journal already holds it with other content.
    fn entry(&mut self, entry: &InvoiceEntry, status: Status) -> rusqlite::Result<Option<Changed>> {
        let inserted = self.insert.execute(params![
            entry.reference,
            entry.content_hash,
            entry.amount,
            entry.currency,
            entry.customer,
            entry.rows,
            status.as_str(),
            self.at,
        ])?;
        if inserted != 0 {
            return Ok(None);
        }
        let (journal_hash, journal_status): (String, String) = self
            .existing
            .query_row([&entry.reference], |row| Ok((row.get(0)?, row.get(1)?)))?;
        if status != Status::NotSent && journal_status == Status::NotSent.as_str() {
            // Invalid before, valid now: never sent, so it takes the new content.
            self.reopen.execute(params![
                entry.reference,
                entry.content_hash,
                entry.amount,
                entry.currency,
                entry.customer,
                entry.rows,
                self.at,
            ])?;
            self.event.execute(params![
                entry.reference,
                "valid now; was not sent in an earlier run",
                self.at,
            ])?;
            return Ok(None);
        }
        Ok((journal_hash != entry.content_hash).then(|| Changed {
            reference: entry.reference.clone(),
            journal_hash,
            input_hash: entry.content_hash.clone(),
        }))
    }
}
