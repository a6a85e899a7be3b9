//! The HTTP face of the sandbox: an axum router translating Dintero's
//! endpoints to calls on the plain-data state (state/), with validation
//! (validate/) and fault injection (faults.rs) applied in between.
//!
//! Order of checks on a pay request: rate limit (429), latency, bearer token
//! (401), JSON body (400), `spurious_401`, validation (400),
//! `fail_before_commit` (5xx), `fail_status` decision, commit (toggles 400 or
//! the new transaction), then `drop_after_commit` / `slow_after_commit`.
//! Locks are taken in short statements and never held across an `.await`.
//!
//! Split by endpoint family so that a handler sits next to its siblings: `routes`
//! (the table), `respond` (Dintero's answers and errors), `request` (headers,
//! credentials and the gate every API call passes), `ledger` (the middleware
//! recording each request), then `auth`, `pay`, `sessions` and `transactions`.
//! This file only re-exports: the parts depend on each other, never on it.

mod auth;
mod ledger;
mod pay;
mod request;
mod respond;
mod routes;
mod sessions;
mod transactions;

pub(crate) use routes::router;
