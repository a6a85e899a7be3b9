//! Everything that talks to Dintero on a schedule, and the files that make it safe to
//! stop and run again: the live import and the commands after it.
//!
//! Why these modules, from the bottom up (each uses only those above it; none uses
//! `cli` or is used by `output`, so there is no import circle):
//!
//! - `pacing`, `policy`: the one request policy every command sends through (rate,
//!   concurrency, retries only where they cannot duplicate, the stop flag).
//! - `journal`: the import's write-ahead SQLite journal: every attempt is on disk before
//!   it is sent, so a crash never leaves an invoice that might be sent twice.
//! - `registry`: the per-user record of invoiced references, the cross-run guard.
//! - `lock`: one import per journal and per account at a time.
//! - `scheduler`: the workers of the import, over `policy` and `journal`.
//! - `lifecycle`: `status`, `void`, `capture` and invoice PDFs, over `policy` and the
//!   journal's file (its own `actions` table).

pub mod journal;
pub mod lifecycle;
pub mod lock;
pub mod pacing;
pub mod policy;
pub mod registry;
pub mod scheduler;

/// How an invoice is created: a setting, defined with the others.
pub use crate::config::Flow;
