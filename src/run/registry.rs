//! The local record of invoiced references: `invoiced.sqlite` in the per-user data folder.
//!
//! A journal knows one run; this record knows every run on this machine. The cross-run
//! guard looks each new reference up here (and at Dintero) before anything is sent, so
//! last month's file sent again, or the same invoices arriving in a renamed export, stop
//! the run instead of invoicing customers twice.
//!
//! Keys are (API base URL, account, reference): a sandbox or a test account never blocks
//! the same reference in a real account. The first run that records a reference keeps
//! it (later runs that meet it as `already_exists` do not overwrite who invoiced it).
//!
//! Same storage choices as the journal: SQLite in WAL mode, `synchronous=FULL`, a busy
//! timeout for two imports at once, RFC 3339 UTC text timestamps, and a
//! `meta.schema_version` checked on open. Deleting the file forgets everything (the
//! look-up at Dintero still guards the next run).

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

/// The file's name in the data folder.
pub const FILE_NAME: &str = "invoiced.sqlite";
/// The schema version this code reads and writes.
pub const SCHEMA_VERSION: &str = "1";

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS invoiced (
    api_base TEXT NOT NULL,
    account TEXT NOT NULL,
    reference TEXT NOT NULL,
    transaction_id TEXT,
    invoice_number TEXT,
    results_file TEXT NOT NULL,
    input_file TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (api_base, account, reference)
);
"#;

/// Errors of the local record.
#[derive(thiserror::Error, Debug)]
pub enum RegistryError {
    #[error("local record {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not a record this version can use (foreign database, other schema version).
    #[error("local record unusable: {0}")]
    Unusable(String),
}

/// One invoiced reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoiced {
    /// The checkout API base URL the invoice was created at.
    pub api_base: String,
    pub account: String,
    pub reference: String,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    /// The results file of the run that recorded it.
    pub results_file: String,
    /// That run's input file.
    pub input_file: String,
    /// RFC 3339, UTC (filled in by [`Registry::record`] when empty).
    pub recorded_at: String,
}

/// The open record.
pub struct Registry {
    path: PathBuf,
    conn: Connection,
}

impl Registry {
    /// The record's file in a data folder.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Opens the record in `dir`, creating the folder and the file if needed.
    pub fn open(dir: &Path) -> Result<Registry, RegistryError> {
        std::fs::create_dir_all(dir).map_err(|source| RegistryError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        Self::open_file(&Self::path_in(dir))
    }

    /// Opens the record in `dir` if it exists (`None`: nothing was ever recorded there).
    pub fn open_existing(dir: &Path) -> Result<Option<Registry>, RegistryError> {
        let path = Self::path_in(dir);
        if !path.exists() {
            return Ok(None);
        }
        Self::open_file(&path).map(Some)
    }

    fn open_file(path: &Path) -> Result<Registry, RegistryError> {
        let at = |source| RegistryError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let mut conn = connect(path)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(at)?;
        create_or_check(&tx, path)?;
        tx.commit().map_err(at)?;
        Ok(Registry {
            path: path.to_owned(),
            conn,
        })
    }

    /// The record's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn at(&self) -> impl Fn(rusqlite::Error) -> RegistryError + '_ {
        move |source| RegistryError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The references of `references` recorded for this API base and account, in the
    /// order given.
    pub fn find(
        &self,
        api_base: &str,
        account: &str,
        references: &[&str],
    ) -> Result<Vec<Invoiced>, RegistryError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT transaction_id, invoice_number, results_file, input_file, recorded_at
                 FROM invoiced WHERE api_base = ?1 AND account = ?2 AND reference = ?3",
            )
            .map_err(self.at())?;
        let mut found = Vec::new();
        for reference in references {
            let row = stmt
                .query_row(params![api_base, account, reference], |row| {
                    Ok(Invoiced {
                        api_base: api_base.to_owned(),
                        account: account.to_owned(),
                        reference: (*reference).to_owned(),
                        transaction_id: row.get(0)?,
                        invoice_number: row.get(1)?,
                        results_file: row.get(2)?,
                        input_file: row.get(3)?,
                        recorded_at: row.get(4)?,
                    })
                })
                .optional()
                .map_err(self.at())?;
            found.extend(row);
        }
        Ok(found)
    }

    /// Records invoiced references in one transaction; a reference already recorded
    /// keeps its first record. Returns how many were new.
    pub fn record(&mut self, rows: &[Invoiced]) -> Result<usize, RegistryError> {
        let path = self.path.clone();
        let at = |source| RegistryError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(at)?;
        let mut new = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO invoiced (api_base, account, reference, transaction_id,
                        invoice_number, results_file, input_file, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (api_base, account, reference) DO NOTHING",
                )
                .map_err(at)?;
            let stamp = now();
            for r in rows {
                let recorded_at = if r.recorded_at.is_empty() {
                    stamp.as_str()
                } else {
                    r.recorded_at.as_str()
                };
                new += insert
                    .execute(params![
                        r.api_base,
                        r.account,
                        r.reference,
                        r.transaction_id,
                        r.invoice_number,
                        r.results_file,
                        r.input_file,
                        recorded_at,
                    ])
                    .map_err(at)?;
            }
        }
        tx.commit().map_err(at)?;
        Ok(new)
    }
}

/// Opens a connection with the record's pragmas: WAL, `synchronous=FULL`, busy timeout.
fn connect(path: &Path) -> Result<Connection, RegistryError> {
    let at = |source| RegistryError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open(path).map_err(at)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(at)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(at)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(RegistryError::Unusable(format!(
            "{}: SQLite could not switch to WAL mode (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(at)?;
    Ok(conn)
}

/// Inside the opening transaction: creates the tables of a new record (an empty
/// database), or checks the schema version of an existing one. Tables without a version
/// are something else, and another version is refused.
fn create_or_check(tx: &rusqlite::Transaction<'_>, path: &Path) -> Result<(), RegistryError> {
    let at = |source| RegistryError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let tables: i64 = tx
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            [],
            |row| row.get(0),
        )
        .map_err(at)?;
    if tables == 0 {
        tx.execute_batch(SCHEMA).map_err(at)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('created_at', ?2)",
            params![SCHEMA_VERSION, now()],
        )
        .map_err(at)?;
        return Ok(());
    }
    let version: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .unwrap_or(None);
    match version.as_deref() {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(RegistryError::Unusable(format!(
            "{} has schema_version {other}; this version of kravia-batch reads {SCHEMA_VERSION}",
            path.display()
        ))),
        None => Err(RegistryError::Unusable(format!(
            "{} is an SQLite database but not kravia-batch's record of invoiced references",
            path.display()
        ))),
    }
}

/// How long the recorder gathers references before writing them in one transaction.
const RECORD_EVERY: Duration = Duration::from_millis(250);

/// Records invoiced references while a run creates them, on a thread of its own and in
/// batches: the local record is current even when the run is cut short, and the run
/// does not wait, after its last invoice, for thousands of inserts.
pub struct Recorder {
    sender: Mutex<Option<mpsc::Sender<Invoiced>>>,
    thread: Mutex<Option<JoinHandle<RecorderOutcome>>>,
}

/// What a recorder did: the references it recorded, and the error that stopped it.
#[derive(Debug, Default)]
pub struct RecorderOutcome {
    pub recorded: Vec<String>,
    pub error: Option<RegistryError>,
}

impl Recorder {
    /// Starts the recorder for the record in `dir` (opened at the first reference).
    pub fn start(dir: PathBuf) -> Recorder {
        let (sender, receiver) = mpsc::channel::<Invoiced>();
        let thread = std::thread::Builder::new()
            .name("invoiced-record".into())
            .spawn(move || record_batches(&dir, &receiver));
        match thread {
            Ok(thread) => Recorder {
                sender: Mutex::new(Some(sender)),
                thread: Mutex::new(Some(thread)),
            },
            // No thread: nothing is recorded here, the caller records at the end.
            Err(_) => Recorder {
                sender: Mutex::new(None),
                thread: Mutex::new(None),
            },
        }
    }

    /// Queues a reference to record.
    pub fn add(&self, invoiced: Invoiced) {
        if let Some(sender) = lock(&self.sender).as_ref() {
            let _ = sender.send(invoiced);
        }
    }

    /// Takes no more references; the thread records what is queued and ends.
    pub fn stop(&self) {
        drop(lock(&self.sender).take());
        if let Some(t) = lock(&self.thread).as_ref() {
            t.thread().unpark();
        }
    }

    /// Records what is queued, stops the thread and says what it did.
    pub fn finish(&self) -> RecorderOutcome {
        self.stop();
        match lock(&self.thread).take().map(JoinHandle::join) {
            Some(Ok(outcome)) => outcome,
            Some(Err(_)) => RecorderOutcome {
                recorded: Vec::new(),
                error: Some(RegistryError::Unusable(
                    "the thread writing the local record stopped unexpectedly".into(),
                )),
            },
            None => RecorderOutcome::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn record_batches(dir: &Path, receiver: &mpsc::Receiver<Invoiced>) -> RecorderOutcome {
    let mut outcome = RecorderOutcome::default();
    let mut registry: Option<Registry> = None;
    let mut batch = Vec::new();
    while let Ok(first) = receiver.recv() {
        batch.push(first);
        // Sleep, then take what arrived: one wake-up per batch, not one per reference.
        // `finish` wakes the thread early.
        std::thread::park_timeout(RECORD_EVERY);
        batch.extend(receiver.try_iter());
        let written = match registry.as_mut() {
            Some(r) => r.record(&batch),
            None => Registry::open(dir).and_then(|r| registry.insert(r).record(&batch)),
        };
        if let Err(e) = written {
            // Later references are not recorded either; the caller says so.
            outcome.error = Some(e);
            return outcome;
        }
        outcome
            .recorded
            .extend(batch.drain(..).map(|i| i.reference));
    }
    outcome
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(api: &str, account: &str, reference: &str, results: &str) -> Invoiced {
        Invoiced {
            api_base: api.into(),
            account: account.into(),
            reference: reference.into(),
            transaction_id: Some(format!("T-{reference}")),
            invoice_number: None,
            results_file: results.into(),
            input_file: "november.csv".into(),
            recorded_at: String::new(),
        }
    }

    #[test]
    fn the_recorder_records_in_the_background_and_says_what_it_did() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        let api = "https://checkout.dintero.com/v1";
        let recorder = Recorder::start(data.clone());
        recorder.add(row(api, "P1", "A", "a.csv"));
        recorder.add(row(api, "P1", "B", "a.csv"));
        let outcome = recorder.finish();
        assert!(outcome.error.is_none());
        assert_eq!(outcome.recorded, ["A", "B"]);
        // After finish, nothing more is taken (and nothing panics).
        recorder.add(row(api, "P1", "C", "a.csv"));
        assert!(recorder.finish().recorded.is_empty());
        let r = Registry::open_existing(&data)
            .expect("open")
            .expect("exists");
        assert_eq!(r.find(api, "P1", &["A", "B", "C"]).expect("find").len(), 2);
    }

    #[test]
    fn a_recorder_that_cannot_write_says_why() {
        let dir = tempfile::tempdir().expect("tmp");
        // The data folder is a file: the record cannot be created.
        let data = dir.path().join("data");
        std::fs::write(&data, b"not a folder").expect("write");
        let recorder = Recorder::start(data);
        recorder.add(row("http://x/v1", "P1", "A", "a.csv"));
        let outcome = recorder.finish();
        assert!(outcome.recorded.is_empty());
        assert!(matches!(outcome.error, Some(RegistryError::Folder { .. })));
    }

    #[test]
    fn records_per_api_base_and_account_and_keeps_the_first() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        assert!(Registry::open_existing(&data).expect("open").is_none());
        let mut r = Registry::open(&data).expect("open");
        let prod = "https://checkout.dintero.com/v1";
        let sandbox = "http://127.0.0.1:9/v1";
        let n = r
            .record(&[
                row(prod, "P1", "A", "a.csv"),
                row(prod, "P1", "B", "a.csv"),
                row(sandbox, "T1", "C", "a.csv"),
            ])
            .expect("record");
        assert_eq!(n, 3);
        // Recorded again by a later run: the first record stays.
        assert_eq!(
            r.record(&[row(prod, "P1", "A", "b.csv")]).expect("again"),
            0
        );
        drop(r);
        let r = Registry::open_existing(&data)
            .expect("open")
            .expect("exists");
        let found = r.find(prod, "P1", &["C", "B", "A"]).expect("find");
        let refs: Vec<&str> = found.iter().map(|f| f.reference.as_str()).collect();
        assert_eq!(refs, ["B", "A"]);
        assert_eq!(found[1].results_file, "a.csv");
        assert!(found[1].recorded_at.ends_with('Z'));
        assert!(r.find(prod, "P2", &["A"]).expect("find").is_empty());
        assert!(r.find(sandbox, "P1", &["A"]).expect("find").is_empty());
        assert_eq!(r.find(sandbox, "T1", &["C"]).expect("find").len(), 1);
    }

    #[test]
    fn refuses_a_foreign_database() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = Registry::path_in(dir.path());
        Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE x (y)"))
            .expect("foreign");
        assert!(matches!(
            Registry::open(dir.path()),
            Err(RegistryError::Unusable(_))
        ));
    }
}
