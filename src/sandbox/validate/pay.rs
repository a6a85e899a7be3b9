//! The pay bodies: one-step `POST /v1/sessions/pay` (payment, session, order and
//! billing address in one body) and two-step `POST /v1/sessions/{id}/pay` (product
//! type and billing address; the order was given when the session was created).
//!
//! Both end in the same billing-address rules (address.rs), keyed on the product
//! type the body names.

use serde_json::Value;

use super::address::billing_address_inner;
use super::fields::{
    Errors, days_until_due, invoice_channel, object, product_type, unreachable_invalid,
};
use super::order::order;
use super::requests::{PayRequest, SessionPayRequest};
use super::url::url;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::InvoiceChannel;

/// Validates a `POST /v1/sessions/pay` body.
pub fn pay_request(body: &Value) -> Result<PayRequest, ApiError> {
    let mut errs = Errors::default();
    let Some(root) = object(Some(body), "body", &mut errs) else {
        return Err(ApiError::validation(errs.0));
    };
    let payment = object(root.get("payment"), "payment", &mut errs);
    let mut product = None;
    let mut days = None;
    let mut channel = InvoiceChannel::Kravia;
    if let Some(p) = payment {
        product = product_type(
            p.get("payment_product_type"),
            "payment.payment_product_type",
            &mut errs,
        );
        match p.get("operation") {
            Some(Value::String(op)) if op == "invoice_payment" => {}
            Some(_) => errs.push("payment.operation", "must be \"invoice_payment\""),
            None => errs.push("payment.operation", "is required"),
        }
        days = days_until_due(p.get("days_until_due"), "payment.days_until_due", &mut errs);
        channel = invoice_channel(p, "payment", &mut errs);
    }
    let session = object(root.get("session"), "session", &mut errs);
    let mut valid_order = None;
    let mut billing = None;
    let mut session_url = None;
    if let Some(s) = session {
        session_url = url(s.get("url"), "session.url", &mut errs);
        valid_order = order(s.get("order"), "session.order", &mut errs);
        if let Some(Value::Object(o)) = s.get("order") {
            billing_address_inner(
                o.get("billing_address"),
                product,
                "session.order.billing_address",
                &mut errs,
            );
            billing = o.get("billing_address").cloned();
        }
    }
    let parts = (product, days, valid_order, billing);
    let checked = errs.finish(parts)?;
    match checked {
        (Some(product), Some(days_until_due), Some(order), Some(billing_address)) => {
            Ok(PayRequest {
                product,
                days_until_due,
                channel,
                order,
                billing_address,
                url: session_url,
            })
        }
        _ => unreachable_invalid(),
    }
}

/// Validates a `POST /v1/sessions/{id}/pay` body (two-step, step 2).
pub fn session_pay_request(body: &Value) -> Result<SessionPayRequest, ApiError> {
    let mut errs = Errors::default();
    let Some(root) = object(Some(body), "body", &mut errs) else {
        return Err(ApiError::validation(errs.0));
    };
    let product = product_type(
        root.get("payment_product_type"),
        "payment_product_type",
        &mut errs,
    );
    billing_address_inner(
        root.get("billing_address"),
        product,
        "billing_address",
        &mut errs,
    );
    let product = errs.finish(product)?;
    match (product, root.get("billing_address")) {
        (Some(product), Some(b)) => Ok(SessionPayRequest {
            product,
            billing_address: b.clone(),
        }),
        _ => unreachable_invalid(),
    }
}
