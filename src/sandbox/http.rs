//! The HTTP face of the sandbox: an axum router translating Dintero's
//! endpoints to calls on the plain-data state (state.rs), with validation
//! (validate.rs) and fault injection (faults.rs) applied in between.
//!
//! Order of checks on a pay request: rate limit (429), latency, bearer token
//! (401), JSON body (400), `spurious_401`, validation (400),
//! `fail_before_commit` (5xx), `fail_status` decision, commit (toggles 400 or
//! the new transaction), then `drop_after_commit` / `slow_after_commit`.
//! Locks are taken in short statements and never held across an `.await`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use super::Shared;
use super::conn::ConnHandle;
use super::error::{ApiError, ApiErrorKind};
use super::faults::FaultKind;
use super::state::{LedgerRequest, ListFilter, Outcome, RequestMeta};
use super::validate::{self, PayRequest, SessionPayRequest};

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// Response extension asking the ledger layer to cut the connection
/// instead of answering (`drop_after_commit`).
#[derive(Debug, Clone, Copy)]
struct DropConnection;

type AppState = Arc<Shared>;

/// The sandbox's router. Serve it with `ConnectInfo<ConnHandle>` (see conn.rs)
/// so that `drop_after_commit` can cut connections.
pub(crate) fn router(shared: AppState) -> Router {
    Router::new()
        .route("/v1/accounts/{aid}/auth/token", post(token))
        .route("/v1/sessions/pay", post(sessions_pay))
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions-profile", post(create_session_profile))
        .route("/v1/sessions/{id}", get(get_session))
        .route("/v1/sessions/{id}/pay", post(pay_session))
        .route("/v1/transactions", get(list_transactions))
        .route("/v1/transactions/{id}", get(get_transaction))
        .route("/v1/transactions/{id}/void", post(void_transaction))
        .route("/v1/transactions/{id}/capture", post(capture_transaction))
        .route("/v1/files/{file_id}", get(get_file))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), ledger_layer))
        .with_state(shared)
}

// ----- responses -----

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn status_of(kind: ApiErrorKind) -> StatusCode {
    match kind {
        ApiErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ApiErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ApiErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ApiErrorKind::NotFound => StatusCode::NOT_FOUND,
        ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ApiErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ApiErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn error_response(e: &ApiError) -> Response {
    let mut response = json_response(status_of(e.kind), &e.to_body());
    match e.kind {
        ApiErrorKind::TooManyRequests => {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        ApiErrorKind::Unauthorized => {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        _ => {}
    }
    response
}

async fn not_found() -> Response {
    error_response(&ApiError::not_found("no such endpoint"))
}

// ----- request helpers -----

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn request_meta(headers: &HeaderMap) -> RequestMeta {
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

fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
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

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
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
async fn gate(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
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

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => return error_response(&err),
        }
    };
}

// ----- ledger -----

/// Records every request in the ledger (body as JSON, toggles, system
/// headers, final status) and cuts the connection when a handler asked for it.
async fn ledger_layer(State(shared): State<AppState>, req: Request, next: Next) -> Response {
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

// ----- auth -----

async fn token(
    State(shared): State<AppState>,
    Path(aid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return error_response(&ApiError::unauthorized(
            "HTTP Basic client credentials are required",
        ));
    };
    try_response!(
        shared
            .state()
            .authenticate_client(&aid, &client_id, &secret)
    );
    let body = try_response!(parse_json(&body));
    try_response!(validate::token_request(&body, &aid));
    let issued = shared
        .state()
        .issue_token(&aid, &client_id, Instant::now(), Utc::now());
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        }),
    )
}

// ----- payments -----

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
        return error_response(&ApiError::new(
            kind,
            if fail_code == 500 {
                "INTERNAL_SERVER_ERROR"
            } else {
                "SERVICE_UNAVAILABLE"
            },
            "temporary failure, nothing was created (sandbox fault: fail_before_commit)",
        ));
    }
    let outcome = if failed {
        Outcome::Fail
    } else {
        Outcome::Authorize
    };
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
    let body = if two_step && result_shape {
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
    };
    json_response(StatusCode::OK, &body)
}

fn spurious_401(shared: &Shared, reference: &str) -> Result<(), ApiError> {
    if shared.faults().fires(FaultKind::Spurious401, reference) {
        return Err(ApiError::unauthorized(
            "access token rejected (sandbox fault: spurious_401)",
        ));
    }
    Ok(())
}

async fn sessions_pay(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let meta = request_meta(&headers);
    let value = try_response!(parse_json(&body));
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

async fn create_session(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let meta = request_meta(&headers);
    let value = try_response!(parse_json(&body));
    let req = try_response!(validate::session_request(&value));
    session_created(&shared, &account, req, &meta)
}

/// Creates the session of either endpoint and answers with its id and URL.
fn session_created(
    shared: &AppState,
    account: &str,
    req: validate::SessionRequest,
    meta: &RequestMeta,
) -> Response {
    let created = shared
        .state()
        .create_session(account, req, meta, Utc::now());
    let session = try_response!(created);
    let base = shared.base_url();
    json_response(
        StatusCode::OK,
        &json!({ "id": session.id, "url": format!("{base}/v1/view/{}", session.id) }),
    )
}

/// The checkout profiles the sandbox knows: `default`, enabling every Kravia product
/// (14 days, Kravia delivers), as a merchant's Backoffice profile typically would.
fn sandbox_profile(id: &str) -> Option<Vec<super::model::KraviaProductConfig>> {
    (id == "default").then(|| {
        super::model::ProductType::ALL
            .into_iter()
            .map(|product| super::model::KraviaProductConfig {
                product,
                days_until_due: 14,
                invoice_channel: super::model::InvoiceChannel::Kravia,
            })
            .collect()
    })
}

/// `POST /v1/sessions-profile`: a session from a checkout profile. What the body's
/// `configuration` says wins over the profile, product by product.
async fn create_session_profile(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let meta = request_meta(&headers);
    let value = try_response!(parse_json(&body));
    let mut req = try_response!(validate::session_profile_request(&value));
    let profile_id = req.profile_id.clone().unwrap_or_default();
    let Some(profile) = sandbox_profile(&profile_id) else {
        return error_response(&ApiError::not_found(format!(
            "checkout profile {profile_id:?} not found (the sandbox has \"default\")"
        )));
    };
    for p in profile {
        if !req.products.iter().any(|q| q.product == p.product) {
            req.products.push(p);
        }
    }
    session_created(&shared, &account, req, &meta)
}

async fn get_session(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let found = shared.state().session(&account, &id).map(|s| s.to_json());
    json_response(StatusCode::OK, &try_response!(found))
}

async fn pay_session(
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

// ----- transactions -----

async fn list_transactions(
    State(shared): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let params = try_response!(list_params(query.as_deref().unwrap_or("")));
    let limit = match params.limit.as_deref() {
        None => 10,
        Some(s) => match s.parse::<usize>() {
            Ok(l) if (1..=100).contains(&l) => l,
            _ => {
                return error_response(&ApiError::bad_request(
                    "INVALID_QUERY",
                    "limit must be an integer between 1 and 100",
                ));
            }
        },
    };
    let listed = shared.state().list_transactions_filtered(
        &account,
        &params.filter,
        limit,
        params.starting_after.as_deref(),
    );
    let listed = try_response!(listed);
    json_response(
        StatusCode::OK,
        &Value::Array(listed.iter().map(|t| t.to_json()).collect()),
    )
}

/// The query of `GET /v1/transactions`: repeatable filters, so read by hand.
struct ListParams {
    filter: ListFilter,
    limit: Option<String>,
    starting_after: Option<String>,
}

fn list_params(query: &str) -> Result<ListParams, ApiError> {
    let invalid = |m: String| ApiError::bad_request("INVALID_QUERY", m);
    let url = reqwest::Url::parse(&format!("http://q/?{query}"))
        .map_err(|_| invalid("invalid query string".into()))?;
    let mut p = ListParams {
        filter: ListFilter::default(),
        limit: None,
        starting_after: None,
    };
    let time = |k: &str, v: &str| {
        chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc())
            })
            .map_err(|_| invalid(format!("{k}: not an ISO 8601 time: {v}")))
    };
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "merchant_reference" => p.filter.merchant_reference = Some(v.into_owned()),
            "payment_product_type" => p.filter.product_types.push(v.into_owned()),
            "status" => p.filter.statuses.push(v.into_owned()),
            "created_at.gte" => p.filter.created_gte = Some(time(&k, &v)?),
            "created_at.lte" => p.filter.created_lte = Some(time(&k, &v)?),
            "limit" => p.limit = Some(v.into_owned()),
            "starting_after" => p.starting_after = Some(v.into_owned()),
            _ => {}
        }
    }
    Ok(p)
}

async fn get_transaction(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let found = shared
        .state()
        .transaction(&account, &id)
        .map(|t| (t.merchant_reference.clone(), t.to_json()));
    let (reference, json) = try_response!(found);
    if shared.faults().transaction_unavailable(&reference) {
        return error_response(&ApiError::new(
            ApiErrorKind::Unavailable,
            "SERVICE_UNAVAILABLE",
            "sandbox fault: transaction_get_unavailable",
        ));
    }
    json_response(StatusCode::OK, &json)
}

async fn void_transaction(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let voided = try_response!(shared.state().void(&account, &id, Utc::now()));
    if shared.faults().void_async() {
        // Dintero's asynchronous answer: accepted, nothing to read yet.
        return StatusCode::ACCEPTED.into_response();
    }
    json_response(StatusCode::OK, &voided.to_json())
}

async fn capture_transaction(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let value = try_response!(parse_json(&body));
    let amount = try_response!(validate::capture_request(&value));
    let captured = shared.state().capture(&account, &id, amount, Utc::now());
    json_response(StatusCode::OK, &try_response!(captured).to_json())
}

// ----- files -----

async fn get_file(
    State(shared): State<AppState>,
    Path(file_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = try_response!(gate(&shared, &headers).await);
    let file = shared.state().file(&account, &file_id);
    match file {
        Some(pdf) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/pdf")],
            pdf,
        )
            .into_response(),
        None => error_response(&ApiError::not_found(format!("file {file_id} not found"))),
    }
}
