//! `kravia-batch status`: fetch, record in the results rows, sum up. Kept on its own
//! because it only reads: nothing here touches the `actions` table.

use super::fetch::{Fetch, Paced, fetch_rows};
use super::observe::{observe, paid_amount};
use super::results_file::ResultsFile;
use crate::output::status::{Checked, InvoiceStatus, StatusReport};
use chrono::{DateTime, Utc};

/// `kravia-batch status`: fetches the selected rows, records what it learned in `file`
/// (the caller writes it) and returns the summary.
pub async fn run_status(
    paced: &Paced,
    file: &mut ResultsFile,
    selected: &[usize],
    account: &str,
    now: DateTime<Utc>,
    quiet: bool,
) -> StatusReport {
    let fetched = fetch_rows(paced, &file.rows, selected, quiet).await;
    let mut invoices = Vec::with_capacity(selected.len());
    for (&i, f) in selected.iter().zip(fetched) {
        let Some(row) = file.rows.get_mut(i) else {
            continue;
        };
        let (tx, checked) = match f {
            Fetch::Fetched(tx) => {
                observe(row, &tx, now);
                (Some(tx), Checked::Now)
            }
            Fetch::Failed(e) => (None, Checked::Failed(e)),
            Fetch::NoInvoice => (None, Checked::NoInvoice),
        };
        invoices.push(InvoiceStatus {
            reference: row.merchant_reference.clone(),
            transaction_id: row.transaction_id.clone(),
            invoice_number: row.invoice_number.clone(),
            customer: row.customer.clone(),
            currency: tx
                .as_ref()
                .and_then(|t| t.currency.clone())
                .unwrap_or_else(|| row.currency.clone()),
            amount: tx.as_ref().and_then(|t| t.amount).unwrap_or(row.amount),
            paid: tx.as_deref().and_then(paid_amount),
            transaction_status: row.transaction_status.clone(),
            status_changed_at: row.status_changed_at.clone(),
            checked,
        });
    }
    StatusReport {
        results_file: file.path.clone(),
        account: account.to_string(),
        invoices,
        rate_limited: paced.rate_limited_count(),
    }
}
