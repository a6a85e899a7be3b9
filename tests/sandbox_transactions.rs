//! The sandbox's transactions and two-step flow over real loopback HTTP (reqwest), one
//! sandbox per test on a free port: look-ups by merchant reference with pagination, void
//! and "mark paid", `POST /v1/sessions` then `/pay` (both result shapes), and capture
//! for merchant-delivered invoices.

mod common;

use common::api::{
    b2b_billing, b2b_body, b2c_billing, connect, event_names, get_json, json_of, order, pay_with,
    post_json,
};
use common::sandbox::config;
use kravia_batch::sandbox::{Faults, SandboxConfig, SandboxError, TransactionStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A two-step session (`POST /v1/sessions`) for `reference`, B2B enabled.
fn session_body(reference: &str) -> Value {
    json!({
        "url": { "return_url": "https://example.com/", "callback_url": "https://example.com/callback" },
        "order": order(reference, "Consulting services", "item-1"),
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

// ----- transactions -----

#[tokio::test]
async fn lookup_by_merchant_reference_paginates() {
    let (_sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
    let (sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
    let (_sb, c, base, tok) = connect(SandboxConfig::default()).await;
    let (status, s) = post_json(
        &c,
        &format!("{base}/v1/sessions"),
        &tok,
        &session_body("two-1"),
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
    let (status, v) = post_json(
        &c,
        &pay_url,
        &tok,
        &json!({"payment_product_type": "kravia.invoice_b2c", "billing_address": b2c_billing()}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");

    let pay_body =
        json!({"payment_product_type": "kravia.invoice_b2b", "billing_address": b2b_billing()});
    let (status, tx) = post_json(&c, &pay_url, &tok, &pay_body).await;
    assert_eq!(status, StatusCode::OK, "{tx}");
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["session_id"], sid.as_str());
    assert_eq!(tx["merchant_reference"], "two-1");
    assert_eq!(event_names(&tx), vec!["AUTHORIZE", "INITIATE_CAPTURE"]);
    let (_, got) = get_json(&c, &format!("{base}/v1/sessions/{sid}"), &tok).await;
    assert_eq!(got["transaction_id"], tx["id"]);

    let (status, v) = post_json(&c, &pay_url, &tok, &pay_body).await;
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
    let (_sb, c, base, tok) = connect(config(Faults {
        two_step_pay_result_shape: true,
        ..Faults::default()
    }))
    .await;
    let (_, s) = post_json(
        &c,
        &format!("{base}/v1/sessions"),
        &tok,
        &session_body("two-2"),
    )
    .await;
    let sid = s["id"].as_str().unwrap_or_default().to_owned();
    let (status, result) = post_json(
        &c,
        &format!("{base}/v1/sessions/{sid}/pay"),
        &tok,
        &json!({"payment_product_type": "kravia.invoice_b2b", "billing_address": b2b_billing()}),
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
    let (_sb, c, base, tok) = connect(SandboxConfig::default()).await;
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
            post_json(
                &c,
                &format!("{base}/v1/transactions/{id}/capture"),
                &tok,
                &json!({ "amount": amount }),
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
