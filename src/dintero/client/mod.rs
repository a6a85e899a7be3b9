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
//!
//! Split by concern: `transport` (the [`Client`] itself, its connection pool and
//! the one function that sends a request and classifies the answer), `bearer`
//! (the token type and its cache), `auth` (fetching and refreshing the token, and
//! the authenticated call with its single 401 retry), `payments` (the one-step
//! and two-step pay calls) and `transactions` (look-ups, listing, void, capture,
//! downloads). This file only re-exports: the parts depend on each other, never
//! on it.

mod auth;
mod bearer;
mod payments;
mod transactions;
mod transport;

pub use bearer::BearerToken;
pub use transactions::TransactionFilter;
pub use transport::Client;
