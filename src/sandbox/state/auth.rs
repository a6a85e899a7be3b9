//! Accounts, client credentials and the bearer tokens the sandbox issues.
//!
//! Its own struct ([`Auth`]) inside the state rather than more fields of it: nothing
//! else reads the accounts or the issued tokens, and keeping them together keeps
//! the secrets in one place (`Debug` of [`Account`] and [`IssuedToken`] hides them).
//! Tokens look like Dintero's JWTs (header, claims, signature salted with a
//! per-sandbox key) but are only ever checked by looking them up.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::sandbox::error::{ApiError, ApiErrorKind};

/// An API client of an account (client credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// `T` + 8 digits (test) or `P` + 8 digits.
    pub account_id: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (never printed by `Debug`).
    pub client_secret: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// A freshly issued access token.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (rounded up).
    pub expires_in: u64,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

struct TokenGrant {
    account_id: String,
    /// `None`: a lifetime too large to represent, i.e. never.
    expires_at: Option<Instant>,
}

/// The accounts and the tokens issued so far.
pub(super) struct Auth {
    accounts: Vec<Account>,
    token_lifetime: Duration,
    token_key: u64,
    tokens: HashMap<String, TokenGrant>,
    next_token: u64,
}

impl Auth {
    /// No tokens yet. `token_key` salts the token signatures.
    pub(super) fn new(accounts: Vec<Account>, token_lifetime: Duration, token_key: u64) -> Self {
        Self {
            accounts,
            token_lifetime,
            token_key,
            tokens: HashMap::new(),
            next_token: 1,
        }
    }

    /// Checks client credentials for account `aid`: 401 if unknown, 403 if
    /// the client belongs to another account.
    pub(super) fn authenticate_client(
        &self,
        aid: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<(), ApiError> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.client_id == client_id && a.client_secret == secret)
            .ok_or_else(|| ApiError::unauthorized("invalid client credentials"))?;
        if account.account_id != aid {
            return Err(ApiError::new(
                ApiErrorKind::Forbidden,
                "FORBIDDEN",
                format!("client {client_id} has no access to account {aid}"),
            ));
        }
        Ok(())
    }

    /// Issues a bearer token for `aid` (call `authenticate_client` first);
    /// `base_url` names the issuer in its claims.
    pub(super) fn issue_token(
        &mut self,
        base_url: &str,
        aid: &str,
        client_id: &str,
        now: Instant,
        now_utc: DateTime<Utc>,
    ) -> IssuedToken {
        let n = self.next_token;
        self.next_token += 1;
        let lifetime = self.token_lifetime;
        let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = json!({
            "iss": format!("{base_url}/v1/accounts/{aid}"),
            "aud": format!("/v1/accounts/{aid}"),
            "sub": client_id,
            "iat": now_utc.timestamp(),
            "exp": now_utc.timestamp().saturating_add(i64::try_from(expires_in).unwrap_or(i64::MAX)),
            "jti": n,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(Sha256::digest(
            format!("{}.{header}.{payload}", self.token_key).as_bytes(),
        ));
        let access_token = format!("{header}.{payload}.{signature}");
        self.tokens.insert(
            access_token.clone(),
            TokenGrant {
                account_id: aid.to_owned(),
                expires_at: now.checked_add(lifetime),
            },
        );
        IssuedToken {
            access_token,
            expires_in,
        }
    }

    /// The account a bearer token grants access to; 401 if unknown or expired.
    pub(super) fn authenticate(&self, token: &str, now: Instant) -> Result<String, ApiError> {
        match self.tokens.get(token) {
            None => Err(ApiError::unauthorized("unknown access token")),
            Some(grant) if grant.expires_at.is_some_and(|exp| now >= exp) => {
                Err(ApiError::unauthorized("access token expired"))
            }
            Some(grant) => Ok(grant.account_id.clone()),
        }
    }
}
