//! The write-ahead journal of a live import: one SQLite file per run.
//!
//! **Why write-ahead.** Creating an invoice through Dintero is not
//! idempotent: a request whose response is lost may or may not have created
//! the invoice, and resending it blindly is how duplicates are made. So
//! before a request that may create an invoice leaves the machine, its
//! *intent* is committed (status `sending`); after the response, its
//! *outcome*. Both are durable before the caller goes on. After a crash, an
//! invoice still `sending` means "may exist": the next run must look it up by
//! reference before sending it again.
//!
//! **Why group commit.** Durable means an fsync per commit, and 8-64
//! concurrent workers each paying their own fsync would serialise on the
//! disk. Instead one writer thread owns a connection: it blocks for the first
//! queued record, drains everything else already queued (up to
//! [`MAX_BATCH`]), applies all of it in one transaction, commits once (one
//! fsync), and only then acknowledges every record of the batch. A caller's
//! `.await` returns only once its record is on disk, and a batch costs one
//! fsync however many workers are waiting in it.
//!
//! **Why SQLite rather than a hand-made file format.** Torn writes, partial
//! records, checksums and crash recovery are solved problems in SQLite (WAL
//! mode, `synchronous=FULL`); a hand-made append-only format would have to
//! solve them again. And support staff can open the journal with any SQLite
//! browser: the tables are plain, timestamps are RFC 3339 text in UTC.
//!
//! Tables (created if absent; `meta.schema_version` is checked on open):
//! - `meta(key, value)`: [`META_SCHEMA_VERSION`], [`META_CREATED_AT`] and
//!   [`META_TOOL_VERSION`] are written on creation; the caller adds
//!   [`META_INPUT_PATH`], [`META_INPUT_SHA256`], [`META_ACCOUNT_ID`].
//! - `invoices`: one row per invoice reference, with its content hash, the
//!   current [`Status`], the attempt count and what Dintero returned.
//! - `events`: append-only history (`intent`, `outcome`, `lookup`, ...).
//!
//! [`Journal`]'s methods block on disk I/O: call them before the workers
//! start and after they finish (or through `spawn_blocking`). During the run,
//! records go through the async [`JournalWriter`].
//!
//! **Why a folder.** The journal has three concerns that change for different reasons:
//! how it is stored (`schema`: tables, `meta` keys, pragmas, the version check), what
//! the commands ask of it before and after a run (`queries`: [`Journal`]), and the
//! group-commit thread that records the run itself (`writer`: [`JournalWriter`]).
//! `records` holds the plain types they share and `error` the error; neither depends on
//! anything here, `schema` only on `error`, `queries` on those, `writer` on all of them.
//! This file only re-exports, so `crate::run::journal::Journal` and the rest are where
//! they always were, and no file here imports through it (no import circle).

mod error;
mod queries;
mod records;
mod schema;
mod writer;

pub use error::JournalError;
pub use queries::Journal;
pub use records::{Changed, InvoiceEntry, Recorded, Row, Status};
pub use schema::{
    META_ACCOUNT_ID, META_CREATED_AT, META_INPUT_PATH, META_INPUT_SHA256, META_SCHEMA_VERSION,
    META_TARGET, META_TOOL_VERSION, SCHEMA_VERSION,
};
pub use writer::{JournalWriter, LINGER, MAX_BATCH};

#[cfg(test)]
mod tests;
