//! What a reader hands the validator: cells, rows, and chunks of rows.
//!
//! Its own file so that every reader (and the validator) depends on these few types
//! without depending on `input/mod.rs`, which depends on the readers.

use crate::problem::Problem;
use chrono::{NaiveDate, NaiveDateTime};
use std::borrow::Cow;

/// How many rows are handed to the validator at once.
pub const CHUNK_ROWS: usize = 8192;

/// One cell as the reader has it.
#[derive(Clone, Debug, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A numeric spreadsheet cell.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
    /// A spreadsheet error value such as `#DIV/0!`.
    Error(String),
}

impl CellRef<'_> {
    /// The cell as text, the way a person reading the sheet sees it. Whole numbers print
    /// without `.0`, so a phone or postcode stored as a number reads naturally.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            CellRef::Empty => Cow::Borrowed(""),
            CellRef::Text(t) => Cow::Borrowed(crate::model::money::trim_cell(t)),
            CellRef::Number(n) => Cow::Owned(format!("{n}")),
            CellRef::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            CellRef::DateTime(d) => Cow::Owned(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            CellRef::Bool(b) => Cow::Owned(b.to_string()),
            CellRef::Error(e) => Cow::Owned(e.clone()),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(t) => crate::model::money::trim_cell(t).is_empty(),
            _ => false,
        }
    }
}

/// A row of cells with its spreadsheet row number: all that a validation rule reads.
pub trait RowCells: Send + Sync {
    /// The row as the spreadsheet shows it (header = row 1).
    fn row(&self) -> u32;
    fn cell(&self, col: usize) -> CellRef<'_>;
}

/// A row as a reader hands it to a [`ChunkSink`]: its cells, and two hints for the
/// validator's speed machinery (`validate::engine`), which no rule sees. Both have
/// defaults that change nothing but speed, so a reader without raw text (spreadsheets)
/// implements neither.
pub trait ChunkRow: RowCells {
    /// The text of columns `cols` as the reader holds it, from the start of the first to
    /// the end of the last (the separators between them included), with its offset and
    /// the offsets where each of those fields ends, in the same reckoning. `None` when the
    /// reader holds no such text (spreadsheets) or the row is shorter.
    fn raw_span(&self, _cols: std::ops::Range<usize>) -> Option<(&str, u32, &[u32])> {
        None
    }
    /// Asks the processor to start loading the row's cells (a hint; see
    /// [`crate::prefetch`]).
    fn prefetch(&self) {}
}

/// Receives the file's rows, chunk by chunk, in file order.
pub trait ChunkSink {
    /// `rows` are readable rows; `problems` are rows the reader could not read
    /// (encoding, field count), already located.
    fn chunk<R: ChunkRow>(&mut self, rows: &[R], problems: Vec<Problem>);
    /// Called after each chunk with the bytes (or rows) done and the total, for progress.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// The column holding each row's invoice reference, so that a row the reader cannot
    /// read is still tied to its invoice (which must then not be sent without it).
    fn reference_column(&self) -> Option<usize> {
        None
    }
}
