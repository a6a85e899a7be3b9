//! The rules of customer_type and payment_product_type: which of Kravia's three
//! products an invoice is.
//!
//! Either field decides, the mapping file's defaults stand in for both, and when both
//! are given they must agree. Kept apart from the other field rules
//! ([`super::invoice`]) because the two fields are one decision.

use super::invoice::Ctx;
use crate::i18n::Message;
use crate::mapping::Field;
use crate::model::{CustomerType, ProductType};

/// The invoice's product, from customer_type and payment_product_type (or the
/// defaults); `None` after recording why there is none.
pub fn product(c: &mut Ctx<'_, '_>) -> Option<ProductType> {
    let ct = customer_type(c)?;
    let pt = payment_product_type(c)?;
    let settings = c.settings;
    let d = &settings.defaults;
    match (ct, pt) {
        (Some(t), Some(p)) if p.customer_type() != t => {
            disagree(c);
            None
        }
        (_, Some(p)) => Some(p),
        (Some(t), None) => Some(match d.product {
            Some(p) if p.customer_type() == t => p,
            _ => match t {
                CustomerType::B2b => ProductType::B2b,
                CustomerType::B2c => ProductType::B2c,
            },
        }),
        (None, None) => match (d.product, d.customer_type) {
            (Some(p), _) => Some(p),
            (None, Some(CustomerType::B2b)) => Some(ProductType::B2b),
            (None, Some(CustomerType::B2c)) => Some(ProductType::B2c),
            (None, None) => {
                let r = c.reference;
                c.error(
                    Field::CustomerType,
                    None,
                    Message::new("problem-type-missing").arg("reference", r),
                );
                None
            }
        },
    }
}

/// customer_type: B2B or B2C (also bedrift, privat, ...). `Some(None)` when absent,
/// `None` after an error.
fn customer_type(c: &mut Ctx<'_, '_>) -> Option<Option<CustomerType>> {
    let Some(v) = c.value(Field::CustomerType) else {
        return Some(None);
    };
    let t = CustomerType::parse(v.text);
    if t.is_none() {
        c.error(
            Field::CustomerType,
            Some(v.text),
            Message::new("problem-customer-type"),
        );
        return None;
    }
    Some(t)
}

/// payment_product_type: one of Kravia's product names, or its short form. `Some(None)`
/// when absent, `None` after an error.
fn payment_product_type(c: &mut Ctx<'_, '_>) -> Option<Option<ProductType>> {
    let Some(v) = c.value(Field::PaymentProductType) else {
        return Some(None);
    };
    let p = ProductType::parse(v.text);
    if p.is_none() {
        c.error(
            Field::PaymentProductType,
            Some(v.text),
            Message::new("problem-product-type"),
        );
        return None;
    }
    Some(p)
}

/// The error of a payment_product_type that is not for the customer_type given.
fn disagree(c: &mut Ctx<'_, '_>) {
    let shown = c
        .value(Field::PaymentProductType)
        .map(|v| v.text.to_string());
    let ct_text = c
        .value(Field::CustomerType)
        .map_or(String::new(), |v| v.text.to_string());
    c.error(
        Field::PaymentProductType,
        shown.as_deref(),
        Message::new("problem-product-type-disagrees").arg("customer_type", ct_text),
    );
}
