//! Plan and apply: what `validate --plan` approved, and whether the file `import --plan`
//! is about to send is still exactly that. Pure: no IO, no clock.
//!
//! A [`Plan`] holds the input file's SHA-256, the mapping used (the mapping file's path
//! and SHA-256, the resolved column map, the defaults given), every invoice's content
//! hash (SHA-256 of the exact request body, keyed by reference, with its currency and
//! amount so a refusal can show old and new amounts) and the control totals per currency.
//! It is written as JSON with a format name and version.
//!
//! [`diff`] compares the approved plan with the plan of the file as it is now. What is
//! *sent* decides: any invoice added, removed, changed or invalid now, any change of the
//! mapping, or of the totals, refuses the run ([`Diff::refuses`]). A different file
//! SHA-256 alone (the file re-saved with other line endings, a column nobody maps
//! edited) does not: every request body is byte-identical to what was approved, so it
//! is a notice ([`Diff::notices`]).
//!
//! Layout: `record` (the plan file: its types, building it from a validation,
//! reading and writing its JSON), `compare` (the [`Diff`] of two plans and whether
//! it refuses the run) and `report` (the diff in words: notices and one line per
//! change). This file only re-exports: the parts depend on each other, never on it.

mod compare;
mod record;
mod report;

pub use compare::{Added, Change, Changed, Diff, diff};
pub use record::{FORMAT, FileRef, Mapping, Plan, PlanError, Planned, Source, Total, VERSION};

#[cfg(test)]
mod tests;
