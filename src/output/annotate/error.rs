//! [`AnnotateError`]: why the annotated copy was not written, and which of those
//! reasons are the command line's fault (exit 2) rather than the run's.

use crate::input::InputError;
use std::path::PathBuf;

/// Why the annotated copy was not written.
#[derive(Debug, thiserror::Error)]
pub enum AnnotateError {
    #[error(
        "--annotate {}: that is the input file; the annotated copy never replaces the export, give it another name",
        .path.display()
    )]
    SameAsInput { path: PathBuf },
    #[error(
        "--annotate {}: the annotated copy of {input} is {expected}; give it that extension",
        .path.display()
    )]
    Extension {
        path: PathBuf,
        input: &'static str,
        expected: &'static str,
    },
    #[error("cannot write the annotated copy {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the annotated copy {}: {message}", .path.display())]
    Xlsx { path: PathBuf, message: String },
    /// Reading the input a second time failed (it changed, or disappeared).
    #[error("annotated copy: {0}")]
    Input(#[from] InputError),
    #[error(
        "the annotated copy {} was not written: {reason}; the report (--report) lists every problem with its row",
        .path.display()
    )]
    Misaligned { path: PathBuf, reason: String },
}

impl AnnotateError {
    /// True when the command line asked for something impossible (a wrong file name).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            AnnotateError::SameAsInput { .. } | AnnotateError::Extension { .. }
        )
    }
}
