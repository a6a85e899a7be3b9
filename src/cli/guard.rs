//! The cross-run guard: references already invoiced (by an earlier run on this machine, or
//! found at Dintero) stop a run before anything is sent. (Being built: issue #5.)

use super::Failure;
use super::args::LiveArgs;
use super::connect::Connection;
use crate::config::ResultsSettings;
use crate::run::journal::{Journal, Row};
use crate::run::scheduler::Job;
use std::path::Path;

/// Checks the jobs of a run; returns the jobs to send.
pub async fn check(
    _connection: &Connection,
    _journal: &Journal,
    _results: &ResultsSettings,
    jobs: Vec<Job>,
    _live: &LiveArgs,
) -> Result<Vec<Job>, Failure> {
    Ok(jobs)
}

/// Records the invoices a run created in the local record.
pub fn record(_connection: &Connection, _results: &ResultsSettings, _rows: &[Row], _path: &Path) {}
