//! The parallel step: each row of a chunk on its own, before it is merged into its
//! invoice.
//!
//! Everything that needs only the row runs here, in parallel over runs of neighbouring
//! rows: the line rules ([`crate::validate::rules::line`]), the hash of the row's
//! reference (which picks its shard), and the fingerprint of its invoice-level cells
//! (which spares the merge most comparisons). The merge ([`super::shard`]) then reads
//! the result, a [`RowDraft`], in file order.

use super::fingerprint::{cell_fingerprint, span_fingerprint};
use super::store::ShortRef;
use crate::input::{ChunkRow, RowCells};
use crate::mapping::{ColumnMap, Field};
use crate::model::{Currency, DecimalConvention};
use crate::problem::Problem;
use crate::validate::rules::line::{LineCtx, LineDraft, parse_line, row_currency};
use crate::validate::rules::text_of;
use std::borrow::Cow;

/// What the row parser needs to know about the file.
pub struct RowContext<'m> {
    pub map: &'m ColumnMap,
    pub hasher: foldhash::fast::FixedState,
    /// Invoice-level fields present in the file (other than the reference), with columns.
    pub invoice_cols: &'m [(Field, usize)],
    /// Runs of neighbouring columns that hold the invoice-level cells and the
    /// reference, for the fingerprint (see [`super::fingerprint::fingerprint_runs`]).
    pub runs: &'m [std::ops::Range<usize>],
    pub convention: DecimalConvention,
    pub default_currency: Currency,
}

/// The line-level part of a row, parsed in parallel. Invoice-level cells are read in
/// file order by the merge step, straight from the row.
pub struct RowDraft<'a> {
    /// The merchant reference, trimmed (empty when the cell is blank).
    pub reference: Cow<'a, str>,
    /// `reference` as the accumulator holds it, for the merge to compare.
    pub short: ShortRef,
    /// `reference` hashed with the validator's hasher.
    pub hash: u64,
    /// A 128-bit fingerprint of the row's non-blank invoice-level cells. A row whose
    /// fingerprint equals its invoice's first row's repeats it exactly (the common case
    /// of exports that repeat customer data on every line) and needs no comparison.
    pub fingerprint: u128,
    /// `None` when a line-level cell had an error (in `problems`).
    pub line: Option<LineDraft<'a>>,
    pub problems: Vec<Problem>,
}

/// The row's merchant reference, trimmed (empty when the cell is blank).
pub fn reference_of<'a, R: RowCells>(r: &'a R, ctx: &RowContext<'_>) -> Cow<'a, str> {
    ctx.map
        .column(Field::MerchantReference)
        .map(|c| text_of(r.cell(c)).0)
        .unwrap_or_default()
}

/// Parses a row whose reference is `reference` (see [`reference_of`]), which hashes to
/// `hash`.
pub fn parse_row<'a, R: ChunkRow>(
    r: &'a R,
    ctx: &RowContext<'_>,
    reference: Cow<'a, str>,
    hash: u64,
) -> RowDraft<'a> {
    let mut problems = Vec::new();
    let line_ctx = LineCtx {
        map: ctx.map,
        convention: ctx.convention,
        currency: row_currency(r, ctx.map, ctx.default_currency),
    };
    let line = parse_line(r, r.row(), &line_ctx, &mut problems);
    let fingerprint = match span_fingerprint(r, ctx.runs) {
        Some(f) => f,
        None => cell_fingerprint(r, ctx.invoice_cols),
    };
    RowDraft {
        short: ShortRef::of(&reference),
        reference,
        hash,
        fingerprint,
        line,
        problems,
    }
}
