//! Unit tests of the body validators (moved out of validate.rs unchanged).

use super::*;
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{InvoiceChannel, ProductType};
use proptest::prelude::*;
use serde_json::{Value, json};

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
