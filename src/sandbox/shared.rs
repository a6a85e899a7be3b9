//! The state shared by the HTTP handlers and the control handles: the emulator's
//! state and its fault engine, each behind its own mutex, and the base URL.
//!
//! Its own file so that the HTTP layer and the handles both depend on it instead
//! of on each other. Two mutexes, not one, because fault decisions (rate limit,
//! latency) are taken on every request and must not wait for a state change;
//! neither lock is ever held across an `.await`.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use chrono::Utc;

use super::config::SandboxConfig;
use super::error::SandboxError;
use super::faults::{FaultEngine, Faults};
use super::model::TransactionRecord;
use super::state::{Ledger, State};

/// State shared by the handlers and the control handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    faults: Mutex<FaultEngine>,
    base_url: String,
}

impl Shared {
    /// A fresh sandbox's state for `config`, serving at `base_url`; token
    /// signatures are salted with a random key.
    pub(super) fn new(config: SandboxConfig, base_url: String) -> Self {
        Shared {
            state: Mutex::new(State::new(
                config.accounts,
                config.token_lifetime,
                base_url.clone(),
                fastrand::u64(..),
            )),
            faults: Mutex::new(FaultEngine::new(config.faults, Instant::now())),
            base_url,
        }
    }

    /// The state; a poisoned lock is recovered (the data stays consistent
    /// because every mutation completes inside one call).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultEngine> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(super) fn ledger(&self) -> Ledger {
        self.state().ledger()
    }

    pub(super) fn set_faults(&self, faults: Faults) {
        self.faults().set(faults, Instant::now());
    }

    pub(super) fn current_faults(&self) -> Faults {
        self.faults().faults().clone()
    }

    pub(super) fn mark_paid(
        &self,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<TransactionRecord, SandboxError> {
        Ok(self.state().mark_paid(transaction_id, amount, Utc::now())?)
    }
}
