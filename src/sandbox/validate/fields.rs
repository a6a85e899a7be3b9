//! The field-level checks every request body is built from, and [`Errors`], which
//! collects what they find.
//!
//! Why a collector instead of `?`: Dintero answers a bad body with one 400 listing
//! every wrong field, so each check records its problem and returns `None`, and the
//! body validators carry on to find the rest. Paths in messages are dotted
//! (`session.order.amount`) because that is how the API names fields.

use serde_json::{Map, Value};

use crate::sandbox::error::{ApiError, FieldError};
use crate::sandbox::model::{InvoiceChannel, ProductType};

/// Collects field errors.
#[derive(Default)]
pub(super) struct Errors(pub(super) Vec<FieldError>);

impl Errors {
    pub(super) fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

pub(super) fn object<'a>(
    v: Option<&'a Value>,
    field: &str,
    errs: &mut Errors,
) -> Option<&'a Map<String, Value>> {
    match v {
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            errs.push(field, "must be an object");
            None
        }
        None => {
            errs.push(field, "is required");
            None
        }
    }
}

pub(super) fn non_empty_string(
    m: &Map<String, Value>,
    key: &str,
    prefix: &str,
    errs: &mut Errors,
) -> Option<String> {
    let field = format!("{prefix}.{key}");
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            errs.push(&field, "must not be empty");
            None
        }
        Some(_) => {
            errs.push(&field, "must be a string");
            None
        }
        None => {
            errs.push(&field, "is required");
            None
        }
    }
}

pub(super) fn optional_string(
    m: &Map<String, Value>,
    key: &str,
    prefix: &str,
    errs: &mut Errors,
) -> Option<String> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errs.push(&format!("{prefix}.{key}"), "must be a string");
            None
        }
    }
}

/// An integer (not `30.0`, not a string).
pub(super) fn integer(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<i64> {
    match v {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(i),
            None => {
                errs.push(field, "must be an integer");
                None
            }
        },
        Some(_) => {
            errs.push(field, "must be an integer");
            None
        }
        None => {
            errs.push(field, "is required");
            None
        }
    }
}

pub(super) fn days_until_due(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<u32> {
    let days = integer(v, field, errs)?;
    match u32::try_from(days) {
        Ok(d) if d <= 365 => Some(d),
        _ => {
            errs.push(field, "must be between 0 and 365");
            None
        }
    }
}

pub(super) fn invoice_channel(
    m: &Map<String, Value>,
    prefix: &str,
    errs: &mut Errors,
) -> InvoiceChannel {
    match m.get("invoice_channel") {
        None | Some(Value::Null) => InvoiceChannel::Kravia,
        Some(Value::String(s)) => InvoiceChannel::parse(s).unwrap_or_else(|| {
            errs.push(
                &format!("{prefix}.invoice_channel"),
                "must be \"kravia\" or \"merchant\"",
            );
            InvoiceChannel::Kravia
        }),
        Some(_) => {
            errs.push(&format!("{prefix}.invoice_channel"), "must be a string");
            InvoiceChannel::Kravia
        }
    }
}

pub(super) fn product_type(
    v: Option<&Value>,
    field: &str,
    errs: &mut Errors,
) -> Option<ProductType> {
    match v {
        Some(Value::String(s)) => ProductType::parse(s).or_else(|| {
            errs.push(
                field,
                "must be one of kravia.invoice_b2b, kravia.invoice_b2b_grouped, kravia.invoice_b2c",
            );
            None
        }),
        Some(_) => {
            errs.push(field, "must be a string");
            None
        }
        None => {
            errs.push(field, "is required");
            None
        }
    }
}

/// Reached only if a validator's bookkeeping is inconsistent (a missing part
/// without a recorded error); answers a 400 rather than panicking.
pub(super) fn unreachable_invalid<T>() -> Result<T, ApiError> {
    Err(ApiError::bad_request("VALIDATION_ERROR", "invalid request"))
}
