//! The emulator's domain data: transactions, their events, sessions and the
//! Kravia enums, plus their rendering as Dintero JSON.
//!
//! Plain data, no HTTP: state/ creates and mutates these records, http/
//! only serialises what `to_json` returns. The JSON shapes follow the
//! Response example of Dintero's Kravia page (a superset of its fields).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// The three Kravia payment product types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductType {
    /// `kravia.invoice_b2b`
    InvoiceB2b,
    /// `kravia.invoice_b2b_grouped`
    InvoiceB2bGrouped,
    /// `kravia.invoice_b2c`
    InvoiceB2c,
}

impl ProductType {
    /// Every product type.
    pub const ALL: [ProductType; 3] = [
        ProductType::InvoiceB2b,
        ProductType::InvoiceB2bGrouped,
        ProductType::InvoiceB2c,
    ];

    /// The API string, e.g. `kravia.invoice_b2b`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::InvoiceB2b => "kravia.invoice_b2b",
            ProductType::InvoiceB2bGrouped => "kravia.invoice_b2b_grouped",
            ProductType::InvoiceB2c => "kravia.invoice_b2c",
        }
    }

    /// The key of this product in a session's `configuration.kravia`.
    pub fn config_key(self) -> &'static str {
        match self {
            ProductType::InvoiceB2b => "invoice_b2b",
            ProductType::InvoiceB2bGrouped => "invoice_b2b_grouped",
            ProductType::InvoiceB2c => "invoice_b2c",
        }
    }

    /// Parses the API string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Business (B2B) invoice: needs `business_name` and `organization_number`.
    pub fn is_b2b(self) -> bool {
        !matches!(self, ProductType::InvoiceB2c)
    }
}

/// Who delivers the invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvoiceChannel {
    /// Kravia delivers and starts collection at once (default).
    #[default]
    Kravia,
    /// The merchant delivers, then calls capture to start collection.
    Merchant,
}

impl InvoiceChannel {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceChannel::Kravia => "kravia",
            InvoiceChannel::Merchant => "merchant",
        }
    }

    /// Parses the API string.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "kravia" => Some(InvoiceChannel::Kravia),
            "merchant" => Some(InvoiceChannel::Merchant),
            _ => None,
        }
    }
}

/// The transaction statuses the sandbox produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Invoice created.
    Authorized,
    /// Invoice cancelled by a void.
    AuthorizationVoided,
    /// Paid in full.
    Captured,
    /// Paid in part.
    PartiallyCaptured,
    /// Refused (200 with `status: FAILED`).
    Failed,
}

impl TransactionStatus {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionStatus::Authorized => "AUTHORIZED",
            TransactionStatus::AuthorizationVoided => "AUTHORIZATION_VOIDED",
            TransactionStatus::Captured => "CAPTURED",
            TransactionStatus::PartiallyCaptured => "PARTIALLY_CAPTURED",
            TransactionStatus::Failed => "FAILED",
        }
    }

    /// A successful invoice (what `strict-success-merchant-reference` blocks on).
    pub fn is_success(self) -> bool {
        matches!(
            self,
            TransactionStatus::Authorized
                | TransactionStatus::Captured
                | TransactionStatus::PartiallyCaptured
        )
    }
}

/// Kinds of transaction events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The invoice was created (or refused, with `success: false`).
    Authorize,
    /// Kravia started delivery/collection.
    InitiateCapture,
    /// A payment was registered.
    Capture,
    /// The invoice was cancelled.
    Void,
}

impl EventKind {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Authorize => "AUTHORIZE",
            EventKind::InitiateCapture => "INITIATE_CAPTURE",
            EventKind::Capture => "CAPTURE",
            EventKind::Void => "VOID",
        }
    }
}

/// The `error` of a failed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventError {
    /// Error code.
    pub code: String,
    /// Explanation.
    pub message: String,
    /// `retry_policy.retry_codes`, e.g. `DO_NOT_RETRY`.
    pub retry_codes: Vec<String>,
}

/// One entry of a transaction's `events`.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionEvent {
    /// Event id.
    pub id: String,
    /// What happened.
    pub event: EventKind,
    /// Whether it succeeded.
    pub success: bool,
    /// Amount concerned, minor units.
    pub amount: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The transaction status right after the event.
    pub transaction_status: TransactionStatus,
    /// `kravia:*` metadata (only on AUTHORIZE).
    pub metadata: BTreeMap<String, String>,
    /// Failure details.
    pub error: Option<EventError>,
}

impl TransactionEvent {
    /// Dintero JSON.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("event".into(), json!(self.event.as_str()));
        obj.insert("success".into(), json!(self.success));
        obj.insert("amount".into(), json!(self.amount));
        obj.insert("created_at".into(), json!(timestamp(self.created_at)));
        obj.insert(
            "transaction_status".into(),
            json!(self.transaction_status.as_str()),
        );
        if !self.metadata.is_empty() {
            obj.insert("metadata".into(), json!(self.metadata));
        }
        if let Some(err) = &self.error {
            obj.insert(
                "error".into(),
                json!({
                    "code": err.code,
                    "message": err.message,
                    "retry_policy": { "retry_codes": err.retry_codes },
                }),
            );
        }
        Value::Object(obj)
    }
}

/// The Kravia invoice behind an AUTHORIZED transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceInfo {
    /// `INV-<year>-<0000>`.
    pub number: String,
    /// `kravia:invoice_id`.
    pub id: String,
    /// File id of the PDF, `f-<...>`.
    pub file_id: String,
    /// `<base_url>/v1/files/<file_id>`.
    pub url: String,
    /// `kravia:creditor_id`.
    pub creditor_id: String,
    /// Invoice date (creation date, UTC).
    pub date: NaiveDate,
    /// Invoice date + `days_until_due`.
    pub due_date: NaiveDate,
}

/// A transaction as stored by the sandbox (the ledger keeps every one).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRecord {
    /// `T12345678.<...>`.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// Session that produced it.
    pub session_id: String,
    /// Current status.
    pub status: TransactionStatus,
    /// Order amount, minor units.
    pub amount: i64,
    /// Amount paid so far (via `mark_paid`).
    pub captured_amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// The order's `merchant_reference`.
    pub merchant_reference: String,
    /// The order's `merchant_reference_2`.
    pub merchant_reference_2: Option<String>,
    /// Product type.
    pub payment_product_type: ProductType,
    /// Delivery channel.
    pub invoice_channel: InvoiceChannel,
    /// Days until due.
    pub days_until_due: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The invoice (absent on FAILED).
    pub invoice: Option<InvoiceInfo>,
    /// Event history, oldest first.
    pub events: Vec<TransactionEvent>,
    /// The order's items as sent.
    pub items: Value,
    /// The billing address as sent.
    pub billing_address: Value,
    /// `Dintero-System-Name` of the creating request.
    pub system_name: Option<String>,
    /// `Dintero-System-Version` of the creating request.
    pub system_version: Option<String>,
    /// Feature toggles of the creating request.
    pub toggles: Vec<String>,
}

impl TransactionRecord {
    /// The Transaction as `GET /v1/transactions/{id}` answers it.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("status".into(), json!(self.status.as_str()));
        obj.insert("payment_product".into(), json!("kravia"));
        obj.insert(
            "payment_product_type".into(),
            json!(self.payment_product_type.as_str()),
        );
        obj.insert("amount".into(), json!(self.amount));
        obj.insert("currency".into(), json!(self.currency));
        obj.insert("merchant_reference".into(), json!(self.merchant_reference));
        if let Some(r2) = &self.merchant_reference_2 {
            obj.insert("merchant_reference_2".into(), json!(r2));
        }
        obj.insert("session_id".into(), json!(self.session_id));
        obj.insert("created_at".into(), json!(timestamp(self.created_at)));
        obj.insert("updated_at".into(), json!(timestamp(self.updated_at)));
        let mut metadata = Map::new();
        if let Some(inv) = &self.invoice {
            metadata.insert("kravia:invoice_number".into(), json!(inv.number));
            metadata.insert("kravia:invoice_url".into(), json!(inv.url));
        }
        metadata.insert(
            "kravia:invoice_channel".into(),
            json!(self.invoice_channel.as_str()),
        );
        obj.insert("metadata".into(), Value::Object(metadata));
        obj.insert("billing_address".into(), self.billing_address.clone());
        obj.insert("items".into(), self.items.clone());
        if let Some(name) = &self.system_name {
            obj.insert("system_name".into(), json!(name));
        }
        if let Some(version) = &self.system_version {
            obj.insert("system_version".into(), json!(version));
        }
        obj.insert(
            "events".into(),
            Value::Array(self.events.iter().map(TransactionEvent::to_json).collect()),
        );
        Value::Object(obj)
    }

    /// The Transaction as the pay endpoints answer it (adds `success`).
    pub fn to_pay_response(&self) -> Value {
        let mut value = self.to_json();
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "success".into(),
                json!(self.status != TransactionStatus::Failed),
            );
        }
        value
    }

    /// The error of the failing event, if the transaction FAILED.
    pub fn failure(&self) -> Option<&EventError> {
        self.events.iter().find_map(|e| e.error.as_ref())
    }
}

/// One Kravia product enabled in a session's `configuration.kravia`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KraviaProductConfig {
    /// Product type.
    pub product: ProductType,
    /// Days until due.
    pub days_until_due: u32,
    /// Delivery channel.
    pub invoice_channel: InvoiceChannel,
}

/// A checkout session (created by `POST /v1/sessions` or by the one-step call).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// Session id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// The order's `merchant_reference`.
    pub merchant_reference: String,
    /// The order as sent.
    pub order: Value,
    /// `url` as sent.
    pub url: Option<Value>,
    /// `configuration` as sent (one-step: synthesised from `payment`).
    pub configuration: Value,
    /// Enabled Kravia products.
    pub products: Vec<KraviaProductConfig>,
    /// Created by `POST /v1/sessions/pay`.
    pub one_step: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Set once paid.
    pub transaction_id: Option<String>,
}

impl SessionRecord {
    /// Dintero JSON for `GET /v1/sessions/{id}`.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("created_at".into(), json!(timestamp(self.created_at)));
        obj.insert("order".into(), self.order.clone());
        if let Some(url) = &self.url {
            obj.insert("url".into(), url.clone());
        }
        obj.insert("configuration".into(), self.configuration.clone());
        if let Some(tx) = &self.transaction_id {
            obj.insert("transaction_id".into(), json!(tx));
        }
        Value::Object(obj)
    }
}

/// RFC 3339 UTC with a `Z`, seconds precision, as in Dintero's examples.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
