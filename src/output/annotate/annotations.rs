//! What each row of the copy says: its [`RowStatus`] and its message, worded from the
//! validation's problems ([`Annotations`]).
//!
//! Kept apart from the writers because both formats must say exactly the same thing
//! about a row; only how they show it differs.

use crate::i18n::Lang;
use crate::mapping::column_letter;
use crate::problem::{ColumnNames, Problem};
use crate::t;
use crate::validate::Validation;
use std::collections::{HashMap, HashSet};

/// Between two problems of one row in the `message` column. Not `;`: the messages
/// themselves use it.
pub const SEPARATOR: &str = " | ";

/// At most this many blocking rows are listed in an `invoice_rejected` message.
pub(super) const MAX_LISTED_ROWS: usize = 10;

/// What the `status` column says about a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowStatus {
    /// No problem, and the row's invoice is valid.
    Ok,
    /// Only warnings: the invoice would still be sent.
    Warning,
    /// The row itself has at least one error.
    Error,
    /// The row is fine, but another row of the same invoice has an error, so the
    /// invoice is not sent.
    InvoiceRejected,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Warning => "warning",
            RowStatus::Error => "error",
            RowStatus::InvoiceRejected => "invoice_rejected",
        }
    }
}

/// What the annotated copy needs from a validation, indexed for row-by-row lookups.
pub struct Annotations<'a> {
    pub(super) problems: &'a [Problem],
    names: &'a ColumnNames,
    /// The language of the `message` column (English unless [`Annotations::in_lang`]).
    lang: Lang,
    /// The column of `merchant_reference`, to find a row's invoice.
    pub(super) reference_col: Option<usize>,
    rejected: HashSet<&'a str>,
    /// Rows with errors, per invoice, in file order.
    blocking: HashMap<&'a str, Vec<u32>>,
}

impl<'a> Annotations<'a> {
    pub fn new(
        validation: &'a Validation,
        names: &'a ColumnNames,
        reference_col: Option<usize>,
    ) -> Annotations<'a> {
        let rejected = validation
            .rejected
            .iter()
            .map(|r| r.merchant_reference.as_str())
            .collect();
        let mut blocking: HashMap<&str, Vec<u32>> = HashMap::new();
        for p in validation.problems.iter().filter(|p| p.is_error()) {
            if let (Some(reference), Some(row)) = (p.reference.as_deref(), p.row) {
                let rows = blocking.entry(reference).or_default();
                if !rows.contains(&row) {
                    rows.push(row);
                }
            }
        }
        for rows in blocking.values_mut() {
            rows.sort_unstable();
        }
        Annotations {
            problems: &validation.problems,
            names,
            lang: Lang::En,
            reference_col,
            rejected,
            blocking,
        }
    }

    /// The same annotations, with the `message` column in `lang`.
    #[must_use]
    pub fn in_lang(mut self, lang: Lang) -> Annotations<'a> {
        self.lang = lang;
        self
    }

    /// The status and message of a data row, given its problems and its invoice.
    pub fn row(&self, problems: &[Problem], reference: &str) -> (RowStatus, String) {
        let errors = problems.iter().filter(|p| p.is_error());
        let warnings = problems.iter().filter(|p| !p.is_error());
        let has_error = problems.iter().any(Problem::is_error);
        let status = if has_error {
            RowStatus::Error
        } else if self.rejected.contains(reference) {
            RowStatus::InvoiceRejected
        } else if problems.is_empty() {
            RowStatus::Ok
        } else {
            RowStatus::Warning
        };
        let mut parts: Vec<String> = errors.map(|p| self.describe(p)).collect();
        if status == RowStatus::InvoiceRejected {
            parts.push(self.blocked(reference));
        }
        for w in warnings {
            let text = self.describe(w);
            parts.push(if status == RowStatus::Warning {
                text
            } else {
                self.warning_note(&text)
            });
        }
        (status, parts.join(SEPARATOR))
    }

    /// One problem in words, led by the column's header as the file writes it:
    /// `amount: '12,3,4' has a badly placed thousands separator`; without a column,
    /// `row 4: has 26 cells ...`.
    pub fn describe(&self, p: &Problem) -> String {
        let lang = self.lang;
        let full = p.message_in(lang);
        let mut message = full.as_str();
        let mut s = match p.column {
            Some(c) => {
                let header = self.names.header(c);
                if header.is_empty() {
                    let letter = column_letter(c);
                    format!("{}: ", t!(lang, "problem-at-column", column = letter))
                } else {
                    // "amount: amount has ..." says the name twice.
                    if let Some(rest) = message
                        .strip_prefix(header.as_str())
                        .and_then(|r| r.strip_prefix(' '))
                    {
                        message = rest;
                    }
                    format!("{header}: ")
                }
            }
            None => p
                .row
                .map(|r| format!("{}: ", t!(lang, "problem-at-row", row = r.to_string())))
                .unwrap_or_default(),
        };
        if let Some(v) = &p.value {
            s.push_str(&format!("'{v}' "));
        }
        s.push_str(message);
        s
    }

    /// The warning of a row that also has errors: `warning: ...`.
    pub(super) fn warning_note(&self, text: &str) -> String {
        t!(self.lang, "annotate-warning", text = text)
    }

    pub(super) fn blocked(&self, reference: &str) -> String {
        let lang = self.lang;
        let rows = self.blocking.get(reference).map_or(&[][..], Vec::as_slice);
        match rows {
            [] => t!(lang, "annotate-blocked-other-rows", reference = reference),
            [r] => t!(
                lang,
                "annotate-blocked-row",
                reference = reference,
                row = r.to_string()
            ),
            _ => {
                let shown: Vec<String> = rows
                    .iter()
                    .take(MAX_LISTED_ROWS)
                    .map(u32::to_string)
                    .collect();
                let list = if rows.len() > MAX_LISTED_ROWS {
                    let more = rows.len() - MAX_LISTED_ROWS;
                    t!(
                        lang,
                        "annotate-rows-and-more",
                        rows = shown.join(", "),
                        more = more
                    )
                } else {
                    let (last, rest) = shown
                        .split_last()
                        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
                    t!(
                        lang,
                        "annotate-rows-and-last",
                        rows = rest.join(", "),
                        last = last
                    )
                };
                t!(
                    lang,
                    "annotate-blocked-rows",
                    reference = reference,
                    rows = list
                )
            }
        }
    }
}
