//! Validation: rows in, typed invoices (or located problems) out. Pure: no IO.
//!
//! Two halves, so that a rule can be read without the machinery that runs it fast:
//!
//! - [`rules`]: what each field must be, one small function per field, found by the
//!   field's name (the table in `rules/mod.rs`), with the messages accountants read.
//! - [`engine`]: how rows reach the rules: a chunk's rows parsed in parallel, merged
//!   into per-invoice accumulators by shard (a hash of `merchant_reference`), each shard
//!   in file order, with prefetching and packed storage so that memory follows
//!   invoices, not lines.
//!
//! The [`Validator`] joins them: readers feed it through [`crate::input::ChunkSink`]
//! (`sink.rs`), and when the file has been read every invoice is checked as a whole, in
//! parallel, and the valid ones become [`Invoice`]s and control totals (`finish.rs`).
//! Unless the caller asks to keep the invoices (to send them or emit payloads), a line
//! is folded into its invoice's per-VAT-rate sums as soon as it is parsed.

mod engine;
mod finish;
pub mod rules;
mod settings;
mod sink;
pub mod totals;

pub use rules::finalize::Rejected;
pub use settings::{EffectiveDefaults, Settings};
pub use totals::{CurrencyTotal, Largest, RateSum, RateTotal, Totals};

use crate::model::{DecimalConvention, Invoice};
use crate::problem::Problem;
use engine::Engine;

/// The outcome of validating a whole file.
#[derive(Debug, Default)]
pub struct Validation {
    /// Valid invoices in order of first appearance (only when `keep` was set).
    pub invoices: Vec<Invoice>,
    /// Invoices with errors, in order of first appearance.
    pub rejected: Vec<Rejected>,
    /// Every problem, sorted by row and column.
    pub problems: Vec<Problem>,
    pub totals: Totals,
    /// Invoice lines (non-blank data rows) read.
    pub lines: u64,
    /// Distinct merchant references.
    pub invoice_count: u64,
    pub decimal: DecimalConvention,
}

impl Validation {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// The streaming validator; feed it with [`crate::input::Table::read_all`].
pub struct Validator<'m> {
    settings: Settings<'m>,
    convention: Option<DecimalConvention>,
    engine: Engine,
    /// Problems of rows the reader could not read.
    problems: Vec<Problem>,
    /// Lines the reader could not read.
    lines: u64,
    progress: Option<Box<dyn FnMut(u64, u64) + 'm>>,
    /// References of invoices with a row the reader could not read: the first such row,
    /// and how many there are.
    unreadable: std::collections::HashMap<String, (u32, u32)>,
}

impl<'m> Validator<'m> {
    pub fn new(settings: Settings<'m>) -> Validator<'m> {
        Validator {
            engine: Engine::new(settings.map, settings.keep),
            unreadable: Default::default(),
            convention: settings.decimal,
            settings,
            problems: Vec::new(),
            lines: 0,
            progress: None,
        }
    }

    /// Calls `f(done, total)` after each chunk.
    pub fn on_progress(&mut self, f: impl FnMut(u64, u64) + 'm) {
        self.progress = Some(Box::new(f));
    }
}
