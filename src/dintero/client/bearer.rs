//! The bearer token as handed to callers, and the cache it lives in.
//!
//! A type of its own so that the secret cannot leak: `Debug` shows only the
//! token's generation, and the header it makes is marked sensitive. The
//! generation is what lets [`super::Client::invalidate_token`] tell a stale
//! token from the current one.

use std::fmt;
use std::time::Instant;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// A bearer token handed out by [`Client::token`](super::Client::token). `Debug` shows only its
/// generation (1 for the first token fetched, then 2, ...).
#[derive(Clone)]
pub struct BearerToken {
    pub(super) secret: SecretString,
    pub(super) generation: u64,
}

impl BearerToken {
    /// Which fetch produced this token (1, 2, ...).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The `Authorization` header value, marked sensitive.
    pub(super) fn header(&self) -> Option<HeaderValue> {
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

pub(super) struct CachedToken {
    pub(super) token: BearerToken,
    pub(super) refresh_at: Instant,
}

#[derive(Default)]
pub(super) struct TokenState {
    pub(super) current: Option<CachedToken>,
    pub(super) generation: u64,
}
