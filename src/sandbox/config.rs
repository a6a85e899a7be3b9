//! What a sandbox starts with: its faults, token lifetime and accounts.
//!
//! Its own file so that the server and the blocking wrapper both take it without
//! depending on each other, and so that the defaults a rehearsal relies on (one
//! test account, four-hour tokens, no faults) are written down in one place.

use std::time::Duration;

use super::faults::Faults;
use super::state::Account;

/// Configuration of a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Faults injected from the start (see [`Faults`]).
    pub faults: Faults,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// API clients accepted by the token endpoint.
    pub accounts: Vec<Account>,
}

impl Default for SandboxConfig {
    /// No faults, 4-hour tokens, one test account `T12345678` with client
    /// `sandbox-client` / `sandbox-secret`.
    fn default() -> Self {
        Self {
            faults: Faults::default(),
            token_lifetime: Duration::from_secs(14_400),
            accounts: vec![Account {
                account_id: "T12345678".to_owned(),
                client_id: "sandbox-client".to_owned(),
                client_secret: "sandbox-secret".to_owned(),
            }],
        }
    }
}
