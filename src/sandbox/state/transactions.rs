//! Creating a transaction: its id, the Kravia invoice behind it, and its first
//! events (AUTHORIZE, then INITIATE_CAPTURE when Kravia delivers; or a refused
//! AUTHORIZE under the `fail_status` fault).
//!
//! One place for both flows (one-step and two-step pay both end here), so the two
//! cannot drift apart in what a new transaction looks like. Ids are counter based,
//! so the same requests give the same ids in every run.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ledger::RequestMeta;
use super::store::{State, short_id};
use crate::sandbox::model::{
    EventError, EventKind, InvoiceChannel, InvoiceInfo, KraviaProductConfig, TransactionEvent,
    TransactionRecord, TransactionStatus,
};
use crate::sandbox::validate::ValidOrder;

/// Whether a new transaction is authorized or refused (`fail_status` fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// AUTHORIZED with an invoice.
    Authorize,
    /// FAILED with a `DO_NOT_RETRY` event error.
    Fail,
}

impl State {
    /// Creates and records the transaction of `session_id` for `order`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_transaction(
        &mut self,
        account: &str,
        session_id: &str,
        order: &ValidOrder,
        product: KraviaProductConfig,
        billing_address: Value,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> TransactionRecord {
        let n = self.next_transaction;
        self.next_transaction += 1;
        let id = format!("{account}.{}", short_id("transaction", n));
        let amount = order.amount;
        let (status, invoice, events) = match outcome {
            Outcome::Authorize => {
                let invoice = self.new_invoice(account, product.days_until_due, now);
                let events = self.authorized_events(&invoice, amount, product.invoice_channel, now);
                (TransactionStatus::Authorized, Some(invoice), events)
            }
            Outcome::Fail => (
                TransactionStatus::Failed,
                None,
                vec![self.refused_event(amount, now)],
            ),
        };
        let record = TransactionRecord {
            id,
            account_id: account.to_owned(),
            session_id: session_id.to_owned(),
            status,
            amount,
            captured_amount: 0,
            currency: order.currency.clone(),
            merchant_reference: order.merchant_reference.clone(),
            merchant_reference_2: order.merchant_reference_2.clone(),
            payment_product_type: product.product,
            invoice_channel: product.invoice_channel,
            days_until_due: product.days_until_due,
            created_at: now,
            updated_at: now,
            invoice,
            events,
            items: order.items.clone(),
            billing_address,
            system_name: meta.system_name.clone(),
            system_version: meta.system_version.clone(),
            toggles: meta.toggles.clone(),
        };
        self.transactions.push(record.clone());
        record
    }

    /// The next Kravia invoice of `account`, dated today (UTC).
    fn new_invoice(
        &mut self,
        account: &str,
        days_until_due: u32,
        now: DateTime<Utc>,
    ) -> InvoiceInfo {
        let k = self.next_invoice;
        self.next_invoice += 1;
        let date = now.date_naive();
        let due_date = date + chrono::Days::new(u64::from(days_until_due));
        let file_id = format!(
            "f-{}",
            &hex::encode(Sha256::digest(format!("file:{k}").as_bytes()))[..12]
        );
        InvoiceInfo {
            number: format!("INV-{}-{k:04}", date.year()),
            id: format!("KI-{k:06}"),
            url: format!("{}/v1/files/{file_id}", self.base_url),
            file_id,
            creditor_id: format!("CR-{account}"),
            date,
            due_date,
        }
    }

    /// AUTHORIZE with the invoice's `kravia:*` metadata, then INITIATE_CAPTURE
    /// when Kravia delivers (the merchant channel waits for a capture call).
    fn authorized_events(
        &mut self,
        invoice: &InvoiceInfo,
        amount: i64,
        channel: InvoiceChannel,
        now: DateTime<Utc>,
    ) -> Vec<TransactionEvent> {
        let mut authorize = self.event(
            EventKind::Authorize,
            true,
            amount,
            now,
            TransactionStatus::Authorized,
        );
        authorize.metadata = BTreeMap::from([
            (
                "kravia:invoice_date".to_owned(),
                invoice.date.format("%Y-%m-%d").to_string(),
            ),
            (
                "kravia:invoice_due_date".to_owned(),
                invoice.due_date.format("%Y-%m-%d").to_string(),
            ),
            ("kravia:invoice_number".to_owned(), invoice.number.clone()),
            ("kravia:invoice_id".to_owned(), invoice.id.clone()),
            ("kravia:creditor_id".to_owned(), invoice.creditor_id.clone()),
        ]);
        let mut events = vec![authorize];
        if channel == InvoiceChannel::Kravia {
            let initiate = self.event(
                EventKind::InitiateCapture,
                true,
                amount,
                now,
                TransactionStatus::Authorized,
            );
            events.push(initiate);
        }
        events
    }

    /// The refused AUTHORIZE of a FAILED transaction, with a `DO_NOT_RETRY` error.
    fn refused_event(&mut self, amount: i64, now: DateTime<Utc>) -> TransactionEvent {
        let mut authorize = self.event(
            EventKind::Authorize,
            false,
            amount,
            now,
            TransactionStatus::Failed,
        );
        authorize.error = Some(EventError {
            code: "INVOICE_REJECTED".to_owned(),
            message: "Kravia rejected the invoice (sandbox fault: fail_status)".to_owned(),
            retry_codes: vec!["DO_NOT_RETRY".to_owned()],
        });
        authorize
    }
}
