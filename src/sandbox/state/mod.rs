//! The emulator's state as plain data: accounts, issued tokens, sessions,
//! transactions and the ledger of requests. No HTTP types here: http/
//! calls these methods under a `std::sync::Mutex` that is never held across
//! an `.await`.
//!
//! Ids are deterministic (counter based), so tests can predict them:
//! transaction ids `<account>.<22 base62 chars>`, invoice numbers
//! `INV-<year>-<0000>`, invoice URLs `<base_url>/v1/files/f-<12 hex>`.
//!
//! Split by concern so that each rule of the emulated API sits in one short file:
//! `store` (the [`State`] struct, ids, events, the ledger), `auth` (accounts and
//! tokens), `ledger` (what is kept of each request), `toggles` (duplicate
//! prevention), `sessions` (one-step and two-step flows), `transactions` (what a
//! new transaction looks like), `listing` (reads and paging) and `lifecycle`
//! (void, capture, payment). This file only re-exports: the parts depend on
//! each other, never on it.

mod auth;
mod ledger;
mod lifecycle;
mod listing;
mod sessions;
mod store;
mod toggles;
mod transactions;

pub use auth::Account;
pub use ledger::{Ledger, LedgerRequest, RequestMeta};
pub use listing::ListFilter;
pub use store::State;
pub use toggles::{DUPLICATE_CODE, STRICT_REFERENCE, STRICT_SUCCESS_REFERENCE};
pub use transactions::Outcome;

#[cfg(test)]
mod tests;
