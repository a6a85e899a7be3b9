//! The last words of each month-end step: for every exit code of the check and of the
//! sending, what happened and what the accountant does next.

use super::words::Kind;
use crate::exit::Exit;
use std::path::Path;

/// Lines of text, each ending in a line break.
fn lines(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Where the problems of a file with errors can be seen.
pub struct Shown<'a> {
    /// The file shown: the checked copy, or the error report when there is no copy.
    pub path: &'a Path,
    /// Whether `path` is the checked copy.
    pub is_copy: bool,
    /// Whether `path` was just opened for the accountant.
    pub opened: bool,
    /// The error report, named too when the checked copy is the one shown.
    pub report: Option<&'a Path>,
}

/// The check found errors (exit 1 with a summary): where they are, and what to do.
pub fn file_has_errors(base: &str, shown: &Shown) -> String {
    let mut s = lines(&["NOTHING WAS SENT: the file has errors."]);
    s += if shown.is_copy {
        "A checked copy of your file, with a status and a message on every row, is here:\n"
    } else {
        "The list of every problem (row, column, message) is here:\n"
    };
    s += &format!("  {}\n", shown.path.display());
    if shown.opened {
        s += "It opens now.\n";
    }
    if let Some(report) = shown.report {
        s += &format!("(The same problems as a list: {})\n", report.display());
    }
    s += "\nWhat to do:\n";
    s += &format!(
        "  1. Correct the rows marked as errors in your own file, {base} (not in the checked copy):\n"
    );
    s + &lines(&[
        "     open it in Excel, correct, and save it under the same name and type;",
        "     or correct them in the accounting system and export the file again.",
        "  2. Run this again.",
    ])
}

/// The check could not read the file as a table (exit 1 without a summary).
pub fn file_unreadable() -> String {
    lines(&[
        "NOTHING WAS SENT: the file cannot be read.",
        "What to do: export the invoices again from the accounting system (as CSV UTF-8",
        "or as an Excel workbook), then run this again. If the message speaks of a column,",
        "the export's columns need to be mapped: ask whoever set up kravia-batch.",
    ])
}

/// The check stopped on the setup or a file (exit 3).
pub fn check_setup(base: &str) -> String {
    format!(
        "NOTHING WAS SENT: kravia-batch could not check the file.\nIf a file next to {base} is open in Excel (the checked copy or the error report),\n"
    ) + &lines(&[
        "close it; check that the folder can be written to; then run this again.",
        "If it says something about the settings or the mapping, ask whoever set up kravia-batch.",
    ])
}

/// The check ended with an exit code a check does not end with (2: a wrong option).
pub fn check_refused(code: i32) -> String {
    format!("NOTHING WAS SENT: kravia-batch did not accept the check (exit code {code}).\n")
        + &lines(&[
            "Its message is just above. This script and kravia-batch may not fit together:",
            "ask whoever set up kravia-batch.",
        ])
}

/// A file without a single invoice to send.
pub fn nothing_to_send() -> String {
    lines(&["There is nothing to send in this file."])
}

/// The verdict after sending, from `import`'s exit code and what it printed; and the
/// step's own exit code (a kravia-batch killed by a signal is reported as 5).
// One arm per exit code, each the full advice for it: long, and clearer in one place.
pub fn after_sending(code: i32, kind: Kind, base: &str, rehearsal: bool) -> (String, Exit) {
    let (mut s, exit) = match code {
        0 if rehearsal => (
            format!("REHEARSAL DONE: the simulated Kravia accepted every invoice of {base}.\n"),
            Exit::Ok,
        ),
        0 => (
            format!(
                "DONE: every invoice of {base} is at Kravia.\nKeep the results file with the month's papers.\n"
            ),
            Exit::Ok,
        ),
        4 => (
            lines(&[
                "PARTLY DONE: some invoices were not created. The results file says why, for each one",
                "(column 'error'). Correct them and send them in a separate file with only those invoices:",
                "running this file again does not send refused invoices again.",
            ]),
            Exit::SomeFailed,
        ),
        5 => (not_finished(None), Exit::Incomplete),
        1 if kind == Kind::Summary => (
            lines(&[
                "NOTHING WAS SENT (kravia-batch's message is above).",
                "The file has errors now: it was changed after the check. Run this again to check it anew.",
            ]),
            Exit::InputErrors,
        ),
        1 => (
            lines(&[
                "NOTHING WAS SENT (kravia-batch's message is above).",
                "Usually one of these:",
                "  - the file was changed after the check: run this again, to check and approve it anew;",
                "  - some invoices were already invoiced earlier (another file, or an earlier month):",
                "    remove them from the file if they are duplicates, then run this again;",
                "  - an invoice differs from what was sent for it earlier: restore the file as it was.",
                "See docs/accountant-guide.md, or ask whoever set up kravia-batch.",
            ]),
            Exit::InputErrors,
        ),
        2 => (
            lines(&[
                "NOTHING WAS SENT: kravia-batch did not accept the command (its message is above).",
                "If it speaks of a PRODUCTION account, this computer is not set up to send real",
                "invoices from this script: ask whoever set up kravia-batch.",
            ]),
            Exit::Usage,
        ),
        3 => (
            lines(&[
                "STOPPED: a problem with the setup (credentials, network or files); kravia-batch's",
                "message is above.",
                "  - if it speaks of credentials or 401: the Dintero credentials are wrong or expired;",
                "    ask whoever set up kravia-batch;",
                "  - if it speaks of connecting, timeouts or DNS: check the internet connection;",
                "  - if it speaks of a file: close the results file in Excel, and check the folder.",
                "Then run this again: invoices already created are not sent again.",
            ]),
            Exit::Config,
        ),
        other => (not_finished(Some(other)), Exit::Incomplete),
    };
    if rehearsal {
        s += "(This was a rehearsal: nothing real was sent. Without --sandbox the same steps send for real.)\n";
    }
    (s, exit)
}

/// The run stopped before every invoice had an answer; `code` when kravia-batch itself
/// was stopped (a signal, or an exit code of no meaning).
fn not_finished(code: Option<i32>) -> String {
    let head = match code {
        None => "NOT FINISHED: the run stopped before every invoice had an answer.".to_string(),
        Some(c) => {
            format!("NOT FINISHED: kravia-batch was stopped before the end (exit code {c}).")
        }
    };
    format!("{head}\n")
        + &lines(&[
            "Nothing is lost, and no invoice will be sent twice.",
            "Run this again with the same file: it resumes where it stopped.",
        ])
}
