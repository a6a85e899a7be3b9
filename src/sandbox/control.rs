//! [`SandboxControl`]: what a caller can do with a running sandbox (its address,
//! the ledger, faults, payments), whichever way it was started.
//!
//! [`SandboxHandle`](super::SandboxHandle) (inside a runtime) and
//! [`BlockingSandbox`](super::BlockingSandbox) (on its own thread) differ only in how
//! they start and stop; both dereference to this, so the control methods are written
//! once and cannot drift apart.

use std::net::SocketAddr;
use std::sync::Arc;

use super::error::SandboxError;
use super::faults::Faults;
use super::model::TransactionRecord;
use super::shared::Shared;
use super::state::Ledger;

/// The control side of a running sandbox: reached through a
/// [`SandboxHandle`](super::SandboxHandle) or a [`BlockingSandbox`](super::BlockingSandbox).
#[derive(Clone)]
pub struct SandboxControl {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SandboxControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxControl")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SandboxControl {
    pub(super) fn new(addr: SocketAddr, shared: Arc<Shared>) -> Self {
        Self { addr, shared }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        self.shared.base_url().to_owned()
    }

    /// A snapshot of every request and transaction so far.
    pub fn ledger(&self) -> Ledger {
        self.shared.ledger()
    }

    /// Replaces the faults; rule counters and the rate-limit bucket restart.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.current_faults()
    }

    /// Simulates the customer paying `amount` (the whole unpaid rest if
    /// `None`): a CAPTURE event, status CAPTURED or PARTIALLY_CAPTURED.
    pub fn mark_paid(
        &self,
        transaction_id: &str,
        amount: Option<i64>,
    ) -> Result<TransactionRecord, SandboxError> {
        self.shared.mark_paid(transaction_id, amount)
    }
}
