//! What `kravia-batch void` and `kravia-batch capture` show: the plan to confirm before
//! anything is sent, and the outcome of each invoice afterwards.
//!
//! The run's result is plain facts ([`ActionCounts`], and the [`Overall`] they come to);
//! the text and [`ActionReport::exit`] are derived from them, so exit codes can be
//! decided in one place without reading this module's wording.
//!
//! Layout: the items ([`item`]) stand alone; the plan (`plan`) and the report
//! (`report`) show them. This file only names the parts.

mod item;
mod plan;
mod report;

pub use item::{ActionItem, ActionOutcome, Command, DownloadOutcome};
pub use plan::render_plan;
pub use report::{ActionCounts, ActionReport, DownloadCounts, Overall};

#[cfg(test)]
mod tests;
