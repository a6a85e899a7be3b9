//! End-to-end tests of the sandbox over real loopback HTTP (reqwest), one sandbox per
//! test on a free port: tokens, one-step payments, validation, duplicate prevention, and
//! the sandbox's own start and stop. Request bodies are Dintero's own Kravia examples
//! (kravia-merchant-initiated-payments.txt). Transactions and the two-step flow:
//! `sandbox_transactions.rs`; injected faults: `sandbox_faults.rs`.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use common::api::{
    b2b_body, b2c_billing, client, connect, event_names, get_json, json_of, one_step_body, order,
    pay_with, token_response,
};
use common::sandbox::{ACCOUNT_ID, config, start_async};
use kravia_batch::sandbox::{self, FaultRule, Faults, SandboxConfig, SandboxError};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Dintero's one-step B2C example (`POST /v1/sessions/pay`) for `reference`.
fn b2c_body(reference: &str) -> Value {
    let order = order(reference, "Online subscription", "item-1");
    one_step_body("kravia.invoice_b2c", 14, order, b2c_billing())
}

/// The `field` of each of a 400 answer's errors.
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
    let sb = start_async(SandboxConfig::default()).await;
    let (c, base) = (client(), sb.base_url());
    let real = format!("https://api.dintero.com/v1/accounts/{ACCOUNT_ID}");

    let (status, v) = json_of(token_response(&c, &base, "sandbox-secret", &real).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 14400);
    assert!(
        v["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    let own = format!("{base}/v1/accounts/{ACCOUNT_ID}");
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
        .post(format!("{base}/v1/accounts/{ACCOUNT_ID}/auth/token"))
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
    let (_sb, c, base, tok) = connect(SandboxConfig {
        token_lifetime: Duration::from_millis(1000),
        ..SandboxConfig::default()
    })
    .await;
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
    let (sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
    let (_sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
    let (sb, c, base, tok) = connect(SandboxConfig::default()).await;

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
    let (sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        fail_status: FaultRule::References(vec!["s-1".into()]),
        ..Faults::default()
    }))
    .await;
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
    let sb = start_async(SandboxConfig::default()).await;
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
