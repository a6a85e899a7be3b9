//! The live run: pacing, the write-ahead journal, and the scheduler that sends each
//! invoice exactly once.

pub mod journal;
pub mod lifecycle;
pub mod lock;
pub mod pacing;
pub mod policy;
pub mod registry;
pub mod scheduler;

/// How an invoice is created: a setting, defined with the others.
pub use crate::config::Flow;
