//! Progress on stderr: a bar on a terminal, plain periodic lines in logs, nothing when
//! quiet. Small files finish before anything is shown.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Reports how far a long job has come.
pub struct Progress {
    mode: Mode,
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
    pub fn new(what: &'static str, quiet: bool) -> Progress {
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
            started: now,
            last_line: now,
            what,
        }
    }

    /// `done` of `total` units (bytes when `total` > 0, else rows).
    pub fn update(&mut self, done: u64, total: u64) {
        let elapsed = self.started.elapsed();
        if elapsed < QUIET_START {
            return;
        }
        match &mut self.mode {
            Mode::Off => {}
            Mode::Bar(bar) => {
                let b = bar.get_or_insert_with(|| {
                    let b = if total > 0 {
                        ProgressBar::new(total)
                    } else {
                        ProgressBar::new_spinner()
                    };
                    b.set_draw_target(ProgressDrawTarget::stderr());
                    let style = if total > 0 {
                        ProgressStyle::with_template(
                            "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
                        )
                    } else {
                        ProgressStyle::with_template("{msg} {pos} rows ({per_sec})")
                    };
                    if let Ok(s) = style {
                        b.set_style(s.progress_chars("=> "));
                    }
                    b.set_message(self.what);
                    b
                });
                b.set_position(done);
            }
            Mode::Lines => {
                if self.last_line.elapsed() >= LINE_EVERY {
                    self.last_line = Instant::now();
                    if total > 0 {
                        eprintln!(
                            "{}: {}% ({} of {} MB)",
                            self.what,
                            done * 100 / total.max(1),
                            done >> 20,
                            total >> 20
                        );
                    } else {
                        eprintln!("{}: {done} rows", self.what);
                    }
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
