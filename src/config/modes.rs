//! The modes a run can be in (request flow, results format, duplicate-check depth).
//!
//! Why here: they are settings (flag > environment > config file > default), and every
//! layer that acts on them (`dintero` builds bodies by flow, `output` writes by format,
//! the pipeline checks by guard) reads them from the one place settings live, so no
//! lower layer imports a higher one to learn a mode.

use std::path::Path;

/// How a session is opened at Dintero.
#[derive(
    clap::ValueEnum,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// `POST /v1/sessions/pay`: one request per invoice.
    #[default]
    OneStep,
    /// `POST /v1/sessions`, then `POST /v1/sessions/{id}/pay`.
    TwoStep,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::OneStep => "one-step",
            Flow::TwoStep => "two-step",
        }
    }
}

/// The results file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultsFormat {
    Csv,
    Json,
    Xlsx,
}

impl ResultsFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ResultsFormat::Csv => "csv",
            ResultsFormat::Json => "json",
            ResultsFormat::Xlsx => "xlsx",
        }
    }

    /// The format a path's extension names (case-insensitive), if any.
    pub fn from_path(path: &Path) -> Option<ResultsFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(ResultsFormat::Csv),
            "json" => Some(ResultsFormat::Json),
            "xlsx" => Some(ResultsFormat::Xlsx),
            _ => None,
        }
    }
}

/// How thorough the cross-run duplicate check is.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Guard {
    // This machine's record, then Dintero (the default). Plain comments: a doc comment
    // would change `--help`.
    #[default]
    Full,
    // This machine's record only.
    Local,
}
