//! The capture body, `{"amount": <int>}` (`POST /v1/transactions/{id}/capture`).
//!
//! One positive integer; whether it equals the invoice amount is a rule of the
//! transaction (state/lifecycle.rs), not of the body.

use serde_json::Value;

use super::fields::{Errors, integer, unreachable_invalid};
use crate::sandbox::error::ApiError;

/// Validates a capture body `{"amount": <int>}`.
pub fn capture_request(body: &Value) -> Result<i64, ApiError> {
    let mut errs = Errors::default();
    let amount = match body {
        Value::Object(m) => integer(m.get("amount"), "amount", &mut errs),
        _ => {
            errs.push("body", "must be an object");
            None
        }
    };
    if let Some(a) = amount
        && a <= 0
    {
        errs.push("amount", "must be greater than 0");
    }
    match errs.finish(amount)? {
        Some(a) => Ok(a),
        None => unreachable_invalid(),
    }
}
