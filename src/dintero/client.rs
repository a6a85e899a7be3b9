//! The async Dintero client: token handling, calls, and classification of
//! every failure.
//!
//! Why it looks like this:
//! - One [`Client`] is built per run and cloned into every worker (an `Arc`
//!   inside), so all workers share one connection pool and one token.
//! - The token is cached and refreshed when half its lifetime has passed
//!   (the official Node SDK's rule). Refreshing happens under a
//!   `tokio::sync::Mutex`, so concurrent callers wait for the same refresh
//!   instead of each asking for a token; [`Client::invalidate_token`] takes
//!   the token that failed, so eight workers seeing the same 401 cause one
//!   refresh, not eight.
//! - The client retries nothing except a call answered 401, once, with a
//!   fresh token: a 401 means the request was not processed, so that retry
//!   cannot create a second invoice, whatever the call. Everything else is
//!   classified ([`super::error::Outcome`]) and left to
//!   [`crate::run::policy::Policy`], which owns retries and rate limiting.
//! - Secrets (client secret, bearer token) stay in `SecretString` and are put
//!   in headers marked sensitive; no `Debug`, log line or error shows them.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use super::config::{ClientOptions, Endpoints, check_base_url};
use super::credentials::Credentials;
use super::error::{ApiError, ConfigError, Outcome};
use super::payload::PayRequest;
use super::types::{PayResult, Session, SessionCreated, TokenResponse, Transaction, VoidOutcome};

/// Assumed token lifetime when the token response has no `expires_in`.
const FALLBACK_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

const SYSTEM_NAME: HeaderName = HeaderName::from_static("dintero-system-name");
const SYSTEM_VERSION: HeaderName = HeaderName::from_static("dintero-system-version");
const FEATURE_TOGGLES: HeaderName = HeaderName::from_static("dintero-feature-toggles");

/// A bearer token handed out by [`Client::token`]. `Debug` shows only its
/// generation (1 for the first token fetched, then 2, ...).
#[derive(Clone)]
pub struct BearerToken {
    secret: SecretString,
    generation: u64,
}

impl BearerToken {
    /// Which fetch produced this token (1, 2, ...).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The `Authorization` header value, marked sensitive.
    fn header(&self) -> Option<HeaderValue> {
        let mut v =
            HeaderValue::from_str(&format!("Bearer {}", self.secret.expose_secret())).ok()?;
        v.set_sensitive(true);
        Some(v)
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

struct CachedToken {
    token: BearerToken,
    refresh_at: Instant,
}

#[derive(Default)]
struct TokenState {
    current: Option<CachedToken>,
    generation: u64,
}

struct Inner {
    http: reqwest::Client,
    credentials: Credentials,
    /// Auth base, `…/v1`, without trailing slash.
    api: Url,
    /// Checkout base, `…/v1`, without trailing slash.
    checkout: Url,
    options: ClientOptions,
    /// `Dintero-System-Name`, `Dintero-System-Version`.
    system_headers: HeaderMap,
    /// `Dintero-Feature-Toggles`, on checkout calls.
    toggles: Option<HeaderValue>,
    token: Mutex<TokenState>,
}

/// The Dintero client. Cheap to clone; clones share the token and the
/// connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
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
struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    label: String,
}

fn header_value(name: &'static str, value: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(value).map_err(|_| ConfigError::Header(name))
}

/// Serializes a request body; failure is a local bug, nothing was sent.
fn encode<B: Serialize + ?Sized>(label: &str, body: &B) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| {
        ApiError::local(
            label.to_owned(),
            Outcome::Rejected,
            format!("could not encode the request body: {e}"),
        )
    })
}

fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_slice(&reply.body)
        .map_err(|e| ApiError::decode(reply.label.clone(), reply.status.as_u16(), &e))
}

/// After a pay call was answered 200, a failure to read its result must not
/// look like "not sent" or "rejected": the invoice may exist.
fn after_pay(mut err: ApiError) -> ApiError {
    err.outcome = Outcome::Unknown;
    err.message = format!(
        "the pay call was answered 200 but its transaction could not be read: {}",
        err.message
    );
    err
}

/// Token failures are reported on behalf of the call that needed the token:
/// that call was not sent, whatever happened to the token request.
fn token_failure(err: ApiError) -> ApiError {
    match err.outcome {
        Outcome::Unknown | Outcome::Decode => ApiError {
            outcome: Outcome::NotSent,
            ..err
        },
        _ => err,
    }
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

    fn url(base: &Url, segments: &[&str]) -> Url {
        let mut url = base.clone();
        // http(s) URLs always have path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn checkout_url(&self, segments: &[&str]) -> Url {
        Self::url(&self.inner.checkout, segments)
    }

    // ----- token -----

    /// A valid bearer token: the cached one, or a new one if none is cached
    /// or half its lifetime has passed. Concurrent callers wait for a single
    /// refresh. Failures of the token request are classified
    /// [`Outcome::NotSent`] unless they are 401 (bad credentials), 429 or a
    /// 4xx rejection: whatever happened, no payment request went out.
    pub async fn token(&self) -> Result<BearerToken, ApiError> {
        let mut state = self.inner.token.lock().await;
        if let Some(cached) = &state.current
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        // The lock is held across the fetch on purpose: other callers queue
        // behind it and then find the fresh token in the cache.
        let started = Instant::now();
        let response = self.fetch_token().await.map_err(token_failure)?;
        let lifetime = response
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(FALLBACK_TOKEN_LIFETIME);
        state.generation += 1;
        let token = BearerToken {
            secret: response.access_token,
            generation: state.generation,
        };
        state.current = Some(CachedToken {
            token: token.clone(),
            refresh_at: started + lifetime / 2,
        });
        tracing::debug!(
            generation = token.generation,
            ?lifetime,
            "dintero: new access token"
        );
        Ok(token)
    }

    /// Forgets `old` if it is still the cached token (so the next
    /// [`Client::token`] fetches a new one). A token that was already
    /// replaced is ignored: many workers reporting the same rejected token
    /// cause one refresh.
    pub async fn invalidate_token(&self, old: &BearerToken) {
        let mut state = self.inner.token.lock().await;
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.token.generation == old.generation)
        {
            state.current = None;
        }
    }

    /// `POST {api}/accounts/{aid}/auth/token` with HTTP Basic credentials.
    async fn fetch_token(&self) -> Result<TokenResponse, ApiError> {
        let creds = &self.inner.credentials;
        let url = Self::url(
            &self.inner.api,
            &["accounts", &creds.account_id, "auth", "token"],
        );
        let label = format!("POST {}", url.path());
        let audience = format!(
            "{}/accounts/{}",
            self.inner.api.as_str().trim_end_matches('/'),
            creds.account_id
        );
        let body = encode(
            &label,
            &serde_json::json!({ "grant_type": "client_credentials", "audience": audience }),
        )?;
        let request = self
            .inner
            .http
            .post(url)
            .headers(self.inner.system_headers.clone())
            .basic_auth(&creds.client_id, Some(creds.client_secret.expose_secret()))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let reply = self.finish(request, label).await?;
        let token: TokenResponse = decode(&reply)?;
        let usable = !token.access_token.expose_secret().is_empty()
            && HeaderValue::from_str(token.access_token.expose_secret()).is_ok();
        if !usable {
            return Err(ApiError::local(
                reply.label,
                Outcome::Decode,
                "the token response's access_token is empty or not a valid header value",
            ));
        }
        Ok(token)
    }

    // ----- the one request helper -----

    /// Sends a request, reads the whole body, and turns non-2xx statuses
    /// into classified errors.
    async fn finish(
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

    /// Every authenticated call goes through here: bearer token, system
    /// headers, toggles on checkout calls, JSON body. With `retry_on_401`
    /// (every call of this client passes it) a 401 invalidates the token and
    /// the same request is sent once more with a fresh one.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        retry_on_401: bool,
    ) -> Result<Reply, ApiError> {
        let label = format!("{method} {}", url.path());
        let mut token = self.token().await?;
        let mut retried = false;
        loop {
            let auth = token.header().ok_or_else(|| {
                ApiError::local(label.clone(), Outcome::NotSent, "unusable access token")
            })?;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(self.inner.system_headers.clone())
                .header(AUTHORIZATION, auth);
            if let Some(toggles) = &self.inner.toggles {
                request = request.header(FEATURE_TOGGLES, toggles.clone());
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            match self.finish(request, label.clone()).await {
                Err(e) if e.outcome == Outcome::Unauthorized && retry_on_401 && !retried => {
                    tracing::debug!(request = %label, "dintero: 401, refreshing the token once");
                    retried = true;
                    self.invalidate_token(&token).await;
                    token = self.token().await?;
                }
                other => return other,
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        decode(&self.call(Method::GET, url, None, true).await?)
    }

    // ----- payments -----

    /// One-step Kravia invoice: `POST {checkout}/sessions/pay`. A 200 is
    /// returned as `Ok` even when the transaction is `FAILED`: check
    /// [`Transaction::is_success`] and [`Transaction::failure_message`].
    pub async fn pay(&self, request: &PayRequest<'_>) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["sessions", "pay"]);
        let body = encode(&format!("POST {}", url.path()), request)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Two-step, step 1: `POST {checkout}/sessions`.
    pub async fn create_session<B: Serialize + ?Sized>(
        &self,
        body: &B,
    ) -> Result<SessionCreated, ApiError> {
        let url = self.checkout_url(&["sessions"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Two-step, step 1 with a checkout profile: `POST {checkout}/sessions-profile`
    /// (the body names its `profile_id`).
    pub async fn create_profile_session<B: Serialize + ?Sized>(
        &self,
        body: &B,
    ) -> Result<SessionCreated, ApiError> {
        let url = self.checkout_url(&["sessions-profile"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// `GET {checkout}/sessions/{id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<Session, ApiError> {
        self.get(self.checkout_url(&["sessions", session_id])).await
    }

    /// Two-step, step 2: `POST {checkout}/sessions/{id}/pay`. Accepts both
    /// documented answers: a Transaction, or `{success, actions, error}`, in
    /// which case the transaction is read through the session. Once the pay
    /// call has been answered 200, any failure of those reads is
    /// [`Outcome::Unknown`] (the invoice may exist).
    pub async fn pay_session<B: Serialize + ?Sized>(
        &self,
        session_id: &str,
        body: &B,
    ) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["sessions", session_id, "pay"]);
        let body = encode(&format!("POST {}", url.path()), body)?;
        let reply = self.call(Method::POST, url, Some(body), true).await?;
        let value: Value = decode(&reply)?;
        if value.get("id").is_some() && value.get("status").is_some() {
            return serde_json::from_value(value)
                .map_err(|e| ApiError::decode(reply.label, reply.status.as_u16(), &e));
        }
        let result: PayResult = serde_json::from_value(value)
            .map_err(|e| ApiError::decode(reply.label.clone(), reply.status.as_u16(), &e))?;
        let session = self.get_session(session_id).await.map_err(after_pay)?;
        match session.transaction_id {
            Some(id) => self.transaction(&id).await.map_err(after_pay),
            None if result.success => Err(ApiError::local(
                reply.label,
                Outcome::Unknown,
                "the pay call reported success but the session has no transaction",
            )),
            None => {
                let error = result.error.unwrap_or_default();
                Err(ApiError {
                    outcome: Outcome::Rejected,
                    status: Some(reply.status.as_u16()),
                    code: error.code,
                    message: error
                        .message
                        .unwrap_or_else(|| "the pay call reported failure".to_owned()),
                    request: reply.label,
                    source: None,
                })
            }
        }
    }

    // ----- transactions -----

    /// `GET {checkout}/transactions/{id}`.
    pub async fn transaction(&self, id: &str) -> Result<Transaction, ApiError> {
        self.get(self.checkout_url(&["transactions", id])).await
    }

    /// Every transaction with `merchant_reference` (oldest first):
    /// `GET {checkout}/transactions?merchant_reference=…&limit=…&starting_after=…`,
    /// paging until a page is shorter than the limit.
    pub async fn transactions_by_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<Transaction>, ApiError> {
        let limit = self.inner.options.page_size.clamp(1, 100);
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = self.checkout_url(&["transactions"]);
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("merchant_reference", reference)
                    .append_pair("limit", &limit.to_string());
                if let Some(after) = &after {
                    query.append_pair("starting_after", after);
                }
            }
            let page: Vec<Transaction> = self.get(url).await?;
            let full = page.len() >= limit as usize;
            let last = page.last().map(|t| t.id.clone());
            all.extend(page);
            match last {
                // A server repeating the cursor would loop forever.
                Some(id) if full && after.as_deref() != Some(id.as_str()) => after = Some(id),
                _ => break,
            }
        }
        Ok(all)
    }

    /// One page of `GET {checkout}/transactions` with `filter`, after the
    /// transaction `starting_after` (the last id of the previous page). A page
    /// shorter than `filter.limit` is the last one.
    pub async fn transactions_page(
        &self,
        filter: &TransactionFilter,
        starting_after: Option<&str>,
    ) -> Result<Vec<Transaction>, ApiError> {
        let mut url = self.checkout_url(&["transactions"]);
        {
            let mut query = url.query_pairs_mut();
            for p in &filter.payment_product_types {
                query.append_pair("payment_product_type", p);
            }
            for s in &filter.statuses {
                query.append_pair("status", s);
            }
            if let Some(gte) = &filter.created_gte {
                query.append_pair("created_at.gte", gte);
            }
            if let Some(lte) = &filter.created_lte {
                query.append_pair("created_at.lte", lte);
            }
            query.append_pair("limit", &filter.limit.clamp(1, 100).to_string());
            if let Some(after) = starting_after {
                query.append_pair("starting_after", after);
            }
        }
        self.get(url).await
    }

    /// `POST {checkout}/transactions/{id}/void` (no body): 200 with the
    /// transaction, or 202 (processed later).
    pub async fn void(&self, id: &str) -> Result<VoidOutcome, ApiError> {
        let url = self.checkout_url(&["transactions", id, "void"]);
        let reply = self.call(Method::POST, url, None, true).await?;
        if reply.status == StatusCode::OK && !reply.body.is_empty() {
            Ok(VoidOutcome::Voided(Box::new(decode(&reply)?)))
        } else {
            Ok(VoidOutcome::Accepted)
        }
    }

    /// `POST {checkout}/transactions/{id}/capture` with `{"amount": …}`
    /// (only for `invoice_channel: merchant`).
    pub async fn capture(&self, id: &str, amount: i64) -> Result<Transaction, ApiError> {
        let url = self.checkout_url(&["transactions", id, "capture"]);
        let body = encode(
            &format!("POST {}", url.path()),
            &serde_json::json!({ "amount": amount }),
        )?;
        decode(&self.call(Method::POST, url, Some(body), true).await?)
    }

    /// Downloads a file (the invoice PDF) with the bearer token. The URL
    /// must be on the configured api or checkout origin: the token is never
    /// sent anywhere else.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, ApiError> {
        let label = format!("GET {url}");
        let parsed = Url::parse(url)
            .map_err(|e| ApiError::local(label.clone(), Outcome::Rejected, e.to_string()))?;
        let origin = parsed.origin();
        if origin != self.inner.api.origin() && origin != self.inner.checkout.origin() {
            return Err(ApiError::local(
                label,
                Outcome::Rejected,
                "refusing to send the access token to a host other than the configured Dintero hosts",
            ));
        }
        Ok(self.call(Method::GET, parsed, None, true).await?.body)
    }
}

/// Filters of `GET /v1/transactions` (see `dintero-api.md`): a window of the
/// account's transactions, listed a page at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionFilter {
    /// `payment_product_type` (repeatable), e.g. `kravia.invoice_b2b`.
    pub payment_product_types: Vec<String>,
    /// `status` (repeatable), e.g. `AUTHORIZED`.
    pub statuses: Vec<String>,
    /// `created_at.gte`, ISO 8601.
    pub created_gte: Option<String>,
    /// `created_at.lte`, ISO 8601.
    pub created_lte: Option<String>,
    /// Page size, 1..=100.
    pub limit: u32,
}
