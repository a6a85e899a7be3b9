//! Typed errors of the Dintero client, and the classification the scheduler
//! acts on.
//!
//! Why a classification: creating an invoice is not idempotent (Dintero has
//! no idempotency key), so after a failed `POST /v1/sessions/pay` the one
//! question that matters is "may the invoice exist now?". [`Outcome`] answers
//! it for every failure, so the scheduler never resends blindly (a resend
//! after a lost response is how duplicate invoices are made) and never gives
//! up on a request that provably never left the machine.
//!
//! Secrets never reach these types: errors carry the HTTP status, the
//! server's `error.code` / `error.message`, the method and the URL path, and
//! the transport error (whose text names the URL, never a header).

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use thiserror::Error;

/// What a failed call means for the request that was attempted.
///
/// | failure | outcome | may the invoice exist? | retry |
/// |---|---|---|---|
/// | connection refused, DNS failure, connect timeout, TLS handshake failure (`reqwest::Error::is_connect`) | [`NotSent`](Outcome::NotSent) | no | safe |
/// | any failure of the token request made on behalf of a call | [`NotSent`](Outcome::NotSent) (or the token's 401/429/400/403 outcome) | no | safe |
/// | timeout after connecting (`is_timeout` without `is_connect`), connection reset or closed mid-request/response (`is_request`, `is_body`, other transport errors) | [`Unknown`](Outcome::Unknown) | maybe | look up by reference first |
/// | 500, 502, 503, 504, any other 5xx, unexpected 1xx/3xx | [`Unknown`](Outcome::Unknown) | maybe | look up by reference first |
/// | 429 | [`RateLimited`](Outcome::RateLimited) with `Retry-After` seconds | no | after the delay |
/// | 401 (after the one automatic refresh for pay calls) | [`Unauthorized`](Outcome::Unauthorized) | no | no: fix credentials |
/// | 400, 403, 404, 422 and every other 4xx; a request that could not be built | [`Rejected`](Outcome::Rejected) | no | never |
/// | 2xx whose body is not the expected JSON | [`Decode`](Outcome::Decode) | yes/maybe: treat as unknown | look up by reference first |
///
/// A 400 under the strict toggle with code `DUPLICATE_MERCHANT_REFERENCE`
/// is `Rejected`, but means "already created": look the reference up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request was never written to the network: retrying is safe.
    NotSent,
    /// The request may have been processed: the invoice may exist.
    Unknown,
    /// 429: nothing was processed; wait `retry_after` (from `Retry-After`,
    /// in seconds) if given.
    RateLimited {
        /// The server's `Retry-After`, when it was a number of seconds.
        retry_after: Option<Duration>,
    },
    /// 401: the credentials (or a freshly refreshed token) were refused.
    Unauthorized,
    /// 4xx other than 401/429: the server refused the request. Never retry.
    Rejected,
    /// A 2xx response whose body could not be parsed: the call most likely
    /// succeeded, so treat it like [`Outcome::Unknown`].
    Decode,
}

impl Outcome {
    /// Whether the call may have created or changed something on the
    /// server ([`Unknown`](Outcome::Unknown) and [`Decode`](Outcome::Decode)).
    pub fn may_have_effect(self) -> bool {
        matches!(self, Outcome::Unknown | Outcome::Decode)
    }

    /// Whether resending the same request cannot duplicate anything
    /// ([`NotSent`](Outcome::NotSent), [`RateLimited`](Outcome::RateLimited)).
    pub fn safe_to_retry(self) -> bool {
        matches!(self, Outcome::NotSent | Outcome::RateLimited { .. })
    }

    /// Classifies an HTTP error status (see the table on [`Outcome`]).
    pub fn from_status(status: StatusCode, headers: &HeaderMap) -> Outcome {
        match status.as_u16() {
            429 => Outcome::RateLimited {
                retry_after: retry_after(headers),
            },
            401 => Outcome::Unauthorized,
            400..=499 => Outcome::Rejected,
            // 5xx: the server may have committed before failing. Anything
            // else unexpected (1xx, 3xx with redirects off) is equally unclear.
            _ => Outcome::Unknown,
        }
    }

    /// Classifies a transport error from reqwest (see the table on [`Outcome`]).
    ///
    /// Order matters: a connect timeout is both `is_connect` and
    /// `is_timeout`, and must be `NotSent`; `is_builder` means the request
    /// could not even be formed (an invalid URL), which no retry fixes.
    pub fn from_transport(err: &reqwest::Error) -> Outcome {
        if err.is_builder() {
            Outcome::Rejected
        } else if err.is_connect() {
            Outcome::NotSent
        } else {
            // is_timeout (after the connection was made), is_request
            // (reset / closed mid-exchange), is_body, is_decode, is_redirect
            // and anything new: the server may have received the request.
            Outcome::Unknown
        }
    }
}

/// `Retry-After` in whole seconds (Dintero documents seconds; HTTP dates are
/// ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A failed call to Dintero.
#[derive(Debug, Error)]
pub struct ApiError {
    /// What the failure means for the attempted request.
    pub outcome: Outcome,
    /// The HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// The Error body's `error.code` (often absent).
    pub code: Option<String>,
    /// The Error body's `error.message`, or a description of the transport
    /// failure. Meant for the user.
    pub message: String,
    /// `METHOD /path` of the request (no query string, no host).
    pub request: String,
    /// The transport error, if any.
    #[source]
    pub source: Option<reqwest::Error>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.request)?;
        if let Some(status) = self.status {
            write!(f, "HTTP {status}: ")?;
        }
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Dintero's Error body: `{"error": {"code": "...", "message": "...", "errors": [...]}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Longest piece of a non-JSON error body quoted in a message.
const MAX_QUOTED_BODY: usize = 200;

impl ApiError {
    /// An error response (non-2xx) with its body.
    pub(crate) fn from_response(
        request: String,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let detail = parsed.error.unwrap_or_default();
        let message = detail.message.unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                status
                    .canonical_reason()
                    .unwrap_or("unexpected status")
                    .to_owned()
            } else {
                text.chars().take(MAX_QUOTED_BODY).collect()
            }
        });
        ApiError {
            outcome: Outcome::from_status(status, headers),
            status: Some(status.as_u16()),
            code: detail.code,
            message,
            request,
            source: None,
        }
    }

    /// A transport failure (no response, or the body could not be read).
    pub(crate) fn from_transport(
        request: String,
        status: Option<u16>,
        err: reqwest::Error,
    ) -> Self {
        let outcome = Outcome::from_transport(&err);
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else if err.is_body() || err.is_decode() {
            "failed while reading the response"
        } else {
            "connection failed"
        };
        ApiError {
            outcome,
            status,
            code: None,
            message: format!("{what}: {}", transport_chain(&err)),
            request,
            source: Some(err.without_url()),
        }
    }

    /// A 2xx response whose body is not what was expected.
    pub(crate) fn decode(request: String, status: u16, err: &serde_json::Error) -> Self {
        ApiError {
            outcome: Outcome::Decode,
            status: Some(status),
            code: None,
            message: format!("unexpected response body: {err}"),
            request,
            source: None,
        }
    }

    /// A failure detected by the client itself.
    pub(crate) fn local(request: String, outcome: Outcome, message: impl Into<String>) -> Self {
        ApiError {
            outcome,
            status: None,
            code: None,
            message: message.into(),
            request,
            source: None,
        }
    }

    /// Whether this is the strict toggle's duplicate refusal.
    pub fn is_duplicate_reference(&self) -> bool {
        self.code.as_deref() == Some(DUPLICATE_MERCHANT_REFERENCE)
    }
}

/// The error code the duplicate-prevention toggles answer with (undocumented
/// by Dintero; the sandbox uses it, and the scheduler looks the reference up
/// on any 400 under the toggle anyway).
pub const DUPLICATE_MERCHANT_REFERENCE: &str = "DUPLICATE_MERCHANT_REFERENCE";

/// The transport error and its causes, without the URL.
fn transport_chain(err: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        let part = e.to_string();
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        cur = e.source();
    }
    text
}

/// Errors in configuration: credentials, endpoints, client construction.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// A required environment variable is unset or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// Both the secret and the secret file are set.
    #[error("set only one of DINTERO_CLIENT_SECRET and DINTERO_CLIENT_SECRET_FILE")]
    AmbiguousSecret,
    /// The secret file could not be read.
    #[error("could not read the client secret file {path}: {source}")]
    SecretFile {
        /// Path of the file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The secret file is empty.
    #[error("the client secret file {0} is empty")]
    EmptySecretFile(String),
    /// The account id is not `T` or `P` followed by 8 digits.
    #[error(
        "invalid Dintero account id {0:?}: expected T (test) or P (production) followed by 8 digits"
    )]
    AccountId(String),
    /// A base URL does not parse.
    #[error("invalid URL {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A plain `http://` URL to a host that is not loopback.
    #[error("refusing plain http:// to {0}: use https:// (http is allowed only for loopback)")]
    InsecureUrl(String),
    /// A header value (system name, version, toggles) is not valid.
    #[error("invalid header value for {0}")]
    Header(&'static str),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn classify(code: u16) -> Outcome {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        Outcome::from_status(StatusCode::from_u16(code).unwrap(), &h)
    }

    #[test]
    fn status_table() {
        assert_eq!(classify(400), Outcome::Rejected);
        assert_eq!(classify(403), Outcome::Rejected);
        assert_eq!(classify(404), Outcome::Rejected);
        assert_eq!(classify(422), Outcome::Rejected);
        assert_eq!(classify(401), Outcome::Unauthorized);
        assert_eq!(
            classify(429),
            Outcome::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        for s in [500, 502, 503, 504, 501, 302] {
            assert_eq!(classify(s), Outcome::Unknown, "{s}");
        }
        assert_eq!(
            Outcome::from_status(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()),
            Outcome::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn error_body_reaches_the_message() {
        let body = br#"{"error":{"code":"VALIDATION_ERROR","message":"amount must equal the items","errors":[]}}"#;
        let e = ApiError::from_response(
            "POST /v1/sessions/pay".into(),
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(e.outcome, Outcome::Rejected);
        assert_eq!(e.code.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(e.message, "amount must equal the items");
        let shown = e.to_string();
        assert!(shown.contains("HTTP 400") && shown.contains("amount must equal"));

        let e = ApiError::from_response(
            "GET /x".into(),
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.outcome, Outcome::Unknown);
        assert_eq!(e.code, None);
        assert!(e.message.contains("bad gateway"));
    }
}
