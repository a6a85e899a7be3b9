//! What the CSV and XLSX readers share: columns found by header name ([`ColumnMap`])
//! and a row built from text cells ([`row_from_cells`]), with the row named in every
//! error. (JSON has named fields and builds its rows itself.)

use super::amount::{parse_amount, within_bound};
use super::error::ResultsError;
use super::row::{COLUMNS, ResultRow, ResultStatus};
use std::path::Path;

/// A cell as an optional value: blank is none.
fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

/// Where each known column is in a file, found by header name (case and spaces
/// forgiven). Only `merchant_reference` and `status` are required.
pub(super) struct ColumnMap(pub(super) [Option<usize>; COLUMNS.len()]);

impl ColumnMap {
    pub(super) fn new<'a>(
        path: &Path,
        headers: impl Iterator<Item = &'a str>,
    ) -> Result<Self, ResultsError> {
        let mut idx = [None; COLUMNS.len()];
        for (i, h) in headers.enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            // `amount_minor` (JSON-style) is not a column of ours; ignored like any extra.
            if let Some(c) = COLUMNS.iter().position(|c| *c == h) {
                idx[c].get_or_insert(i);
            }
        }
        for required in ["merchant_reference", "status"] {
            let c = COLUMNS.iter().position(|c| *c == required).unwrap_or(0);
            if idx[c].is_none() {
                return Err(ResultsError::format(
                    path,
                    format!("no {required} column in the header: is this a results file?"),
                ));
            }
        }
        Ok(ColumnMap(idx))
    }

    fn get<'a>(&self, name: &str, cells: &'a [String]) -> &'a str {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|c| self.0[c])
            .and_then(|i| cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Builds a row from text cells; `row` is the spreadsheet row number for messages.
pub(super) fn row_from_cells(
    path: &Path,
    map: &ColumnMap,
    cells: &[String],
    row: usize,
    amount_minor: Option<i64>,
) -> Result<ResultRow, ResultsError> {
    let get = |name: &str| map.get(name, cells);
    let status_text = get("status");
    let status = ResultStatus::parse(status_text).ok_or_else(|| {
        ResultsError::format(
            path,
            format!(
                "row {row}: unknown status {status_text:?} (expected one of {})",
                ResultStatus::ALL.map(ResultStatus::as_str).join(", ")
            ),
        )
    })?;
    let amount = match amount_minor {
        Some(a) => a,
        None => parse_amount(get("amount"))
            .map_err(|m| ResultsError::format(path, format!("row {row}: {m}")))?,
    };
    let amount =
        within_bound(amount).map_err(|m| ResultsError::format(path, format!("row {row}: {m}")))?;
    let merchant_reference = get("merchant_reference").trim();
    if merchant_reference.is_empty() {
        return Err(ResultsError::format(
            path,
            format!("row {row}: merchant_reference is empty"),
        ));
    }
    Ok(ResultRow {
        merchant_reference: merchant_reference.to_string(),
        status,
        transaction_id: opt(get("transaction_id")),
        invoice_number: opt(get("invoice_number")),
        invoice_url: opt(get("invoice_url")),
        amount,
        currency: get("currency").trim().to_string(),
        customer: get("customer").to_string(),
        rows: get("rows").to_string(),
        error: opt(get("error")),
        transaction_status: opt(get("transaction_status")),
        status_checked_at: opt(get("status_checked_at")),
        status_changed_at: opt(get("status_changed_at")),
        invoice_date: opt(get("invoice_date")),
        due_date: opt(get("due_date")),
    })
}
