//! The fingerprint of a row's invoice-level cells: how the merge step knows, without
//! reading them, that a row repeats its invoice's first row.
//!
//! Exports repeat the customer's data on every line of an invoice. Comparing those dozen
//! cells with the invoice's first row for every line was most of the merge's work; a
//! 128-bit hash of them, taken in the parallel parse step, lets the merge compare two
//! numbers instead, and read the cells only when they differ (see [`super::shard`]).

use crate::input::{CellRef, ChunkRow, RowCells};
use crate::mapping::{ColumnMap, Field};
use crate::validate::rules::text_of;
use std::ops::Range;

/// The runs of neighbouring columns that hold a file's invoice-level cells and its
/// reference: what a CSV row's fingerprint hashes (see [`span_fingerprint`]).
pub fn fingerprint_runs(map: &ColumnMap, invoice_cols: &[(Field, usize)]) -> Vec<Range<usize>> {
    let mut cols: Vec<usize> = invoice_cols.iter().map(|&(_, c)| c).collect();
    cols.extend(map.column(Field::MerchantReference));
    cols.sort_unstable();
    cols.dedup();
    let mut runs: Vec<Range<usize>> = Vec::new();
    for c in cols {
        match runs.last_mut() {
            Some(run) if run.end == c => run.end = c + 1,
            _ => runs.push(c..c + 1),
        }
    }
    runs
}

/// The fingerprint of a CSV row: its invoice-level columns hashed as the few runs of
/// raw text they stand in, with where each field ends in them. Equal runs and ends mean
/// equal raw cells, hence equal trimmed cells; a blank cell, or spaces around a value,
/// just makes a row differ here and take the merge step's full comparison. Hashing a
/// run at once costs a fraction of reading a dozen cells one by one.
pub fn span_fingerprint<R: ChunkRow>(r: &R, runs: &[Range<usize>]) -> Option<u128> {
    let mut fp = Fingerprint::new();
    for run in runs {
        let (text, start, ends) = r.raw_span(run.clone())?;
        // Tag 0xfe is no field's (those are below 0x40, with 0x80 for numbers), so a
        // run never hashes like a cell of the other path.
        fp.cell(0xfe, text.as_bytes());
        for pair in ends.chunks(2) {
            let end = |i: usize| {
                pair.get(i)
                    .map_or(0, |&e| u64::from(e.wrapping_sub(start)) + 1)
            };
            fp.mix(end(0), end(1));
        }
    }
    Some(fp.finish())
}

/// The fingerprint of a row cell by cell (spreadsheets, and rows the CSV path cannot
/// take). Text cells go in as written, untrimmed: equal raw texts have equal trimmed
/// texts, and a row that differs only in surrounding spaces merely takes the merge
/// step's full comparison.
pub fn cell_fingerprint<R: RowCells>(r: &R, invoice_cols: &[(Field, usize)]) -> u128 {
    let mut fp = Fingerprint::new();
    for &(field, col) in invoice_cols {
        let c = r.cell(col);
        if c.is_blank() {
            continue;
        }
        match c {
            CellRef::Text(t) => fp.cell(field as u8, t.as_bytes()),
            other => {
                let (text, from_number) = text_of(other);
                fp.cell(
                    field as u8 | if from_number { 0x80 } else { 0 },
                    text.as_bytes(),
                );
            }
        }
    }
    fp.finish()
}

/// A 128-bit hash of a row's invoice-level cells, fed straight from the cells (copying
/// them into one buffer first cost more than hashing them).
///
/// Each cell is a header word (tag, length) followed by its bytes as little-endian words,
/// the last one read overlapping (or, under eight bytes, as `foldhash` reads short
/// inputs); given the length this is injective, so different cell lists give different
/// word sequences. The words go in pairs through two independent lanes of folded
/// multiplies with different keys, as `foldhash` does with two seeds.
struct Fingerprint {
    a: u64,
    b: u64,
}

/// Keys of the two lanes. Each `*1` key has an `0xff` byte, which neither UTF-8 text nor
/// a header word contains, so the second factor of a folded multiply is never zero.
const LANE_A: [u64; 2] = [0x243f_6a88_85a3_08d3, 0xff37_79b9_7f4a_7c15];
const LANE_B: [u64; 2] = [0x1319_8a2e_0370_7344, 0xc2b2_ae3d_27d4_ebff];

#[inline]
fn folded_multiply(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Fingerprint {
    fn new() -> Self {
        Fingerprint {
            a: 0x9e37_79b9_7f4a_7c15,
            b: 0xc2b2_ae3d_27d4_eb4f,
        }
    }

    #[inline]
    fn mix(&mut self, x: u64, y: u64) {
        self.a = folded_multiply(self.a ^ x ^ LANE_A[0], y ^ LANE_A[1]);
        self.b = folded_multiply(self.b ^ x ^ LANE_B[0], y ^ LANE_B[1]);
    }

    // Called for every invoice-level cell of every row: the call itself cost a third.
    #[inline(always)]
    fn cell(&mut self, tag: u8, bytes: &[u8]) {
        let len = bytes.len();
        let header = u64::from(tag) | ((len as u64) << 8);
        match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            // Eight to sixteen bytes, the common case: the first and the last eight.
            (Some(first), Some(last)) if len <= 16 => {
                self.mix(header, u64::from_le_bytes(*first));
                self.mix(u64::from_le_bytes(*last), 0);
            }
            (Some(first), Some(_)) => {
                self.mix(header, u64::from_le_bytes(*first));
                self.long_tail(bytes);
            }
            _ => {
                let small = if len >= 4 {
                    let half = |at: usize| {
                        bytes
                            .get(at..)
                            .and_then(|b| b.first_chunk::<4>())
                            .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
                    };
                    half(0) | (half(len - 4) << 32)
                } else if len > 0 {
                    u64::from(bytes[0])
                        | (u64::from(bytes[len / 2]) << 8)
                        | (u64::from(bytes[len - 1]) << 16)
                } else {
                    0
                };
                self.mix(header, small);
            }
        }
    }

    /// The words after the first of a cell longer than sixteen bytes: at 8, 16, ... and
    /// the last eight bytes, in pairs.
    #[inline(never)]
    fn long_tail(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        let last = len.saturating_sub(8);
        let word = |at: usize| {
            bytes
                .get(at.min(last)..)
                .and_then(|b| b.first_chunk::<8>())
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let mut at = 8;
        while at < len {
            let y = if at + 8 < len { word(at + 8) } else { 0 };
            self.mix(word(at), y);
            at += 16;
        }
    }

    fn finish(&self) -> u128 {
        let a = folded_multiply(self.a ^ LANE_A[0], LANE_A[1]);
        let b = folded_multiply(self.b ^ LANE_B[0], LANE_B[1]);
        (u128::from(a) << 64) | u128::from(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row laid out as the CSV reader lays it out: fields one after the other, one
    /// separator byte between them.
    struct SpanRow {
        text: String,
        ends: Vec<u32>,
    }

    impl SpanRow {
        fn new(fields: &[&str], sep: char) -> SpanRow {
            let (mut text, mut ends) = (String::new(), Vec::new());
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    text.push(sep);
                }
                text.push_str(f);
                ends.push(text.len() as u32);
            }
            SpanRow { text, ends }
        }
    }

    impl RowCells for SpanRow {
        fn row(&self) -> u32 {
            2
        }
        fn cell(&self, col: usize) -> CellRef<'_> {
            let Some(&end) = self.ends.get(col) else {
                return CellRef::Empty;
            };
            let start = col.checked_sub(1).map_or(0, |p| self.ends[p] + 1);
            match &self.text[start as usize..end as usize] {
                "" => CellRef::Empty,
                t => CellRef::Text(std::borrow::Cow::Borrowed(t)),
            }
        }
    }

    impl ChunkRow for SpanRow {
        fn raw_span(&self, cols: std::ops::Range<usize>) -> Option<(&str, u32, &[u32])> {
            let ends = self.ends.get(cols.clone())?;
            let start = cols.start.checked_sub(1).map_or(0, |p| self.ends[p] + 1);
            Some((
                &self.text[start as usize..*ends.last()? as usize],
                start,
                ends,
            ))
        }
    }

    #[test]
    fn span_fingerprints_see_every_invoice_cell_and_its_bounds() {
        let headers: Vec<String> = [
            "merchant_reference",
            "customer_type",
            "first_name",
            "last_name",
            "email",
            "phone_number",
            "address_line",
            "postal_code",
            "postal_place",
            "description",
            "amount",
            "vat",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        let map = ColumnMap::resolve(&headers, None).unwrap();
        let invoice_cols: Vec<(Field, usize)> = map
            .mapped()
            .filter(|(f, _)| f.is_invoice_level() && *f != Field::MerchantReference)
            .collect();
        let runs = fingerprint_runs(&map, &invoice_cols);
        let base = [
            "A-1",
            "B2C",
            "Kari",
            "Hansen",
            "kari@example.no",
            "97 17 60 17",
            "Storgata 1",
            "7010",
            "Trondheim",
            "Timer",
            "100,00",
            "25",
        ];
        let fp = |fields: &[&str], sep| span_fingerprint(&SpanRow::new(fields, sep), &runs);
        let first = fp(&base, ';').unwrap();
        assert_eq!(fp(&base, ';'), Some(first), "the same cells");
        let mut line = base;
        line[9] = "Reise";
        line[10] = "200,00";
        assert_eq!(fp(&line, ';'), Some(first), "line-level cells do not count");
        for col in 0..9 {
            let mut other = base;
            other[col] = "x";
            assert_ne!(fp(&other, ';'), Some(first), "column {col}");
            other[col] = "";
            assert_ne!(fp(&other, ';'), Some(first), "column {col} blank");
        }
        // The same bytes with a field bound moved (unquoted fields may hold the
        // separator of the unquoted form).
        let mut a = base;
        a[2] = "Ka\nri";
        let mut b = base;
        b[2] = "Ka";
        b[3] = "ri\nHansen";
        let (a, b) = (fp(&a, '\n'), fp(&b, '\n'));
        assert!(a.is_some() && b.is_some());
        assert_ne!(a, b);
        // A row too short for a run takes the cell-by-cell path.
        assert_eq!(fp(&base[..5], ';'), None);
    }

    fn fingerprint(cells: &[(u8, &str)]) -> u128 {
        let mut fp = Fingerprint::new();
        for (tag, text) in cells {
            fp.cell(*tag, text.as_bytes());
        }
        fp.finish()
    }

    #[test]
    fn fingerprint_reads_every_byte_and_the_framing() {
        let text: String = ('a'..='z').chain('A'..='Z').collect();
        for len in 0..=text.len() {
            let base = &text[..len];
            let fp = fingerprint(&[(1, base), (2, "x")]);
            assert_eq!(fp, fingerprint(&[(1, base), (2, "x")]));
            assert_ne!(fp, fingerprint(&[(3, base), (2, "x")]), "{len}");
            assert_ne!(fp, fingerprint(&[(1, base)]), "{len}");
            for i in 0..len {
                let mut changed = base.as_bytes().to_vec();
                changed[i] = b'0';
                let changed = String::from_utf8(changed).unwrap();
                assert_ne!(fp, fingerprint(&[(1, &changed), (2, "x")]), "{len} {i}");
            }
            // The same bytes split differently between cells.
            if len > 0 {
                let (l, r) = base.split_at(len / 2);
                assert_ne!(fingerprint(&[(1, l), (1, r)]), fingerprint(&[(1, base)]));
            }
            if len > 2 {
                let (l, r) = base.split_at(len / 2);
                assert_ne!(
                    fingerprint(&[(1, l), (1, r)]),
                    fingerprint(&[(1, &base[..len - 1]), (1, &base[len - 1..])])
                );
            }
        }
        assert_ne!(fingerprint(&[]), fingerprint(&[(0, "")]));
        assert_ne!(fingerprint(&[(0, "")]), fingerprint(&[(0, ""), (0, "")]));
    }

    proptest::proptest! {
        /// Different cell lists give different fingerprints; equal ones equal.
        #[test]
        fn fingerprints_tell_cell_lists_apart(
            a in proptest::collection::vec((0u8..4, "[a-c 0-9\u{f8}]{0,20}"), 0..6),
            b in proptest::collection::vec((0u8..4, "[a-c 0-9\u{f8}]{0,20}"), 0..6),
        ) {
            let fa = fingerprint(&a.iter().map(|(t, s)| (*t, s.as_str())).collect::<Vec<_>>());
            let fb = fingerprint(&b.iter().map(|(t, s)| (*t, s.as_str())).collect::<Vec<_>>());
            proptest::prop_assert_eq!(fa == fb, a == b);
        }
    }
}
