//! The two pay endpoints, one-step `POST /v1/sessions/pay` and two-step
//! `POST /v1/sessions/{id}/pay`, and the fault decisions around their commit.
//!
//! Both share [`pay_flow`], because the faults that matter most for duplicate
//! invoices (`fail_before_commit`, `drop_after_commit`, `slow_after_commit`) must
//! hit both flows at the same points: before anything is created, or after the
//! transaction exists but before the client hears of it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::request::{AppState, Posted, gate, gate_json, parse_json, request_meta};
use super::respond::{DropConnection, error_response, json_response, try_response};
use crate::sandbox::error::{ApiError, ApiErrorKind};
use crate::sandbox::faults::FaultKind;
use crate::sandbox::model::TransactionRecord;
use crate::sandbox::shared::Shared;
use crate::sandbox::state::{Outcome, RequestMeta};
use crate::sandbox::validate::{self, PayRequest, SessionPayRequest};

enum PayTarget {
    OneStep(PayRequest),
    Session(String, SessionPayRequest),
}

/// Fault decisions, commit, and the answer of both pay endpoints.
async fn pay_flow(
    shared: &Shared,
    account: &str,
    reference: &str,
    meta: &RequestMeta,
    target: PayTarget,
) -> Response {
    let outcome = try_response!(before_commit(shared, reference));
    let now = Utc::now();
    let two_step = matches!(target, PayTarget::Session(..));
    let created = match target {
        PayTarget::OneStep(req) => shared.state().create_pay(account, req, meta, outcome, now),
        PayTarget::Session(id, req) => shared
            .state()
            .pay_session(account, &id, req, meta, outcome, now),
    };
    let tx = try_response!(created);
    let (dropped, slow, delay, result_shape) = {
        let mut faults = shared.faults();
        let dropped = faults.fires(FaultKind::DropAfterCommit, reference);
        let slow = !dropped && faults.fires(FaultKind::SlowAfterCommit, reference);
        (
            dropped,
            slow,
            faults.slow_delay(),
            faults.pay_result_shape(),
        )
    };
    if dropped {
        let mut response = error_response(&ApiError::new(
            ApiErrorKind::Internal,
            "CONNECTION_DROPPED",
            "sandbox fault: drop_after_commit",
        ));
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    if slow {
        tokio::time::sleep(delay).await;
    }
    json_response(StatusCode::OK, &pay_body(&tx, two_step && result_shape))
}

/// The faults decided before anything is created: `fail_before_commit` (a 5xx,
/// nothing created), else whether `fail_status` makes the transaction FAILED.
fn before_commit(shared: &Shared, reference: &str) -> Result<Outcome, ApiError> {
    let (fail_before, fail_code, failed) = {
        let mut faults = shared.faults();
        let fail_before = faults.fires(FaultKind::FailBeforeCommit, reference);
        let failed = !fail_before && faults.fires(FaultKind::FailStatus, reference);
        (fail_before, faults.fail_before_commit_status(), failed)
    };
    if fail_before {
        let kind = if fail_code == 500 {
            ApiErrorKind::Internal
        } else {
            ApiErrorKind::Unavailable
        };
        return Err(ApiError::new(
            kind,
            if fail_code == 500 {
                "INTERNAL_SERVER_ERROR"
            } else {
                "SERVICE_UNAVAILABLE"
            },
            "temporary failure, nothing was created (sandbox fault: fail_before_commit)",
        ));
    }
    Ok(if failed {
        Outcome::Fail
    } else {
        Outcome::Authorize
    })
}

/// The answer of a pay call: the transaction, or with `result_shape` (the two-step
/// endpoint's other documented answer) `{success, actions, error}`.
fn pay_body(tx: &TransactionRecord, result_shape: bool) -> Value {
    if result_shape {
        match tx.failure() {
            None => json!({ "success": true, "actions": [] }),
            Some(err) => json!({
                "success": false,
                "actions": [],
                "error": { "code": err.code, "message": err.message },
            }),
        }
    } else {
        tx.to_pay_response()
    }
}
fn spurious_401(shared: &Shared, reference: &str) -> Result<(), ApiError> {
    if shared.faults().fires(FaultKind::Spurious401, reference) {
        return Err(ApiError::unauthorized(
            "access token rejected (sandbox fault: spurious_401)",
        ));
    }
    Ok(())
}

pub(super) async fn sessions_pay(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Posted {
        account,
        meta,
        value,
    } = try_response!(gate_json(&shared, &headers, &body).await);
    let reference = value
        .pointer("/session/order/merchant_reference")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    try_response!(spurious_401(&shared, &reference));
    let req = try_response!(validate::pay_request(&value));
    pay_flow(
        &shared,
        &account,
        &reference,
        &meta,
        PayTarget::OneStep(req),
    )
    .await
}

pub(super) async fn pay_session(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let meta = request_meta(&headers);
    let reference = shared
        .state()
        .session(&account, &id)
        .map(|s| s.merchant_reference.clone());
    let reference = try_response!(reference);
    let value = try_response!(parse_json(&body));
    try_response!(spurious_401(&shared, &reference));
    let req = try_response!(validate::session_pay_request(&value));
    pay_flow(
        &shared,
        &account,
        &reference,
        &meta,
        PayTarget::Session(id, req),
    )
    .await
}
