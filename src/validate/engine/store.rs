//! What a shard keeps of each invoice while the file is read: its accumulator
//! ([`InvoiceAcc`], a few dozen bytes), and the shard's [`Store`] of packed
//! invoice-level values and further VAT-rate sums the accumulators point into.
//!
//! A month's file can hold hundreds of thousands of invoices, all in memory until the
//! file has been read: this layout keeps each to its accumulator plus a couple of
//! hundred bytes in large shared blocks, with no allocation per invoice.

use super::blocks::Blocks;
use super::head::{self, Head, HeadRef, Heads};
use crate::mapping::Field;
use crate::model::VatRate;
use crate::prefetch::prefetch_all;
use crate::validate::rules::finalize::InvoiceParts;
use crate::validate::rules::{Extra, HeadValue};
use crate::validate::totals::RateSum;
use smallvec::SmallVec;

/// Everything known about one invoice while the file is being read.
pub struct InvoiceAcc {
    /// The fingerprint of the first row's invoice-level cells (two halves: a `u128`
    /// would pad the struct to 16-byte alignment).
    pub(super) fingerprint: [u64; 2],
    /// The reference, when it has at most [`SHORT`] bytes (as most have), so that the
    /// look-up of every row compares it here instead of in `head`: in a file of
    /// hundreds of thousands of invoices that is one memory wait less per row. A
    /// longer one is the first value of `head` (a short one is not stored twice).
    short: ShortRef,
    pub first_row: u32,
    pub lines: u32,
    pub invalid: bool,
    /// The invoice-level values, in the shard's [`Store`].
    pub(super) head: HeadRef,
    /// The lines at the first VAT rate seen (`lines == 0` before any line was parsed).
    rate: RateSum,
    /// The first of the lines at further rates, in the shard's [`Store`], or [`NONE`].
    pub(super) more: u32,
    pub extra: Option<Box<Extra>>,
}

/// The end of a chain of further VAT rates.
pub(super) const NONE: u32 = u32::MAX;

/// Sums of an invoice at up to [`PER_NODE`] more VAT rates, and the next such node: an
/// invoice with lines at up to four rates (as nearly all are) needs one node at most,
/// so reading its sums waits on memory once.
pub(super) struct MoreRates {
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
    pub(super) heads: Heads,
    pub(super) rates: Blocks<MoreRates>,
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
    pub(super) fn add_line(&mut self, acc: &mut InvoiceAcc, rate: VatRate, gross: i64, vat: i64) {
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

    pub(super) fn is_long(&self) -> bool {
        self.0[SHORT] == LONG
    }
}

impl InvoiceAcc {
    pub(super) fn new(head: HeadRef, short: ShortRef, row: u32, f: u128) -> Self {
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
    pub(super) fn has_reference(&self, short: ShortRef, reference: &str, store: &Store) -> bool {
        self.short == short && (!short.is_long() || store.reference(self) == reference)
    }
}

/// Starts a new invoice's packed head in `buf`: with the reference as its first value
/// when the accumulator cannot hold it (see [`Store::reference`]).
pub(super) fn start_head(buf: &mut Vec<u8>, reference: &str, short: ShortRef, row: u32) {
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

impl Store {
    /// `acc` as the invoice rules read it (see [`crate::validate::rules::finalize`]):
    /// its parts, and its invoice-level values. Its kept lines are taken.
    pub fn invoice<'a>(
        &'a self,
        acc: &'a mut InvoiceAcc,
    ) -> (InvoiceParts<'a>, impl Iterator<Item = HeadValue<'a>> + 'a) {
        let extra = acc.extra.take();
        let acc: &'a InvoiceAcc = acc;
        let parts = InvoiceParts {
            reference: self.reference(acc),
            first_row: acc.first_row,
            lines: acc.lines,
            invalid: acc.invalid,
            rates: self.rates(acc),
            extra,
        };
        (parts, self.head(acc).iter(acc.first_row))
    }
}

pub(super) fn split(f: u128) -> [u64; 2] {
    [(f >> 64) as u64, f as u64]
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
