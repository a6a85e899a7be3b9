//! The checks of a CSV chunk's records before the validator sees them: blank records
//! (skipped, counted), records whose cells do not line up with the header, and the
//! encoding of every record (Windows-1252 ones decoded), so that a chunk handed on is
//! text and every record in it readable.
//!
//! Apart from `csv_file.rs` because they are about a chunk's bytes, not the file: they
//! run on the reader thread, between splitting and handing over.

use super::encoding::{Enc, EncodingState, FIELD_END};
use super::split::{RawChunk, Record, field_bounds};
use crate::i18n::Message;
use crate::problem::Problem;
use csv::ByteRecord;

/// What the row checks need to know of the file.
pub struct Widths {
    /// Cells in the header.
    pub header: usize,
    /// Cells up to the last named header.
    pub named: usize,
    pub reference: Option<usize>,
    pub delimiter: u8,
}

/// The bytes of field `i` of a record.
fn field<'t>(text: &'t [u8], ends: &[u32], r: &Record, i: usize) -> &'t [u8] {
    field_bounds(r.ends(ends), r.start, i)
        .and_then(|(from, to)| text.get(from..to))
        .unwrap_or_default()
}

/// All of a record's bytes, its separators included.
fn span<'t>(text: &'t [u8], ends: &[u32], r: &Record) -> &'t [u8] {
    r.ends(ends)
        .last()
        .and_then(|&last| text.get(r.start as usize..last as usize))
        .unwrap_or_default()
}

/// Drops the records of only blank cells (counted, as blank rows) and the records
/// whose cells do not line up with the header (reported); returns the blank ones.
pub fn check_rows(chunk: &mut RawChunk, w: &Widths, problems: &mut Vec<Problem>) -> u64 {
    let RawChunk {
        text,
        ends,
        records,
        ..
    } = chunk;
    let mut blank = 0;
    records.retain(|r| {
        let bytes = span(text, ends, r);
        // Between the fields: the delimiter in raw lines, FIELD_END (whitespace) after
        // unquoting.
        let separator = if r.quoted { FIELD_END } else { w.delimiter };
        if bytes
            .iter()
            .all(|&b| b.is_ascii_whitespace() || b == separator)
        {
            blank += 1;
            return false;
        }
        let n = r.fields as usize;
        let too_many = n > w.header && (w.header..n).any(|i| !field(text, ends, r, i).is_empty());
        if too_many || n < w.named {
            let p = Problem::error(
                r.row,
                None,
                None,
                Message::new("problem-row-cells")
                    .arg("cells", n)
                    .arg("header", w.header),
            );
            let cell = w
                .reference
                .filter(|&c| c < n)
                .map(|c| field(text, ends, r, c));
            problems.push(tie(p, cell));
            return false;
        }
        true
    });
    blank
}

/// Checks the encoding of every record, decodes Windows-1252 ones, and drops (and
/// reports) those that fit neither; returns the chunk's text, which is then all UTF-8.
///
/// The common case costs one validation of the chunk: the file is known to be UTF-8 and
/// the chunk is, or nothing but ASCII has been seen. Otherwise each record goes through
/// the encoding state machine in file order, and bytes no record refers to any more
/// (raw lines of quoted or decoded records, unreadable rows) are replaced, so that the
/// chunk is text. An error is a bug (a chunk that still is not text).
pub fn check_encoding(
    chunk: &mut RawChunk,
    state: &mut EncodingState,
    w: &Widths,
    problems: &mut Vec<Problem>,
) -> Result<String, String> {
    let utf8 = |s: &EncodingState| {
        matches!(
            s,
            EncodingState::Fixed(Enc::Utf8) | EncodingState::Detected(Enc::Utf8, _)
        )
    };
    let whole = match &*state {
        EncodingState::Undecided => chunk.text.is_ascii(),
        s => utf8(s),
    };
    if whole {
        match String::from_utf8(std::mem::take(&mut chunk.text)) {
            Ok(text) => return Ok(text),
            Err(e) => chunk.text = e.into_bytes(),
        }
    }
    let RawChunk {
        text,
        ends,
        records,
        ..
    } = chunk;
    let mut tail: Vec<u8> = Vec::new();
    let mut moved: Vec<usize> = Vec::new();
    let mut kept = Vec::with_capacity(records.len());
    for r in records.iter() {
        let bytes = span(text, ends, r);
        if bytes.is_ascii() || (utf8(state) && std::str::from_utf8(bytes).is_ok()) {
            kept.push(*r);
            continue;
        }
        let rec: ByteRecord = r.fields(text, ends).collect();
        match state.check(&rec, r.row) {
            Ok(Enc::Utf8) => kept.push(*r),
            Ok(Enc::Windows1252) => {
                let mut r = *r;
                r.start = tail.len() as u32;
                for (f, e) in rec.iter().zip(r.ends_mut(ends)) {
                    tail.extend_from_slice(Enc::Windows1252.decode(f).as_bytes());
                    *e = tail.len() as u32;
                    tail.push(FIELD_END);
                }
                moved.push(kept.len());
                kept.push(r);
            }
            Err(p) => problems.push(tie(p, w.reference.and_then(|c| rec.get(c)))),
        }
    }
    *records = kept;
    let base = text.len();
    if base + tail.len() > u32::MAX as usize {
        return Err("the rows of one chunk are too long to decode".into());
    }
    text.extend_from_slice(&tail);
    for &i in &moved {
        let r = &mut records[i];
        r.start += base as u32;
        for e in r.ends_mut(ends) {
            *e += base as u32;
        }
    }
    // Every byte a kept record refers to is now UTF-8, and ASCII separators surround
    // each of them, so what is left invalid belongs to no record.
    let mut from = 0;
    while let Err(e) = std::str::from_utf8(&text[from..]) {
        let at = from + e.valid_up_to();
        let len = e.error_len().unwrap_or(text.len() - at);
        text[at..at + len].fill(b'?');
        from = at + len;
    }
    String::from_utf8(std::mem::take(text))
        .map_err(|e| format!("internal: chunk text is not UTF-8 ({})", e.utf8_error()))
}

/// Ties an unreadable row's problem to the invoice its reference cell names (read
/// leniently: a bad byte elsewhere in the row does not hide the reference).
fn tie(p: Problem, cell: Option<&[u8]>) -> Problem {
    let Some(cell) = cell else {
        return p;
    };
    let text = match std::str::from_utf8(cell) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => Enc::Windows1252.decode(cell),
    };
    p.with_reference(text.trim())
}
