//! End-to-end tests of the sandbox over real loopback HTTP (reqwest), one
//! sandbox per test on a free port. Request bodies are Dintero's own Kravia
//! examples (kravia-merchant-initiated-payments.txt).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kravia_batch::sandbox::{
    self, FaultRule, Faults, SandboxConfig, SandboxError, SandboxHandle, TransactionStatus,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const AID: &str = "T12345678";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn start_with(config: SandboxConfig) -> SandboxHandle {
    sandbox::start(config, loopback())
        .await
        .expect("sandbox starts")
}

async fn start_with_faults(faults: Faults) -> SandboxHandle {
    start_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn token_response(c: &Client, base: &str, secret: &str, audience: &str) -> reqwest::Response {
    c.post(format!("{base}/v1/accounts/{AID}/auth/token"))
        .basic_auth("sandbox-client", Some(secret))
        .json(&json!({ "grant_type": "client_credentials", "audience": audience }))
        .send()
        .await
        .expect("token request")
}

async fn token(c: &Client, base: &str) -> String {
    let r = token_response(
        c,
        base,
        "sandbox-secret",
        &format!("https://api.dintero.com/v1/accounts/{AID}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    v["access_token"].as_str().expect("access_token").to_owned()
}

fn b2b_body(reference: &str) -> Value {
    json!({
        "payment": {
            "payment_product_type": "kravia.invoice_b2b",
            "operation": "invoice_payment",
            "days_until_due": 30
        },
        "session": {
            "url": { "callback_url": "https://example.com/callback" },
            "order": {
                "amount": 29900,
                "currency": "NOK",
                "vat_amount": 5980,
                "merchant_reference": reference,
                "items": [{
                    "description": "Monthly subscription - Premium",
                    "quantity": 1,
                    "amount": 29900,
                    "vat": 25,
                    "line_id": "sub-001"
                }],
                "billing_address": {
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
                }
            }
        }
    })
}

fn b2c_billing() -> Value {
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

fn b2c_body(reference: &str) -> Value {
    json!({
        "payment": {
            "payment_product_type": "kravia.invoice_b2c",
            "operation": "invoice_payment",
            "days_until_due": 14
        },
        "session": {
            "url": { "callback_url": "https://example.com/callback" },
            "order": {
                "amount": 29900,
                "currency": "NOK",
                "vat_amount": 5980,
                "merchant_reference": reference,
                "items": [{
                    "description": "Online subscription",
                    "quantity": 1,
                    "amount": 29900,
                    "vat": 25,
                    "line_id": "item-1"
                }],
                "billing_address": b2c_billing()
            }
        }
    })
}

fn b2b_billing() -> Value {
    b2b_body("x")["session"]["order"]["billing_address"].clone()
}

fn session_body(reference: &str) -> Value {
    json!({
        "url": { "return_url": "https://example.com/", "callback_url": "https://example.com/callback" },
        "order": {
            "amount": 29900,
            "currency": "NOK",
            "vat_amount": 5980,
            "merchant_reference": reference,
            "items": [{
                "description": "Consulting services",
                "quantity": 1,
                "amount": 29900,
                "vat": 25,
                "line_id": "item-1"
            }]
        },
        "configuration": {
            "kravia": {
                "type": "payment_type",
                "invoice_b2b": {
                    "type": "payment_product_type",
                    "enabled": true,
                    "days_until_due": 30,
                    "require_identity_verification": false,
                    "invoice_channel": "kravia"
                }
            }
        }
    })
}

async fn pay_with(
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

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let v = r.json().await.expect("json body");
    (status, v)
}

async fn get_json(c: &Client, url: &str, tok: &str) -> (StatusCode, Value) {
    json_of(c.get(url).bearer_auth(tok).send().await.expect("get")).await
}

fn event_names(tx: &Value) -> Vec<String> {
    tx["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["event"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn error_fields(v: &Value) -> Vec<String> {
    v["error"]["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

// ----- auth -----

#[tokio::test]
async fn token_good_bad_secret_wrong_audience() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let real = format!("https://api.dintero.com/v1/accounts/{AID}");

    let (status, v) = json_of(token_response(&c, &base, "sandbox-secret", &real).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 14400);
    assert!(
        v["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    let own = format!("{base}/v1/accounts/{AID}");
    let (status, _) = json_of(token_response(&c, &base, "sandbox-secret", &own).await).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the sandbox's own host is accepted too"
    );

    let (status, v) = json_of(token_response(&c, &base, "wrong", &real).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["error"]["message"].is_string());

    let other = "https://api.dintero.com/v1/accounts/T99999999";
    let (status, v) = json_of(token_response(&c, &base, "sandbox-secret", other).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&v), vec!["audience"]);

    let r = c
        .post(format!("{base}/v1/accounts/{AID}/auth/token"))
        .json(&json!({"grant_type": "client_credentials", "audience": real}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no Basic credentials");

    let ledger = sb.ledger();
    assert_eq!(ledger.requests.len(), 5);
    assert!(
        !format!("{ledger:?}").contains("sandbox-secret"),
        "secrets stay out of the ledger"
    );
}

#[tokio::test]
async fn tokens_expire_and_bearer_is_required() {
    let sb = start_with(SandboxConfig {
        token_lifetime: Duration::from_millis(1000),
        ..SandboxConfig::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let url = format!("{base}/v1/transactions");
    assert_eq!(get_json(&c, &url, &tok).await.0, StatusCode::OK);
    assert_eq!(
        get_json(&c, &url, "not-a-token").await.0,
        StatusCode::UNAUTHORIZED
    );
    let r = c.get(&url).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, v) = get_json(&c, &url, &tok).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired"))
    );
}

// ----- one-step -----

#[tokio::test]
async fn one_step_b2b_doc_example() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let (status, tx) =
        json_of(pay_with(&c, &base, &tok, &b2b_body("inv-2026-001"), None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        tx["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("T12345678."))
    );
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["success"], true);
    assert_eq!(tx["amount"], 29900);
    assert_eq!(tx["currency"], "NOK");
    assert_eq!(tx["merchant_reference"], "inv-2026-001");
    assert_eq!(tx["payment_product_type"], "kravia.invoice_b2b");
    assert!(tx["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(tx["session_id"].is_string());
    let number = tx["metadata"]["kravia:invoice_number"]
        .as_str()
        .expect("invoice number");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(number, format!("INV-{year}-0001"));
    let invoice_url = tx["metadata"]["kravia:invoice_url"].as_str().expect("url");
    assert!(invoice_url.starts_with(&format!("{base}/v1/files/f-")));
    assert_eq!(event_names(&tx), vec!["AUTHORIZE", "INITIATE_CAPTURE"]);
    let meta = &tx["events"][0]["metadata"];
    let date = chrono::NaiveDate::parse_from_str(
        meta["kravia:invoice_date"].as_str().unwrap_or(""),
        "%Y-%m-%d",
    )
    .expect("invoice date");
    let due = chrono::NaiveDate::parse_from_str(
        meta["kravia:invoice_due_date"].as_str().unwrap_or(""),
        "%Y-%m-%d",
    )
    .expect("due date");
    assert_eq!((due - date).num_days(), 30);
    assert_eq!(meta["kravia:invoice_number"], number);
    assert!(meta["kravia:invoice_id"].is_string() && meta["kravia:creditor_id"].is_string());

    // The stored request carries the system headers.
    let ledger = sb.ledger();
    let reqs = ledger.requests_to("POST", "/v1/sessions/pay");
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].system_name.as_deref(), Some("kravia-batch"));
    assert_eq!(reqs[0].system_version.as_deref(), Some("0.1.0"));
    assert_eq!(reqs[0].status_code, Some(200));
    assert_eq!(
        reqs[0].body["session"]["order"]["merchant_reference"],
        "inv-2026-001"
    );
    assert_eq!(ledger.transactions_by_reference("inv-2026-001").len(), 1);

    // The invoice PDF.
    let r = c
        .get(invoice_url)
        .bearer_auth(&tok)
        .send()
        .await
        .expect("file");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert!(r.bytes().await.expect("bytes").starts_with(b"%PDF-1.4"));
    let r = c.get(invoice_url).send().await.expect("file");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_step_b2c_doc_example() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let (status, tx) = json_of(pay_with(&c, &base, &tok, &b2c_body("b2c-1"), None).await).await;
    assert_eq!(status, StatusCode::OK, "{tx}");
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["payment_product_type"], "kravia.invoice_b2c");
    let meta = &tx["events"][0]["metadata"];
    let date = chrono::NaiveDate::parse_from_str(
        meta["kravia:invoice_date"].as_str().unwrap_or(""),
        "%Y-%m-%d",
    );
    let due = chrono::NaiveDate::parse_from_str(
        meta["kravia:invoice_due_date"].as_str().unwrap_or(""),
        "%Y-%m-%d",
    );
    assert_eq!(date.and_then(|d| due.map(|u| (u - d).num_days())), Ok(14));
    let (status, got) = get_json(
        &c,
        &format!("{base}/v1/transactions/{}", tx["id"].as_str().unwrap_or("")),
        &tok,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["id"], tx["id"]);
    assert_eq!(got["status"], "AUTHORIZED");
}

#[tokio::test]
async fn validation_errors_are_400_and_create_nothing() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;

    let mut wrong_sum = b2b_body("v-1");
    wrong_sum["session"]["order"]["amount"] = json!(30000);
    let mut b2c_with_org = b2c_body("v-2");
    b2c_with_org["session"]["order"]["billing_address"]["organization_number"] = json!("123456789");
    let mut no_billing = b2b_body("v-3");
    if let Some(o) = no_billing["session"]["order"].as_object_mut() {
        o.remove("billing_address");
    }
    let mut bad_days = b2b_body("v-4");
    bad_days["payment"]["days_until_due"] = json!(400);
    let mut bad_phone = b2b_body("v-5");
    bad_phone["session"]["order"]["billing_address"]["phone_number"] = json!("4799999999");

    for (body, field) in [
        (wrong_sum, "session.order.amount"),
        (
            b2c_with_org,
            "session.order.billing_address.organization_number",
        ),
        (no_billing, "session.order.billing_address"),
        (bad_days, "payment.days_until_due"),
        (bad_phone, "session.order.billing_address.phone_number"),
    ] {
        let (status, v) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(v["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(error_fields(&v), vec![field]);
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(field))
        );
    }

    for raw in ["{", "", "[1,2]", "null"] {
        let r = c
            .post(format!("{base}/v1/sessions/pay"))
            .bearer_auth(&tok)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "body {raw:?}");
        let v: Value = r.json().await.expect("error body is JSON");
        assert!(v["error"]["message"].is_string());
    }
    assert!(sb.ledger().transactions.is_empty());
}

// ----- duplicate prevention -----

#[tokio::test]
async fn strict_merchant_reference_toggle() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let body = b2b_body("dup-1");
    assert_eq!(
        pay_with(&c, &base, &tok, &body, None).await.status(),
        StatusCode::OK
    );
    let (status, v) =
        json_of(pay_with(&c, &base, &tok, &body, Some("strict-merchant-reference")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "DUPLICATE_MERCHANT_REFERENCE");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("dup-1"))
    );
    // Without a toggle the API happily creates a duplicate.
    assert_eq!(
        pay_with(&c, &base, &tok, &body, None).await.status(),
        StatusCode::OK
    );
    let ledger = sb.ledger();
    assert_eq!(ledger.transactions_by_reference("dup-1").len(), 2);
    let last = ledger.requests_to("POST", "/v1/sessions/pay");
    assert_eq!(last[1].toggles, vec!["strict-merchant-reference"]);
}

#[tokio::test]
async fn strict_success_toggle_allows_retry_after_failure() {
    let sb = start_with_faults(Faults {
        fail_status: FaultRule::References(vec!["s-1".into()]),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let body = b2b_body("s-1");
    let toggle = Some("strict-success-merchant-reference");
    let (status, failed) = json_of(pay_with(&c, &base, &tok, &body, toggle).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(failed["status"], "FAILED");
    let (status, ok) = json_of(pay_with(&c, &base, &tok, &body, toggle).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ok["status"], "AUTHORIZED");
    let (status, v) = json_of(pay_with(&c, &base, &tok, &body, toggle).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "DUPLICATE_MERCHANT_REFERENCE");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("s-1"))
    );
    let (status, _) =
        json_of(pay_with(&c, &base, &tok, &body, Some("strict-merchant-reference")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let ledger = sb.ledger();
    assert_eq!(ledger.transactions_by_reference("s-1").len(), 2);
    assert_eq!(ledger.successful_by_reference("s-1").len(), 1);
}

// ----- transactions -----

#[tokio::test]
async fn lookup_by_merchant_reference_paginates() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let mut ids = Vec::new();
    for r in ["p", "q", "p", "p", "q", "p", "p"] {
        let (status, tx) = json_of(pay_with(&c, &base, &tok, &b2b_body(r), None).await).await;
        assert_eq!(status, StatusCode::OK);
        if r == "p" {
            ids.push(tx["id"].as_str().unwrap_or_default().to_owned());
        }
    }
    let mut seen = Vec::new();
    let mut url = format!("{base}/v1/transactions?merchant_reference=p&limit=2");
    loop {
        let (status, page) = get_json(&c, &url, &tok).await;
        assert_eq!(status, StatusCode::OK);
        let page = page.as_array().cloned().expect("bare array");
        seen.extend(
            page.iter()
                .map(|t| t["id"].as_str().unwrap_or_default().to_owned()),
        );
        if page.len() < 2 {
            break;
        }
        let last = seen.last().cloned().unwrap_or_default();
        url = format!("{base}/v1/transactions?merchant_reference=p&limit=2&starting_after={last}");
    }
    assert_eq!(seen, ids);
    let (_, all) = get_json(&c, &format!("{base}/v1/transactions"), &tok).await;
    assert_eq!(all.as_array().map(Vec::len), Some(7), "default limit 10");
    let (_, none) = get_json(
        &c,
        &format!("{base}/v1/transactions?merchant_reference=zzz"),
        &tok,
    )
    .await;
    assert_eq!(none, json!([]));
    for bad in [
        "limit=0",
        "limit=101",
        "limit=x",
        "starting_after=T12345678.nope",
    ] {
        let (status, v) = get_json(&c, &format!("{base}/v1/transactions?{bad}"), &tok).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(v["error"]["message"].is_string());
    }
    let (status, v) = get_json(
        &c,
        &format!("{base}/v1/transactions/T12345678.unknown"),
        &tok,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["error"]["message"].is_string());
}

#[tokio::test]
async fn void_and_mark_paid() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let create = |r: &'static str| {
        let (c, base, tok) = (c.clone(), base.clone(), tok.clone());
        async move {
            let (_, tx) = json_of(pay_with(&c, &base, &tok, &b2b_body(r), None).await).await;
            tx["id"].as_str().unwrap_or_default().to_owned()
        }
    };
    let void = |id: String| {
        let (c, base, tok) = (c.clone(), base.clone(), tok.clone());
        async move {
            json_of(
                c.post(format!("{base}/v1/transactions/{id}/void"))
                    .bearer_auth(&tok)
                    .send()
                    .await
                    .expect("void"),
            )
            .await
        }
    };

    let a = create("void-a").await;
    let (status, tx) = void(a.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tx["status"], "AUTHORIZATION_VOIDED");
    assert_eq!(event_names(&tx).last().map(String::as_str), Some("VOID"));
    let (status, v) = void(a).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("AUTHORIZATION_VOIDED"))
    );

    let b = create("void-b").await;
    let paid = sb.mark_paid(&b, None).expect("mark paid");
    assert_eq!(paid.status, TransactionStatus::Captured);
    let (status, tx) = get_json(&c, &format!("{base}/v1/transactions/{b}"), &tok).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tx["status"], "CAPTURED");
    assert_eq!(
        event_names(&tx),
        vec!["AUTHORIZE", "INITIATE_CAPTURE", "CAPTURE"]
    );
    let (status, v) = void(b.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CAPTURED"))
    );
    assert!(matches!(sb.mark_paid(&b, None), Err(SandboxError::Api(_))));

    let d = create("void-d").await;
    let part = sb.mark_paid(&d, Some(10000)).expect("partial");
    assert_eq!(part.status, TransactionStatus::PartiallyCaptured);
    let (_, tx) = get_json(&c, &format!("{base}/v1/transactions/{d}"), &tok).await;
    assert_eq!(tx["status"], "PARTIALLY_CAPTURED");
    let (status, tx) = void(d).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tx["status"], "AUTHORIZATION_VOIDED");
    assert!(sb.mark_paid("T12345678.unknown", None).is_err());
}

// ----- two-step -----

#[tokio::test]
async fn two_step_happy_path() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let (status, s) = json_of(
        c.post(format!("{base}/v1/sessions"))
            .bearer_auth(&tok)
            .json(&session_body("two-1"))
            .send()
            .await
            .expect("session"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let sid = s["id"].as_str().expect("session id").to_owned();
    assert!(s["url"].is_string());
    let (status, got) = get_json(&c, &format!("{base}/v1/sessions/{sid}"), &tok).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got.get("transaction_id").is_none());

    let pay_url = format!("{base}/v1/sessions/{sid}/pay");
    // B2C is not enabled in this session.
    let (status, v) = json_of(
        c.post(&pay_url)
            .bearer_auth(&tok)
            .json(&json!({"payment_product_type": "kravia.invoice_b2c", "billing_address": b2c_billing()}))
            .send()
            .await
            .expect("pay"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");

    let pay_body =
        json!({"payment_product_type": "kravia.invoice_b2b", "billing_address": b2b_billing()});
    let (status, tx) = json_of(
        c.post(&pay_url)
            .bearer_auth(&tok)
            .json(&pay_body)
            .send()
            .await
            .expect("pay"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tx}");
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["session_id"], sid.as_str());
    assert_eq!(tx["merchant_reference"], "two-1");
    assert_eq!(event_names(&tx), vec!["AUTHORIZE", "INITIATE_CAPTURE"]);
    let (_, got) = get_json(&c, &format!("{base}/v1/sessions/{sid}"), &tok).await;
    assert_eq!(got["transaction_id"], tx["id"]);

    let (status, v) = json_of(
        c.post(&pay_url)
            .bearer_auth(&tok)
            .json(&pay_body)
            .send()
            .await
            .expect("pay"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "already paid");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already paid"))
    );
    let (status, _) = get_json(&c, &format!("{base}/v1/sessions/T12345678.nope"), &tok).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_step_alternative_result_shape() {
    let sb = start_with_faults(Faults {
        two_step_pay_result_shape: true,
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let (_, s) = json_of(
        c.post(format!("{base}/v1/sessions"))
            .bearer_auth(&tok)
            .json(&session_body("two-2"))
            .send()
            .await
            .expect("session"),
    )
    .await;
    let sid = s["id"].as_str().unwrap_or_default().to_owned();
    let (status, result) = json_of(
        c.post(format!("{base}/v1/sessions/{sid}/pay"))
            .bearer_auth(&tok)
            .json(&json!({"payment_product_type": "kravia.invoice_b2b", "billing_address": b2b_billing()}))
            .send()
            .await
            .expect("pay"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result, json!({"success": true, "actions": []}));
    let (_, session) = get_json(&c, &format!("{base}/v1/sessions/{sid}"), &tok).await;
    let tx_id = session["transaction_id"]
        .as_str()
        .expect("transaction_id")
        .to_owned();
    let (status, tx) = get_json(&c, &format!("{base}/v1/transactions/{tx_id}"), &tok).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tx["status"], "AUTHORIZED");
}

#[tokio::test]
async fn capture_for_merchant_channel_only() {
    let sb = start_with(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let mut body = b2b_body("cap-1");
    body["payment"]["invoice_channel"] = json!("merchant");
    let (status, tx) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        event_names(&tx),
        vec!["AUTHORIZE"],
        "merchant delivers: no collection yet"
    );
    let id = tx["id"].as_str().unwrap_or_default().to_owned();
    let capture = |id: String, amount: Value| {
        let (c, base, tok) = (c.clone(), base.clone(), tok.clone());
        async move {
            json_of(
                c.post(format!("{base}/v1/transactions/{id}/capture"))
                    .bearer_auth(&tok)
                    .json(&json!({ "amount": amount }))
                    .send()
                    .await
                    .expect("capture"),
            )
            .await
        }
    };
    assert_eq!(
        capture(id.clone(), json!("lots")).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, tx) = capture(id.clone(), json!(29900)).await;
    assert_eq!(status, StatusCode::OK, "{tx}");
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(event_names(&tx), vec!["AUTHORIZE", "INITIATE_CAPTURE"]);
    assert_eq!(
        capture(id, json!(29900)).await.0,
        StatusCode::BAD_REQUEST,
        "only once"
    );

    let (_, kravia) = json_of(pay_with(&c, &base, &tok, &b2b_body("cap-2"), None).await).await;
    let (status, v) = capture(
        kravia["id"].as_str().unwrap_or_default().to_owned(),
        json!(29900),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("merchant"))
    );
}

// ----- faults -----

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sb = start_with_faults(Faults {
        rate_limit: Some(3),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let url = format!("{base}/v1/transactions");
    // Six requests at once against a bucket of three.
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (c, url, tok) = (c.clone(), url.clone(), tok.clone());
            tokio::spawn(async move { c.get(&url).bearer_auth(&tok).send().await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let r = task.await.expect("task").expect("get");
        statuses.push(r.status().as_u16());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
                Some("1")
            );
            let v: Value = r.json().await.expect("error body");
            assert_eq!(v["error"]["code"], "TOO_MANY_REQUESTS");
        }
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 200, 200, 429, 429, 429]);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(
        get_json(&c, &url, &tok).await.0,
        StatusCode::OK,
        "refilled after a second"
    );
    // The token endpoint is not rate limited.
    for _ in 0..5 {
        token(&c, &base).await;
    }
}

#[tokio::test]
async fn latency_delays_payment_calls() {
    let sb = start_with_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let t0 = Instant::now();
    assert_eq!(
        get_json(&c, &format!("{base}/v1/transactions"), &tok)
            .await
            .0,
        StatusCode::OK
    );
    assert!(t0.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn fail_before_commit_creates_nothing() {
    let sb = start_with_faults(Faults {
        fail_before_commit: FaultRule::FirstN(1),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let body = b2b_body("fbc-1");
    let (status, v) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(v["error"]["message"].is_string());
    assert!(sb.ledger().transactions.is_empty());
    let (status, _) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
    assert_eq!(status, StatusCode::OK, "the retry succeeds");
    assert_eq!(sb.ledger().transactions.len(), 1);

    sb.set_faults(Faults {
        fail_before_commit: FaultRule::Always,
        fail_before_commit_status: 500,
        ..Faults::default()
    });
    let (status, _) = json_of(pay_with(&c, &base, &tok, &b2b_body("fbc-2"), None).await).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sb.ledger().transactions.len(), 1);
}

#[tokio::test]
async fn drop_after_commit_loses_the_response_but_keeps_the_invoice() {
    let sb = start_with_faults(Faults {
        drop_after_commit: FaultRule::References(vec!["drop-1".into()]),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let body = b2b_body("drop-1");
    let toggle = Some("strict-success-merchant-reference");
    let t0 = Instant::now();
    let err = c
        .post(format!("{base}/v1/sessions/pay"))
        .bearer_auth(&tok)
        .json(&body)
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(
        !err.is_timeout(),
        "a connection error, not a timeout: {err:?}"
    );
    // hyper: "connection closed before message completed".
    assert!(err.is_request(), "{err:?}");
    assert!(format!("{err:?}").contains("IncompleteMessage"), "{err:?}");
    assert!(err.status().is_none());
    assert!(t0.elapsed() < Duration::from_secs(5));

    let ledger = sb.ledger();
    let created = ledger.transactions_by_reference("drop-1");
    assert_eq!(
        created.len(),
        1,
        "the invoice exists although the client saw no answer"
    );
    assert_eq!(created[0].status, TransactionStatus::Authorized);
    let reqs = ledger.requests_to("POST", "/v1/sessions/pay");
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].status_code, None, "no response was delivered");

    // A careful client looks the reference up instead of resending blindly.
    let (_, found) = get_json(
        &c,
        &format!("{base}/v1/transactions?merchant_reference=drop-1"),
        &tok,
    )
    .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["id"].as_str(), Some(created[0].id.as_str()));
    // And a blind resend under the strict toggle is refused.
    let (status, v) = json_of(pay_with(&c, &base, &tok, &body, toggle).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "DUPLICATE_MERCHANT_REFERENCE");
    // The rule fired once: other references are answered normally.
    assert_eq!(
        pay_with(&c, &base, &tok, &b2b_body("drop-2"), None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn slow_after_commit_outlasts_the_client_timeout() {
    let sb = start_with_faults(Faults {
        slow_after_commit: Some((FaultRule::FirstN(1), Duration::from_secs(2))),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let err = c
        .post(format!("{base}/v1/sessions/pay"))
        .bearer_auth(&tok)
        .timeout(Duration::from_millis(500))
        .json(&b2b_body("slow-1"))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(sb.ledger().transactions_by_reference("slow-1").len(), 1);
    // Once per reference: the next request is answered at once.
    let t0 = Instant::now();
    assert_eq!(
        pay_with(&c, &base, &tok, &b2b_body("slow-2"), None)
            .await
            .status(),
        StatusCode::OK
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn spurious_401_once_then_accepted() {
    let sb = start_with_faults(Faults {
        spurious_401: FaultRule::FirstN(1),
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let body = b2b_body("s401");
    let (status, v) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["error"]["message"].is_string());
    assert!(sb.ledger().transactions.is_empty());
    let (status, _) = json_of(pay_with(&c, &base, &tok, &body, None).await).await;
    assert_eq!(status, StatusCode::OK, "same token accepted on retry");
}

#[tokio::test]
async fn fail_status_answers_200_failed_do_not_retry() {
    let sb = start_with_faults(Faults {
        fail_status: FaultRule::Always,
        ..Faults::default()
    })
    .await;
    let (c, base) = (client(), sb.base_url());
    let tok = token(&c, &base).await;
    let (status, tx) = json_of(pay_with(&c, &base, &tok, &b2b_body("failed-1"), None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tx["status"], "FAILED");
    assert_eq!(tx["success"], false);
    assert!(tx["metadata"].get("kravia:invoice_number").is_none());
    let error = &tx["events"][0]["error"];
    assert_eq!(
        error["retry_policy"]["retry_codes"],
        json!(["DO_NOT_RETRY"])
    );
    assert!(error["code"].is_string() && error["message"].is_string());
    assert_eq!(
        sb.ledger().transactions[0].status,
        TransactionStatus::Failed
    );
}

// ----- lifecycle -----

#[tokio::test]
async fn refuses_non_loopback_and_shuts_down() {
    let err = sandbox::start(
        SandboxConfig::default(),
        SocketAddr::from(([0, 0, 0, 0], 0)),
    )
    .await
    .expect_err("not loopback");
    assert!(matches!(err, SandboxError::NotLoopback(_)));
    let sb = start_with(SandboxConfig::default()).await;
    let base = sb.base_url();
    assert_eq!(base, format!("http://{}", sb.addr()));
    sb.shutdown().await.expect("clean shutdown");
    let r = client().get(format!("{base}/v1/transactions")).send().await;
    assert!(r.is_err(), "nothing listens any more");
}

#[test]
fn blocking_sandbox_serves_plain_tests() {
    let sb = sandbox::start_blocking(SandboxConfig::default()).expect("starts");
    let mut stream = std::net::TcpStream::connect(sb.addr()).expect("connect");
    stream
        .write_all(b"GET /v1/transactions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"error\""));
    let ledger = sb.ledger();
    assert_eq!(ledger.requests.len(), 1);
    assert_eq!(ledger.requests[0].status_code, Some(401));
    sb.set_faults(Faults {
        rate_limit: Some(1),
        ..Faults::default()
    });
    assert_eq!(sb.faults().rate_limit, Some(1));
    assert!(sb.mark_paid("T12345678.none", None).is_err());
    sb.shutdown();
}
