//! Request-body validation, mirroring what Dintero checks on the Kravia
//! endpoints (see `dintero-api.md` and the Kravia page's examples).
//!
//! Works on `serde_json::Value` so that any malformed body becomes a 400
//! listing every problem, never a panic, and turns valid bodies into small
//! typed requests for state.rs.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::error::{ApiError, FieldError};
use super::model::{InvoiceChannel, KraviaProductConfig, ProductType};

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

/// Collects field errors.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

fn object<'a>(
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

fn non_empty_string(
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

fn optional_string(
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
fn integer(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<i64> {
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

fn days_until_due(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<u32> {
    let days = integer(v, field, errs)?;
    match u32::try_from(days) {
        Ok(d) if d <= 365 => Some(d),
        _ => {
            errs.push(field, "must be between 0 and 365");
            None
        }
    }
}

fn invoice_channel(m: &Map<String, Value>, prefix: &str, errs: &mut Errors) -> InvoiceChannel {
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

fn product_type(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<ProductType> {
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

/// `url`: optional object; a `callback_url` must be https and not localhost.
fn url(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<Value> {
    url_checked(v, field, false, errs)
}

/// `SessionBase.url` on session creation (`POST /v1/sessions`, `/v1/sessions-profile`):
/// the object is required, and so is its `return_url` (the specification's rule).
fn session_url(v: Option<&Value>, field: &str, errs: &mut Errors) -> Option<Value> {
    if matches!(v, None | Some(Value::Null)) {
        errs.push(field, "required object");
        return None;
    }
    url_checked(v, field, true, errs)
}

fn url_checked(
    v: Option<&Value>,
    field: &str,
    return_required: bool,
    errs: &mut Errors,
) -> Option<Value> {
    let m = match v {
        None | Some(Value::Null) => return None,
        Some(Value::Object(m)) => m,
        Some(_) => {
            errs.push(field, "must be an object");
            return None;
        }
    };
    match optional_string(m, "return_url", field, errs) {
        Some(r) if !(r.starts_with("https://") || r.starts_with("http://")) => errs.push(
            &format!("{field}.return_url"),
            "must be an http or https URL",
        ),
        Some(_) => {}
        None if return_required && !matches!(m.get("return_url"), Some(v) if !v.is_null()) => {
            errs.push(&format!("{field}.return_url"), "is required")
        }
        None => {}
    }
    if let Some(cb) = optional_string(m, "callback_url", field, errs) {
        let host = cb
            .strip_prefix("https://")
            .map(|rest| rest.split(['/', ':', '?']).next().unwrap_or(""));
        match host {
            None => errs.push(&format!("{field}.callback_url"), "must be an https URL"),
            Some(h) if h.is_empty() || h == "localhost" || h.starts_with("127.") => errs.push(
                &format!("{field}.callback_url"),
                "must not point at localhost",
            ),
            Some(_) => {}
        }
    }
    v.cloned()
}

/// VAT of a line including VAT: `amount * vat / (100 + vat)`, rounded.
fn line_vat(amount: i64, vat: f64) -> i64 {
    // Amounts are minor units well inside f64's exact integer range.
    ((amount as f64) * vat / (100.0 + vat)).round() as i64
}

/// Validates `order` (without its billing address).
fn order(v: Option<&Value>, prefix: &str, errs: &mut Errors) -> Option<ValidOrder> {
    let m = object(v, prefix, errs)?;
    let amount = integer(m.get("amount"), &format!("{prefix}.amount"), errs);
    let currency = non_empty_string(m, "currency", prefix, errs);
    if let Some(c) = &currency
        && !(c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
    {
        errs.push(
            &format!("{prefix}.currency"),
            "must be a 3-letter ISO 4217 code",
        );
    }
    let reference = non_empty_string(m, "merchant_reference", prefix, errs);
    let reference_2 = optional_string(m, "merchant_reference_2", prefix, errs);
    let vat_amount = match m.get("vat_amount") {
        None | Some(Value::Null) => None,
        other => integer(other, &format!("{prefix}.vat_amount"), errs),
    };

    let items_field = format!("{prefix}.items");
    let mut sum = Some(0i64);
    // Sum of the lines' VAT; a line without `vat_amount` counts its computed
    // VAT, with a tolerance of one minor unit per such line.
    let mut vat_sum = 0i64;
    let mut vat_tolerance = 0i64;
    match m.get("items") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut line_ids = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("{items_field}[{i}]");
                let Some(it) = object(Some(item), &p, errs) else {
                    sum = None;
                    continue;
                };
                if let Some(id) = non_empty_string(it, "line_id", &p, errs)
                    && !line_ids.insert(id.clone())
                {
                    errs.push(&format!("{p}.line_id"), format!("duplicate line_id {id:?}"));
                }
                non_empty_string(it, "description", &p, errs);
                match it.get("quantity") {
                    Some(Value::Number(q)) if q.as_f64().is_some_and(|q| q > 0.0) => {}
                    Some(_) => errs.push(&format!("{p}.quantity"), "must be a positive number"),
                    None => errs.push(&format!("{p}.quantity"), "is required"),
                }
                let line_amount = integer(it.get("amount"), &format!("{p}.amount"), errs);
                match line_amount {
                    Some(a) if a > 0 => {
                        sum = sum.and_then(|s| s.checked_add(a));
                    }
                    Some(_) => {
                        errs.push(&format!("{p}.amount"), "must be greater than 0");
                        sum = None;
                    }
                    None => sum = None,
                }
                let vat = match it.get("vat") {
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
                };
                match it.get("vat_amount") {
                    None | Some(Value::Null) => {
                        if let (Some(a), Some(v)) = (line_amount, vat) {
                            vat_sum = vat_sum.saturating_add(line_vat(a, v));
                            vat_tolerance += 1;
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
                            vat_sum = vat_sum.saturating_add(va);
                        }
                    }
                }
                for key in ["id", "type"] {
                    optional_string(it, key, &p, errs);
                }
            }
        }
        Some(Value::Array(_)) => {
            errs.push(&items_field, "must contain at least one item");
            sum = None;
        }
        Some(_) => {
            errs.push(&items_field, "must be an array");
            sum = None;
        }
        None => {
            errs.push(&items_field, "is required");
            sum = None;
        }
    }
    if let (Some(a), Some(s)) = (amount, sum)
        && a != s
    {
        errs.push(
            &format!("{prefix}.amount"),
            format!("must equal the sum of items[].amount ({s}), got {a}"),
        );
    }
    if let Some(va) = vat_amount
        && va.saturating_sub(vat_sum).saturating_abs() > vat_tolerance
    {
        errs.push(
            &format!("{prefix}.vat_amount"),
            format!("must equal the sum of the items' vat_amount ({vat_sum}), got {va}"),
        );
    }
    Some(ValidOrder {
        amount: amount?,
        currency: currency?,
        merchant_reference: reference?,
        merchant_reference_2: reference_2,
        items: m.get("items").cloned().unwrap_or(Value::Null),
        raw: v.cloned().unwrap_or(Value::Null),
    })
}

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
fn billing_address_inner(
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
        match root.get("profile_id") {
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
        for product in ProductType::ALL {
            let field = format!("configuration.kravia.{}", product.config_key());
            let Some(pc) = kravia.get(product.config_key()) else {
                continue;
            };
            let Some(pc) = object(Some(pc), &field, &mut errs) else {
                continue;
            };
            if pc.get("enabled") != Some(&Value::Bool(true)) {
                continue;
            }
            let days = days_until_due(
                pc.get("days_until_due"),
                &format!("{field}.days_until_due"),
                &mut errs,
            );
            let channel = invoice_channel(pc, &field, &mut errs);
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

/// Validates a token request body for account `aid`: `grant_type` must be
/// `client_credentials` and `audience` must end with `/v1/accounts/{aid}`
/// (any host: clients use the real host string or the sandbox's).
pub fn token_request(body: &Value, aid: &str) -> Result<(), ApiError> {
    let mut errs = Errors::default();
    if let Some(m) = object(Some(body), "body", &mut errs) {
        match m.get("grant_type") {
            Some(Value::String(g)) if g == "client_credentials" => {}
            Some(_) => errs.push("grant_type", "must be \"client_credentials\""),
            None => errs.push("grant_type", "is required"),
        }
        match m.get("audience") {
            Some(Value::String(a)) if a.ends_with(&format!("/v1/accounts/{aid}")) => {}
            Some(_) => errs.push(
                "audience",
                format!("must be the account's URL, ending with /v1/accounts/{aid}"),
            ),
            None => errs.push("audience", "is required"),
        }
    }
    errs.finish(())
}

/// Reached only if a validator's bookkeeping is inconsistent (a missing part
/// without a recorded error); answers a 400 rather than panicking.
fn unreachable_invalid<T>() -> Result<T, ApiError> {
    Err(ApiError::bad_request("VALIDATION_ERROR", "invalid request"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn b2b_body() -> Value {
        json!({
            "payment": {"payment_product_type": "kravia.invoice_b2b", "operation": "invoice_payment", "days_until_due": 30},
            "session": {
                "url": {"callback_url": "https://example.com/callback"},
                "order": {
                    "amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": "ref-1",
                    "items": [{"description": "Monthly subscription - Premium", "quantity": 1, "amount": 29900, "vat": 25, "line_id": "sub-001"}],
                    "billing_address": {
                        "first_name": "Ola", "last_name": "Nordmann", "business_name": "Nordmann AS",
                        "organization_number": "123456789", "email": "ola@nordmann.no", "phone_number": "+4799999999",
                        "address_line": "Storgata 1", "postal_code": "0151", "postal_place": "Oslo", "country": "NO"
                    }
                }
            }
        })
    }

    fn fields(err: ApiError) -> Vec<String> {
        err.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn doc_b2b_example_is_valid() {
        let req = pay_request(&b2b_body()).expect("valid");
        assert_eq!(req.product, ProductType::InvoiceB2b);
        assert_eq!(req.days_until_due, 30);
        assert_eq!(req.channel, InvoiceChannel::Kravia);
        assert_eq!(req.order.amount, 29900);
        assert_eq!(req.order.merchant_reference, "ref-1");
    }

    #[test]
    fn amount_must_match_items() {
        let mut body = b2b_body();
        body["session"]["order"]["amount"] = json!(30000);
        let err = pay_request(&body).unwrap_err();
        assert_eq!(fields(err), vec!["session.order.amount"]);
    }

    #[test]
    fn vat_amount_checked_against_items() {
        let mut body = b2b_body();
        body["session"]["order"]["vat_amount"] = json!(6000);
        assert_eq!(
            fields(pay_request(&body).unwrap_err()),
            vec!["session.order.vat_amount"]
        );
        body["session"]["order"]["items"][0]["vat_amount"] = json!(6000);
        assert!(pay_request(&body).is_ok());
    }

    #[test]
    fn b2c_refuses_business_fields() {
        let mut body = b2b_body();
        body["payment"]["payment_product_type"] = json!("kravia.invoice_b2c");
        let err = pay_request(&body).unwrap_err();
        assert_eq!(
            fields(err),
            vec![
                "session.order.billing_address.business_name",
                "session.order.billing_address.organization_number"
            ]
        );
    }

    #[test]
    fn b2b_requires_business_fields() {
        let mut body = b2b_body();
        if let Some(b) = body["session"]["order"]["billing_address"].as_object_mut() {
            b.remove("organization_number");
        }
        assert_eq!(
            fields(pay_request(&body).unwrap_err()),
            vec!["session.order.billing_address.organization_number"]
        );
    }

    #[test]
    fn many_errors_are_listed_and_nothing_panics() {
        for body in [
            json!(null),
            json!([]),
            json!("x"),
            json!({}),
            json!({"payment": 3, "session": {"order": []}}),
        ] {
            let err = pay_request(&body).unwrap_err();
            assert_eq!(err.code.as_deref(), Some("VALIDATION_ERROR"));
        }
        let mut body = b2b_body();
        body["payment"]["days_until_due"] = json!(366);
        body["payment"]["operation"] = json!("capture");
        body["payment"]["invoice_channel"] = json!("email");
        body["session"]["order"]["currency"] = json!("kr");
        body["session"]["order"]["merchant_reference"] = json!("");
        body["session"]["order"]["billing_address"]["phone_number"] = json!("99999999");
        body["session"]["order"]["billing_address"]["country"] = json!("NOR");
        let f = fields(pay_request(&body).unwrap_err());
        for expected in [
            "payment.days_until_due",
            "payment.operation",
            "payment.invoice_channel",
            "session.order.currency",
            "session.order.merchant_reference",
            "session.order.billing_address.phone_number",
            "session.order.billing_address.country",
        ] {
            assert!(
                f.contains(&expected.to_owned()),
                "{expected} missing from {f:?}"
            );
        }
    }

    #[test]
    fn items_rules() {
        let mut body = b2b_body();
        body["session"]["order"]["items"] = json!([
            {"description": "a", "quantity": 1, "amount": 100, "vat": 25, "line_id": "x"},
            {"description": "b", "quantity": 1.5, "amount": 29800, "vat": 25, "line_id": "x"}
        ]);
        assert_eq!(
            fields(pay_request(&body).unwrap_err()),
            vec!["session.order.items[1].line_id"]
        );
        body["session"]["order"]["items"][1]["line_id"] = json!("y");
        assert!(pay_request(&body).is_ok());
        body["session"]["order"]["items"][1]["amount"] = json!(298.5);
        assert!(pay_request(&body).is_err());
        body["session"]["order"]["items"] = json!([]);
        assert!(pay_request(&body).is_err());
    }

    #[test]
    fn missing_billing_address_and_float_days() {
        let mut body = b2b_body();
        if let Some(o) = body["session"]["order"].as_object_mut() {
            o.remove("billing_address");
        }
        body["payment"]["days_until_due"] = json!(30.0);
        let f = fields(pay_request(&body).unwrap_err());
        assert_eq!(
            f,
            vec!["payment.days_until_due", "session.order.billing_address"]
        );
    }

    #[test]
    fn session_request_needs_an_enabled_product() {
        let body = json!({
            "url": {"return_url": "https://example.com/return", "callback_url": "https://example.com/callback"},
            "order": {"amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": "r",
                "items": [{"description": "Consulting services", "quantity": 1, "amount": 29900, "vat": 25, "line_id": "item-1"}]},
            "configuration": {"kravia": {"type": "payment_type", "invoice_b2b": {"type": "payment_product_type", "enabled": true, "days_until_due": 30, "require_identity_verification": false, "invoice_channel": "kravia"}}}
        });
        let req = session_request(&body).expect("valid");
        assert_eq!(req.products.len(), 1);
        let mut off = body.clone();
        off["configuration"]["kravia"]["invoice_b2b"]["enabled"] = json!(false);
        assert_eq!(
            fields(session_request(&off).unwrap_err()),
            vec!["configuration.kravia"]
        );
    }

    #[test]
    fn sessions_need_url_with_return_url_as_the_specification_says() {
        let body = json!({
            "order": {"amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": "r",
                "items": [{"description": "Consulting services", "quantity": 1, "amount": 29900, "vat": 25, "line_id": "item-1"}]},
            "configuration": {"kravia": {"type": "payment_type", "invoice_b2b": {"type": "payment_product_type", "enabled": true, "days_until_due": 30, "require_identity_verification": false, "invoice_channel": "kravia"}}}
        });
        let err = session_request(&body).unwrap_err();
        assert_eq!(fields(err.clone()), vec!["url"]);
        assert!(err.errors[0].message.contains("required object"));
        let mut callback_only = body.clone();
        callback_only["url"] = json!({"callback_url": "https://example.com/callback"});
        assert_eq!(
            fields(session_request(&callback_only).unwrap_err()),
            vec!["url.return_url"]
        );
        let mut both = body.clone();
        both["url"] = json!({"return_url": "https://example.com/", "callback_url": "https://example.com/callback"});
        assert!(session_request(&both).is_ok());
        // The profile endpoint: profile_id required, configuration optional.
        let mut profile = both.clone();
        assert_eq!(
            fields(session_profile_request(&profile).unwrap_err()),
            vec!["profile_id"]
        );
        profile["profile_id"] = json!("default");
        profile.as_object_mut().unwrap().remove("configuration");
        let req = session_profile_request(&profile).expect("valid");
        assert_eq!(req.profile_id.as_deref(), Some("default"));
        assert!(req.products.is_empty());
        // One-step sessions: url stays optional.
        let mut one = b2b_body();
        one["session"].as_object_mut().unwrap().remove("url");
        assert!(pay_request(&one).is_ok());
    }

    #[test]
    fn token_request_rules() {
        assert!(token_request(&json!({"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T1"}), "T1").is_ok());
        assert!(token_request(&json!({"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T2"}), "T1").is_err());
        assert!(
            token_request(
                &json!({"grant_type": "password", "audience": "x/v1/accounts/T1"}),
                "T1"
            )
            .is_err()
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
            Just(json!(i64::MAX)),
            Just(json!(i64::MIN)),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const PATHS: [&str; 18] = [
        "/payment",
        "/payment/payment_product_type",
        "/payment/days_until_due",
        "/payment/invoice_channel",
        "/session/url",
        "/session/url/callback_url",
        "/session/order",
        "/session/order/amount",
        "/session/order/currency",
        "/session/order/vat_amount",
        "/session/order/items",
        "/session/order/items/0",
        "/session/order/items/0/amount",
        "/session/order/items/0/vat",
        "/session/order/items/0/vat_amount",
        "/session/order/items/0/quantity",
        "/session/order/billing_address",
        "/session/order/billing_address/phone_number",
    ];

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(v in arb_json()) {
            prop_assert!(pay_request(&v).is_err() || v.get("payment").is_some());
            let _ = session_request(&v);
            let _ = session_pay_request(&v);
            let _ = capture_request(&v);
            let _ = token_request(&v, "T12345678");
        }

        #[test]
        fn mutated_doc_bodies_never_panic(
            mutations in prop::collection::vec((0..PATHS.len(), arb_json()), 1..4)
        ) {
            let mut body = b2b_body();
            for (i, v) in mutations {
                if let Some(slot) = body.pointer_mut(PATHS[i]) {
                    *slot = v;
                }
            }
            let _ = pay_request(&body);
        }
    }

    #[test]
    fn capture_request_rules() {
        assert_eq!(capture_request(&json!({"amount": 5})), Ok(5));
        assert!(capture_request(&json!({"amount": 0})).is_err());
        assert!(capture_request(&json!({})).is_err());
        assert!(capture_request(&json!(null)).is_err());
    }
}
