//! The JSON results file (`{"results": [...]}`), for scripts: `amount` as an exact
//! string and `amount_minor` as an integer, no floats anywhere.

use super::amount::{amount_text, parse_amount, within_bound};
use super::error::ResultsError;
use super::row::{ResultRow, ResultStatus};
use crate::input::dialect::BOM as UTF8_BOM;
use crate::output::atomic::atomic_write;
use std::path::Path;

/// One result as JSON writes it; every field but the first two may be missing when read.
#[derive(serde::Serialize, serde::Deserialize)]
struct JsonRow {
    merchant_reference: String,
    status: String,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default)]
    invoice_url: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    amount_minor: Option<i64>,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    rows: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    transaction_status: Option<String>,
    #[serde(default)]
    status_checked_at: Option<String>,
    #[serde(default)]
    status_changed_at: Option<String>,
    #[serde(default)]
    invoice_date: Option<String>,
    #[serde(default)]
    due_date: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JsonFile {
    results: Vec<JsonRow>,
}

impl JsonRow {
    fn of(r: &ResultRow) -> JsonRow {
        JsonRow {
            merchant_reference: r.merchant_reference.clone(),
            status: r.status.as_str().to_string(),
            transaction_id: r.transaction_id.clone(),
            invoice_number: r.invoice_number.clone(),
            invoice_url: r.invoice_url.clone(),
            amount: Some(amount_text(r.amount, false)),
            amount_minor: Some(r.amount),
            currency: r.currency.clone(),
            customer: r.customer.clone(),
            rows: r.rows.clone(),
            error: r.error.clone(),
            transaction_status: r.transaction_status.clone(),
            status_checked_at: r.status_checked_at.clone(),
            status_changed_at: r.status_changed_at.clone(),
            invoice_date: r.invoice_date.clone(),
            due_date: r.due_date.clone(),
        }
    }

    /// The row as read; `n` counts results from 1, for messages. `amount_minor` wins;
    /// `amount` (string) is the fallback.
    fn into_row(self, path: &Path, n: usize) -> Result<ResultRow, ResultsError> {
        let j = self;
        if j.merchant_reference.trim().is_empty() {
            return Err(ResultsError::format(
                path,
                format!("result {n}: merchant_reference is empty"),
            ));
        }
        let status = ResultStatus::parse(&j.status).ok_or_else(|| {
            ResultsError::format(
                path,
                format!(
                    "result {n} ({}): unknown status {:?} (expected one of {})",
                    j.merchant_reference,
                    j.status,
                    ResultStatus::ALL.map(ResultStatus::as_str).join(", ")
                ),
            )
        })?;
        let amount = match (j.amount_minor, &j.amount) {
            (Some(m), _) => m,
            (None, Some(a)) => parse_amount(a)
                .map_err(|m| ResultsError::format(path, format!("result {n}: {m}")))?,
            (None, None) => 0,
        };
        let amount = within_bound(amount)
            .map_err(|m| ResultsError::format(path, format!("result {n}: {m}")))?;
        Ok(ResultRow {
            merchant_reference: j.merchant_reference,
            status,
            transaction_id: j.transaction_id,
            invoice_number: j.invoice_number,
            invoice_url: j.invoice_url,
            amount,
            currency: j.currency,
            customer: j.customer,
            rows: j.rows,
            error: j.error,
            transaction_status: j.transaction_status,
            status_checked_at: j.status_checked_at,
            status_changed_at: j.status_changed_at,
            invoice_date: j.invoice_date,
            due_date: j.due_date,
        })
    }
}

/// Writes the JSON results file atomically (pretty-printed, with a final line end).
pub(super) fn write(path: &Path, rows: &[ResultRow]) -> Result<(), ResultsError> {
    let file = JsonFile {
        results: rows.iter().map(JsonRow::of).collect(),
    };
    atomic_write(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &file)?;
        w.write_all(b"\n")
    })
    .map_err(|e| ResultsError::io(path, e))
}

/// Reads a JSON results file. `amount_minor` wins; `amount` (string) is the fallback.
pub fn read_results_json(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    let data = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    let data = data.strip_prefix(UTF8_BOM).unwrap_or(&data);
    let file: JsonFile = serde_json::from_slice(data).map_err(|e| ResultsError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    file.results
        .into_iter()
        .enumerate()
        .map(|(i, j)| j.into_row(path, i + 1))
        .collect()
}
