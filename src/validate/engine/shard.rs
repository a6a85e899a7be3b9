//! One shard of the invoices being read: those whose reference hashes to it.
//!
//! A row belongs to exactly one invoice, and an invoice to exactly one shard, so the
//! shards of a chunk are merged in parallel, each walking its own rows in file order: every
//! invoice still sees its rows in the order the file has them, which is what the
//! "first row wins, later rows must agree" rule ([`crate::validate::rules::agree`])
//! needs. The merge is the validator's hottest loop after parsing: it is pipelined
//! ([`Shard::merge_all`]) and skips the comparison of rows that repeat their invoice's
//! first row ([`super::fingerprint`]).

use super::blocks::Blocks;
use super::draft::{RowContext, RowDraft};
use super::head;
use super::store::{InvoiceAcc, NONE, ShortRef, Store, split, start_head};
use super::table::RefTable;
use crate::input::{ChunkRow, RowCells};
use crate::mapping::Field;
use crate::model::Line;
use crate::prefetch::{prefetch, prefetch_all};
use crate::problem::Problem;
use crate::validate::rules::agree::{self, same_value};
use crate::validate::rules::{HeadValue, text_of};
use smallvec::SmallVec;
use std::borrow::Cow;

/// What every shard reads and none changes: the row parser's context, and what to keep
/// of each line.
pub struct Common<'a> {
    pub row: &'a RowContext<'a>,
    pub has_line_ids: bool,
    pub keep: bool,
}

/// The invoices of one shard, and the problems and lines merged into them.
#[derive(Default)]
pub struct Shard {
    /// Each invoice's position in `accs`, by the low half of its reference's hash.
    index: RefTable,
    pub accs: Blocks<InvoiceAcc>,
    pub store: Store,
    pub problems: Vec<Problem>,
    pub lines: u64,
    /// Reused buffer for assembling packed heads.
    scratch: Vec<u8>,
}

/// The shard a reference hash belongs to. Bits 32 and up: the table inside the shard
/// works from the low 32 bits, so those stay spread.
pub fn shard_of(hash: u64, shards: usize) -> usize {
    ((hash >> 32) as usize) % shards
}

/// How many rows ahead the merge asks for a row's table slot (and the row itself);
/// [`ACC_AHEAD`] rows ahead it looks the slot up (by then in cache) and asks for the
/// invoice's accumulator and the row's draft and text; [`RATES_AHEAD`] rows ahead, for
/// the invoice's further rate sums, which the accumulator (by then in cache) locates.
const TABLE_AHEAD: usize = 32;
const ACC_AHEAD: usize = 12;
const RATES_AHEAD: usize = 4;

impl Shard {
    /// Merges the rows `rows[i]` for each `(i, low hash)` of `bucket` (increasing `i`), in
    /// that order, overlapping the memory waits of neighbouring rows: each is asked for
    /// a few rows before it is needed (see [`TABLE_AHEAD`]).
    pub fn merge_all<R: ChunkRow>(
        &mut self,
        rows: &[R],
        drafts: &[RowDraft<'_>],
        bucket: &[(u32, u32)],
        c: &Common<'_>,
    ) {
        for (k, &(i, _)) in bucket.iter().enumerate() {
            if let Some(&(j, h)) = bucket.get(k + TABLE_AHEAD) {
                self.index.prefetch(h);
                prefetch(&rows[j as usize]);
            }
            if let Some(&(j, h)) = bucket.get(k + ACC_AHEAD) {
                let j = j as usize;
                rows[j].prefetch();
                prefetch_all(&drafts[j]);
                if let Some(a) = self.index.guess(h) {
                    prefetch_all(&self.accs[a as usize]);
                }
            }
            if let Some(&(_, h)) = bucket.get(k + RATES_AHEAD)
                && let Some(a) = self.index.guess(h)
            {
                let more = self.accs[a as usize].more;
                if more != NONE {
                    prefetch_all(&self.store.rates[more as usize]);
                }
            }
            let i = i as usize;
            self.merge(&rows[i], &drafts[i], c);
        }
    }

    /// Adds a row to its invoice, in file order: invoice-level cells are compared with
    /// what earlier rows of the invoice said, and the parsed line is folded in.
    pub fn merge<R: RowCells>(&mut self, r: &R, d: &RowDraft<'_>, c: &Common<'_>) {
        let row = r.row();
        self.lines += 1;
        let reference: &str = &d.reference;
        self.problems.extend(
            d.problems
                .iter()
                .map(|p| p.clone().with_reference(reference)),
        );
        if reference.is_empty() {
            self.problems.push(agree::empty_reference(row, c.row.map));
            return;
        }
        let idx = match self.find(d.short, reference, d.hash) {
            // Same cells as the invoice's first row: nothing to compare or add.
            Some(i) if self.accs[i].fingerprint == split(d.fingerprint) => i,
            Some(i) => {
                self.compare(i, r, reference, c);
                i
            }
            None => self.open(r, d, c),
        };
        self.fold_line(idx, row, d, c);
    }

    /// The position of the invoice of `reference` (whose hash is `hash`), if it has one.
    #[inline]
    fn find(&self, short: ShortRef, reference: &str, hash: u64) -> Option<usize> {
        let (accs, store) = (&self.accs, &self.store);
        let found = self.index.find(hash as u32, |i| {
            accs[i as usize].has_reference(short, reference, store)
        });
        found.map(|i| i as usize)
    }

    /// A later row of invoice `i` whose cells differ from its first row's: each value
    /// must agree with the one an earlier row gave, and one no earlier row gave is
    /// added.
    fn compare<R: RowCells>(&mut self, i: usize, r: &R, reference: &str, c: &Common<'_>) {
        let row = r.row();
        let cells = invoice_cells(r, c.row.invoice_cols);
        let acc = &mut self.accs[i];
        let slots = self.store.heads.get(acc.head).slots(acc.first_row);
        let mut new_values: SmallVec<[HeadValue<'_>; 4]> = SmallVec::new();
        for (field, text, from_number) in &cells {
            match slots[field.index()] {
                Some(old) if !same_value(*field, old.text, text) => {
                    let p = agree::differs(row, c.row.map, *field, text, old, reference);
                    self.problems.push(p);
                    acc.invalid = true;
                }
                Some(_) => {}
                None => new_values.push(HeadValue {
                    field: *field,
                    text,
                    row,
                    from_number: *from_number,
                }),
            }
        }
        if !new_values.is_empty() {
            let (first_row, old) = (acc.first_row, acc.head);
            acc.head = self
                .store
                .heads
                .extend(old, first_row, new_values, &mut self.scratch);
        }
    }

    /// The first row of an invoice: its head is written straight from the row's cells.
    fn open<R: RowCells>(&mut self, r: &R, d: &RowDraft<'_>, c: &Common<'_>) -> usize {
        let row = r.row();
        let i = self.accs.len();
        let scratch = &mut self.scratch;
        start_head(scratch, &d.reference, d.short, row);
        for &(field, col) in c.row.invoice_cols {
            let c = r.cell(col);
            if !c.is_blank() {
                let (text, from_number) = text_of(c);
                let v = HeadValue {
                    field,
                    text: &text,
                    row,
                    from_number,
                };
                head::put(scratch, row, v);
            }
        }
        let head = self.store.heads.store(scratch);
        self.problems
            .extend(agree::long_reference(row, c.row.map, &d.reference));
        self.accs
            .push(InvoiceAcc::new(head, d.short, row, d.fingerprint));
        self.index.insert(d.hash as u32, i as u32);
        i
    }

    /// Folds the row's line into invoice `idx`: its count, its sum at its VAT rate, and
    /// (when needed) its line id and the line itself.
    fn fold_line(&mut self, idx: usize, row: u32, d: &RowDraft<'_>, c: &Common<'_>) {
        let acc = &mut self.accs[idx];
        acc.lines = acc.lines.saturating_add(1);
        if !d.problems.is_empty() {
            acc.invalid = true;
        }
        if c.has_line_ids || c.keep {
            let extra = acc.extra.get_or_insert_with(Default::default);
            if c.has_line_ids {
                let id = d.line.as_ref().and_then(|l| l.line_id.as_deref());
                extra.line_ids.push((id.map(Box::from), row));
            }
        }
        let Some(line) = &d.line else {
            acc.invalid = true;
            return;
        };
        self.store
            .add_line(acc, line.vat, line.amount, line.vat_amount);
        if c.keep && !acc.invalid {
            let position = acc.lines;
            if let Some(extra) = acc.extra.as_mut() {
                extra.lines.push(Line {
                    row,
                    line_id: position.to_string(),
                    item_id: line.item_id.as_ref().map(|s| s.to_string()),
                    description: line.description.to_string(),
                    quantity: line.quantity,
                    amount: line.amount,
                    vat: line.vat,
                    vat_amount: line.vat_amount,
                });
            }
        }
    }
}

/// The row's non-blank invoice-level cells, as text.
fn invoice_cells<'r, R: RowCells>(
    r: &'r R,
    invoice_cols: &[(Field, usize)],
) -> SmallVec<[(Field, Cow<'r, str>, bool); 20]> {
    invoice_cols
        .iter()
        .filter_map(|&(f, col)| {
            let c = r.cell(col);
            (!c.is_blank()).then(|| {
                let (t, n) = text_of(c);
                (f, t, n)
            })
        })
        .collect()
}
