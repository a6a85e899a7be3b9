//! What the tool writes: summaries, reports, results files, the annotated copy,
//! payload files, progress.
//!
//! This file only names the parts (each module says what it is for) and keeps the paths
//! the rest of the crate uses (`output::atomic_write`, ...). Files are written atomically
//! ([`atomic`]), so a crash never leaves half a report or results file where a wrapper
//! script looks.

pub mod actions;
pub mod annotate;
pub mod atomic;
pub mod formula;
pub mod paths;
pub mod progress;
pub mod report;
pub mod results;
pub mod status;
pub mod stdout;
pub mod summary;

pub use atomic::{atomic_write, temp_file_in, write_json_lines};
