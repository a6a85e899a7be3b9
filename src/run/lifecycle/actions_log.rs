//! The `actions` table: a second SQLite schema in the import's journal file, recording
//! each void and capture (intent before it is sent, outcome after). It answers "did we
//! send this?" after a crash, and tells "cancelled by us" from "cancelled by someone
//! else". It lives in the journal's file so that one file keeps an import's history, but
//! has its own connection and table: the import's journal code never reads it.

use super::error::LifecycleError;
use super::time::now_text;
use crate::run::journal::{Journal, META_ACCOUNT_ID};
use chrono::Utc;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

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
pub(super) async fn blocking<R, F>(log: &Arc<ActionLog>, f: F) -> Result<R, LifecycleError>
where
    R: Send + 'static,
    F: FnOnce(&ActionLog) -> Result<R, LifecycleError> + Send + 'static,
{
    let log = log.clone();
    tokio::task::spawn_blocking(move || f(&log))
        .await
        .map_err(|e| LifecycleError::Worker(e.to_string()))?
}
