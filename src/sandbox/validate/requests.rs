//! What a valid body turns into: small typed requests for the state (state/).
//!
//! Kept apart from the checks so that the state code can name these types without
//! depending on how a body is validated; raw JSON parts (`items`, `billing_address`,
//! `url`) are kept as sent, because the emulator echoes them back like Dintero does.

use serde_json::Value;

use crate::sandbox::model::{InvoiceChannel, KraviaProductConfig, ProductType};

/// A validated order.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOrder {
    /// Total, minor units.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// Our invoice key.
    pub merchant_reference: String,
    /// Optional second reference.
    pub merchant_reference_2: Option<String>,
    /// Items as sent.
    pub items: Value,
    /// The order as sent.
    pub raw: Value,
}

/// A validated `POST /v1/sessions/pay` body.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRequest {
    /// Product type.
    pub product: ProductType,
    /// 0..=365.
    pub days_until_due: u32,
    /// Delivery channel.
    pub channel: InvoiceChannel,
    /// The order.
    pub order: ValidOrder,
    /// `session.order.billing_address`.
    pub billing_address: Value,
    /// `session.url`.
    pub url: Option<Value>,
}

/// A validated `POST /v1/sessions` (or `/v1/sessions-profile`) body.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRequest {
    /// `profile_id` (`/v1/sessions-profile` only).
    pub profile_id: Option<String>,
    /// The order.
    pub order: ValidOrder,
    /// `url`.
    pub url: Option<Value>,
    /// `configuration` as sent.
    pub configuration: Value,
    /// Enabled Kravia products.
    pub products: Vec<KraviaProductConfig>,
}

/// A validated `POST /v1/sessions/{id}/pay` body.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPayRequest {
    /// Product type.
    pub product: ProductType,
    /// Billing address.
    pub billing_address: Value,
}
