//! The pay calls: one-step `POST /sessions/pay`, and the two-step session flow
//! (create a session, plain or from a checkout profile, read it, pay it).
//!
//! The calls that can create an invoice, so the file where "may the invoice exist
//! now?" is decided after an answer: once a pay call was answered 200, any later
//! failure to read its transaction is [`Outcome::Unknown`], never "not sent".

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::transport::{Client, decode, encode};
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::payload::PayRequest;
use crate::dintero::types::{PayResult, Session, SessionCreated, Transaction};

/// After a pay call was answered 200, a failure to read its result must not
/// look like "not sent" or "rejected": the invoice may exist.
fn after_pay(mut err: ApiError) -> ApiError {
    err.outcome = Outcome::Unknown;
    err.message = format!(
        "the pay call was answered 200 but its transaction could not be read: {}",
        err.message
    );
    err
}

impl Client {
    /// One-step Kravia invoice: `POST {checkout}/sessions/pay`. A 200 is
    /// returned as `Ok` even when the transaction is `FAILED`: check
    /// [`Transaction::is_success`] and [`Transaction::failure_message`].
    pub async fn pay(&self, request: &PayRequest<'_>) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["sessions", "pay"]);
        let body = encode(&format!("POST {}", url.path()), request)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Two-step, step 1: `POST {checkout}/sessions`.
    pub async fn create_session<B: Serialize + ?Sized>(
        &self,
        body: &B,
    ) -> Result<SessionCreated, ApiError> {
        let url = self.checkout_url(&["sessions"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Two-step, step 1 with a checkout profile: `POST {checkout}/sessions-profile`
    /// (the body names its `profile_id`).
    pub async fn create_profile_session<B: Serialize + ?Sized>(
        &self,
        body: &B,
    ) -> Result<SessionCreated, ApiError> {
        let url = self.checkout_url(&["sessions-profile"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// `GET {checkout}/sessions/{id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<Session, ApiError> {
        self.get(self.checkout_url(&["sessions", session_id])).await
    }

    /// Two-step, step 2: `POST {checkout}/sessions/{id}/pay`. Accepts both
    /// documented answers: a Transaction, or `{success, actions, error}`, in
    /// which case the transaction is read through the session. Once the pay
    /// call has been answered 200, any failure of those reads is
    /// [`Outcome::Unknown`] (the invoice may exist).
    pub async fn pay_session<B: Serialize + ?Sized>(
        &self,
        session_id: &str,
        body: &B,
    ) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["sessions", session_id, "pay"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        let reply = self.call(Method::POST, url, Some(body), true).await?;
        let value: Value = decode(&reply)?;
        if value.get("id").is_some() && value.get("status").is_some() {
            return serde_json::from_value(value)
                .map_err(|e| ApiError::decode(reply.label, reply.status.as_u16(), &e));
        }
        let result: PayResult = serde_json::from_value(value)
            .map_err(|e| ApiError::decode(reply.label.clone(), reply.status.as_u16(), &e))?;
        let session = self.get_session(session_id).await.map_err(after_pay)?;
        match session.transaction_id {
            Some(id) => self.transaction(&id).await.map_err(after_pay),
            None if result.success => Err(ApiError::local(
                reply.label,
                Outcome::Unknown,
                "the pay call reported success but the session has no transaction",
            )),
            None => {
                let error = result.error.unwrap_or_default();
                Err(ApiError {
                    outcome: Outcome::Rejected,
                    status: Some(reply.status.as_u16()),
                    code: error.code,
                    message: error
                        .message
                        .unwrap_or_else(|| "the pay call reported failure".to_owned()),
                    request: reply.label,
                    source: None,
                })
            }
        }
    }
}
