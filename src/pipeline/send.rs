//! The send stage: every job through the scheduler under the connection's request
//! policy, with progress, Ctrl-C, and this machine's record kept as invoices are made.
//!
//! Why it ends the way it does: whatever happens while sending (a stop, a journal that
//! cannot be written, a server that only refuses), the journal is closed and its rows
//! returned, so the results file is always written before the run reports.

use super::connection::Connection;
use super::guard::RunRecord;
use super::notice::Notices;
use super::settings::ImportSettings;
use super::setup::Opened;
use crate::model::Invoice;
use crate::output::progress::{SharedProgress, Units};
use crate::run::journal::{Row, Status};
use crate::run::scheduler::{Done, Job, RunError, RunSettings, Scheduler};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the send stage did.
pub struct Sent {
    /// How the scheduler ended: `Err` stops the run after the results are written.
    pub ended: Result<(), RunError>,
    /// Ctrl-C was pressed.
    pub interrupted: bool,
    /// The jobs this run had to send or settle.
    pub total: u64,
    /// 429 answers, and the rate the pacing settled at.
    pub rate_limited: u64,
    pub settled_rate: f64,
    /// The journal's rows after the run (every invoice of the file).
    pub rows: Vec<Row>,
}

/// Sends the jobs; returns when all are settled, or the run stopped.
pub async fn send(
    connection: &Connection,
    opened: &Opened,
    jobs: Vec<Job>,
    s: &ImportSettings,
    notices: &Notices,
) -> crate::error::Result<Sent> {
    let interrupted = stop_on_ctrl_c(connection, notices);
    let total = jobs.len() as u64;
    // The note counts the invoices failed or unknown (the summary's words).
    let progress = SharedProgress::new("sending", Units::Items("invoices"), total, s.quiet)
        .with_tallies(&["failed", "unknown"]);
    let policy = connection.policy.clone();
    let concurrency = connection.settings.concurrency.value as usize;
    let writer = opened.journal.writer()?;
    let record = RunRecord::start(connection, &s.results_settings, &opened.journal, &s.results)
        .map(Arc::new);
    let mut scheduler = Scheduler::new(
        policy.clone(),
        writer.clone(),
        RunSettings {
            flow: connection.settings.flow.value,
            session: s.bodies.session.clone(),
        },
    );
    if let Some(record) = record.clone() {
        scheduler = scheduler.on_recorded(move |reference, r| record.note(reference, r));
    }
    let on_done = {
        let progress = progress.clone();
        move |_: &Invoice, d: Done| {
            progress.tick_as(match d {
                Done::Final(Status::Failed) => Some("failed"),
                Done::Final(Status::Unknown) => Some("unknown"),
                _ => None,
            })
        }
    };
    let ended = Arc::new(scheduler).run(jobs, concurrency, on_done).await;
    progress.finish();
    if let Some(record) = &record {
        // Its last batch is written while the results are.
        record.stop();
    }
    writer.close().await?;
    // The results file is rebuilt from the journal: it is the record of what happened.
    let rows = opened.journal.rows()?;
    if let Some(record) = &record {
        record.finish(&rows, notices);
    }
    Ok(Sent {
        ended,
        interrupted: interrupted.load(Ordering::SeqCst),
        total,
        rate_limited: policy.rate_limited_count(),
        settled_rate: policy.settled_rate(),
        rows,
    })
}

/// Ctrl-C: no request starts after it (the policy's stop flag); those in flight finish,
/// or are recorded unknown if the process is killed.
fn stop_on_ctrl_c(connection: &Connection, notices: &Notices) -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    let notices = notices.clone();
    connection.stop_on_ctrl_c(move || {
        flag.store(true, Ordering::SeqCst);
        notices.say(
            "\nstopping: no request starts now; letting the requests in flight finish (Ctrl-C again is safe too: the journal keeps what was sent)",
        );
    });
    interrupted
}
