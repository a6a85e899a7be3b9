//! The ledger middleware: every request is recorded (body as JSON, toggles,
//! system headers, final status) before any handler runs, and a connection is cut
//! here when a handler asked for it (`drop_after_commit`).
//!
//! A middleware rather than a call in each handler, so that nothing reaches the
//! sandbox unrecorded: not a 404, not a 429, not a body too large to read. Tests
//! read the ledger to see exactly what kravia-batch sent.

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use serde_json::Value;

use super::request::{AppState, request_meta};
use super::respond::{DropConnection, error_response};
use crate::sandbox::conn::ConnHandle;
use crate::sandbox::error::{ApiError, ApiErrorKind};
use crate::sandbox::state::LedgerRequest;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// Records every request in the ledger (body as JSON, toggles, system
/// headers, final status) and cuts the connection when a handler asked for it.
pub(super) async fn ledger_layer(
    State(shared): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let meta = request_meta(&parts.headers);
    let bytes = axum::body::to_bytes(body, MAX_BODY).await;
    let (bytes, too_large) = match bytes {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let body_json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let index = shared.state().record_request(LedgerRequest {
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        body: body_json,
        toggles: meta.toggles,
        system_name: meta.system_name,
        system_version: meta.system_version,
        status_code: None,
        received_at: Utc::now(),
    });
    let response = if too_large {
        error_response(&ApiError::new(
            ApiErrorKind::PayloadTooLarge,
            "PAYLOAD_TOO_LARGE",
            format!("request body larger than {MAX_BODY} bytes"),
        ))
    } else {
        let conn = parts
            .extensions
            .get::<ConnectInfo<ConnHandle>>()
            .map(|c| c.0.clone());
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        if response.extensions().get::<DropConnection>().is_some()
            && let Some(conn) = conn
        {
            conn.kill();
            tracing::debug!(%method, %path, "sandbox: connection dropped after commit");
            shared.state().set_request_status(index, None);
            return response;
        }
        response
    };
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, "sandbox request");
    shared.state().set_request_status(index, Some(status));
    response
}
