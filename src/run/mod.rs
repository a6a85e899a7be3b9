//! The live run: pacing, the write-ahead journal, and the scheduler that sends each
//! invoice exactly once.

pub mod journal;
pub mod pacing;
pub mod scheduler;
