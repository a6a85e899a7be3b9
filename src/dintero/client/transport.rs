//! The [`Client`] and the one function that sends a request: `Client::finish`
//! reads the whole answer and turns every non-2xx status into a classified
//! [`ApiError`], so no call site classifies on its own.
//!
//! Also the body helpers every call uses (`encode`, `decode`): an encoding
//! failure is a local bug, nothing was sent; a decoding failure keeps the status
//! the server answered.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::bearer::TokenState;
use crate::dintero::config::{ClientOptions, Endpoints, check_base_url};
use crate::dintero::credentials::Credentials;
use crate::dintero::error::{ApiError, ConfigError, Outcome};

const SYSTEM_NAME: HeaderName = HeaderName::from_static("dintero-system-name");
const SYSTEM_VERSION: HeaderName = HeaderName::from_static("dintero-system-version");

/// What every clone of a [`Client`] shares.
pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) credentials: Credentials,
    /// Auth base, `…/v1`, without trailing slash.
    pub(super) api: Url,
    /// Checkout base, `…/v1`, without trailing slash.
    pub(super) checkout: Url,
    pub(super) options: ClientOptions,
    /// `Dintero-System-Name`, `Dintero-System-Version`.
    pub(super) system_headers: HeaderMap,
    /// `Dintero-Feature-Toggles`, on checkout calls.
    pub(super) toggles: Option<HeaderValue>,
    pub(super) token: Mutex<TokenState>,
}

/// The Dintero client. Cheap to clone; clones share the token and the
/// connection pool.
#[derive(Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("account_id", &self.inner.credentials.account_id)
            .field("api", &self.inner.api.as_str())
            .field("checkout", &self.inner.checkout.as_str())
            .finish_non_exhaustive()
    }
}

/// A successful response: status and body.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    pub(super) label: String,
}

fn header_value(name: &'static str, value: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(value).map_err(|_| ConfigError::Header(name))
}

/// Serializes a request body; failure is a local bug, nothing was sent.
pub(super) fn encode<B: Serialize + ?Sized>(label: &str, body: &B) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| {
        ApiError::local(
            label.to_owned(),
            Outcome::Rejected,
            format!("could not encode the request body: {e}"),
        )
    })
}

/// Parses a 2xx answer; a failure is classified with the status the server gave.
pub(super) fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_slice(&reply.body)
        .map_err(|e| ApiError::decode(reply.label.clone(), reply.status.as_u16(), &e))
}

impl Client {
    /// Builds the client (validating both base URLs again: `http://` only to
    /// loopback) and its HTTP connection pool. No network traffic.
    pub fn new(
        credentials: Credentials,
        endpoints: &Endpoints,
        options: ClientOptions,
    ) -> Result<Client, ConfigError> {
        let api = check_base_url(endpoints.api.trim_end_matches('/'))?;
        let checkout = check_base_url(endpoints.checkout.trim_end_matches('/'))?;
        let mut system_headers = HeaderMap::new();
        system_headers.insert(
            SYSTEM_NAME,
            header_value("Dintero-System-Name", &options.system_name)?,
        );
        system_headers.insert(
            SYSTEM_VERSION,
            header_value("Dintero-System-Version", &options.system_version)?,
        );
        let toggles = match options.feature_toggles.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Some(header_value("Dintero-Feature-Toggles", t)?),
            _ => None,
        };
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout.min(options.request_timeout))
            .user_agent(header_value("User-Agent", &options.user_agent())?)
            // A redirected POST could be resent by the redirect; never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ConfigError::Http)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                credentials,
                api,
                checkout,
                options,
                system_headers,
                toggles,
                token: Mutex::new(TokenState::default()),
            }),
        })
    }

    /// The credentials' account id.
    pub fn account_id(&self) -> &str {
        &self.inner.credentials.account_id
    }

    pub(super) fn url(base: &Url, segments: &[&str]) -> Url {
        let mut url = base.clone();
        // http(s) URLs always have path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    pub(super) fn checkout_url(&self, segments: &[&str]) -> Url {
        Self::url(&self.inner.checkout, segments)
    }

    /// Sends a request, reads the whole body, and turns non-2xx statuses
    /// into classified errors.
    pub(super) async fn finish(
        &self,
        request: reqwest::RequestBuilder,
        label: String,
    ) -> Result<Reply, ApiError> {
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::from_transport(label.clone(), None, e))?;
        let status = response.status();
        // Only an error answer needs its headers (Retry-After).
        let headers = (!status.is_success()).then(|| response.headers().clone());
        tracing::debug!(request = %label, status = status.as_u16(), "dintero");
        let body = match response.bytes().await {
            Ok(b) => Vec::from(b),
            // The status already decides an error response's outcome.
            Err(_) if !status.is_success() => Vec::new(),
            Err(e) => return Err(ApiError::from_transport(label, Some(status.as_u16()), e)),
        };
        if status.is_success() {
            Ok(Reply {
                status,
                body,
                label,
            })
        } else {
            Err(ApiError::from_response(
                label,
                status,
                &headers.unwrap_or_default(),
                &body,
            ))
        }
    }
}
