//! Lifecycle transitions of an existing transaction: void, capture (merchant
//! channel), and payment (`mark_paid`, the sandbox's stand-in for a customer).
//!
//! Each checks the transition against the status first and answers Dintero's 400
//! when it is not allowed, so a rehearsal refuses what the real API refuses.

use chrono::{DateTime, Utc};

use super::store::State;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{EventKind, InvoiceChannel, TransactionRecord, TransactionStatus};

impl State {
    /// A transaction, of `account` if given (`mark_paid` is the sandbox's own
    /// control call, not an account's); 404 if unknown.
    fn transaction_mut(
        &mut self,
        account: Option<&str>,
        id: &str,
    ) -> Result<&mut TransactionRecord, ApiError> {
        self.transactions
            .iter_mut()
            .find(|t| t.id == id && account.is_none_or(|a| t.account_id == a))
            .ok_or_else(|| ApiError::not_found(format!("transaction {id} not found")))
    }

    /// `POST /v1/transactions/{id}/void`: AUTHORIZED or PARTIALLY_CAPTURED
    /// become AUTHORIZATION_VOIDED with a VOID event of the unpaid amount.
    pub fn void(
        &mut self,
        account: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(Some(account), id)?;
        require_open(tx, |status| {
            format!(
                "cannot void transaction {id} in status {status}: void is allowed on AUTHORIZED and PARTIALLY_CAPTURED"
            )
        })?;
        let remaining = tx.amount - tx.captured_amount;
        let voided = TransactionStatus::AuthorizationVoided;
        let tx = self.record_event(Some(account), id, EventKind::Void, remaining, voided, now)?;
        Ok(tx.clone())
    }

    /// `POST /v1/transactions/{id}/capture`: only for `invoice_channel:
    /// merchant`; starts collection (an INITIATE_CAPTURE event, status stays
    /// AUTHORIZED until paid). The amount must be the whole invoice.
    pub fn capture(
        &mut self,
        account: &str,
        id: &str,
        amount: i64,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(Some(account), id)?;
        if tx.invoice_channel != InvoiceChannel::Merchant {
            return Err(ApiError::bad_request(
                "CAPTURE_NOT_ALLOWED",
                format!(
                    "transaction {id} has invoice_channel kravia: Kravia starts collection itself; capture is only for invoice_channel merchant"
                ),
            ));
        }
        if tx.status != TransactionStatus::Authorized {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot capture transaction {id} in status {}",
                    tx.status.as_str()
                ),
            ));
        }
        if tx
            .events
            .iter()
            .any(|e| e.event == EventKind::InitiateCapture)
        {
            return Err(ApiError::bad_request(
                "CAPTURE_ALREADY_INITIATED",
                format!("collection of transaction {id} was already initiated"),
            ));
        }
        if amount != tx.amount {
            return Err(ApiError::bad_request(
                "INVALID_AMOUNT",
                format!(
                    "amount must equal the invoice amount {}, got {amount}",
                    tx.amount
                ),
            ));
        }
        // The status stays AUTHORIZED (checked above) until the customer pays.
        let authorized = TransactionStatus::Authorized;
        let initiate = EventKind::InitiateCapture;
        let tx = self.record_event(Some(account), id, initiate, amount, authorized, now)?;
        Ok(tx.clone())
    }

    /// The customer paid `amount` (all of the rest if `None`): CAPTURE event,
    /// status CAPTURED when fully paid, else PARTIALLY_CAPTURED.
    pub fn mark_paid(
        &mut self,
        id: &str,
        amount: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let tx = self.transaction_mut(None, id)?;
        require_open(tx, |status| {
            format!("cannot mark transaction {id} paid in status {status}")
        })?;
        let remaining = tx.amount - tx.captured_amount;
        let paid = amount.unwrap_or(remaining);
        if paid <= 0 || paid > remaining {
            return Err(ApiError::bad_request(
                "INVALID_AMOUNT",
                format!("paid amount must be between 1 and the unpaid {remaining}, got {paid}"),
            ));
        }
        let status = if paid == remaining {
            TransactionStatus::Captured
        } else {
            TransactionStatus::PartiallyCaptured
        };
        let tx = self.record_event(None, id, EventKind::Capture, paid, status, now)?;
        tx.captured_amount += paid;
        Ok(tx.clone())
    }

    /// The one way a transition lands: a successful `kind` event of `amount`, the new
    /// `status` and `updated_at`. Returns the record for what else the caller changes.
    fn record_event(
        &mut self,
        account: Option<&str>,
        id: &str,
        kind: EventKind,
        amount: i64,
        status: TransactionStatus,
        now: DateTime<Utc>,
    ) -> Result<&mut TransactionRecord, ApiError> {
        let event = self.event(kind, true, amount, now, status);
        let tx = self.transaction_mut(account, id)?;
        tx.status = status;
        tx.updated_at = now;
        tx.events.push(event);
        Ok(tx)
    }
}

/// Void and payment apply only to an invoice still (partly) unpaid: AUTHORIZED or
/// PARTIALLY_CAPTURED. Otherwise Dintero's 400 `INVALID_TRANSACTION_STATUS`, with the
/// sentence `refused` makes of the status.
fn require_open(
    tx: &TransactionRecord,
    refused: impl FnOnce(&str) -> String,
) -> Result<(), ApiError> {
    if matches!(
        tx.status,
        TransactionStatus::Authorized | TransactionStatus::PartiallyCaptured
    ) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "INVALID_TRANSACTION_STATUS",
        refused(tx.status.as_str()),
    ))
}
