//! Unit tests of the state (moved out of state.rs; the repeated pay setup is
//! `create_b2b` and `authorized`, so each test shows only what it checks).

use super::*;
use crate::sandbox::error::{ApiError, ApiErrorKind};
use crate::sandbox::model::{EventKind, InvoiceChannel, TransactionRecord, TransactionStatus};
use crate::sandbox::validate::{self, PayRequest};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::{Duration, Instant};

const AID: &str = "T12345678";

fn state() -> State {
    State::new(
        vec![Account {
            account_id: AID.into(),
            client_id: "c".into(),
            client_secret: "s".into(),
        }],
        Duration::from_secs(60),
        "http://127.0.0.1:1".into(),
        42,
    )
}

fn pay(reference: &str, product: &str) -> PayRequest {
    let billing = if product == "kravia.invoice_b2c" {
        json!({"first_name": "Kari", "last_name": "Nordmann", "email": "kari@example.no", "phone_number": "+4798765432",
               "address_line": "Lillegata 5", "postal_code": "5003", "postal_place": "Bergen", "country": "NO"})
    } else {
        json!({"first_name": "Ola", "last_name": "Nordmann", "business_name": "Nordmann AS", "organization_number": "123456789",
               "email": "ola@nordmann.no", "phone_number": "+4799999999", "address_line": "Storgata 1",
               "postal_code": "0151", "postal_place": "Oslo", "country": "NO"})
    };
    let body = json!({
        "payment": {"payment_product_type": product, "operation": "invoice_payment", "days_until_due": 30},
        "session": {"order": {"amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": reference,
            "items": [{"description": "x", "quantity": 1, "amount": 29900, "vat": 25, "line_id": "1"}],
            "billing_address": billing}}
    });
    validate::pay_request(&body).expect("valid body")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-15T10:30:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
}

/// A B2B pay request for `reference`, created at `now()` with `meta` and `outcome`:
/// the setup most tests repeat.
fn create_b2b(
    s: &mut State,
    reference: &str,
    meta: &RequestMeta,
    outcome: Outcome,
) -> Result<TransactionRecord, ApiError> {
    s.create_pay(
        AID,
        pay(reference, "kravia.invoice_b2b"),
        meta,
        outcome,
        now(),
    )
}

/// An authorized B2B invoice for `reference` (no toggles).
fn authorized(s: &mut State, reference: &str) -> TransactionRecord {
    create_b2b(s, reference, &RequestMeta::default(), Outcome::Authorize).expect("created")
}

fn strict(toggle: &str) -> RequestMeta {
    RequestMeta {
        toggles: vec![toggle.to_owned()],
        ..RequestMeta::default()
    }
}

#[test]
fn create_pay_builds_an_authorized_invoice() {
    let mut s = state();
    let tx = authorized(&mut s, "r1");
    assert!(tx.id.starts_with("T12345678."));
    assert_eq!(tx.id.len(), "T12345678.".len() + 22);
    assert_eq!(tx.status, TransactionStatus::Authorized);
    let inv = tx.invoice.clone().expect("invoice");
    assert_eq!(inv.number, "INV-2026-0001");
    assert!(inv.url.starts_with("http://127.0.0.1:1/v1/files/f-"));
    assert_eq!(inv.due_date.to_string(), "2026-02-14");
    let kinds: Vec<_> = tx.events.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Authorize, EventKind::InitiateCapture]
    );
    let json = tx.to_pay_response();
    assert_eq!(json["metadata"]["kravia:invoice_number"], "INV-2026-0001");
    assert_eq!(
        json["events"][0]["metadata"]["kravia:invoice_due_date"],
        "2026-02-14"
    );
    assert_eq!(json["success"], true);
    let second = s
        .create_pay(
            AID,
            pay("r2", "kravia.invoice_b2c"),
            &RequestMeta::default(),
            Outcome::Authorize,
            now(),
        )
        .expect("created");
    assert_eq!(
        second.invoice.map(|i| i.number).as_deref(),
        Some("INV-2026-0002")
    );
    assert_ne!(second.id, tx.id);
    assert_eq!(s.ledger().sessions.len(), 2);
}

#[test]
fn ids_are_deterministic() {
    let mut a = state();
    let mut b = state();
    let ta = create_b2b(&mut a, "r", &RequestMeta::default(), Outcome::Authorize);
    let tb = create_b2b(&mut b, "r", &RequestMeta::default(), Outcome::Authorize);
    assert_eq!(ta.map(|t| t.id), tb.map(|t| t.id));
}

#[test]
fn toggles() {
    let mut s = state();
    let failed = create_b2b(&mut s, "r", &RequestMeta::default(), Outcome::Fail).expect("created");
    assert_eq!(failed.status, TransactionStatus::Failed);
    assert!(failed.invoice.is_none());
    // A FAILED attempt used the reference, but was not a success.
    let err = create_b2b(&mut s, "r", &strict(STRICT_REFERENCE), Outcome::Authorize).unwrap_err();
    assert_eq!(err.code.as_deref(), Some(DUPLICATE_CODE));
    assert!(err.message.contains("\"r\""));
    let ok = create_b2b(
        &mut s,
        "r",
        &strict(STRICT_SUCCESS_REFERENCE),
        Outcome::Authorize,
    )
    .expect("retry after failure allowed");
    let err = create_b2b(
        &mut s,
        "r",
        &strict(STRICT_SUCCESS_REFERENCE),
        Outcome::Authorize,
    )
    .unwrap_err();
    assert!(err.message.contains(&ok.id));
    // Voided invoices do not block a new one.
    s.void(AID, &ok.id, now()).expect("void");
    assert!(
        create_b2b(
            &mut s,
            "r",
            &strict(STRICT_SUCCESS_REFERENCE),
            Outcome::Authorize
        )
        .is_ok()
    );
}

#[test]
fn void_and_mark_paid_rules() {
    let mut s = state();
    let tx = authorized(&mut s, "r");
    let part = s.mark_paid(&tx.id, Some(10000), now()).expect("partial");
    assert_eq!(part.status, TransactionStatus::PartiallyCaptured);
    assert!(
        s.mark_paid(&tx.id, Some(20000), now()).is_err(),
        "more than unpaid"
    );
    let voided = s.void(AID, &tx.id, now()).expect("void partially captured");
    assert_eq!(voided.status, TransactionStatus::AuthorizationVoided);
    assert_eq!(voided.events.last().map(|e| e.amount), Some(19900));
    let err = s.void(AID, &tx.id, now()).unwrap_err();
    assert!(err.message.contains("AUTHORIZATION_VOIDED"));
    let tx2 = authorized(&mut s, "r2");
    let paid = s.mark_paid(&tx2.id, None, now()).expect("paid");
    assert_eq!(paid.status, TransactionStatus::Captured);
    assert_eq!(
        paid.events.last().map(|e| e.event),
        Some(EventKind::Capture)
    );
    assert!(
        s.void(AID, &tx2.id, now())
            .unwrap_err()
            .message
            .contains("CAPTURED")
    );
}

#[test]
fn listing_paginates_in_creation_order() {
    let mut s = state();
    let mut ids = Vec::new();
    for r in ["a", "b", "a", "a", "c", "a"] {
        let tx = authorized(&mut s, r);
        if r == "a" {
            ids.push(tx.id);
        }
    }
    let page1 = s.list_transactions(AID, Some("a"), 3, None).expect("page");
    assert_eq!(
        page1.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        ids[..3]
    );
    let page2 = s
        .list_transactions(AID, Some("a"), 3, Some(&ids[2]))
        .expect("page");
    assert_eq!(
        page2.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        ids[3..]
    );
    assert!(s.list_transactions(AID, None, 10, Some("nope")).is_err());
    assert_eq!(
        s.list_transactions(AID, None, 100, None).map(|v| v.len()),
        Ok(6)
    );
    assert_eq!(
        s.list_transactions("T00000000", None, 100, None)
            .map(|v| v.len()),
        Ok(0)
    );
}

#[test]
fn tokens_expire() {
    let mut s = state();
    assert!(s.authenticate_client(AID, "c", "bad").is_err());
    assert_eq!(
        s.authenticate_client("T99999999", "c", "s")
            .map_err(|e| e.kind),
        Err(ApiErrorKind::Forbidden)
    );
    s.authenticate_client(AID, "c", "s")
        .expect("good credentials");
    let t0 = Instant::now();
    let tok = s.issue_token(AID, "c", t0, now());
    assert_eq!(tok.expires_in, 60);
    assert_eq!(s.authenticate(&tok.access_token, t0).as_deref(), Ok(AID));
    assert!(
        s.authenticate(&tok.access_token, t0 + Duration::from_secs(61))
            .is_err()
    );
    assert!(s.authenticate("garbage", t0).is_err());
    assert!(!format!("{tok:?}").contains(&tok.access_token));
}

#[test]
fn merchant_channel_capture() {
    let mut s = state();
    let mut req = pay("m", "kravia.invoice_b2b");
    req.channel = InvoiceChannel::Merchant;
    let tx = s
        .create_pay(AID, req, &RequestMeta::default(), Outcome::Authorize, now())
        .expect("created");
    assert_eq!(
        tx.events.len(),
        1,
        "no INITIATE_CAPTURE until the merchant captures"
    );
    assert!(s.capture(AID, &tx.id, 1, now()).is_err());
    let captured = s.capture(AID, &tx.id, 29900, now()).expect("capture");
    assert_eq!(
        captured.events.last().map(|e| e.event),
        Some(EventKind::InitiateCapture)
    );
    assert!(s.capture(AID, &tx.id, 29900, now()).is_err());
    let kravia = authorized(&mut s, "k");
    assert!(s.capture(AID, &kravia.id, 29900, now()).is_err());
}

#[test]
fn fake_pdf() {
    let mut s = state();
    let tx = authorized(&mut s, "r");
    let file_id = tx.invoice.map(|i| i.file_id).unwrap_or_default();
    let pdf = s.file(AID, &file_id).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-1.4"));
    assert!(s.file(AID, "f-nope").is_none());
}
