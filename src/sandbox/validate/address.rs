//! The billing address, whose required fields depend on the product type.
//!
//! Separate from the order because the two flows carry it in different places
//! (`session.order.billing_address` in one step, the pay body's `billing_address`
//! in two steps) while the rules are the same: B2B needs the business fields, B2C
//! must leave them out, and phone, country and e-mail have Dintero's formats.

use serde_json::Value;

use super::fields::{Errors, non_empty_string, object, optional_string};
use crate::sandbox::model::ProductType;

const BILLING_COMMON: [&str; 8] = [
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "address_line",
    "postal_code",
    "postal_place",
    "country",
];
const BILLING_B2B_ONLY: [&str; 2] = ["business_name", "organization_number"];
const BILLING_OPTIONAL: [&str; 4] = [
    "address_line_2",
    "co_address",
    "customer_reference",
    "cost_center",
];

/// Validates a billing address for `product` (B2C: business fields must be absent).
pub(super) fn billing_address_inner(
    v: Option<&Value>,
    product: Option<ProductType>,
    field: &str,
    errs: &mut Errors,
) {
    let Some(m) = object(v, field, errs) else {
        return;
    };
    for key in BILLING_COMMON {
        non_empty_string(m, key, field, errs);
    }
    for key in BILLING_OPTIONAL {
        optional_string(m, key, field, errs);
    }
    match product {
        Some(p) if p.is_b2b() => {
            for key in BILLING_B2B_ONLY {
                non_empty_string(m, key, field, errs);
            }
        }
        Some(_) => {
            for key in BILLING_B2B_ONLY {
                if m.contains_key(key) {
                    errs.push(
                        &format!("{field}.{key}"),
                        "must be left out for kravia.invoice_b2c",
                    );
                }
            }
        }
        None => {}
    }
    if let Some(Value::String(phone)) = m.get("phone_number") {
        let digits = phone.strip_prefix('+');
        let ok = digits
            .is_some_and(|d| (6..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            errs.push(
                &format!("{field}.phone_number"),
                "must be in E.164 format, starting with +",
            );
        }
    }
    if let Some(Value::String(country)) = m.get("country")
        && !(country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()))
    {
        errs.push(
            &format!("{field}.country"),
            "must be an ISO 3166 alpha-2 code",
        );
    }
    if let Some(Value::String(email)) = m.get("email")
        && !email.contains('@')
    {
        errs.push(&format!("{field}.email"), "must be an email address");
    }
}
