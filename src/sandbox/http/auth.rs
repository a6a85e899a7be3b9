//! `POST /v1/accounts/{aid}/auth/token`: client credentials for a bearer token.
//!
//! Not behind the gate (no bearer token yet, no rate limit), as at Dintero; the
//! credentials are checked before the body, so a wrong secret is a 401 whatever
//! was sent.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use super::request::{AppState, basic_credentials, parse_json};
use super::respond::{error_response, json_response, try_response};
use crate::sandbox::error::ApiError;
use crate::sandbox::validate;

pub(super) async fn token(
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
