//! What each row of the copy says: its [`RowStatus`] and its message, worded from the
//! validation's problems ([`Annotations`]).
//!
//! Kept apart from the writers because both formats must say exactly the same thing
//! about a row; only how they show it differs.

use crate::mapping::column_letter;
use crate::problem::{ColumnNames, Problem};
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
            reference_col,
            rejected,
            blocking,
        }
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
                format!("warning: {text}")
            });
        }
        (status, parts.join(SEPARATOR))
    }

    /// One problem in words, led by the column's header as the file writes it:
    /// `amount: '12,3,4' has a badly placed thousands separator`; without a column,
    /// `row 4: has 26 cells ...`.
    pub fn describe(&self, p: &Problem) -> String {
        let mut message = p.message.as_str();
        let mut s = match p.column {
            Some(c) => {
                let header = self.names.header(c);
                if header.is_empty() {
                    format!("column {}: ", column_letter(c))
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
            None => p.row.map(|r| format!("row {r}: ")).unwrap_or_default(),
        };
        if let Some(v) = &p.value {
            s.push_str(&format!("'{v}' "));
        }
        s.push_str(message);
        s
    }

    pub(super) fn blocked(&self, reference: &str) -> String {
        let rows = self.blocking.get(reference).map_or(&[][..], Vec::as_slice);
        match rows {
            [] => format!("invoice {reference} is not sent: it has errors on other rows"),
            [r] => format!("invoice {reference} is not sent: row {r} has errors"),
            _ => {
                let shown: Vec<String> = rows
                    .iter()
                    .take(MAX_LISTED_ROWS)
                    .map(u32::to_string)
                    .collect();
                let list = if rows.len() > MAX_LISTED_ROWS {
                    format!(
                        "{} and {} more",
                        shown.join(", "),
                        rows.len() - MAX_LISTED_ROWS
                    )
                } else {
                    let (last, rest) = shown
                        .split_last()
                        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
                    format!("{} and {last}", rest.join(", "))
                };
                format!("invoice {reference} is not sent: rows {list} have errors")
            }
        }
    }
}
