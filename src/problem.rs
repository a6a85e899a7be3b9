//! Problems found in an input file: the vocabulary shared by the readers, the validator
//! and the reports.
//!
//! A problem names the row as the spreadsheet shows it (header = row 1), the column
//! (by index; the header text and Excel letter are looked up when it is shown), the
//! offending value and a plain sentence saying what is wrong and what to do.

use crate::i18n::{Lang, Message};
use crate::t;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Spreadsheet row (header = row 1); `None` for problems of the whole file.
    pub row: Option<u32>,
    /// Zero-based column index in the file.
    pub column: Option<usize>,
    /// The offending cell value, as written.
    pub value: Option<String>,
    /// The invoice it concerns, when known.
    pub reference: Option<String>,
    /// What is wrong and what to do: a catalogue key and its arguments, rendered in the
    /// run's language where it is shown ([`Problem::message_in`]; `Display` is English).
    pub message: Message,
}

impl Problem {
    pub fn error(
        row: u32,
        column: Option<usize>,
        value: impl Into<Option<String>>,
        message: impl Into<Message>,
    ) -> Problem {
        Problem {
            severity: Severity::Error,
            row: Some(row),
            column,
            // A 50 MB cell is quoted by its start and its length, not whole.
            value: value.into().map(|v| match shorten(&v) {
                std::borrow::Cow::Borrowed(_) => v,
                std::borrow::Cow::Owned(short) => short,
            }),
            reference: None,
            message: message.into(),
        }
    }

    pub fn warning(
        row: u32,
        column: Option<usize>,
        value: impl Into<Option<String>>,
        message: impl Into<Message>,
    ) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(row, column, value, message)
        }
    }

    pub fn with_reference(mut self, reference: &str) -> Problem {
        if !reference.is_empty() {
            self.reference = Some(reference.to_string());
        }
        self
    }

    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        self.message.render(lang)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: by row, then column, errors before warnings.
    pub fn sort_key(&self) -> (u32, usize, Severity) {
        (
            self.row.unwrap_or(0),
            self.column.map_or(0, |c| c + 1),
            self.severity,
        )
    }
}

/// How to name columns when showing problems: header text, and the Excel letter for
/// spreadsheets.
#[derive(Clone, Debug, Default)]
pub struct ColumnNames {
    pub headers: Vec<String>,
    pub letters: bool,
    /// Columns whose header matched no field: ignored, and listed so that a misspelled
    /// header is caught.
    pub ignored: Vec<usize>,
}

impl ColumnNames {
    /// `'E-post'`, or `'E-post' (E)` for spreadsheets.
    pub fn describe(&self, col: usize) -> String {
        let header = self.headers.get(col).map(String::as_str).unwrap_or("");
        if self.letters {
            format!("'{header}' ({})", column_letter(col))
        } else {
            format!("'{header}'")
        }
    }

    pub fn header(&self, col: usize) -> String {
        self.headers.get(col).cloned().unwrap_or_default()
    }

    /// The Excel letter of a column, for spreadsheets and CSV alike: accountants open a
    /// CSV in Excel and look for the letter.
    pub fn letter(&self, col: usize) -> Option<String> {
        Some(column_letter(col))
    }

    /// The ignored columns' headers, with their letters: `'Intern merknad' (AC)`.
    pub fn ignored_list(&self) -> Vec<String> {
        self.ignored
            .iter()
            .filter(|&&c| !self.header(c).trim().is_empty())
            .map(|&c| format!("'{}' ({})", self.header(c), column_letter(c)))
            .collect()
    }

    /// One line for people: `row 5, column 'E-post': 'ola@' is not a valid e-mail address`.
    pub fn line(&self, p: &Problem) -> String {
        self.line_in(Lang::En, p)
    }

    /// [`ColumnNames::line`] in `lang`: `rad 5, kolonne 'E-post': ...`.
    pub fn line_in(&self, lang: Lang, p: &Problem) -> String {
        let mut s = String::new();
        if let Some(r) = p.row {
            s.push_str(&t!(lang, "problem-at-row", row = r.to_string()));
        }
        if let Some(c) = p.column {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(&t!(lang, "problem-at-column", column = self.describe(c)));
        }
        if !s.is_empty() {
            s.push_str(": ");
        }
        if let Some(v) = &p.value {
            s.push_str(&format!("'{}' ", v));
        }
        s.push_str(&p.message_in(lang));
        s
    }
}
/// The Excel column letter for a zero-based index: 0 -> A, 26 -> AA.
pub fn column_letter(mut idx: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
/// A number with thousands separators: `1,048,576`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How much of a long value a message quotes.
const QUOTED: usize = 60;

/// A value as a message quotes it: whole when short, else its first 60 characters and
/// how long it is (a 50 MB cell must not become a 50 MB message).
pub fn shorten(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(QUOTED) {
        None => std::borrow::Cow::Borrowed(value),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters)",
            &value[..cut],
            count(value.chars().count() as u64)
        )),
    }
}
