//! The record stage: the results file, rebuilt from the journal after every run.
//!
//! Why rebuilt and not appended: the journal is the record of what happened; the results
//! file is its readable copy, one row per invoice of the file (invalid ones as
//! `not_sent`, with the reason). The status columns `status`, `void` and `capture` keep
//! current are carried over from the file's previous version for the same transaction.

use super::notice::Notices;
use super::prepare::Prepared;
use super::settings::ImportSettings;
use crate::error::{Result, SetupContext};
use crate::output::results::{ResultRow, ResultStatus, read_results, write_results};
use crate::run::journal::{Row, Status};
use std::collections::HashMap;
use std::path::Path;

/// Writes the results file of a run from the journal's rows; returns its rows.
pub fn write(
    p: &Prepared,
    rows: &[Row],
    s: &ImportSettings,
    notices: &Notices,
) -> Result<Vec<ResultRow>> {
    let errors_by_ref: HashMap<&str, &str> = p
        .validation
        .rejected
        .iter()
        .map(|r| (r.merchant_reference.as_str(), r.error.as_str()))
        .collect();
    let results: Vec<ResultRow> = rows
        .iter()
        .map(|r| result_row(r, errors_by_ref.get(r.entry.reference.as_str()).copied()))
        .collect();
    let results = keep_status_columns(results, &s.results, notices);
    let format = crate::config::ResultsFormat::from_path(&s.results).unwrap_or(s.results_format);
    write_results(&s.results, &results, format, p.output_delimiter())
        .setup_context(|| format!("cannot write the results file {}", s.results.display()))?;
    Ok(results)
}

/// One journal row as a results row; `input_error` is the validator's reason for an
/// invalid invoice.
fn result_row(r: &Row, input_error: Option<&str>) -> ResultRow {
    let status = match r.recorded.status {
        Status::Created => ResultStatus::Created,
        Status::AlreadyExists => ResultStatus::AlreadyExists,
        Status::Failed => ResultStatus::Failed,
        Status::Unknown | Status::Sending => ResultStatus::Unknown,
        Status::Pending | Status::SessionCreated | Status::NotSent => ResultStatus::NotSent,
    };
    let error = r
        .recorded
        .error
        .clone()
        .or_else(|| input_error.map(|e| format!("not sent: the input has errors ({e})")));
    ResultRow {
        merchant_reference: r.entry.reference.clone(),
        status,
        transaction_id: r.recorded.transaction_id.clone(),
        invoice_number: r.recorded.invoice_number.clone(),
        invoice_url: r.recorded.invoice_url.clone(),
        amount: r.entry.amount,
        currency: r.entry.currency.clone(),
        customer: r.entry.customer.clone(),
        rows: r.entry.rows.clone(),
        error,
        transaction_status: r.recorded.transaction_status.clone(),
        invoice_date: r.recorded.invoice_date.clone(),
        due_date: r.recorded.due_date.clone(),
        status_checked_at: None,
        status_changed_at: None,
    }
}

/// The journal knows an invoice's status at creation; `status`, `void` and `capture` keep
/// it current in the results file. A later run of the import (a resume) rebuilds the file
/// from the journal, and must not throw those columns away: they are carried over for
/// every row whose transaction is the same.
fn keep_status_columns(mut rows: Vec<ResultRow>, path: &Path, notices: &Notices) -> Vec<ResultRow> {
    if !path.exists() {
        return rows;
    }
    let old = match read_results(path) {
        Ok(old) => old,
        Err(e) => {
            notices.say(format!(
                "warning: {e}; its status columns are rebuilt from the journal"
            ));
            return rows;
        }
    };
    let old: HashMap<String, ResultRow> = old
        .into_iter()
        .map(|r| (r.merchant_reference.clone(), r))
        .collect();
    for row in &mut rows {
        if let Some(o) = old.get(&row.merchant_reference)
            && o.status_checked_at.is_some()
            && o.transaction_id.is_some()
            && o.transaction_id == row.transaction_id
        {
            row.transaction_status = o.transaction_status.clone();
            // Dates `status` learnt for a journal that did not keep them.
            if row.invoice_date.is_none() {
                row.invoice_date = o.invoice_date.clone();
            }
            if row.due_date.is_none() {
                row.due_date = o.due_date.clone();
            }
            row.status_checked_at = o.status_checked_at.clone();
            row.status_changed_at = o.status_changed_at.clone();
        }
    }
    rows
}
