//! The order: amount, currency, references and items, and whether they add up.
//!
//! This is where most of Dintero's refusals come from, so it checks what the API
//! checks: the order amount must equal the sum of the items, and the order's
//! `vat_amount` the sum of the items' VAT (a line without `vat_amount` counts its
//! computed VAT, with a tolerance of one minor unit per such line, since rounding
//! may differ). Problems are pushed in the order the fields are read, which is the
//! order of the `errors` array a client sees.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::fields::{Errors, integer, non_empty_string, object, optional_string};
use super::requests::ValidOrder;

/// What the items add up to.
struct ItemSums {
    /// Sum of `items[].amount`; `None` once any item's amount is missing or wrong.
    amount: Option<i64>,
    /// Sum of the lines' VAT (sent, or computed where not sent).
    vat: i64,
    /// One minor unit per line whose VAT was computed.
    vat_tolerance: i64,
}

/// VAT of a line including VAT: `amount * vat / (100 + vat)`, rounded.
fn line_vat(amount: i64, vat: f64) -> i64 {
    // Amounts are minor units well inside f64's exact integer range.
    ((amount as f64) * vat / (100.0 + vat)).round() as i64
}

/// Validates `order` (without its billing address).
pub(super) fn order(v: Option<&Value>, prefix: &str, errs: &mut Errors) -> Option<ValidOrder> {
    let m = object(v, prefix, errs)?;
    let amount = integer(m.get("amount"), &format!("{prefix}.amount"), errs);
    let currency = currency(m, prefix, errs);
    let reference = non_empty_string(m, "merchant_reference", prefix, errs);
    let reference_2 = optional_string(m, "merchant_reference_2", prefix, errs);
    let vat_amount = match m.get("vat_amount") {
        None | Some(Value::Null) => None,
        other => integer(other, &format!("{prefix}.vat_amount"), errs),
    };
    let sums = items(m.get("items"), &format!("{prefix}.items"), errs);
    check_sums(amount, vat_amount, &sums, prefix, errs);
    Some(ValidOrder {
        amount: amount?,
        currency: currency?,
        merchant_reference: reference?,
        merchant_reference_2: reference_2,
        items: m.get("items").cloned().unwrap_or(Value::Null),
        raw: v.cloned().unwrap_or(Value::Null),
    })
}

/// `currency`: required, three capital letters (ISO 4217).
fn currency(m: &Map<String, Value>, prefix: &str, errs: &mut Errors) -> Option<String> {
    let currency = non_empty_string(m, "currency", prefix, errs);
    if let Some(c) = &currency
        && !(c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
    {
        errs.push(
            &format!("{prefix}.currency"),
            "must be a 3-letter ISO 4217 code",
        );
    }
    currency
}

/// `items`: a non-empty array of valid lines; returns what they add up to.
fn items(v: Option<&Value>, field: &str, errs: &mut Errors) -> ItemSums {
    let mut sums = ItemSums {
        amount: Some(0),
        vat: 0,
        vat_tolerance: 0,
    };
    match v {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut line_ids = HashSet::new();
            for (i, it) in items.iter().enumerate() {
                item(it, &format!("{field}[{i}]"), &mut line_ids, &mut sums, errs);
            }
        }
        Some(Value::Array(_)) => {
            errs.push(field, "must contain at least one item");
            sums.amount = None;
        }
        Some(_) => {
            errs.push(field, "must be an array");
            sums.amount = None;
        }
        None => {
            errs.push(field, "is required");
            sums.amount = None;
        }
    }
    sums
}

/// One line `p` (`…items[i]`): its fields, in the order Dintero lists them, added
/// to `sums`. `line_ids` holds the ids seen so far (they must be unique).
fn item(
    item: &Value,
    p: &str,
    line_ids: &mut HashSet<String>,
    sums: &mut ItemSums,
    errs: &mut Errors,
) {
    let Some(it) = object(Some(item), p, errs) else {
        sums.amount = None;
        return;
    };
    if let Some(id) = non_empty_string(it, "line_id", p, errs)
        && !line_ids.insert(id.clone())
    {
        errs.push(&format!("{p}.line_id"), format!("duplicate line_id {id:?}"));
    }
    non_empty_string(it, "description", p, errs);
    match it.get("quantity") {
        Some(Value::Number(q)) if q.as_f64().is_some_and(|q| q > 0.0) => {}
        Some(_) => errs.push(&format!("{p}.quantity"), "must be a positive number"),
        None => errs.push(&format!("{p}.quantity"), "is required"),
    }
    let line_amount = integer(it.get("amount"), &format!("{p}.amount"), errs);
    match line_amount {
        Some(a) if a > 0 => {
            sums.amount = sums.amount.and_then(|s| s.checked_add(a));
        }
        Some(_) => {
            errs.push(&format!("{p}.amount"), "must be greater than 0");
            sums.amount = None;
        }
        None => sums.amount = None,
    }
    let vat = vat_rate(it.get("vat"), p, errs);
    item_vat(it.get("vat_amount"), line_amount, vat, p, sums, errs);
    for key in ["id", "type"] {
        optional_string(it, key, p, errs);
    }
}

/// A line's `vat`: a percentage, 0 to 100.
fn vat_rate(v: Option<&Value>, p: &str, errs: &mut Errors) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if (0.0..=100.0).contains(&v) => Some(v),
            _ => {
                errs.push(
                    &format!("{p}.vat"),
                    "must be a percentage between 0 and 100",
                );
                None
            }
        },
        Some(_) => {
            errs.push(&format!("{p}.vat"), "must be a number");
            None
        }
        None => {
            errs.push(&format!("{p}.vat"), "is required");
            None
        }
    }
}

/// A line's `vat_amount` (`v`), added to the VAT sum: as sent (between 0 and the
/// line amount), or computed from the amount and rate when left out.
fn item_vat(
    v: Option<&Value>,
    line_amount: Option<i64>,
    vat: Option<f64>,
    p: &str,
    sums: &mut ItemSums,
    errs: &mut Errors,
) {
    match v {
        None | Some(Value::Null) => {
            if let (Some(a), Some(v)) = (line_amount, vat) {
                sums.vat = sums.vat.saturating_add(line_vat(a, v));
                sums.vat_tolerance += 1;
            }
        }
        other => {
            if let Some(va) = integer(other, &format!("{p}.vat_amount"), errs) {
                if va < 0 || line_amount.is_some_and(|a| va > a) {
                    errs.push(
                        &format!("{p}.vat_amount"),
                        "must be between 0 and the line amount",
                    );
                }
                sums.vat = sums.vat.saturating_add(va);
            }
        }
    }
}

/// The order's `amount` and `vat_amount` against what the items add up to.
fn check_sums(
    amount: Option<i64>,
    vat_amount: Option<i64>,
    sums: &ItemSums,
    prefix: &str,
    errs: &mut Errors,
) {
    if let (Some(a), Some(s)) = (amount, sums.amount)
        && a != s
    {
        errs.push(
            &format!("{prefix}.amount"),
            format!("must equal the sum of items[].amount ({s}), got {a}"),
        );
    }
    if let Some(va) = vat_amount
        && va.saturating_sub(sums.vat).saturating_abs() > sums.vat_tolerance
    {
        errs.push(
            &format!("{prefix}.vat_amount"),
            format!(
                "must equal the sum of the items' vat_amount ({}), got {va}",
                sums.vat
            ),
        );
    }
}
