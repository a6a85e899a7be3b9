//! One shard of the invoices being read: those whose reference hashes to it.
//!
//! A row belongs to exactly one invoice, and an invoice to exactly one shard, so the
//! shards of a chunk are merged in parallel, each walking its own rows in file order: every
//! invoice still sees its rows in the order the file has them, which is what the
//! "first row wins, later rows must agree" rule needs.

use super::blocks::Blocks;
use super::head::{self, HeadValue, PackedHead};
use super::row::{RowContext, RowDraft, text_of};
use super::table::RefTable;
use super::totals::RateSum;
use crate::input::RowCells;
use crate::mapping::Field;
use crate::model::Line;
use crate::prefetch::prefetch;
use crate::problem::Problem;
use smallvec::SmallVec;
use std::borrow::Cow;

/// What every shard reads and none changes: the row parser's context, and what to keep
/// of each line.
pub struct Common<'a> {
    pub row: &'a RowContext<'a>,
    pub has_line_ids: bool,
    pub keep: bool,
}

/// Everything known about one invoice while the file is being read.
pub struct InvoiceAcc {
    /// The fingerprint of the first row's invoice-level cells (two halves: a `u128`
    /// would pad the struct to 16-byte alignment).
    fingerprint: [u64; 2],
    /// The reference, when it has at most [`SHORT`] bytes (as most have), so that the
    /// look-up of every row compares it here instead of in `head`: in a file of
    /// hundreds of thousands of invoices that is one memory wait less per row.
    short: [u8; SHORT],
    /// The length of `short`, or `u8::MAX` for a longer reference, which is then the
    /// first value of `head` (a short one is not stored twice).
    short_len: u8,
    pub first_row: u32,
    pub lines: u32,
    pub invalid: bool,
    pub head: PackedHead,
    pub rates: SmallVec<[RateSum; 1]>,
    pub extra: Option<Box<Extra>>,
}

/// Per-line data, kept only when needed.
#[derive(Default)]
pub struct Extra {
    pub lines: Vec<Line>,
    pub line_ids: Vec<(Option<Box<str>>, u32)>,
}

/// The longest reference kept in the accumulator itself.
const SHORT: usize = 15;

impl InvoiceAcc {
    /// The merchant reference: in `short` when it fits, else the head's first value.
    pub fn reference(&self) -> &str {
        match self.short.get(..usize::from(self.short_len)) {
            // Copied from a `&str` whole, so always UTF-8.
            Some(short) => std::str::from_utf8(short).unwrap_or_default(),
            None => self.head.first().map_or("", |v| v.text),
        }
    }

    fn has_reference(&self, reference: &str) -> bool {
        let r = reference.as_bytes();
        match self.short.get(..usize::from(self.short_len)) {
            Some(short) => short == r,
            None => r.len() > SHORT && self.reference() == reference,
        }
    }
}

/// Starts a new invoice's packed head in `buf` and returns its reference as the
/// accumulator stores it: in `short` when it fits, else as the head's first value (see
/// [`InvoiceAcc::reference`]).
fn start_head(buf: &mut Vec<u8>, reference: &str, row: u32) -> ([u8; SHORT], u8) {
    buf.clear();
    let mut short = [0u8; SHORT];
    match short.get_mut(..reference.len()) {
        Some(s) => {
            s.copy_from_slice(reference.as_bytes());
            (short, reference.len() as u8)
        }
        None => {
            let value = HeadValue {
                field: Field::MerchantReference,
                text: reference,
                row,
                from_number: false,
            };
            head::put(buf, row, value);
            (short, u8::MAX)
        }
    }
}

/// The invoices of one shard, and the problems and lines merged into them.
#[derive(Default)]
pub struct Shard {
    /// Each invoice's position in `accs`, by the low half of its reference's hash.
    index: RefTable,
    pub accs: Blocks<InvoiceAcc>,
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

/// How many rows ahead the merge asks for a row's table slot; half as far ahead, it
/// looks the slot up (by then in cache) and asks for the invoice's accumulator.
const AHEAD: usize = 16;

impl Shard {
    /// Merges the rows `rows[i]` for each `(i, low hash)` of `bucket` (increasing `i`), in
    /// that order, overlapping the memory waits of neighbouring rows: a row's table slot
    /// is asked for [`AHEAD`] rows before it is merged, its accumulator half as far
    /// ahead, and its per-rate sums (when they live apart) a quarter as far.
    pub fn merge_all<R: RowCells>(
        &mut self,
        rows: &[R],
        drafts: &[RowDraft<'_>],
        bucket: &[(u32, u32)],
        c: &Common<'_>,
    ) {
        let low = |k: usize| bucket.get(k).map(|&(_, h)| h);
        for (k, &(i, _)) in bucket.iter().enumerate() {
            if let Some(h) = low(k + AHEAD) {
                self.index.prefetch(h);
            }
            if let Some(&(j, h)) = bucket.get(k + AHEAD / 2) {
                let j = j as usize;
                rows[j].prefetch();
                prefetch(&drafts[j]);
                if let Some(a) = self.index.guess(h) {
                    // An accumulator spans two cache lines at most: ask for both ends.
                    let acc = &self.accs[a as usize];
                    prefetch(acc);
                    prefetch(&acc.extra);
                }
            }
            if let Some(a) = low(k + AHEAD / 4).and_then(|h| self.index.guess(h)) {
                let rates = &self.accs[a as usize].rates;
                if rates.spilled() {
                    prefetch(&rates[0]);
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
        let map = c.row.map;
        self.lines += 1;
        let RowDraft {
            reference,
            hash,
            fingerprint,
            line,
            problems,
        } = d;
        let row_failed = !problems.is_empty();
        self.problems
            .extend(problems.iter().map(|p| p.clone().with_reference(reference)));
        if reference.is_empty() {
            self.problems.push(Problem::error(
                row,
                map.column(Field::MerchantReference),
                None,
                "merchant_reference is empty: every line needs the reference of the invoice it belongs to",
            ));
            return;
        }
        let reference: &str = reference;
        let hash = *hash;
        let invoice_cols = c.row.invoice_cols;
        let cells = || -> SmallVec<[(Field, Cow<'_, str>, bool); 20]> {
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
        };
        let accs = &mut self.accs;
        let low = hash as u32;
        let found = self
            .index
            .find(low, |i| accs[i as usize].has_reference(reference));
        let idx = match found {
            // Same cells as the invoice's first row: nothing to compare or add.
            Some(i) if accs[i as usize].fingerprint == split(*fingerprint) => i as usize,
            Some(i) => {
                let acc = &mut accs[i as usize];
                let cells = cells();
                let slots = acc.head.slots(acc.first_row);
                let mut new_values: SmallVec<[HeadValue<'_>; 4]> = SmallVec::new();
                for (field, text, from_number) in &cells {
                    match slots[field.index()] {
                        Some(old) if !same_value(*field, old.text, text) => {
                            self.problems.push(
                                Problem::error(
                                    row,
                                    map.column(*field),
                                    Some(text.to_string()),
                                    format!(
                                        "{field} differs from '{}' on row {} of the same invoice {reference}: the rows of one invoice must agree (leave the cell blank to repeat the first value)",
                                        old.text, old.row
                                    ),
                                )
                                .with_reference(reference),
                            );
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
                    let first_row = acc.first_row;
                    acc.head.extend(first_row, new_values, &mut self.scratch);
                }
                i as usize
            }
            None => {
                let i = accs.len();
                // The head is written straight from the row's cells.
                let scratch = &mut self.scratch;
                let (short, short_len) = start_head(scratch, reference, row);
                for &(field, col) in invoice_cols {
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
                let head = PackedHead::from_bytes(scratch);
                if reference.len() > 35 && reference.chars().count() > 35 {
                    self.problems.push(
                        Problem::warning(
                            row,
                            map.column(Field::MerchantReference),
                            Some(reference.to_string()),
                            "merchant_reference is longer than 35 characters; Kravia is reported to reject longer ones",
                        )
                        .with_reference(reference),
                    );
                }
                accs.push(InvoiceAcc {
                    fingerprint: split(*fingerprint),
                    short,
                    short_len,
                    first_row: row,
                    lines: 0,
                    invalid: false,
                    head,
                    rates: SmallVec::new(),
                    extra: None,
                });
                self.index.insert(low, i as u32);
                i
            }
        };
        let acc = &mut self.accs[idx];
        acc.lines += 1;
        if row_failed {
            acc.invalid = true;
        }
        let keep = c.keep;
        if c.has_line_ids || keep {
            let extra = acc.extra.get_or_insert_with(Default::default);
            if c.has_line_ids {
                extra.line_ids.push((
                    line.as_ref()
                        .and_then(|l| l.line_id.as_deref())
                        .map(Box::from),
                    row,
                ));
            }
        }
        let Some(line) = line else {
            acc.invalid = true;
            return;
        };
        match acc.rates.iter_mut().find(|r| r.rate == line.vat) {
            Some(r) => {
                r.lines += 1;
                r.gross += line.amount;
                r.vat += line.vat_amount;
            }
            None => acc.rates.push(RateSum {
                rate: line.vat,
                lines: 1,
                gross: line.amount,
                vat: line.vat_amount,
            }),
        }
        if keep && !acc.invalid {
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

fn split(f: u128) -> [u64; 2] {
    [(f >> 64) as u64, f as u64]
}

/// Whether two invoice-level values are the same, ignoring what does not change their
/// meaning (case for codes and e-mail, spaces in numbers).
fn same_value(field: Field, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match field {
        Field::CustomerType
        | Field::PaymentProductType
        | Field::Currency
        | Field::Country
        | Field::InvoiceChannel
        | Field::Email => a.eq_ignore_ascii_case(b),
        Field::OrganizationNumber | Field::PhoneNumber | Field::PostalCode => {
            let strip = |s: &str| {
                s.chars()
                    .filter(|c| c.is_alphanumeric() || *c == '+')
                    .collect::<String>()
            };
            strip(a) == strip(b)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(reference: &str) -> InvoiceAcc {
        let mut scratch = Vec::new();
        let (short, short_len) = start_head(&mut scratch, reference, 2);
        InvoiceAcc {
            fingerprint: [0; 2],
            short,
            short_len,
            first_row: 2,
            lines: 0,
            invalid: false,
            head: PackedHead::from_bytes(&scratch),
            rates: SmallVec::new(),
            extra: None,
        }
    }

    #[test]
    fn references_match_exactly_inline_or_not() {
        let refs = [
            "A",
            "2026-11-0176017",  // 15 bytes: inline
            "2026-11-01760170", // 16 bytes: in the head only
            "ØØØØØØØ",          // 14 bytes
            "ØØØØØØØØ",         // 16 bytes
            "2026-11-0176017-with-a-long-tail",
        ];
        for a in refs {
            let x = acc(a);
            assert_eq!(x.reference(), a);
            for b in refs {
                assert_eq!(x.has_reference(b), a == b, "{a} vs {b}");
            }
            let shorter = a.char_indices().last().map_or("", |(i, _)| &a[..i]);
            assert!(!x.has_reference(shorter));
        }
    }
}
