//! The journal's one error type, and how a SQLite error names the journal file: every
//! part of the journal reports through it, so support staff always see which file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
pub(super) fn at(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |source| JournalError::Sqlite {
        path: Some(path.to_owned()),
        source: Arc::new(source),
    }
}
