//! The Dintero client's transactions against the sandbox over real loopback HTTP:
//! look-ups by reference (pages, encoding), void, capture, and the two-step flow with
//! both answers of `POST /v1/sessions/{id}/pay`.

mod common;

use common::client::{client, client_with, invoice, pay_example};
use common::sandbox::{config, start_async};
use kravia_batch::dintero::client::Client;
use kravia_batch::dintero::config::ClientOptions;
use kravia_batch::dintero::error::Outcome;
use kravia_batch::dintero::payload;
use kravia_batch::dintero::types::{Transaction, TransactionStatus, VoidOutcome};
use kravia_batch::model::InvoiceChannel;
use kravia_batch::sandbox::{Faults, SandboxConfig};
use serde_json::json;

// ----- transactions -----

#[tokio::test(flavor = "multi_thread")]
async fn lookup_by_reference_pages_and_encodes() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client_with(
        &sb.base_url(),
        ClientOptions {
            page_size: 2,
            ..ClientOptions::default()
        },
    );
    let reference = "inv 2026/001&x=1";
    let mut ids = Vec::new();
    for i in 0..3 {
        let tx = pay_example(&c, reference).await.expect("pay");
        // Another reference in between, which must not be listed.
        pay_example(&c, &format!("other-{i}")).await.expect("pay");
        ids.push(tx.id.clone());
        if i < 2 {
            let voided = c.void(&tx.id).await.expect("void");
            assert!(
                matches!(voided, VoidOutcome::Voided(t) if t.status == TransactionStatus::AuthorizationVoided)
            );
        }
    }
    let found = c
        .transactions_by_reference(reference)
        .await
        .expect("lookup");
    let got: Vec<_> = found.iter().map(|t| t.id.clone()).collect();
    assert_eq!(got, ids);
    assert!(
        found
            .iter()
            .all(|t| t.merchant_reference.as_deref() == Some(reference))
    );
    assert_eq!(found.iter().filter(|t| t.is_success()).count(), 1);
    let lists = sb.ledger();
    let lists = lists.requests_to("GET", "/v1/transactions");
    assert_eq!(lists.len(), 2, "3 transactions in pages of 2");
    assert!(
        lists[1]
            .query
            .as_deref()
            .is_some_and(|q| q.contains("starting_after="))
    );

    assert!(
        c.transactions_by_reference("nobody")
            .await
            .expect("empty")
            .is_empty()
    );
    let one = c.transaction(&ids[2]).await.expect("get");
    assert_eq!(one.status, TransactionStatus::Authorized);
    let missing = c.transaction("T12345678.nope").await.expect_err("404");
    assert_eq!(missing.outcome, Outcome::Rejected);
    assert_eq!(missing.status, Some(404));
}

#[tokio::test(flavor = "multi_thread")]
async fn void_twice_is_rejected() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let tx = pay_example(&c, "v-1").await.expect("pay");
    assert!(matches!(
        c.void(&tx.id).await.expect("void"),
        VoidOutcome::Voided(_)
    ));
    let err = c.void(&tx.id).await.expect_err("already voided");
    assert_eq!(err.outcome, Outcome::Rejected);
    assert!(!err.message.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_merchant_channel_invoice() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let mut inv = invoice("cap-1");
    inv.invoice_channel = Some(InvoiceChannel::Merchant);
    let tx = c.pay(&payload::pay_request(&inv)).await.expect("pay");
    let captured = c.capture(&tx.id, 29900).await.expect("capture");
    assert!(
        captured
            .events
            .iter()
            .any(|e| e.event == "INITIATE_CAPTURE")
    );
    assert!(captured.is_success());
}

// ----- two-step -----

/// A two-step session (`POST /v1/sessions`) for the example invoice `reference`.
fn session_body(reference: &str) -> serde_json::Value {
    let inv = invoice(reference);
    json!({
        "url": {"return_url": "https://example.com/", "callback_url": "https://example.com/callback"},
        "order": payload::order(&inv, false),
        "configuration": {"kravia": {"type": "payment_type", "invoice_b2b": {
            "type": "payment_product_type", "enabled": true, "days_until_due": 30,
            "require_identity_verification": false, "invoice_channel": "kravia"}}}
    })
}

/// The body of `POST /v1/sessions/{id}/pay` for a B2B session.
fn session_pay_body() -> serde_json::Value {
    let inv = invoice("unused");
    json!({"payment_product_type": "kravia.invoice_b2b", "billing_address": inv.billing_address})
}

/// Creates the session of the example invoice `reference` through `c`, then pays it:
/// the session's id and the transaction.
async fn two_step(c: &Client, reference: &str) -> (String, Transaction) {
    let session = c
        .create_session(&session_body(reference))
        .await
        .expect("session");
    let tx = c
        .pay_session(&session.id, &session_pay_body())
        .await
        .expect("pay");
    (session.id, tx)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_step_transaction_shape() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let (session_id, tx) = two_step(&c, "two-1").await;
    assert!(tx.is_success());
    assert_eq!(tx.merchant_reference.as_deref(), Some("two-1"));
    assert!(tx.invoice_number().is_some());
    let s = c.get_session(&session_id).await.expect("get session");
    assert_eq!(s.transaction_id.as_deref(), Some(tx.id.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_step_pay_result_shape() {
    let sb = start_async(config(Faults {
        two_step_pay_result_shape: true,
        ..Faults::default()
    }))
    .await;
    let c = client(&sb);
    let (session_id, tx) = two_step(&c, "two-2").await;
    assert!(tx.is_success());
    assert_eq!(tx.merchant_reference.as_deref(), Some("two-2"));
    let ledger = sb.ledger();
    assert_eq!(
        ledger
            .requests_to("GET", &format!("/v1/sessions/{session_id}"))
            .len(),
        1
    );
    assert_eq!(
        ledger
            .requests_to("GET", &format!("/v1/transactions/{}", tx.id))
            .len(),
        1
    );
}
