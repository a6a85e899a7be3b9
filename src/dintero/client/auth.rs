//! The access token (fetched, cached, refreshed at half its lifetime, one refresh
//! for all workers) and `Client::call`, the authenticated request every API
//! call goes through.
//!
//! Together because the one retry the client makes belongs to the token: a 401
//! means the request was not processed, so sending it again with a fresh token
//! cannot create a second invoice. Everything else is left to the caller's policy.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::bearer::{BearerToken, CachedToken};
use super::transport::{Client, Reply, decode, encode};
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::TokenResponse;

/// Assumed token lifetime when the token response has no `expires_in`.
const FALLBACK_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

const FEATURE_TOGGLES: HeaderName = HeaderName::from_static("dintero-feature-toggles");

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

    /// Every authenticated call goes through here: bearer token, system
    /// headers, toggles on checkout calls, JSON body. With `retry_on_401`
    /// (every call of this client passes it) a 401 invalidates the token and
    /// the same request is sent once more with a fresh one.
    pub(super) async fn call(
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

    /// An authenticated `GET` whose JSON answer is parsed as `T`.
    pub(super) async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        decode(&self.call(Method::GET, url, None, true).await?)
    }
}
