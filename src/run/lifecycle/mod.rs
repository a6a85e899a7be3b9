//! The invoice's life after the import: `status`, `void` and `capture` (issue #5).
//!
//! Everything here starts from the transaction's **current** state at Dintero, fetched
//! just before acting, never from the results file (which may be days old):
//!
//! - **Fetching** goes through the one request policy of every command
//!   ([`crate::run::policy::Policy`]): a GET changes nothing, so 401 (with a fresh token),
//!   429 (slower), connection failures, timeouts and 5xx are retried; 4xx are not.
//! - **Void and capture** change something, so they are resent only when the request
//!   provably was not processed (429, connection refused). After any other failure the
//!   transaction is looked at again: if the change shows, it is done; if not, the outcome
//!   stays unknown and the run is incomplete (exit 5). A re-run looks first again.
//! - **The `actions` table** in the import's journal (`<results>.journal.sqlite`) records
//!   the intent of each void/capture before it is sent and its outcome after, with
//!   SQLite's WAL and `synchronous=FULL` like the import's journal. It answers "did we
//!   send this?" after a crash, and it is how `void` tells "already cancelled by us"
//!   (not an error) from "cancelled by someone else" (refused).
//!
//! The results file is updated in place (its own format, CSV delimiter kept, written
//! atomically): `transaction_status`, `status_checked_at` (now) and `status_changed_at`
//! (see [`observe()`]).
//!
//! **Why a folder.** The commands share their first steps and differ after, so each step
//! is a file, and a file depends only on the steps before it (no file uses this one's
//! re-exports, so there is no import circle):
//!
//! | file | step |
//! |---|---|
//! | `time`, `error` | the timestamp format; the one error type |
//! | `results_file` | the results file, read and rewritten in its own dialect |
//! | `observe` | what a transaction says (pure) |
//! | `fetch` | the current transaction of many rows, paced |
//! | `status` | `status`: fetch, record, sum up |
//! | `actions_log` | the `actions` table |
//! | `plan` | the void and capture rules (pure) |
//! | `prepare` | the rules applied to the selected rows, before confirmation |
//! | `execute` | sending what was confirmed, journaled |
//! | `download` | invoice PDFs |
//!
//! Callers use the paths re-exported here (`crate::run::lifecycle::ResultsFile`, ...).

mod actions_log;
mod download;
mod error;
mod execute;
mod fetch;
mod observe;
mod plan;
mod prepare;
mod results_file;
mod status;
mod time;

pub use actions_log::{ACTIONS_SCHEMA, Action, ActionLog, ActionRecord, ActionState};
pub use download::{Saved, download_invoices, pdf_file_name, save_pdf, url_allowed};
pub use error::LifecycleError;
pub use execute::execute;
pub use fetch::{Fetch, Paced, fetch_rows, for_each};
pub use observe::{collection_started, latest_event_at, observe, paid_amount};
pub use plan::{ACCEPTED_GRACE, CapturePlan, VoidPlan, plan_capture, plan_void};
pub use prepare::{Mode, Prepared, prepare};
pub use results_file::ResultsFile;
pub use status::run_status;

#[cfg(test)]
mod tests;
