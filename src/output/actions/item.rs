//! The selected invoices of a `void` or `capture` run: which [`Command`], each
//! [`ActionItem`] with its [`ActionOutcome`] and (for capture) its [`DownloadOutcome`].
//!
//! The plan and the report both show items, so the items stand alone and depend on
//! neither.

use std::path::PathBuf;

/// Digits after the decimal point of every amount shown.
pub(super) const EXPONENT: u32 = 2;

/// Which command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Void,
    Capture,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::Void => "void",
            Command::Capture => "capture",
        }
    }

    /// What "done" means, for people.
    pub(super) fn done_label(self) -> &'static str {
        match self {
            Command::Void => "Cancelled now",
            Command::Capture => "Collection started now",
        }
    }

    pub(super) fn already_label(self) -> &'static str {
        match self {
            Command::Void => "Already cancelled by an earlier run",
            Command::Capture => "Collection already started",
        }
    }
}

/// What happened to one selected invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// To be done, once confirmed (the plan).
    Planned,
    /// Done in this run.
    Done,
    /// Already done (by an earlier run, or for capture: collection already under way);
    /// the reason says which.
    AlreadyDone(String),
    /// Dintero accepted it (202) and has not applied it yet.
    Pending(String),
    /// Not for this command and not asked for by reference (e.g. a paid invoice under
    /// `--all-unpaid`): left alone, not an error.
    Skipped(String),
    /// Asked for, but not allowed in the invoice's current status, or refused by Dintero.
    Refused(String),
    /// Could not be checked, or the answer was lost and a look-up did not settle it:
    /// run the same command again.
    Incomplete(String),
    /// The user did not confirm.
    NotConfirmed,
}

impl ActionOutcome {
    pub fn key(&self) -> &'static str {
        match self {
            ActionOutcome::Planned => "planned",
            ActionOutcome::Done => "done",
            ActionOutcome::AlreadyDone(_) => "already_done",
            ActionOutcome::Pending(_) => "pending",
            ActionOutcome::Skipped(_) => "skipped",
            ActionOutcome::Refused(_) => "refused",
            ActionOutcome::Incomplete(_) => "incomplete",
            ActionOutcome::NotConfirmed => "not_confirmed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ActionOutcome::AlreadyDone(r)
            | ActionOutcome::Pending(r)
            | ActionOutcome::Skipped(r)
            | ActionOutcome::Refused(r)
            | ActionOutcome::Incomplete(r) => Some(r),
            _ => None,
        }
    }
}

/// What happened to one invoice's PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadOutcome {
    /// Written (new or replaced a missing file).
    Written(PathBuf),
    /// The same file was there already.
    Unchanged(PathBuf),
    /// Not downloaded, on purpose (no URL, a cancelled invoice, ...).
    Skipped(String),
    /// Tried and failed, or refused (a URL on another host).
    Failed(String),
}

impl DownloadOutcome {
    pub(super) fn key(&self) -> &'static str {
        match self {
            DownloadOutcome::Written(_) => "written",
            DownloadOutcome::Unchanged(_) => "unchanged",
            DownloadOutcome::Skipped(_) => "skipped",
            DownloadOutcome::Failed(_) => "failed",
        }
    }
}

/// One selected invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionItem {
    /// Row index in the results file.
    pub row: usize,
    pub reference: String,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    pub customer: String,
    pub currency: String,
    /// Invoice total, minor units.
    pub amount: i64,
    /// Paid so far, when known (void of a partly paid invoice cancels the rest).
    pub paid: Option<i64>,
    /// The current status, as the API spells it.
    pub transaction_status: Option<String>,
    pub outcome: ActionOutcome,
    pub download: Option<DownloadOutcome>,
}

/// At most `n` characters.
pub(super) fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.pop();
        out.push('…');
    }
    out
}
