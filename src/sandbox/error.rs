//! Typed errors of the sandbox.
//!
//! Two audiences, two types: [`ApiError`] is what the emulated Dintero API
//! answers to a client (http/respond.rs renders it as Dintero's `Error` body), and
//! [`SandboxError`] is what the Rust API returns to the code that starts and
//! drives the sandbox. Keeping them apart lets the state and validation code
//! speak in API terms without knowing anything about HTTP.

use std::net::SocketAddr;

use serde::Serialize;
use serde_json::{Value, json};
use thiserror::Error;

/// The class of an API error; http/respond.rs maps each to one HTTP status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// 400: invalid request or refused operation.
    BadRequest,
    /// 401: missing, unknown or expired credentials.
    Unauthorized,
    /// 403: valid credentials without access to the resource.
    Forbidden,
    /// 404: unknown resource.
    NotFound,
    /// 413: request body too large.
    PayloadTooLarge,
    /// 429: rate limit exceeded.
    TooManyRequests,
    /// 500: injected internal error.
    Internal,
    /// 503: injected unavailability.
    Unavailable,
}

/// One entry of the `errors` array of an Error body: which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field in the request body, e.g. `session.order.amount`.
    pub field: String,
    /// Human readable explanation.
    pub message: String,
}

/// An error answered by the emulated API.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ApiError {
    /// Which HTTP status family.
    pub kind: ApiErrorKind,
    /// Dintero's optional machine readable code.
    pub code: Option<String>,
    /// Human readable message.
    pub message: String,
    /// Field level details (validation errors).
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// An error of `kind` with a code and a message.
    pub fn new(kind: ApiErrorKind, code: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: Some(code.to_owned()),
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// A 400 with a code and a message.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(ApiErrorKind::BadRequest, code, message)
    }

    /// A 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ApiErrorKind::Unauthorized, "UNAUTHORIZED", message)
    }

    /// A 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ApiErrorKind::NotFound, "NOT_FOUND", message)
    }

    /// A 400 `VALIDATION_ERROR` listing every field error found.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.first() {
            Some(first) if errors.len() == 1 => format!("{}: {}", first.field, first.message),
            Some(first) => format!(
                "{}: {} (and {} more errors)",
                first.field,
                first.message,
                errors.len() - 1
            ),
            None => "invalid request".to_owned(),
        };
        Self {
            kind: ApiErrorKind::BadRequest,
            code: Some("VALIDATION_ERROR".to_owned()),
            message,
            errors,
        }
    }

    /// Dintero's Error body: `{"error": {"code", "message", "errors": [...]}}`.
    pub fn to_body(&self) -> Value {
        let mut inner = json!({ "message": self.message, "errors": self.errors });
        if let (Some(code), Some(obj)) = (&self.code, inner.as_object_mut()) {
            obj.insert("code".to_owned(), Value::String(code.clone()));
        }
        json!({ "error": inner })
    }
}

/// Errors of the Rust API that starts and drives the sandbox.
#[derive(Debug, Error)]
pub enum SandboxError {
    /// The sandbox refuses to listen anywhere but on loopback.
    #[error("the sandbox only listens on loopback addresses, not {0}")]
    NotLoopback(SocketAddr),
    /// Binding the listening socket failed.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Any other I/O error (runtime creation, thread spawn, local address).
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The background runtime of a blocking sandbox went away.
    #[error("sandbox runtime: {0}")]
    Runtime(String),
    /// The server task failed.
    #[error("sandbox server failed: {0}")]
    Server(String),
    /// A control call (e.g. `mark_paid`) was refused by the emulated API rules.
    #[error(transparent)]
    Api(#[from] ApiError),
}
