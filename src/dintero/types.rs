//! Response bodies, parsed leniently.
//!
//! Dintero's spec is larger than what kravia-batch reads and grows over time:
//! unknown fields are ignored, optional fields may be missing or `null`, and
//! unknown enum values become `Other` instead of failing the parse (a failed
//! parse of a 200 would turn a created invoice into an "unknown" outcome).

use std::collections::HashMap;
use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An integer, or `None` for anything else (missing, `null`, a string, a fraction): an
/// unexpected amount must not fail the parse of the whole transaction.
fn lenient_i64<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| v.as_i64()))
}

/// `null` or missing both give the type's default.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `metadata["kravia:invoice_number"]`
pub const META_INVOICE_NUMBER: &str = "kravia:invoice_number";
/// `metadata["kravia:invoice_url"]`
pub const META_INVOICE_URL: &str = "kravia:invoice_url";
/// `metadata["kravia:invoice_channel"]`: who delivers the invoice. Not in Dintero's
/// documented Transaction (the sandbox sends it); read when present, never required.
pub const META_INVOICE_CHANNEL: &str = "kravia:invoice_channel";
/// The retry code that forbids automatic retries.
pub const DO_NOT_RETRY: &str = "DO_NOT_RETRY";

/// A transaction's status (all documented values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionStatus {
    /// `INITIATED`
    Initiated,
    /// `AUTHORIZED`: a new Kravia invoice.
    Authorized,
    /// `AUTHORIZATION_VOIDED`: cancelled.
    AuthorizationVoided,
    /// `CAPTURED`: paid (older pages: from the start).
    Captured,
    /// `PARTIALLY_CAPTURED`
    PartiallyCaptured,
    /// `PARTIALLY_CAPTURED_REFUNDED`
    PartiallyCapturedRefunded,
    /// `REFUNDED`
    Refunded,
    /// `PARTIALLY_REFUNDED`
    PartiallyRefunded,
    /// `DECLINED`
    Declined,
    /// `FAILED`: see the events' `error`.
    Failed,
    /// `UNKNOWN`
    Unknown,
    /// `ON_HOLD`
    OnHold,
    /// Any value not listed here.
    #[serde(other)]
    Other,
}

impl TransactionStatus {
    /// The API's spelling (`AUTHORIZED`); `OTHER` for values not listed.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionStatus::Initiated => "INITIATED",
            TransactionStatus::Authorized => "AUTHORIZED",
            TransactionStatus::AuthorizationVoided => "AUTHORIZATION_VOIDED",
            TransactionStatus::Captured => "CAPTURED",
            TransactionStatus::PartiallyCaptured => "PARTIALLY_CAPTURED",
            TransactionStatus::PartiallyCapturedRefunded => "PARTIALLY_CAPTURED_REFUNDED",
            TransactionStatus::Refunded => "REFUNDED",
            TransactionStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
            TransactionStatus::Declined => "DECLINED",
            TransactionStatus::Failed => "FAILED",
            TransactionStatus::Unknown => "UNKNOWN",
            TransactionStatus::OnHold => "ON_HOLD",
            TransactionStatus::Other => "OTHER",
        }
    }

    /// AUTHORIZED, CAPTURED or PARTIALLY_CAPTURED: an invoice exists.
    pub fn is_success(self) -> bool {
        matches!(
            self,
            TransactionStatus::Authorized
                | TransactionStatus::Captured
                | TransactionStatus::PartiallyCaptured
        )
    }
}

/// `retry_policy` of an event error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RetryPolicy {
    /// e.g. `DO_NOT_RETRY`.
    #[serde(default, deserialize_with = "null_default")]
    pub retry_codes: Vec<String>,
}

/// `events[].error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventError {
    /// Error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Human-readable reason.
    #[serde(default)]
    pub message: Option<String>,
    /// Whether (and how) to retry.
    #[serde(default)]
    pub retry_policy: Option<RetryPolicy>,
}

impl EventError {
    /// Whether `retry_policy.retry_codes` contains `DO_NOT_RETRY`.
    pub fn do_not_retry(&self) -> bool {
        self.retry_policy
            .as_ref()
            .is_some_and(|p| p.retry_codes.iter().any(|c| c == DO_NOT_RETRY))
    }
}

/// One entry of `events[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Event {
    /// `AUTHORIZE`, `INITIATE_CAPTURE`, `CAPTURE`, `VOID`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub event: String,
    /// Whether the event succeeded.
    #[serde(default)]
    pub success: Option<bool>,
    /// RFC 3339 timestamp.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Amount the event concerns (minor units), e.g. what a CAPTURE received. Read
    /// leniently: anything but an integer is `None`.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub amount: Option<i64>,
    /// `kravia:invoice_number`, `kravia:invoice_date`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: HashMap<String, Value>,
    /// The failure, if any.
    #[serde(default)]
    pub error: Option<EventError>,
}

/// A Dintero transaction (the parts kravia-batch uses).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transaction {
    /// `T12345678.…`
    pub id: String,
    /// Status; check it even on a 200.
    pub status: TransactionStatus,
    /// Minor units.
    #[serde(default)]
    pub amount: Option<i64>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// Our invoice key.
    #[serde(default)]
    pub merchant_reference: Option<String>,
    /// `kravia.invoice_b2b`, ...
    #[serde(default)]
    pub payment_product_type: Option<String>,
    /// RFC 3339 timestamp.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The session that created it.
    #[serde(default)]
    pub session_id: Option<String>,
    /// `kravia:invoice_number`, `kravia:invoice_url`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: HashMap<String, Value>,
    /// History, oldest first.
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<Event>,
}

impl Transaction {
    /// A metadata string: the transaction's own, else the AUTHORIZE event's.
    fn kravia_meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .get(key)
            .and_then(Value::as_str)
            .or_else(|| {
                self.events
                    .iter()
                    .filter(|e| e.event == "AUTHORIZE")
                    .find_map(|e| e.metadata.get(key).and_then(Value::as_str))
            })
            .filter(|s| !s.is_empty())
    }

    /// Kravia's invoice number (`INV-2026-0001`).
    pub fn invoice_number(&self) -> Option<&str> {
        self.kravia_meta(META_INVOICE_NUMBER)
    }

    /// URL of the invoice PDF.
    pub fn invoice_url(&self) -> Option<&str> {
        self.kravia_meta(META_INVOICE_URL)
    }

    /// `kravia:invoice_date` (`2026-11-30`): the date the accountant books the invoice by.
    pub fn invoice_date(&self) -> Option<&str> {
        self.kravia_meta("kravia:invoice_date")
    }

    /// `kravia:invoice_due_date` (`2026-12-14`).
    pub fn invoice_due_date(&self) -> Option<&str> {
        self.kravia_meta("kravia:invoice_due_date")
    }

    /// `kravia:invoice_channel` (`kravia` or `merchant`), when the transaction states it.
    pub fn invoice_channel(&self) -> Option<&str> {
        self.kravia_meta(META_INVOICE_CHANNEL)
    }

    /// AUTHORIZED, CAPTURED or PARTIALLY_CAPTURED: an invoice exists.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// For a FAILED transaction, the first event error's message.
    pub fn failure_message(&self) -> Option<&str> {
        if self.status != TransactionStatus::Failed {
            return None;
        }
        self.events
            .iter()
            .filter_map(|e| e.error.as_ref())
            .find_map(|e| e.message.as_deref())
    }

    /// Whether an event error forbids automatic retries (`DO_NOT_RETRY`).
    pub fn do_not_retry(&self) -> bool {
        self.events
            .iter()
            .filter_map(|e| e.error.as_ref())
            .any(EventError::do_not_retry)
    }
}

/// `POST {api}/accounts/{aid}/auth/token` response. The token is secret.
#[derive(Clone, Deserialize)]
#[serde(from = "RawToken")]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: SecretString,
    /// `Bearer`.
    pub token_type: Option<String>,
    /// Lifetime in seconds.
    pub expires_in: Option<u64>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl From<RawToken> for TokenResponse {
    fn from(raw: RawToken) -> Self {
        TokenResponse {
            access_token: SecretString::from(raw.access_token),
            token_type: raw.token_type,
            expires_in: raw.expires_in,
        }
    }
}

/// `POST {checkout}/sessions` response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionCreated {
    /// Session id.
    pub id: String,
    /// Checkout URL of the session.
    #[serde(default)]
    pub url: Option<String>,
}

/// `GET {checkout}/sessions/{id}` (the parts we use).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// Set once the session is paid.
    #[serde(default)]
    pub transaction_id: Option<String>,
}

/// The error of a pay result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PayResultError {
    /// Error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Reason.
    #[serde(default)]
    pub message: Option<String>,
}

/// The second documented shape of `POST /sessions/{id}/pay`:
/// `{"success": bool, "actions": [...], "error": {...}?}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PayResult {
    /// Whether the payment went through.
    #[serde(default)]
    pub success: bool,
    /// Follow-up actions (unused for invoices).
    #[serde(default, deserialize_with = "null_default")]
    pub actions: Vec<Value>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<PayResultError>,
}

/// `POST /transactions/{id}/void`: done, or accepted for later.
#[derive(Debug, Clone, PartialEq)]
pub enum VoidOutcome {
    /// 200 with the voided transaction.
    Voided(Box<Transaction>),
    /// 202: processed asynchronously; look the transaction up later.
    Accepted,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_documented_response() {
        let tx: Transaction = serde_json::from_value(json!({
            "id": "T12345", "status": "AUTHORIZED", "payment_product_type": "kravia.invoice_b2b",
            "amount": 29900, "merchant_reference": "inv-2026-001", "brand_new_field": {"x": 1},
            "metadata": {"kravia:invoice_number": "INV-2026-0001", "kravia:invoice_url": "https://api.dintero.com/v1/files/f-abc123"},
            "events": [
                {"event": "AUTHORIZE", "created_at": "2026-01-15T10:30:00Z", "metadata": {"kravia:invoice_number": "INV-2026-0001"}},
                {"event": "INITIATE_CAPTURE", "created_at": "2026-01-15T10:30:00Z"}
            ]
        }))
        .unwrap();
        assert!(tx.is_success());
        assert_eq!(tx.invoice_number(), Some("INV-2026-0001"));
        assert_eq!(
            tx.invoice_url(),
            Some("https://api.dintero.com/v1/files/f-abc123")
        );
        assert_eq!(tx.failure_message(), None);
        assert!(!tx.do_not_retry());
    }

    #[test]
    fn lenient_and_fallbacks() {
        let tx: Transaction = serde_json::from_value(json!({
            "id": "T1", "status": "SOMETHING_NEW", "metadata": null, "events": [
                {"event": "AUTHORIZE", "metadata": {"kravia:invoice_number": "INV-1"}}
            ]
        }))
        .unwrap();
        assert_eq!(tx.status, TransactionStatus::Other);
        assert_eq!(tx.invoice_number(), Some("INV-1"));
        assert!(!tx.is_success());

        let failed: Transaction = serde_json::from_value(json!({
            "id": "T2", "status": "FAILED", "events": [{"event": "AUTHORIZE", "success": false,
                "error": {"code": "DECLINED", "message": "credit check failed", "retry_policy": {"retry_codes": ["DO_NOT_RETRY"]}}}]
        }))
        .unwrap();
        assert_eq!(failed.failure_message(), Some("credit check failed"));
        assert!(failed.do_not_retry());
    }

    #[test]
    fn token_debug_is_redacted() {
        let t: TokenResponse = serde_json::from_value(
            json!({"access_token": "eyJ-secret-token", "token_type": "Bearer", "expires_in": 14400}),
        )
        .unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("eyJ-secret-token"), "{shown}");
        assert_eq!(t.expires_in, Some(14400));
    }
}
