//! [`State`] itself: what the emulator holds, its id counters, and the small
//! helpers every concern uses (events, the ledger, authentication).
//!
//! The fields are `pub(super)` so that each concern's file (sessions, transactions,
//! listing, lifecycle, toggles) adds its own `impl State` block next to its rules,
//! while this file stays the one place that says what the state is made of.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::auth::{Account, Auth, IssuedToken};
use super::ledger::{Ledger, LedgerRequest};
use crate::sandbox::error::ApiError;
use crate::sandbox::model::{
    EventKind, SessionRecord, TransactionEvent, TransactionRecord, TransactionStatus,
};
use crate::sandbox::validate::ValidOrder;

/// The emulator's state.
pub struct State {
    pub(super) auth: Auth,
    pub(super) base_url: String,
    pub(super) sessions: Vec<SessionRecord>,
    /// The orders of two-step sessions, kept typed for their pay call.
    pub(super) session_orders: HashMap<String, ValidOrder>,
    pub(super) transactions: Vec<TransactionRecord>,
    pub(super) requests: Vec<LedgerRequest>,
    pub(super) next_session: u64,
    pub(super) next_transaction: u64,
    pub(super) next_invoice: u64,
    pub(super) next_event: u64,
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// 22 base62-ish characters derived from a tag and a counter.
pub(super) fn short_id(tag: &str, n: u64) -> String {
    let digest = Sha256::digest(format!("{tag}:{n}").as_bytes());
    digest
        .iter()
        .take(22)
        .map(|b| char::from(BASE62[usize::from(*b) % BASE62.len()]))
        .collect()
}

impl State {
    /// New empty state. `token_key` salts the token signatures.
    pub fn new(
        accounts: Vec<Account>,
        token_lifetime: Duration,
        base_url: String,
        token_key: u64,
    ) -> Self {
        Self {
            auth: Auth::new(accounts, token_lifetime, token_key),
            base_url,
            sessions: Vec::new(),
            session_orders: HashMap::new(),
            transactions: Vec::new(),
            requests: Vec::new(),
            next_session: 1,
            next_transaction: 1,
            next_invoice: 1,
            next_event: 1,
        }
    }

    // ----- authentication (see auth.rs) -----

    /// Checks client credentials for account `aid`: 401 if unknown, 403 if
    /// the client belongs to another account.
    pub fn authenticate_client(
        &self,
        aid: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<(), ApiError> {
        self.auth.authenticate_client(aid, client_id, secret)
    }

    /// Issues a bearer token for `aid` (call `authenticate_client` first).
    pub fn issue_token(
        &mut self,
        aid: &str,
        client_id: &str,
        now: Instant,
        now_utc: DateTime<Utc>,
    ) -> IssuedToken {
        self.auth
            .issue_token(&self.base_url, aid, client_id, now, now_utc)
    }

    /// The account a bearer token grants access to; 401 if unknown or expired.
    pub fn authenticate(&self, token: &str, now: Instant) -> Result<String, ApiError> {
        self.auth.authenticate(token, now)
    }

    // ----- events -----

    fn new_event_id(&mut self) -> String {
        let n = self.next_event;
        self.next_event += 1;
        format!("ev-{n:06}")
    }

    /// A new event (with the next event id), without metadata or error.
    pub(super) fn event(
        &mut self,
        event: EventKind,
        success: bool,
        amount: i64,
        now: DateTime<Utc>,
        status: TransactionStatus,
    ) -> TransactionEvent {
        TransactionEvent {
            id: self.new_event_id(),
            event,
            success,
            amount,
            created_at: now,
            transaction_status: status,
            metadata: BTreeMap::new(),
            error: None,
        }
    }

    // ----- ledger -----

    /// Records a request; returns its index for `set_request_status`.
    pub fn record_request(&mut self, request: LedgerRequest) -> usize {
        self.requests.push(request);
        self.requests.len() - 1
    }

    /// Sets the status answered to request `index`.
    pub fn set_request_status(&mut self, index: usize, status: Option<u16>) {
        if let Some(r) = self.requests.get_mut(index) {
            r.status_code = status;
        }
    }

    /// A snapshot of the ledger.
    pub fn ledger(&self) -> Ledger {
        Ledger {
            requests: self.requests.clone(),
            transactions: self.transactions.clone(),
            sessions: self.sessions.clone(),
        }
    }
}
