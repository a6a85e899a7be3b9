//! The transaction endpoints (read, list, void, capture) and invoice files.
//!
//! `GET /v1/transactions` reads its query by hand because its filters repeat
//! (`status=A&status=B`), which axum's `Query` extractor does not keep; the
//! `transaction_get_unavailable` and `void_async` faults are applied here.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::Value;

use super::request::{AppState, Posted, gate, gate_json};
use super::respond::{error_response, json_response, try_response};
use crate::sandbox::error::{ApiError, ApiErrorKind};
use crate::sandbox::state::ListFilter;
use crate::sandbox::validate;

pub(super) async fn list_transactions(
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

pub(super) async fn get_transaction(
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

pub(super) async fn void_transaction(
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

pub(super) async fn capture_transaction(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Posted { account, value, .. } = try_response!(gate_json(&shared, &headers, &body).await);
    let amount = try_response!(validate::capture_request(&value));
    let captured = shared.state().capture(&account, &id, amount, Utc::now());
    json_response(StatusCode::OK, &try_response!(captured).to_json())
}

pub(super) async fn get_file(
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
