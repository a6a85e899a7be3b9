//! One shard of the invoices being read: those whose reference hashes to it.
//!
//! A row belongs to exactly one invoice, and an invoice to exactly one shard, so the
//! shards of a chunk are merged in parallel, each walking its own rows in file order: every
//! invoice still sees its rows in the order the file has them, which is what the
//! "first row wins, later rows must agree" rule needs.

use super::blocks::Blocks;
use super::head::{self, Head, HeadRef, HeadValue, Heads};
use super::row::{RowContext, RowDraft, text_of};
use super::table::RefTable;
use super::totals::RateSum;
use crate::input::RowCells;
use crate::mapping::Field;
use crate::model::{Line, VatRate};
use crate::prefetch::{prefetch, prefetch_all};
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
    /// hundreds of thousands of invoices that is one memory wait less per row. A
    /// longer one is the first value of `head` (a short one is not stored twice).
    short: ShortRef,
    pub first_row: u32,
    pub lines: u32,
    pub invalid: bool,
    /// The invoice-level values, in the shard's [`Store`].
    head: HeadRef,
    /// The lines at the first VAT rate seen (`lines == 0` before any line was parsed).
    rate: RateSum,
    /// The first of the lines at further rates, in the shard's [`Store`], or [`NONE`].
    more: u32,
    pub extra: Option<Box<Extra>>,
}

/// The end of a chain of further VAT rates.
const NONE: u32 = u32::MAX;

/// Sums of an invoice at up to [`PER_NODE`] more VAT rates, and the next such node: an
/// invoice with lines at up to four rates (as nearly all are) needs one node at most,
/// so reading its sums waits on memory once.
struct MoreRates {
    sums: [RateSum; PER_NODE],
    len: u8,
    next: u32,
}

const PER_NODE: usize = 3;

/// What the accumulators of a shard point into: their packed heads, and the sums of
/// the invoices that have lines at more than one VAT rate. Each is one growing list of
/// large blocks, not an allocation per invoice.
#[derive(Default)]
pub struct Store {
    heads: Heads,
    rates: Blocks<MoreRates>,
}

impl Store {
    /// The invoice-level values of `acc`.
    pub fn head(&self, acc: &InvoiceAcc) -> Head<'_> {
        self.heads.get(acc.head)
    }

    /// The merchant reference of `acc`: in the accumulator when it fits, else the
    /// head's first value.
    pub fn reference<'a>(&'a self, acc: &'a InvoiceAcc) -> &'a str {
        match acc.short.text() {
            Some(short) => short,
            None => self.head(acc).first().map_or("", |v| v.text),
        }
    }

    /// The invoice's lines by VAT rate, in the order the rates first appear.
    pub fn rates(&self, acc: &InvoiceAcc) -> SmallVec<[RateSum; 4]> {
        let mut out = SmallVec::new();
        if acc.rate.lines > 0 {
            out.push(acc.rate);
        }
        let mut next = acc.more;
        while next != NONE {
            let m = &self.rates[next as usize];
            out.extend_from_slice(&m.sums[..usize::from(m.len)]);
            next = m.next;
        }
        out
    }

    /// Asks the processor for what [`Store::head`] and [`Store::rates`] will read of
    /// `acc` (see [`crate::prefetch`]).
    pub fn prefetch(&self, acc: &InvoiceAcc) {
        self.heads.prefetch(acc.head);
        if acc.more != NONE {
            prefetch_all(&self.rates[acc.more as usize]);
        }
    }

    /// Adds a line to the invoice's sum at its rate.
    ///
    /// The sums saturate rather than wrap: lines are positive and at most
    /// `MAX_AMOUNT_MAJOR` each, but an invoice may have millions of them, and a
    /// saturated sum is still above the invoice bound that `finalize` enforces.
    fn add_line(&mut self, acc: &mut InvoiceAcc, rate: VatRate, gross: i64, vat: i64) {
        let add = |s: &mut RateSum| {
            s.lines = s.lines.saturating_add(1);
            s.gross = s.gross.saturating_add(gross);
            s.vat = s.vat.saturating_add(vat);
        };
        if acc.rate.lines == 0 || acc.rate.rate == rate {
            acc.rate.rate = rate;
            return add(&mut acc.rate);
        }
        let sum = RateSum {
            rate,
            lines: 1,
            gross,
            vat,
        };
        let (mut last, mut next) = (None, acc.more);
        while next != NONE {
            let m = &mut self.rates[next as usize];
            let len = usize::from(m.len);
            if let Some(s) = m.sums[..len].iter_mut().find(|s| s.rate == rate) {
                return add(s);
            }
            if len < PER_NODE {
                m.sums[len] = sum;
                m.len += 1;
                return;
            }
            (last, next) = (Some(next), m.next);
        }
        let new = self.rates.len() as u32;
        match last {
            None => acc.more = new,
            Some(l) => self.rates[l as usize].next = new,
        }
        self.rates.push(MoreRates {
            sums: [sum; PER_NODE],
            len: 1,
            next: NONE,
        });
    }
}

/// Per-line data, kept only when needed.
#[derive(Default)]
pub struct Extra {
    pub lines: Vec<Line>,
    pub line_ids: Vec<(Option<Box<str>>, u32)>,
}

/// The longest reference kept in the accumulator itself.
const SHORT: usize = 15;

/// A merchant reference of up to [`SHORT`] bytes, zero-padded, with its length in the
/// last byte; `LONG` there for a longer one. Built by the parse step for every row, so
/// that the merge compares sixteen bytes with sixteen bytes and never reads the row's
/// text for a short reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortRef([u8; SHORT + 1]);

const LONG: u8 = u8::MAX;

impl ShortRef {
    pub fn of(reference: &str) -> ShortRef {
        let mut b = [0u8; SHORT + 1];
        let len = reference.len();
        if len <= SHORT {
            b[..len].copy_from_slice(reference.as_bytes());
            b[SHORT] = len as u8;
        } else {
            b[SHORT] = LONG;
        }
        ShortRef(b)
    }

    /// The reference, unless it is longer than [`SHORT`] bytes.
    fn text(&self) -> Option<&str> {
        if self.is_long() {
            return None;
        }
        // Copied from a `&str` whole, so always UTF-8.
        std::str::from_utf8(self.0.get(..usize::from(self.0[SHORT]))?).ok()
    }

    fn is_long(&self) -> bool {
        self.0[SHORT] == LONG
    }
}

impl InvoiceAcc {
    fn new(head: HeadRef, short: ShortRef, row: u32, f: u128) -> Self {
        InvoiceAcc {
            fingerprint: split(f),
            short,
            first_row: row,
            lines: 0,
            invalid: false,
            head,
            rate: RateSum {
                rate: VatRate::from_hundredths(0),
                lines: 0,
                gross: 0,
                vat: 0,
            },
            more: NONE,
            extra: None,
        }
    }

    /// Whether this is the invoice of `reference` (whose [`ShortRef`] is `short`).
    fn has_reference(&self, short: ShortRef, reference: &str, store: &Store) -> bool {
        self.short == short && (!short.is_long() || store.reference(self) == reference)
    }
}

/// Starts a new invoice's packed head in `buf`: with the reference as its first value
/// when the accumulator cannot hold it (see [`Store::reference`]).
fn start_head(buf: &mut Vec<u8>, reference: &str, short: ShortRef, row: u32) {
    buf.clear();
    if short.is_long() {
        let value = HeadValue {
            field: Field::MerchantReference,
            text: reference,
            row,
            from_number: false,
        };
        head::put(buf, row, value);
    }
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
    pub fn merge_all<R: RowCells>(
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
        let map = c.row.map;
        self.lines += 1;
        let RowDraft {
            reference,
            short,
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
        let (accs, store) = (&mut self.accs, &mut self.store);
        let low = hash as u32;
        let found = self.index.find(low, |i| {
            accs[i as usize].has_reference(*short, reference, store)
        });
        let idx = match found {
            // Same cells as the invoice's first row: nothing to compare or add.
            Some(i) if accs[i as usize].fingerprint == split(*fingerprint) => i as usize,
            Some(i) => {
                let acc = &mut accs[i as usize];
                let cells = cells();
                let slots = store.heads.get(acc.head).slots(acc.first_row);
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
                    let (first_row, old) = (acc.first_row, acc.head);
                    acc.head = store
                        .heads
                        .extend(old, first_row, new_values, &mut self.scratch);
                }
                i as usize
            }
            None => {
                let i = accs.len();
                // The head is written straight from the row's cells.
                let scratch = &mut self.scratch;
                start_head(scratch, reference, *short, row);
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
                let head = store.heads.store(scratch);
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
                accs.push(InvoiceAcc::new(head, *short, row, *fingerprint));
                self.index.insert(low, i as u32);
                i
            }
        };
        let acc = &mut self.accs[idx];
        acc.lines = acc.lines.saturating_add(1);
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
        self.store
            .add_line(acc, line.vat, line.amount, line.vat_amount);
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

    fn acc(reference: &str, store: &mut Store) -> InvoiceAcc {
        let mut scratch = Vec::new();
        let short = ShortRef::of(reference);
        start_head(&mut scratch, reference, short, 2);
        let head = store.heads.store(&scratch);
        InvoiceAcc::new(head, short, 2, 0)
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
        let mut store = Store::default();
        for a in refs {
            let x = acc(a, &mut store);
            assert_eq!(store.reference(&x), a);
            for b in refs {
                let same = x.has_reference(ShortRef::of(b), b, &store);
                assert_eq!(same, a == b, "{a} vs {b}");
            }
            let shorter = a.char_indices().last().map_or("", |(i, _)| &a[..i]);
            assert!(!x.has_reference(ShortRef::of(shorter), shorter, &store));
        }
    }

    #[test]
    fn rate_sums_keep_every_rate_in_order_of_appearance() {
        let mut store = Store::default();
        let mut a = acc("A", &mut store);
        let mut b = acc("B", &mut store);
        assert!(store.rates(&a).is_empty());
        let r = VatRate::from_hundredths;
        // Interleaved, so that the two invoices' further rates alternate in the store.
        for (i, rate) in [2500, 1500, 2500, 0, 1200, 0, 1500].into_iter().enumerate() {
            store.add_line(&mut a, r(rate), 100 * (i as i64 + 1), i as i64);
            store.add_line(&mut b, r(2500 - rate), 1, 0);
        }
        let sums: Vec<_> = store
            .rates(&a)
            .iter()
            .map(|s| (s.rate, s.lines, s.gross, s.vat))
            .collect();
        assert_eq!(
            sums,
            [
                (r(2500), 2, 400, 2),
                (r(1500), 2, 900, 7),
                (r(0), 2, 1000, 8),
                (r(1200), 1, 500, 4),
            ]
        );
        assert_eq!(store.rates(&b).iter().map(|s| s.lines).sum::<u32>(), 7);
        assert_eq!(store.rates(&b)[0].rate, r(0));
    }
}
