//! The invoice-level values of one invoice, packed into a single allocation.
//!
//! A month's file can hold hundreds of thousands of invoices whose lines are scattered
//! through it, so every invoice stays in memory until the whole file is read. Packing its
//! dozen short strings (with the row each came from) into one byte buffer keeps that to
//! a couple of hundred bytes per invoice instead of a dozen `String`s.

use crate::mapping::Field;

/// Packed entries: `field | NUMERIC_FLAG | ROW_FLAG`, the row offset from the invoice's
/// first row (varint, only with `ROW_FLAG`: almost every value comes from the first row),
/// length (varint), UTF-8 bytes.
#[derive(Clone, Debug, Default)]
pub struct PackedHead(Box<[u8]>);

/// Marks a value that came from a numeric spreadsheet cell.
const NUMERIC_FLAG: u8 = 0x80;
/// Marks a value given on a later row than the invoice's first.
const ROW_FLAG: u8 = 0x40;

/// One stored value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadValue<'a> {
    pub field: Field,
    pub text: &'a str,
    /// The spreadsheet row it was first given on.
    pub row: u32,
    pub from_number: bool,
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

impl PackedHead {
    /// Iterates the stored values; `first_row` is the invoice's first row.
    pub fn iter(&self, first_row: u32) -> impl Iterator<Item = HeadValue<'_>> + '_ {
        let buf = &self.0;
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
            // SAFETY: entries are only written by `extend`, which copies whole `&str`s, and
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
    pub fn slots(&self, first_row: u32) -> [Option<HeadValue<'_>>; Field::COUNT] {
        let mut out = [None; Field::COUNT];
        for v in self.iter(first_row) {
            out[v.field.index()] = Some(v);
        }
        out
    }

    /// The first stored value (the merchant reference, when the accumulator does not
    /// hold it itself: see `InvoiceAcc::reference`).
    pub fn first(&self) -> Option<HeadValue<'_>> {
        self.iter(0).next()
    }

    /// Adds several values at once (one reallocation).
    ///
    /// The new contents are assembled in `scratch` and copied into one allocation of the
    /// exact size: growing and shrinking each invoice's buffer in place would leave the
    /// allocator with a hole per invoice.
    pub fn extend<'a>(
        &mut self,
        first_row: u32,
        values: impl IntoIterator<Item = HeadValue<'a>>,
        scratch: &mut Vec<u8>,
    ) {
        scratch.clear();
        scratch.extend_from_slice(&self.0);
        for v in values {
            put(scratch, first_row, v);
        }
        self.0 = Box::from(&scratch[..]);
    }

    /// A head of the values `put` into `buf`.
    pub fn from_bytes(buf: &[u8]) -> PackedHead {
        PackedHead(Box::from(buf))
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

    #[test]
    fn round_trip() {
        let mut h = PackedHead::default();
        let v = |field, text, row, from_number| HeadValue {
            field,
            text,
            row,
            from_number,
        };
        let mut scratch = Vec::new();
        h.extend(
            10,
            [
                v(Field::MerchantReference, "A-1", 10, false),
                v(Field::Email, "ø@x.no", 10, false),
            ],
            &mut scratch,
        );
        h.extend(10, [v(Field::PostalCode, "151", 300, true)], &mut scratch);
        let all: Vec<_> = h.iter(10).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].text, "ø@x.no");
        assert_eq!(all[2], v(Field::PostalCode, "151", 300, true));
        let slots = h.slots(10);
        assert_eq!(slots[Field::Email.index()].map(|v| v.row), Some(10));
        assert!(slots[Field::Country.index()].is_none());
    }
}
