//! The sandbox's HTTP API spoken directly (reqwest over loopback), as the `sandbox_*.rs`
//! tests speak it. Request bodies are Dintero's own Kravia examples
//! (kravia-merchant-initiated-payments.txt).

use super::sandbox::{ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, start_async};
use kravia_batch::sandbox::{SandboxConfig, SandboxHandle};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Starts a sandbox with `config` on the test's runtime and fetches a token for the test
/// account: the sandbox, a client, the sandbox's base URL and the token.
pub async fn connect(config: SandboxConfig) -> (SandboxHandle, Client, String, String) {
    let sb = start_async(config).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    (sb, c, base, tok)
}

/// An HTTP client that gives up after 10 s.
pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// `POST /v1/accounts/{aid}/auth/token` with the test client, `secret` and `audience`.
pub async fn token_response(
    c: &Client,
    base: &str,
    secret: &str,
    audience: &str,
) -> reqwest::Response {
    c.post(format!("{base}/v1/accounts/{ACCOUNT_ID}/auth/token"))
        .basic_auth(CLIENT_ID, Some(secret))
        .json(&json!({ "grant_type": "client_credentials", "audience": audience }))
        .send()
        .await
        .expect("token request")
}

/// An access token of the test account.
pub async fn token(c: &Client, base: &str) -> String {
    let r = token_response(
        c,
        base,
        CLIENT_SECRET,
        &format!("https://api.dintero.com/v1/accounts/{ACCOUNT_ID}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    v["access_token"].as_str().expect("access_token").to_owned()
}

/// `POST /v1/sessions/pay` with the system headers and, if given, feature toggles.
pub async fn pay_with(
    c: &Client,
    base: &str,
    tok: &str,
    body: &Value,
    toggles: Option<&str>,
) -> reqwest::Response {
    let mut req = c
        .post(format!("{base}/v1/sessions/pay"))
        .bearer_auth(tok)
        .header("Dintero-System-Name", "kravia-batch")
        .header("Dintero-System-Version", "0.1.0")
        .json(body);
    if let Some(t) = toggles {
        req = req.header("Dintero-Feature-Toggles", t);
    }
    req.send().await.expect("pay request")
}

/// An answer's status and JSON body.
pub async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let v = r.json().await.expect("json body");
    (status, v)
}

/// `POST url` of the JSON `body` with the token; the status and JSON body.
pub async fn post_json(c: &Client, url: &str, tok: &str, body: &Value) -> (StatusCode, Value) {
    json_of(
        c.post(url)
            .bearer_auth(tok)
            .json(body)
            .send()
            .await
            .expect("post"),
    )
    .await
}

/// `GET url` with the token; the status and JSON body.
pub async fn get_json(c: &Client, url: &str, tok: &str) -> (StatusCode, Value) {
    json_of(c.get(url).bearer_auth(tok).send().await.expect("get")).await
}

/// The `event` names of a transaction's events, in order.
pub fn event_names(tx: &Value) -> Vec<String> {
    tx["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["event"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The order of Dintero's Kravia examples: one line of 299,00 NOK with 25 % VAT,
/// described as `description` with the id `line_id`.
pub fn order(reference: &str, description: &str, line_id: &str) -> Value {
    json!({
        "amount": 29900,
        "currency": "NOK",
        "vat_amount": 5980,
        "merchant_reference": reference,
        "items": [{
            "description": description,
            "quantity": 1,
            "amount": 29900,
            "vat": 25,
            "line_id": line_id
        }]
    })
}

/// A one-step body (`POST /v1/sessions/pay`) as Dintero's examples write it: `product`
/// due in `days_until_due` days, `order` billed to `billing`.
pub fn one_step_body(
    product: &str,
    days_until_due: u32,
    mut order: Value,
    billing: Value,
) -> Value {
    order["billing_address"] = billing;
    json!({
        "payment": {
            "payment_product_type": product,
            "operation": "invoice_payment",
            "days_until_due": days_until_due
        },
        "session": {
            "url": { "callback_url": "https://example.com/callback" },
            "order": order
        }
    })
}

/// Dintero's one-step B2B example for `reference`.
pub fn b2b_body(reference: &str) -> Value {
    let order = order(reference, "Monthly subscription - Premium", "sub-001");
    one_step_body("kravia.invoice_b2b", 30, order, b2b_billing())
}

/// The billing address of the B2B example.
pub fn b2b_billing() -> Value {
    json!({
        "first_name": "Ola",
        "last_name": "Nordmann",
        "business_name": "Nordmann AS",
        "organization_number": "123456789",
        "email": "ola@nordmann.no",
        "phone_number": "+4799999999",
        "address_line": "Storgata 1",
        "postal_code": "0151",
        "postal_place": "Oslo",
        "country": "NO"
    })
}

/// The billing address of Dintero's B2C example.
pub fn b2c_billing() -> Value {
    json!({
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": "kari@example.no",
        "phone_number": "+4798765432",
        "address_line": "Lillegata 5",
        "postal_code": "5003",
        "postal_place": "Bergen",
        "country": "NO"
    })
}
