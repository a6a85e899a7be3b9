//! What the sandbox remembers of each request: the ledger a test reads back, and
//! the headers a transaction keeps.
//!
//! Plain data with no behaviour beyond look-ups, so that tests (through
//! [`crate::sandbox::SandboxControl::ledger`]) and the state code share one shape.
//! The `Authorization` header is never kept.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::sandbox::model::{SessionRecord, TransactionRecord};

/// The headers of a request that the ledger and transactions keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// `Dintero-Feature-Toggles`, split on commas and trimmed.
    pub toggles: Vec<String>,
    /// `Dintero-System-Name`.
    pub system_name: Option<String>,
    /// `Dintero-System-Version`.
    pub system_version: Option<String>,
}

impl RequestMeta {
    pub(super) fn has(&self, toggle: &str) -> bool {
        self.toggles.iter().any(|t| t == toggle)
    }
}

/// One request received by the sandbox (the `Authorization` header is never kept).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRequest {
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/v1/sessions/pay`.
    pub path: String,
    /// Query string, if any.
    pub query: Option<String>,
    /// Body as JSON (`Null` if empty, a JSON string if not valid JSON).
    pub body: Value,
    /// Feature toggles sent.
    pub toggles: Vec<String>,
    /// `Dintero-System-Name` sent.
    pub system_name: Option<String>,
    /// `Dintero-System-Version` sent.
    pub system_version: Option<String>,
    /// Status answered; `None` when no response was delivered (connection
    /// dropped by a fault, or the client gave up first).
    pub status_code: Option<u16>,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
}

/// A snapshot of everything the sandbox received and created.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// Every request, in arrival order.
    pub requests: Vec<LedgerRequest>,
    /// Every transaction (FAILED ones included), in creation order.
    pub transactions: Vec<TransactionRecord>,
    /// Every session (one-step ones included), in creation order.
    pub sessions: Vec<SessionRecord>,
}

impl Ledger {
    /// Transactions with this merchant reference, oldest first.
    pub fn transactions_by_reference(&self, reference: &str) -> Vec<&TransactionRecord> {
        self.transactions
            .iter()
            .filter(|t| t.merchant_reference == reference)
            .collect()
    }

    /// Transactions with this reference in AUTHORIZED, CAPTURED or PARTIALLY_CAPTURED.
    pub fn successful_by_reference(&self, reference: &str) -> Vec<&TransactionRecord> {
        self.transactions
            .iter()
            .filter(|t| t.merchant_reference == reference && t.status.is_success())
            .collect()
    }

    /// The transaction with this id.
    pub fn transaction(&self, id: &str) -> Option<&TransactionRecord> {
        self.transactions.iter().find(|t| t.id == id)
    }

    /// Requests with this method and path.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<&LedgerRequest> {
        self.requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }
}
