//! The group-commit writer: one thread owns a connection, gathers the records of all
//! workers for a moment, commits them in one transaction (one fsync) and only then
//! acknowledges each. Why group commit: see [`super`].

use super::error::{JournalError, at};
use super::queries::Journal;
use super::records::{Recorded, Status};
use super::schema::{now, open_connection};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use tokio::sync::oneshot;

/// At most this many records are committed in one transaction.
pub const MAX_BATCH: usize = 1024;
/// How long the writer waits for more records after the first of a batch: a busy run
/// (hundreds of requests a second) then shares each fsync among many records, at the cost
/// of a few milliseconds before a request leaves. A batch that reaches [`MAX_BATCH`]
/// records is committed at once and the rest waits for the next.
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

impl Journal {
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
    match op {
        Op::Intent { reference, detail } => apply_intent(tx, reference, detail, at),
        Op::Outcome {
            reference,
            recorded,
            detail,
        } => apply_outcome(tx, reference, recorded, detail, at),
        Op::Event {
            reference,
            kind,
            detail,
        } => {
            insert_event(tx, reference, kind, detail, at)?;
            Ok(Ok(()))
        }
    }
}

/// `sending`, one more attempt, and an `intent` event; refused for an unknown reference
/// and for an invoice that exists already (sending it again would duplicate it).
fn apply_intent(
    tx: &Transaction<'_>,
    reference: &str,
    detail: &str,
    at: &str,
) -> rusqlite::Result<Result<(), JournalError>> {
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
    insert_event(tx, reference, "intent", detail, at)?;
    Ok(Ok(()))
}

/// The outcome's status and the fields it knows (the others keep their value), and an
/// `outcome` event; refused for an unknown reference.
fn apply_outcome(
    tx: &Transaction<'_>,
    reference: &str,
    recorded: &Recorded,
    detail: &str,
    at: &str,
) -> rusqlite::Result<Result<(), JournalError>> {
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
    insert_event(tx, reference, "outcome", &detail, at)?;
    Ok(Ok(()))
}

/// Appends to `events` (an empty detail is stored as NULL).
fn insert_event(
    tx: &Transaction<'_>,
    reference: &str,
    kind: &str,
    detail: &str,
    at: &str,
) -> rusqlite::Result<()> {
    let detail = (!detail.is_empty()).then_some(detail);
    tx.prepare_cached("INSERT INTO events (reference, kind, detail, at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![reference, kind, detail, at])?;
    Ok(())
}

fn not_registered(what: &str, reference: &str) -> JournalError {
    JournalError::Refused(format!(
        "{what} for {reference:?}: no such invoice in the journal"
    ))
}
