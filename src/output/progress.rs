//! Progress on stderr: a bar on a terminal, plain periodic lines in logs, nothing when
//! quiet. Jobs shorter than a second finish before anything is shown.
//!
//! One implementation serves the reader (progress in bytes, or rows for spreadsheets)
//! and the live run (invoices, with a failure count as the message). Work spread over
//! concurrent workers (sending, checking, cancelling, downloading) counts through one
//! [`SharedProgress`], so that no command keeps its own counter beside a `Progress`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What is being counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    /// Bytes of a file (the total is the file size).
    Bytes,
    /// Things with this name (`rows`, `invoices`); the total may be unknown (0).
    Items(&'static str),
}

/// Reports how far a long job has come.
pub struct Progress {
    mode: Mode,
    units: Units,
    started: Instant,
    last_line: Instant,
    what: &'static str,
}

enum Mode {
    Off,
    Bar(Option<ProgressBar>),
    Lines,
}

/// Nothing is shown for jobs shorter than this.
const QUIET_START: Duration = Duration::from_millis(800);
/// Interval of plain lines when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    pub fn new(what: &'static str, units: Units, quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bar(None)
        } else {
            Mode::Lines
        };
        let now = Instant::now();
        Progress {
            mode,
            units,
            started: now,
            last_line: now,
            what,
        }
    }

    /// `done` of `total` (0: unknown), with an optional note such as `failed 2`.
    #[allow(
        clippy::print_stderr,
        reason = "progress lines are this renderer's own output, on stderr"
    )]
    pub fn update(&mut self, done: u64, total: u64, note: Option<&str>) {
        if self.started.elapsed() < QUIET_START {
            return;
        }
        let finished = total > 0 && done >= total;
        let (what, units) = (self.what, self.units);
        match &mut self.mode {
            Mode::Off => {}
            Mode::Bar(bar) => {
                let b = bar.get_or_insert_with(|| new_bar(what, units, total));
                b.set_position(done);
                if let Some(n) = note {
                    b.set_message(format!("{what} ({n})"));
                }
            }
            Mode::Lines => {
                if self.last_line.elapsed() < LINE_EVERY && !finished {
                    return;
                }
                self.last_line = Instant::now();
                let note = note.map(|n| format!(", {n}")).unwrap_or_default();
                match (units, total) {
                    (Units::Bytes, t) if t > 0 => {
                        eprintln!(
                            "{what}: {}% ({} of {} MB{note})",
                            done * 100 / t,
                            done >> 20,
                            t >> 20
                        )
                    }
                    (Units::Bytes, _) => eprintln!("{what}: {} MB{note}", done >> 20),
                    (Units::Items(name), t) if t > 0 => {
                        eprintln!("{what}: {done} of {t} {name}{note}")
                    }
                    (Units::Items(name), _) => eprintln!("{what}: {done} {name}{note}"),
                }
            }
        }
    }

    pub fn finish(&mut self) {
        if let Mode::Bar(Some(b)) = &self.mode {
            b.finish_and_clear();
        }
    }
}

fn new_bar(what: &str, units: Units, total: u64) -> ProgressBar {
    let b = if total > 0 {
        ProgressBar::new(total)
    } else {
        ProgressBar::new_spinner()
    };
    b.set_draw_target(ProgressDrawTarget::stderr());
    let template = match (units, total > 0) {
        (Units::Bytes, true) => "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})".to_string(),
        (Units::Bytes, false) => "{msg} {bytes}".to_string(),
        (Units::Items(name), true) => {
            format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}} {name} {{rate}} ETA {{eta}}")
        }
        (Units::Items(name), false) => format!("{{msg}} {{pos}} {name} ({{rate}})"),
    };
    if let Ok(s) = ProgressStyle::with_template(&template) {
        // Whole items per second: indicatif's own `per_sec` prints four decimals.
        let s = s.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        );
        b.set_style(s.progress_chars("=> "));
    }
    b.set_message(what.to_string());
    b
}

/// A [`Progress`] counted by concurrent workers: every finished item is one tick, and
/// ticks may be tallied under a name (`failed`, `unknown`) that the note then shows
/// (`failed 2, unknown 1`). Cheap to clone; clones share the counts.
#[derive(Clone)]
pub struct SharedProgress {
    progress: Arc<Mutex<Progress>>,
    done: Arc<AtomicU64>,
    tallies: Arc<[(&'static str, AtomicU64)]>,
    total: u64,
}

impl SharedProgress {
    /// `total` items of `units` to do (0: unknown).
    pub fn new(what: &'static str, units: Units, total: u64, quiet: bool) -> SharedProgress {
        SharedProgress {
            progress: Arc::new(Mutex::new(Progress::new(what, units, quiet))),
            done: Arc::new(AtomicU64::new(0)),
            tallies: Arc::new([]),
            total,
        }
    }

    /// The names ticks may be tallied under, in the order the note shows them. Call it
    /// before cloning: clones made earlier keep the tallies they had.
    pub fn with_tallies(mut self, names: &[&'static str]) -> SharedProgress {
        self.tallies = names.iter().map(|n| (*n, AtomicU64::new(0))).collect();
        self
    }

    /// One more item done.
    pub fn tick(&self) {
        self.tick_as(None);
    }

    /// One more item done, counted under `tally` too (a name not given to
    /// [`with_tallies`](SharedProgress::with_tallies) counts nowhere else).
    pub fn tick_as(&self, tally: Option<&str>) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((_, count)) = self.tallies.iter().find(|(name, _)| Some(*name) == tally) {
            count.fetch_add(1, Ordering::SeqCst);
        }
        let counts: Vec<(&str, u64)> = self
            .tallies
            .iter()
            .map(|(name, count)| (*name, count.load(Ordering::SeqCst)))
            .collect();
        let note = tally_note(&counts);
        self.lock().update(n, self.total, note.as_deref());
    }

    /// Items done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::SeqCst)
    }

    /// Clears the bar (the caller prints its summary next).
    pub fn finish(&self) {
        self.lock().finish();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        // Progress is only drawing state: a panic while drawing leaves nothing half-done.
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The note of the tallies that are not zero (`failed 2, unknown 1`), if any.
fn tally_note(counts: &[(&str, u64)]) -> Option<String> {
    let note = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    (!note.is_empty()).then_some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_tallies_that_are_not_zero() {
        assert_eq!(tally_note(&[]), None);
        assert_eq!(tally_note(&[("failed", 0), ("unknown", 0)]), None);
        assert_eq!(
            tally_note(&[("failed", 2), ("unknown", 0)]).as_deref(),
            Some("failed 2")
        );
        assert_eq!(
            tally_note(&[("failed", 2), ("unknown", 1)]).as_deref(),
            Some("failed 2, unknown 1")
        );
    }

    #[test]
    fn clones_share_the_counts() {
        let p = SharedProgress::new("sending", Units::Items("invoices"), 3, true)
            .with_tallies(&["failed", "unknown"]);
        let q = p.clone();
        p.tick();
        q.tick_as(Some("failed"));
        p.tick_as(Some("other"));
        assert_eq!(p.done.load(Ordering::SeqCst), 3);
        assert_eq!(q.tallies[0].1.load(Ordering::SeqCst), 1);
        assert_eq!(q.tallies[1].1.load(Ordering::SeqCst), 0);
        p.finish();
    }
}
