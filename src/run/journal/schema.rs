//! How the journal is stored: the tables, the `meta` keys, the pragmas every connection
//! needs (WAL, `synchronous=FULL`, a busy timeout) and the schema version check. Kept
//! apart so that a change of storage is made, and reviewed, in one place.

use super::error::{JournalError, at};
use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;
use std::time::Duration;

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

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub(super) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Opens a connection with the journal's pragmas: WAL, `synchronous=FULL`,
/// busy timeout. (`synchronous` is per connection, so every one needs it.)
pub(super) fn open_connection(path: &Path) -> Result<Connection, JournalError> {
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

/// Inside the opening transaction: creates the tables of a new journal (an empty
/// database), or checks the schema version of an existing one and creates whatever
/// tables, indexes and columns it lacks. A database that has tables but no
/// `schema_version` is not a journal; another version is refused.
pub(super) fn create_or_check(tx: &Transaction<'_>, path: &Path) -> Result<(), JournalError> {
    match stored_version(tx, path)?.as_deref() {
        // Tables and indexes are created if absent on every open.
        Some(SCHEMA_VERSION) => {
            tx.execute_batch(SCHEMA).map_err(at(path))?;
            add_date_columns(tx).map_err(at(path))
        }
        Some(other) => Err(JournalError::Corrupt(format!(
            "{} has schema_version {other}; this version of kravia-batch reads {SCHEMA_VERSION}",
            path.display()
        ))),
        None => create(tx).map_err(at(path)),
    }
}

/// The `schema_version` of a database that has tables; `None` for an empty one (a new
/// journal). Tables without a version are refused: the file is something else.
fn stored_version(tx: &Transaction<'_>, path: &Path) -> Result<Option<String>, JournalError> {
    let tables: i64 = tx
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            [],
            |row| row.get(0),
        )
        .map_err(at(path))?;
    if tables == 0 {
        return Ok(None);
    }
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
    Ok(version)
}

/// A new journal: its tables, and the `meta` written on creation.
fn create(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    let mut insert = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
    for (key, value) in [
        (META_SCHEMA_VERSION, SCHEMA_VERSION.to_owned()),
        (META_CREATED_AT, now()),
        (META_TOOL_VERSION, env!("CARGO_PKG_VERSION").to_owned()),
    ] {
        insert.execute(params![key, value])?;
    }
    Ok(())
}
