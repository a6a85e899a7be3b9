//! The one error type of the lifecycle commands, kept apart so that every step (the
//! `actions` table, preparing, executing) can return it without depending on another.

use crate::output::results::ResultsError;
use crate::run::journal::JournalError;
use std::path::PathBuf;

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
