//! What an import is asked to do, resolved from flags, environment and config file by
//! `cli`. A plain record, so every stage can read it without depending on another.

use super::prepare::{Bodies, InputSpec, SideFiles};
use crate::config::{Guard, ResultsFormat, ResultsSettings};
use std::path::PathBuf;

/// Everything an import needs, resolved from flags, environment and config file.
pub struct ImportSettings {
    pub input: InputSpec,
    pub side: SideFiles,
    /// `--plan`: the approved plan the file must still match.
    pub plan: Option<PathBuf>,
    pub results: PathBuf,
    /// The results format when the path's extension names none.
    pub results_format: ResultsFormat,
    pub results_settings: ResultsSettings,
    pub bodies: Bodies,
    pub skip_invalid: bool,
    pub skip_invoiced: bool,
    pub guard: Guard,
    pub quiet: bool,
}
