//! [`ResultsError`]: why a results file could not be written or read, always naming
//! the file (the accountant may have several months' results open).

use std::path::{Path, PathBuf};

/// Why a results file could not be written or read. Every variant names the file.
#[derive(thiserror::Error, Debug)]
pub enum ResultsError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: CSV: {message}", path.display())]
    Csv { path: PathBuf, message: String },
    #[error("{}: XLSX: {message}", path.display())]
    Xlsx { path: PathBuf, message: String },
    #[error("{}: JSON: {message}", path.display())]
    Json { path: PathBuf, message: String },
    /// The content is not a results file (missing column, unknown status, bad amount…).
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

impl ResultsError {
    pub(super) fn io(path: &Path, source: std::io::Error) -> Self {
        ResultsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(super) fn format(path: &Path, message: impl Into<String>) -> Self {
        ResultsError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
