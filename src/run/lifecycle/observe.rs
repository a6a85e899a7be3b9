//! What a transaction says, and how it is recorded in a results row. Every lifecycle
//! command reads Dintero's answer the same way (paid part, collection started, change
//! time), so the rules live here, pure and tested, apart from any request.

use super::time::{now_text, parse_time};
use crate::dintero::types::{Transaction, TransactionStatus};
use crate::output::results::ResultRow;
use chrono::{DateTime, Utc};

/// The paid part of an invoice, minor units, or `None` when the transaction does not say.
///
/// CAPTURED: the whole amount. Otherwise the sum of the successful CAPTURE events'
/// amounts (0 with no CAPTURE event, except PARTIALLY_CAPTURED, which must have paid
/// something: unknown). If any CAPTURE event lacks its amount: unknown.
pub fn paid_amount(tx: &Transaction) -> Option<i64> {
    let captures: Vec<_> = tx
        .events
        .iter()
        .filter(|e| e.event == "CAPTURE" && e.success != Some(false))
        .collect();
    let sum = captures
        .iter()
        .try_fold(0i64, |acc, e| e.amount.map(|a| acc.saturating_add(a)));
    match tx.status {
        TransactionStatus::Captured => tx.amount.or(sum),
        TransactionStatus::PartiallyCaptured if captures.is_empty() => None,
        _ if captures.is_empty() => Some(0),
        _ => sum,
    }
}

/// When the latest event happened (RFC 3339 UTC, seconds), if any event says.
pub fn latest_event_at(tx: &Transaction) -> Option<String> {
    tx.events
        .iter()
        .filter_map(|e| e.created_at.as_deref().and_then(parse_time))
        .max()
        .map(now_text)
}

/// Whether collection has started: a successful INITIATE_CAPTURE event. Kravia adds it
/// at creation when it delivers the invoice itself (`invoice_channel: kravia`), and when
/// the merchant calls capture (`invoice_channel: merchant`).
pub fn collection_started(tx: &Transaction) -> bool {
    tx.events
        .iter()
        .any(|e| e.event == "INITIATE_CAPTURE" && e.success != Some(false))
}

/// Records what `tx` says in its results row: `transaction_status`, `status_checked_at`
/// (now) and `status_changed_at`: kept when the status is unchanged and the row already
/// has one; when the status changed (or the row has none), the time of the transaction's
/// latest event, else (changed, no event time) now. Also fills an empty invoice number or
/// URL from the transaction; never overwrites one.
pub fn observe(row: &mut ResultRow, tx: &Transaction, now: DateTime<Utc>) {
    let new = tx.status.as_str();
    let changed = !row
        .transaction_status
        .as_deref()
        .is_some_and(|old| old.trim().eq_ignore_ascii_case(new));
    if changed {
        row.status_changed_at = Some(latest_event_at(tx).unwrap_or_else(|| now_text(now)));
    } else if row.status_changed_at.is_none() {
        row.status_changed_at = latest_event_at(tx);
    }
    row.transaction_status = Some(new.to_string());
    row.status_checked_at = Some(now_text(now));
    if row.invoice_number.is_none() {
        row.invoice_number = tx.invoice_number().map(str::to_string);
    }
    if row.invoice_url.is_none() {
        row.invoice_url = tx.invoice_url().map(str::to_string);
    }
    // The dates are Kravia's: kept current (a reminder can move the due date).
    if let Some(d) = tx.invoice_date() {
        row.invoice_date = Some(d.to_string());
    }
    if let Some(d) = tx.invoice_due_date() {
        row.due_date = Some(d.to_string());
    }
}
