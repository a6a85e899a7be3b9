//! The session bodies of the two-step flow: `POST /v1/sessions` and
//! `POST /v1/sessions-profile`.
//!
//! One validator serves both, because the profile endpoint is the same body with a
//! required `profile_id` and an optional `configuration` (the profile's applies
//! where the body says nothing; http/sessions.rs merges them). `configuration.kravia` must
//! enable at least one product, with its own due days and channel.

use serde_json::{Map, Value};

use super::fields::{Errors, days_until_due, invoice_channel, object, unreachable_invalid};
use super::order::order;
use super::requests::SessionRequest;
use super::url::session_url;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{KraviaProductConfig, ProductType};

/// Validates a `POST /v1/sessions` body (two-step, step 1).
pub fn session_request(body: &Value) -> Result<SessionRequest, ApiError> {
    session_body(body, false)
}

/// Validates a `POST /v1/sessions-profile` body: a session body with a `profile_id`,
/// whose `configuration` is optional (the profile's applies where the body says nothing).
pub fn session_profile_request(body: &Value) -> Result<SessionRequest, ApiError> {
    session_body(body, true)
}

fn session_body(body: &Value, profile: bool) -> Result<SessionRequest, ApiError> {
    let mut errs = Errors::default();
    let Some(root) = object(Some(body), "body", &mut errs) else {
        return Err(ApiError::validation(errs.0));
    };
    let profile_id = if profile {
        profile_id(root.get("profile_id"), &mut errs)
    } else {
        None
    };
    let session_url = session_url(root.get("url"), "url", &mut errs);
    let valid_order = order(root.get("order"), "order", &mut errs);
    let mut products = Vec::new();
    let configuration = root.get("configuration").cloned().unwrap_or(Value::Null);
    let has_configuration = !configuration.is_null();
    if (has_configuration || !profile)
        && let Some(conf) = object(root.get("configuration"), "configuration", &mut errs)
        && let Some(kravia) = object(conf.get("kravia"), "configuration.kravia", &mut errs)
    {
        products = enabled_products(kravia, &mut errs);
    }
    let valid_order = errs.finish(valid_order)?;
    match valid_order {
        Some(order) => Ok(SessionRequest {
            profile_id,
            order,
            url: session_url,
            configuration,
            products,
        }),
        None => unreachable_invalid(),
    }
}

/// `profile_id`: a required, non-empty string.
fn profile_id(v: Option<&Value>, errs: &mut Errors) -> Option<String> {
    match v {
        Some(Value::String(p)) if !p.trim().is_empty() => Some(p.clone()),
        Some(Value::String(_)) => {
            errs.push("profile_id", "must not be empty");
            None
        }
        None | Some(Value::Null) => {
            errs.push("profile_id", "is required");
            None
        }
        Some(_) => {
            errs.push("profile_id", "must be a string");
            None
        }
    }
}

/// The products `configuration.kravia` enables (`"enabled": true`), in
/// [`ProductType::ALL`] order; at least one, unless another error was found already.
fn enabled_products(kravia: &Map<String, Value>, errs: &mut Errors) -> Vec<KraviaProductConfig> {
    let mut products = Vec::new();
    for product in ProductType::ALL {
        let field = format!("configuration.kravia.{}", product.config_key());
        let Some(pc) = kravia.get(product.config_key()) else {
            continue;
        };
        let Some(pc) = object(Some(pc), &field, errs) else {
            continue;
        };
        if pc.get("enabled") != Some(&Value::Bool(true)) {
            continue;
        }
        let days = days_until_due(
            pc.get("days_until_due"),
            &format!("{field}.days_until_due"),
            errs,
        );
        let channel = invoice_channel(pc, &field, errs);
        if let Some(days_until_due) = days {
            products.push(KraviaProductConfig {
                product,
                days_until_due,
                invoice_channel: channel,
            });
        }
    }
    if products.is_empty() && errs.0.is_empty() {
        errs.push(
            "configuration.kravia",
            "enable at least one of invoice_b2b, invoice_b2b_grouped, invoice_b2c",
        );
    }
    products
}
