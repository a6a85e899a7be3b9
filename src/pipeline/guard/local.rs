//! This machine's record of invoiced references ([`crate::run::registry`]): read on a
//! thread of its own while the run gets ready, and written as the run creates invoices.
//! A record that cannot be read or written is a warning, never a stop: the journal and
//! the results file hold the truth, and the check at Dintero still runs.

use crate::config::ResultsSettings;
use crate::pipeline::connection::Connection;
use crate::pipeline::notice::Notices;
use crate::run::journal::{Journal, META_INPUT_PATH, Recorded, Row, Status};
use crate::run::registry::{Invoiced, Recorder, Registry};
use std::path::Path;

/// The references of `refs` in this machine's record (none for the in-process sandbox).
/// A record that cannot be read is a warning: the look-up at Dintero still runs.
/// The local record's hits for a run's references, looked up on a thread of its own
/// while the run gets ready (journal, hashes), since they need nothing from either.
pub struct LocalLookup(Option<std::thread::JoinHandle<Vec<Invoiced>>>);

impl LocalLookup {
    /// Starts looking `refs` up (nothing to look up for the sandbox, or without a data
    /// folder, which is said once here).
    pub fn start(
        connection: &Connection,
        results: &ResultsSettings,
        refs: Vec<String>,
        notices: &Notices,
    ) -> Self {
        if connection.sandbox.is_some() || refs.is_empty() {
            return LocalLookup(None);
        }
        let Some(dir) = &results.data_dir else {
            notices.say(
                "warning: no data folder is known (set KRAVIA_BATCH_DATA_DIR), so there is no local record of invoiced references; checking at Dintero only",
            );
            return LocalLookup(None);
        };
        let said = notices.clone();
        let (dir, api, account) = (
            dir.value.clone(),
            connection.endpoints.checkout.clone(),
            connection.account.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("invoiced-lookup".into())
            .spawn(move || {
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                let found = Registry::open_existing(&dir).and_then(|r| match r {
                    Some(r) => r.find(&api, &account, &refs),
                    None => Ok(Vec::new()),
                });
                found.unwrap_or_else(|e| {
                    said.say(format!("warning: {e}; checking at Dintero only"));
                    Vec::new()
                })
            });
        match thread {
            Ok(t) => LocalLookup(Some(t)),
            Err(e) => {
                notices.say(format!(
                    "warning: cannot read the local record of invoiced references ({e}); checking at Dintero only"
                ));
                LocalLookup(None)
            }
        }
    }

    pub(super) fn hits(self) -> Vec<Invoiced> {
        self.0
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

/// The run's writer of the local record: references are recorded as the run creates (or
/// finds) them, and [`RunRecord::finish`] adds whatever it did not get at the end.
pub struct RunRecord {
    dir: std::path::PathBuf,
    recorder: Recorder,
    template: Invoiced,
}

impl RunRecord {
    /// `None` when there is no local record (sandbox, no data folder).
    pub fn start(
        connection: &Connection,
        results: &ResultsSettings,
        journal: &Journal,
        path: &Path,
    ) -> Option<RunRecord> {
        if connection.sandbox.is_some() {
            return None;
        }
        let dir = results.data_dir.as_ref()?.value.clone();
        Some(RunRecord {
            recorder: Recorder::start(dir.clone()),
            dir,
            template: template(connection, journal, path),
        })
    }

    /// No more outcomes: the recorder writes what it has and ends ([`RunRecord::finish`]
    /// waits for it).
    pub fn stop(&self) {
        self.recorder.stop();
    }

    /// Waits for the recorder, then records the run's invoices it did not get: those of
    /// earlier runs of this journal, or all of them if it could not run. A failure is a
    /// warning: the journal and the results file hold the truth.
    pub fn finish(&self, rows: &[Row], notices: &Notices) {
        let warn = |e: &dyn std::fmt::Display| {
            notices.say(format!(
                "warning: the local record of invoiced references was not updated ({e}); the results file and the journal are complete, and the next run still checks at Dintero"
            ));
        };
        let outcome = self.recorder.finish();
        if let Some(e) = outcome.error {
            return warn(&e);
        }
        let done: std::collections::HashSet<String> = outcome.recorded.into_iter().collect();
        let invoiced: Vec<Invoiced> = rows
            .iter()
            .filter(|r| matches!(r.recorded.status, Status::Created | Status::AlreadyExists))
            .filter(|r| !done.contains(&r.entry.reference))
            .map(|r| Invoiced {
                reference: r.entry.reference.clone(),
                transaction_id: r.recorded.transaction_id.clone(),
                invoice_number: r.recorded.invoice_number.clone(),
                ..self.template.clone()
            })
            .collect();
        if invoiced.is_empty() {
            return;
        }
        if let Err(e) = Registry::open(&self.dir).and_then(|mut r| r.record(&invoiced)) {
            warn(&e);
        }
    }

    /// Notes an outcome; only invoices that exist at Dintero are recorded.
    pub fn note(&self, reference: &str, r: &Recorded) {
        if matches!(r.status, Status::Created | Status::AlreadyExists) {
            self.recorder.add(Invoiced {
                reference: reference.to_owned(),
                transaction_id: r.transaction_id.clone(),
                invoice_number: r.invoice_number.clone(),
                ..self.template.clone()
            });
        }
    }
}

/// A record of this run, without the invoice's own fields.
fn template(connection: &Connection, journal: &Journal, path: &Path) -> Invoiced {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    // The run's input, as the journal recorded it.
    let input_file = journal
        .meta(META_INPUT_PATH)
        .ok()
        .flatten()
        .map(|p| absolute(Path::new(&p)))
        .unwrap_or_default();
    Invoiced {
        api_base: connection.endpoints.checkout.clone(),
        account: connection.account.clone(),
        reference: String::new(),
        transaction_id: None,
        invoice_number: None,
        results_file: absolute(path),
        input_file,
        recorded_at: String::new(),
    }
}
