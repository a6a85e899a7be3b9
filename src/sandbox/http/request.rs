//! Reading a request: Dintero's headers (toggles, system name and version), the
//! JSON body, HTTP Basic and bearer credentials, and [`gate`], the rate limit,
//! latency and authentication every `/v1/sessions*` and `/v1/transactions*` call
//! passes first.
//!
//! Kept together because their order is part of the emulated API (a 429 comes
//! before a 401, a 401 before a bad body), and the gate is where that order is set.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::sandbox::error::{ApiError, ApiErrorKind};
use crate::sandbox::shared::Shared;
use crate::sandbox::state::RequestMeta;

/// What every handler is given: the sandbox's shared state.
pub(super) type AppState = Arc<Shared>;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

pub(super) fn request_meta(headers: &HeaderMap) -> RequestMeta {
    RequestMeta {
        toggles: header_str(headers, "dintero-feature-toggles")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        system_name: header_str(headers, "dintero-system-name").map(str::to_owned),
        system_version: header_str(headers, "dintero-system-version").map(str::to_owned),
    }
}

pub(super) fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "INVALID_JSON",
            "a JSON request body is required",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "INVALID_JSON",
            format!("request body is not valid JSON: {e}"),
        )
    })
}

/// `Authorization: <scheme> <credentials>` for a case-insensitive scheme.
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = header_str(headers, header::AUTHORIZATION.as_str())?;
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

pub(super) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = authorization(headers, "Basic")?;
    let decoded = STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The account of the request's bearer token.
fn bearer(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(token) = authorization(headers, "Bearer") else {
        return Err(ApiError::unauthorized("missing bearer token"));
    };
    shared.state().authenticate(token, Instant::now())
}

/// Rate limit, latency, then bearer authentication (and `spurious_401_any`):
/// the gate of every `/v1/sessions*` and `/v1/transactions*` endpoint.
pub(super) async fn gate(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let (admitted, rate, latency) = {
        let mut faults = shared.faults();
        let admitted = faults.admit(Instant::now());
        (admitted, faults.faults().rate_limit, faults.latency())
    };
    if !admitted {
        return Err(ApiError::new(
            ApiErrorKind::TooManyRequests,
            "TOO_MANY_REQUESTS",
            format!(
                "rate limit exceeded: at most {} requests per second",
                rate.unwrap_or(0)
            ),
        ));
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let account = bearer(shared, headers)?;
    if shared.faults().spurious_401_any() {
        return Err(ApiError::unauthorized(
            "access token rejected (sandbox fault: spurious_401_any)",
        ));
    }
    Ok(account)
}

/// A gated request with a JSON body: the account, Dintero's headers and the body.
pub(super) struct Posted {
    pub account: String,
    pub meta: RequestMeta,
    pub value: Value,
}

/// [`gate`], then the body as JSON: what every `POST` with a body checks first, in
/// the emulated API's order (a 429 or 401 before a bad body). The two-step pay
/// endpoint looks its session up between the two (a 404 before a bad body), so it
/// calls them itself.
pub(super) async fn gate_json(
    shared: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Posted, ApiError> {
    let account = gate(shared, headers).await?;
    let meta = request_meta(headers);
    let value = parse_json(body)?;
    Ok(Posted {
        account,
        meta,
        value,
    })
}
