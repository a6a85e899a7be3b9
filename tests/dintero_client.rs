//! The Dintero client against the sandbox over real loopback HTTP: tokens, headers,
//! every fault's classification, and its configuration. Look-ups, void, capture and the
//! two-step flow: `dintero_client_transactions.rs`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::client::{client, client_with, credentials, invoice, pay_example};
use common::sandbox::{config, loopback, start_async};
use kravia_batch::dintero::client::Client;
use kravia_batch::dintero::config::{ClientOptions, Endpoints};
use kravia_batch::dintero::credentials::{AccountKind, Credentials};
use kravia_batch::dintero::error::{ConfigError, Outcome};
use kravia_batch::dintero::payload;
use kravia_batch::dintero::types::TransactionStatus;
use kravia_batch::sandbox::{self, FaultRule, Faults, SandboxConfig, SandboxHandle};
use secrecy::SecretString;
use serde_json::json;

const TOKEN_PATH: &str = "/v1/accounts/T12345678/auth/token";

/// Token requests the sandbox has answered so far.
fn token_requests(sb: &SandboxHandle) -> usize {
    sb.ledger().requests_to("POST", TOKEN_PATH).len()
}

// ----- tokens -----

#[tokio::test(flavor = "multi_thread")]
async fn token_is_fetched_once_and_cached() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let t1 = c.token().await.expect("token");
    for i in 0..5 {
        pay_example(&c, &format!("cache-{i}")).await.expect("pay");
    }
    let t2 = c.token().await.expect("token");
    assert_eq!(t1.generation(), t2.generation());
    assert_eq!(token_requests(&sb), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_refreshes_after_half_its_lifetime() {
    let sb = start_async(SandboxConfig {
        token_lifetime: Duration::from_secs(2),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let t1 = c.token().await.expect("token");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        c.token().await.expect("token").generation(),
        t1.generation()
    );
    assert_eq!(token_requests(&sb), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let t2 = c.token().await.expect("token");
    assert_eq!(t2.generation(), t1.generation() + 1);
    assert_eq!(token_requests(&sb), 2);
    c.transactions_by_reference("nothing")
        .await
        .expect("works with the new token");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_callers_share_one_fetch_and_one_refresh() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let first: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.token().await })
        })
        .collect();
    let mut old = None;
    for h in first {
        old = Some(h.await.expect("join").expect("token"));
    }
    let old = old.expect("a token");
    assert_eq!(token_requests(&sb), 1);

    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (c, old) = (c.clone(), old.clone());
            tokio::spawn(async move {
                c.invalidate_token(&old).await;
                c.token().await
            })
        })
        .collect();
    for h in workers {
        let t = h.await.expect("join").expect("token");
        assert_eq!(t.generation(), old.generation() + 1);
    }
    assert_eq!(token_requests(&sb), 2, "exactly one refresh");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_secret_is_unauthorized_with_the_servers_message() {
    let sb = start_async(SandboxConfig::default()).await;
    let creds = Credentials::new("T12345678", "sandbox-client", SecretString::from("wrong"))
        .expect("credentials");
    let endpoints = Endpoints::single_host(&sb.base_url()).expect("endpoints");
    let c = Client::new(creds, &endpoints, ClientOptions::default()).expect("client");
    let err = c.token().await.expect_err("refused");
    assert_eq!(err.outcome, Outcome::Unauthorized);
    assert_eq!(err.status, Some(401));
    assert!(!err.message.is_empty());
    let shown = format!("{err} {err:?} {c:?}");
    assert!(!shown.contains("wrong"), "{shown}");
}

// ----- pay -----

#[tokio::test(flavor = "multi_thread")]
async fn pay_b2b_example_is_authorized_with_invoice_and_headers() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let tx = pay_example(&c, "inv-2026-001").await.expect("pay");
    assert_eq!(tx.status, TransactionStatus::Authorized);
    assert!(tx.is_success());
    assert_eq!(tx.amount, Some(29900));
    assert_eq!(tx.merchant_reference.as_deref(), Some("inv-2026-001"));
    assert!(tx.invoice_number().is_some_and(|n| n.starts_with("INV-")));
    let url = tx.invoice_url().expect("invoice url").to_owned();
    assert!(url.starts_with(&sb.base_url()), "{url}");

    let ledger = sb.ledger();
    let reqs = ledger.requests_to("POST", "/v1/sessions/pay");
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].toggles, vec!["strict-success-merchant-reference"]);
    assert_eq!(reqs[0].system_name.as_deref(), Some("kravia-batch"));
    assert_eq!(
        reqs[0].system_version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(reqs[0].body["session"]["order"]["amount"], json!(29900));

    let pdf = c.download(&url).await.expect("download");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let elsewhere = c
        .download("https://evil.example.com/v1/files/x")
        .await
        .expect_err("foreign host");
    assert_eq!(elsewhere.outcome, Outcome::Rejected);
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_before_commit_503_is_unknown() {
    let sb = start_async(config(Faults {
        fail_before_commit: FaultRule::Always,
        ..Faults::default()
    }))
    .await;
    let err = pay_example(&client(&sb), "f-503").await.expect_err("503");
    assert_eq!(err.outcome, Outcome::Unknown);
    assert_eq!(err.status, Some(503));
    assert!(
        err.message.contains("fail_before_commit"),
        "{}",
        err.message
    );
    assert!(sb.ledger().transactions_by_reference("f-503").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_is_rate_limited_with_retry_after() {
    let sb = start_async(config(Faults {
        rate_limit: Some(0),
        ..Faults::default()
    }))
    .await;
    let err = pay_example(&client(&sb), "f-429").await.expect_err("429");
    assert_eq!(
        err.outcome,
        Outcome::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(err.status, Some(429));
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_connection_after_commit_is_unknown_and_the_invoice_exists() {
    let sb = start_async(config(Faults {
        drop_after_commit: FaultRule::FirstN(1),
        ..Faults::default()
    }))
    .await;
    let c = client(&sb);
    let err = pay_example(&c, "f-drop").await.expect_err("dropped");
    assert_eq!(err.outcome, Outcome::Unknown, "{err}");
    assert_eq!(err.status, None);
    assert_eq!(sb.ledger().transactions_by_reference("f-drop").len(), 1);
    let found = c.transactions_by_reference("f-drop").await.expect("lookup");
    assert_eq!(found.len(), 1);
    assert!(found[0].is_success());
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_answer_after_commit_times_out_as_unknown() {
    let sb = start_async(config(Faults {
        slow_after_commit: Some((FaultRule::Always, Duration::from_secs(3))),
        ..Faults::default()
    }))
    .await;
    let c = client_with(
        &sb.base_url(),
        ClientOptions {
            request_timeout: Duration::from_millis(300),
            ..ClientOptions::default()
        },
    );
    let err = pay_example(&c, "f-slow").await.expect_err("timeout");
    assert_eq!(err.outcome, Outcome::Unknown, "{err}");
    assert!(err.message.contains("timed out"), "{}", err.message);
    assert_eq!(sb.ledger().transactions_by_reference("f-slow").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn spurious_401_refreshes_once_and_succeeds() {
    let sb = start_async(config(Faults {
        spurious_401: FaultRule::FirstN(1),
        ..Faults::default()
    }))
    .await;
    let c = client(&sb);
    let tx = pay_example(&c, "f-401").await.expect("pay after refresh");
    assert!(tx.is_success());
    assert_eq!(token_requests(&sb), 2);
    assert_eq!(sb.ledger().requests_to("POST", "/v1/sessions/pay").len(), 2);
    assert_eq!(sb.ledger().transactions_by_reference("f-401").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_401_is_unauthorized_after_one_refresh() {
    let sb = start_async(config(Faults {
        spurious_401: FaultRule::Always,
        ..Faults::default()
    }))
    .await;
    let err = pay_example(&client(&sb), "f-401x").await.expect_err("401");
    assert_eq!(err.outcome, Outcome::Unauthorized);
    assert_eq!(token_requests(&sb), 2);
    assert_eq!(sb.ledger().requests_to("POST", "/v1/sessions/pay").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_error_is_rejected_with_the_message() {
    let sb = start_async(SandboxConfig::default()).await;
    let mut inv = invoice("f-400");
    inv.amount = 100; // no longer the sum of the lines
    let err = client(&sb)
        .pay(&payload::pay_request(&inv))
        .await
        .expect_err("400");
    assert_eq!(err.outcome, Outcome::Rejected);
    assert_eq!(err.status, Some(400));
    assert!(err.code.is_some());
    assert!(err.message.contains("amount"), "{}", err.message);
    assert!(err.to_string().contains(&err.message));
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_under_strict_toggle_is_rejected_with_code() {
    let sb = start_async(SandboxConfig::default()).await;
    let c = client(&sb);
    let body = invoice("f-dup");
    c.pay(&payload::pay_request(&body)).await.expect("first");
    let err = c
        .pay(&payload::pay_request(&body))
        .await
        .expect_err("duplicate");
    assert_eq!(err.outcome, Outcome::Rejected);
    assert_eq!(err.code.as_deref(), Some(sandbox::DUPLICATE_CODE));
    assert!(err.is_duplicate_reference());
    assert_eq!(sb.ledger().transactions_by_reference("f-dup").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_transaction_is_ok_with_reason_and_do_not_retry() {
    let sb = start_async(config(Faults {
        fail_status: FaultRule::Always,
        ..Faults::default()
    }))
    .await;
    let tx = pay_example(&client(&sb), "f-failed").await.expect("200");
    assert_eq!(tx.status, TransactionStatus::Failed);
    assert!(!tx.is_success());
    assert!(tx.failure_message().is_some_and(|m| !m.is_empty()));
    assert!(tx.do_not_retry());
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_is_not_sent() {
    let port = {
        let l = std::net::TcpListener::bind(loopback()).expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = client_with(
        &format!("http://127.0.0.1:{port}"),
        ClientOptions::default(),
    );
    let err = c.token().await.expect_err("refused");
    assert_eq!(err.outcome, Outcome::NotSent, "{err}");
    let err = pay_example(&c, "f-refused").await.expect_err("refused");
    assert_eq!(err.outcome, Outcome::NotSent, "{err}");
}

// ----- configuration -----

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = Endpoints::new(
        "http://api.dintero.com/v1",
        "https://checkout.dintero.com/v1",
    )
    .expect_err("insecure");
    assert!(matches!(err, ConfigError::InsecureUrl(_)));
    let hand_built = Endpoints {
        api: "https://api.dintero.com/v1".into(),
        checkout: "http://checkout.example.com/v1".into(),
    };
    assert!(matches!(
        Client::new(credentials(), &hand_built, ClientOptions::default()),
        Err(ConfigError::InsecureUrl(_))
    ));
    assert!(Endpoints::new("http://localhost:8080/v1", "http://[::1]:8080/v1").is_ok());
}

#[test]
fn credentials_from_a_fake_env_never_show_the_secret() {
    let env: HashMap<&str, &str> = [
        ("DINTERO_ACCOUNT_ID", "P87654321"),
        ("DINTERO_CLIENT_ID", "client-1"),
        ("DINTERO_CLIENT_SECRET", "s3cr3t-value"),
    ]
    .into();
    let creds = Credentials::from_env_with(|k| env.get(k).map(|v| v.to_string())).expect("creds");
    assert_eq!(creds.account_kind().expect("kind"), AccountKind::Production);
    let shown = format!("{creds:?}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
    assert!(shown.contains("client-1"));

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("secret");
    std::fs::write(&path, "  from-a-file\n").expect("write");
    let path = path.to_string_lossy().into_owned();
    let file_env: HashMap<&str, String> = [
        ("DINTERO_ACCOUNT_ID", "T12345678".to_owned()),
        ("DINTERO_CLIENT_ID", "client-2".to_owned()),
        ("DINTERO_CLIENT_SECRET_FILE", path),
    ]
    .into();
    let creds = Credentials::from_env_with(|k| file_env.get(k).cloned()).expect("creds");
    use secrecy::ExposeSecret;
    assert_eq!(creds.client_secret.expose_secret(), "from-a-file");
    assert_eq!(creds.account_kind().expect("kind"), AccountKind::Test);

    let bad: HashMap<&str, &str> = [
        ("DINTERO_ACCOUNT_ID", "X1"),
        ("DINTERO_CLIENT_ID", "c"),
        ("DINTERO_CLIENT_SECRET", "s"),
    ]
    .into();
    assert!(matches!(
        Credentials::from_env_with(|k| bad.get(k).map(|v| v.to_string())),
        Err(ConfigError::AccountId(_))
    ));
    assert!(matches!(
        Credentials::from_env_with(|_| None),
        Err(ConfigError::Missing("DINTERO_ACCOUNT_ID"))
    ));
}
