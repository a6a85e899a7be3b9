//! Dintero's answers: JSON bodies, error bodies with the status of their kind
//! (plus `Retry-After` on 429 and `WWW-Authenticate` on 401), and
//! [`try_response!`], the `?` of handlers that return a `Response`.
//!
//! One file for every answer so that all endpoints speak the same error format,
//! the one kravia-batch's client parses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::sandbox::error::{ApiError, ApiErrorKind};

/// Response extension asking the ledger layer to cut the connection
/// instead of answering (`drop_after_commit`).
#[derive(Debug, Clone, Copy)]
pub(super) struct DropConnection;

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
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

pub(super) fn error_response(e: &ApiError) -> Response {
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

pub(super) async fn not_found() -> Response {
    error_response(&ApiError::not_found("no such endpoint"))
}

/// `?` for handlers: the value of an `Ok`, or return the error's response.
macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => return $crate::sandbox::http::respond::error_response(&err),
        }
    };
}
pub(super) use try_response;
