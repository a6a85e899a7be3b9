//! Sessions: the one-step pay call (a session and its transaction at once) and
//! the two steps of the session flow (create, then pay).
//!
//! Here live the rules of the flow itself (toggles checked before anything is
//! created, a session paid at most once unless its transaction FAILED, only an
//! enabled product may pay); what a new transaction looks like is in
//! transactions.rs, shared by both flows.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::ledger::RequestMeta;
use super::store::{State, short_id};
use super::transactions::Outcome;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{
    KraviaProductConfig, SessionRecord, TransactionRecord, TransactionStatus,
};
use crate::sandbox::validate::{PayRequest, SessionPayRequest, SessionRequest};

impl State {
    fn new_session_id(&mut self, account: &str) -> String {
        let n = self.next_session;
        self.next_session += 1;
        format!("{account}.{}", short_id("session", n))
    }

    /// One-step `POST /v1/sessions/pay`: checks the toggles, then creates a
    /// session and its transaction.
    pub fn create_pay(
        &mut self,
        account: &str,
        req: PayRequest,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        self.check_toggles(account, &req.order.merchant_reference, meta, None)?;
        let session_id = self.new_session_id(account);
        let product = KraviaProductConfig {
            product: req.product,
            days_until_due: req.days_until_due,
            invoice_channel: req.channel,
        };
        let mut order_json = req.order.raw.clone();
        if let Some(o) = order_json.as_object_mut() {
            o.remove("billing_address");
        }
        let tx = self.new_transaction(
            account,
            &session_id,
            &req.order,
            product,
            req.billing_address,
            meta,
            outcome,
            now,
        );
        self.sessions.push(SessionRecord {
            id: session_id,
            account_id: account.to_owned(),
            merchant_reference: req.order.merchant_reference.clone(),
            order: order_json,
            url: req.url,
            configuration: json!({ "kravia": {
                "type": "payment_type",
                req.product.config_key(): {
                    "type": "payment_product_type",
                    "enabled": true,
                    "days_until_due": req.days_until_due,
                    "invoice_channel": req.channel.as_str(),
                }
            }}),
            products: vec![product],
            one_step: true,
            created_at: now,
            transaction_id: Some(tx.id.clone()),
        });
        Ok(tx)
    }

    /// Two-step step 1, `POST /v1/sessions`.
    pub fn create_session(
        &mut self,
        account: &str,
        req: SessionRequest,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<SessionRecord, ApiError> {
        self.check_toggles(account, &req.order.merchant_reference, meta, None)?;
        let id = self.new_session_id(account);
        let session = SessionRecord {
            id: id.clone(),
            account_id: account.to_owned(),
            merchant_reference: req.order.merchant_reference.clone(),
            order: req.order.raw.clone(),
            url: req.url,
            configuration: req.configuration,
            products: req.products,
            one_step: false,
            created_at: now,
            transaction_id: None,
        };
        self.session_orders.insert(id, req.order);
        self.sessions.push(session.clone());
        Ok(session)
    }

    /// A session of `account`; 404 if unknown.
    pub fn session(&self, account: &str, id: &str) -> Result<&SessionRecord, ApiError> {
        self.sessions
            .iter()
            .find(|s| s.id == id && s.account_id == account)
            .ok_or_else(|| ApiError::not_found(format!("session {id} not found")))
    }

    /// Two-step step 2, `POST /v1/sessions/{id}/pay`. A session whose
    /// transaction FAILED may be paid again; any other paid session is a 400.
    pub fn pay_session(
        &mut self,
        account: &str,
        session_id: &str,
        req: SessionPayRequest,
        meta: &RequestMeta,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<TransactionRecord, ApiError> {
        let session = self.session(account, session_id)?;
        if let Some(tx_id) = &session.transaction_id {
            let status = self
                .transactions
                .iter()
                .find(|t| &t.id == tx_id)
                .map(|t| t.status);
            if status != Some(TransactionStatus::Failed) {
                return Err(ApiError::bad_request(
                    "SESSION_ALREADY_PAID",
                    format!("session {session_id} is already paid by transaction {tx_id}"),
                ));
            }
        }
        let Some(product) = session
            .products
            .iter()
            .find(|p| p.product == req.product)
            .copied()
        else {
            return Err(ApiError::bad_request(
                "PAYMENT_PRODUCT_TYPE_NOT_ENABLED",
                format!(
                    "{} is not enabled in the session's configuration.kravia",
                    req.product.as_str()
                ),
            ));
        };
        let reference = session.merchant_reference.clone();
        self.check_toggles(account, &reference, meta, Some(session_id))?;
        let Some(order) = self.session_orders.get(session_id).cloned() else {
            return Err(ApiError::bad_request(
                "SESSION_NOT_PAYABLE",
                format!("session {session_id} cannot be paid"),
            ));
        };
        let tx = self.new_transaction(
            account,
            session_id,
            &order,
            product,
            req.billing_address,
            meta,
            outcome,
            now,
        );
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id == session_id) {
            s.transaction_id = Some(tx.id.clone());
        }
        Ok(tx)
    }
}
