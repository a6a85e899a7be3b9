//! The invoice-level values of one invoice, packed into a few bytes.
//!
//! A month's file can hold hundreds of thousands of invoices whose lines are scattered
//! through it, so every invoice stays in memory until the whole file is read. Packing its
//! dozen short strings (with the row each came from) into one run of bytes keeps that to
//! a couple of hundred bytes per invoice instead of a dozen `String`s, and the runs of a
//! shard's invoices share large blocks ([`Heads`]) instead of an allocation each.

use crate::mapping::Field;
pub use crate::validate::rules::HeadValue;

/// Packed entries: `field | NUMERIC_FLAG | ROW_FLAG`, the row offset from the invoice's
/// first row (varint, only with `ROW_FLAG`: almost every value comes from the first row),
/// length (varint), UTF-8 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Head<'a>(&'a [u8]);

/// Where a head is in its shard's [`Heads`]: block and offset, where its length (a
/// varint) and then its bytes stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadRef {
    block: u32,
    offset: u32,
}

/// The packed heads of one shard's invoices, one after another in blocks that never
/// move: no allocation (and no allocator rounding) per invoice, and all freed at once.
#[derive(Default)]
pub struct Heads {
    blocks: Vec<Vec<u8>>,
}

/// A new block's size: the first is small (most shards of a small file hold a handful
/// of invoices), each next one twice the last, up to [`MAX_BLOCK`].
const MIN_BLOCK: usize = 4 << 10;
const MAX_BLOCK: usize = 1 << 20;

impl Heads {
    /// Stores a head of the values `put` into `bytes`.
    pub fn store(&mut self, bytes: &[u8]) -> HeadRef {
        let need = varint_len(bytes.len() as u64) + bytes.len();
        let last = self.blocks.last().map_or(0, Vec::capacity);
        if self
            .blocks
            .last()
            .is_none_or(|b| b.capacity() - b.len() < need)
        {
            let size = (last * 2).clamp(MIN_BLOCK, MAX_BLOCK).max(need);
            self.blocks.push(Vec::with_capacity(size));
        }
        let block = self.blocks.len() - 1;
        let b = &mut self.blocks[block];
        let offset = b.len();
        put_varint(b, bytes.len() as u64);
        b.extend_from_slice(bytes);
        HeadRef {
            block: block as u32,
            offset: offset as u32,
        }
    }

    /// The head stored at `r` (empty for a reference this store did not give).
    pub fn get(&self, r: HeadRef) -> Head<'_> {
        let Some(b) = self.blocks.get(r.block as usize) else {
            return Head::default();
        };
        let mut pos = r.offset as usize;
        let len = get_varint(b, &mut pos) as usize;
        Head(b.get(pos..pos + len).unwrap_or_default())
    }

    /// Asks the processor for the first 192 bytes of the head at `r` (nearly every
    /// head is shorter; see [`crate::prefetch`]).
    pub fn prefetch(&self, r: HeadRef) {
        if let Some(bytes) = self
            .blocks
            .get(r.block as usize)
            .and_then(|b| b.get(r.offset as usize..))
        {
            crate::prefetch::prefetch_slice(bytes, 192);
        }
    }

    /// Stores the head at `r` with `values` added, and returns where it now is. The
    /// old copy stays where it was, unused: a later row rarely adds a value.
    pub fn extend<'v>(
        &mut self,
        r: HeadRef,
        first_row: u32,
        values: impl IntoIterator<Item = HeadValue<'v>>,
        scratch: &mut Vec<u8>,
    ) -> HeadRef {
        scratch.clear();
        scratch.extend_from_slice(self.get(r).0);
        for v in values {
            put(scratch, first_row, v);
        }
        self.store(scratch)
    }
}

/// Marks a value that came from a numeric spreadsheet cell.
const NUMERIC_FLAG: u8 = 0x80;
/// Marks a value given on a later row than the invoice's first.
const ROW_FLAG: u8 = 0x40;

fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = buf.get(*pos) {
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

impl<'a> Head<'a> {
    /// Iterates the stored values; `first_row` is the invoice's first row.
    pub fn iter(self, first_row: u32) -> impl Iterator<Item = HeadValue<'a>> + 'a {
        let buf = self.0;
        let mut pos = 0usize;
        std::iter::from_fn(move || {
            let tag = *buf.get(pos)?;
            pos += 1;
            let field = Field::from_index(usize::from(tag & !(NUMERIC_FLAG | ROW_FLAG)))?;
            let offset = if tag & ROW_FLAG != 0 {
                get_varint(buf, &mut pos)
            } else {
                0
            };
            let len = get_varint(buf, &mut pos) as usize;
            let bytes = buf.get(pos..pos + len)?;
            pos += len;
            // SAFETY: entries are only written by `put`, which copies whole `&str`s, and
            // `pos..pos + len` are exactly the bounds it wrote, so the bytes are valid UTF-8.
            let text = unsafe { std::str::from_utf8_unchecked(bytes) };
            Some(HeadValue {
                field,
                text,
                row: first_row.saturating_add(offset as u32),
                from_number: tag & NUMERIC_FLAG != 0,
            })
        })
    }

    /// The stored values by field index, decoded in one pass.
    pub fn slots(self, first_row: u32) -> [Option<HeadValue<'a>>; Field::COUNT] {
        let mut out = [None; Field::COUNT];
        for v in self.iter(first_row) {
            out[v.field.index()] = Some(v);
        }
        out
    }

    /// The first stored value (the merchant reference, when the accumulator does not
    /// hold it itself: see `Store::reference`).
    pub fn first(self) -> Option<HeadValue<'a>> {
        self.iter(0).next()
    }
}

/// Appends one value to a packed buffer; `first_row` is the invoice's first row.
pub fn put(buf: &mut Vec<u8>, first_row: u32, v: HeadValue<'_>) {
    let offset = v.row.saturating_sub(first_row);
    let flags =
        if v.from_number { NUMERIC_FLAG } else { 0 } | if offset > 0 { ROW_FLAG } else { 0 };
    buf.push(v.field as u8 | flags);
    if offset > 0 {
        put_varint(buf, u64::from(offset));
    }
    put_varint(buf, v.text.len() as u64);
    buf.extend_from_slice(v.text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(field: Field, text: &str, row: u32, from_number: bool) -> HeadValue<'_> {
        HeadValue {
            field,
            text,
            row,
            from_number,
        }
    }

    #[test]
    fn round_trip() {
        let mut heads = Heads::default();
        let mut scratch = Vec::new();
        let empty = heads.store(&[]);
        let r = heads.extend(
            empty,
            10,
            [
                v(Field::MerchantReference, "A-1", 10, false),
                v(Field::Email, "ø@x.no", 10, false),
            ],
            &mut scratch,
        );
        let r = heads.extend(
            r,
            10,
            [v(Field::PostalCode, "151", 300, true)],
            &mut scratch,
        );
        let all: Vec<_> = heads.get(r).iter(10).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].text, "ø@x.no");
        assert_eq!(all[2], v(Field::PostalCode, "151", 300, true));
        let slots = heads.get(r).slots(10);
        assert_eq!(slots[Field::Email.index()].map(|v| v.row), Some(10));
        assert!(slots[Field::Country.index()].is_none());
        assert_eq!(heads.get(empty).iter(10).count(), 0);
    }

    #[test]
    fn heads_of_every_size_keep_their_bytes_across_blocks() {
        let mut heads = Heads::default();
        let mut stored = Vec::new();
        for i in 0..3000usize {
            // Up to twice the largest block: a head larger than a block gets its own.
            let text = "x".repeat((i * 7919) % 2000 + if i % 500 == 0 { 2 * MAX_BLOCK } else { 0 });
            let mut buf = Vec::new();
            put(
                &mut buf,
                2,
                v(Field::AddressLine, &text, 2 + i as u32, false),
            );
            stored.push((heads.store(&buf), text));
        }
        for (i, (r, text)) in stored.iter().enumerate() {
            let got: Vec<_> = heads.get(*r).iter(2).collect();
            assert_eq!(got, [v(Field::AddressLine, text, 2 + i as u32, false)]);
        }
    }

    #[test]
    fn varint_lengths() {
        for n in [
            0u64,
            1,
            127,
            128,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut b = Vec::new();
            put_varint(&mut b, n);
            assert_eq!(b.len(), varint_len(n), "{n}");
        }
    }
}
