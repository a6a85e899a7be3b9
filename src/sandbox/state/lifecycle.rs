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
        if !matches!(
            tx.status,
            TransactionStatus::Authorized | TransactionStatus::PartiallyCaptured
        ) {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot void transaction {id} in status {}: void is allowed on AUTHORIZED and PARTIALLY_CAPTURED",
                    tx.status.as_str()
                ),
            ));
        }
        let remaining = tx.amount - tx.captured_amount;
        let event = self.event(
            EventKind::Void,
            true,
            remaining,
            now,
            TransactionStatus::AuthorizationVoided,
        );
        let tx = self.transaction_mut(Some(account), id)?;
        tx.status = TransactionStatus::AuthorizationVoided;
        tx.updated_at = now;
        tx.events.push(event);
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
        let event = self.event(
            EventKind::InitiateCapture,
            true,
            amount,
            now,
            TransactionStatus::Authorized,
        );
        let tx = self.transaction_mut(Some(account), id)?;
        tx.updated_at = now;
        tx.events.push(event);
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
        if !matches!(
            tx.status,
            TransactionStatus::Authorized | TransactionStatus::PartiallyCaptured
        ) {
            return Err(ApiError::bad_request(
                "INVALID_TRANSACTION_STATUS",
                format!(
                    "cannot mark transaction {id} paid in status {}",
                    tx.status.as_str()
                ),
            ));
        }
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
        let event = self.event(EventKind::Capture, true, paid, now, status);
        let tx = self.transaction_mut(None, id)?;
        tx.captured_amount += paid;
        tx.status = status;
        tx.updated_at = now;
        tx.events.push(event);
        Ok(tx.clone())
    }
}
