//! The sandbox's injected faults over real loopback HTTP (reqwest), one sandbox per test
//! on a free port: a rate limit answering 429 with Retry-After, latency, a failure before
//! the commit, a connection dropped or an answer delayed after it, a spurious 401, and a
//! transaction that fails with DO_NOT_RETRY.

mod common;

use std::time::{Duration, Instant};

use common::api::{b2b_body, connect, get_json, json_of, pay_with, token};
use common::sandbox::config;
use kravia_batch::sandbox::{FaultRule, Faults, TransactionStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let (_sb, c, base, tok) = connect(config(Faults {
        rate_limit: Some(3),
        ..Faults::default()
    }))
    .await;
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
    let (_sb, c, base, tok) = connect(config(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    }))
    .await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        fail_before_commit: FaultRule::FirstN(1),
        ..Faults::default()
    }))
    .await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        drop_after_commit: FaultRule::References(vec!["drop-1".into()]),
        ..Faults::default()
    }))
    .await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        slow_after_commit: Some((FaultRule::FirstN(1), Duration::from_secs(2))),
        ..Faults::default()
    }))
    .await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        spurious_401: FaultRule::FirstN(1),
        ..Faults::default()
    }))
    .await;
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
    let (sb, c, base, tok) = connect(config(Faults {
        fail_status: FaultRule::Always,
        ..Faults::default()
    }))
    .await;
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
