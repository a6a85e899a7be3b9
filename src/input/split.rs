//! Splits the body of a CSV file into records, numbered as a spreadsheet shows them.
//!
//! Why not only the csv crate: a month's export is mostly lines without a single quote,
//! and for those a record is just the line split at the delimiter. Finding the line end,
//! checking it has no `"` and finding the delimiters are three `memchr` scans, several
//! times cheaper than csv-core's byte-at-a-time state machine, and the fields can stay
//! where they were read instead of being copied into a record and again into the chunk.
//! Any line holding a quote is handed to csv-core, configured as the csv crate's reader
//! is (quoting, doubled quotes, `\r`, `\n` or `\r\n` ends), so both paths split alike; the
//! tests compare them with the csv crate on random input.
//!
//! Row numbers: the header is row 1, every record is one row (a quoted cell spanning
//! lines included), and every blank line is a row of its own, the way Excel shows the
//! file. (The csv crate's own line numbers lag after `\r\n` and never advance on a lone
//! `\r`, so the error report would point one row off.)

use super::encoding::FIELD_END;
use super::limits::{MAX_ROW_BYTES, bytes};
use std::io::{self, Read, Seek, SeekFrom};

/// How much is read from the file at a time.
const READ: u64 = 128 * 1024;

/// The error for a record longer than [`MAX_ROW_BYTES`] (an `InvalidData` I/O error;
/// the row is [`Splitter::next_row`]).
fn too_long() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the row is longer than {}, the most one row may be: a quote is probably never closed, or this is not an invoice export",
            bytes(MAX_ROW_BYTES as u64)
        ),
    )
}

/// One record of a chunk: its fields end at `ends[first..first + fields]` of the chunk
/// and follow each other with one separator byte between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub first: u32,
    pub fields: u32,
    /// Where its first field starts in the chunk's text.
    pub start: u32,
    pub row: u32,
    /// The record had quotes: its fields were unquoted by csv-core and stand after the
    /// raw lines, separated by [`FIELD_END`], rather than in place.
    pub quoted: bool,
}

/// A chunk of the file: the raw lines read (records without quotes point into them),
/// then the unquoted fields of records with quotes.
#[derive(Default)]
pub struct RawChunk {
    pub text: Vec<u8>,
    pub ends: Vec<u32>,
    pub records: Vec<Record>,
    /// Blank lines skipped.
    pub blank_lines: u64,
}

/// Pushes `base + i` for every `i` where `line[i]` is the delimiter `d`.
///
/// Eight bytes at a time, with the classic exact zero-byte test (no false positives, so
/// no byte-wise check afterwards): a line has a delimiter every few bytes, and calling
/// `memchr` once per field costs more in set-up than this costs in all.
fn push_delimiters(line: &[u8], d: u8, base: usize, ends: &mut Vec<u32>) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from_le_bytes([d; 8]);
    let mut words = line.chunks_exact(8);
    let mut at = base;
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let v = u64::from_le_bytes(word) ^ pattern;
        // The high bit of each byte of `hits` is set exactly where `v` has a zero byte.
        let mut hits = !(((v & LOW7).wrapping_add(LOW7)) | v | LOW7);
        while hits != 0 {
            ends.push((at + (hits.trailing_zeros() / 8) as usize) as u32);
            hits &= hits - 1;
        }
        at += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == d {
            ends.push((at + i) as u32);
        }
    }
}

/// Moves `file` to `body_start`, where the header's record ended, and tells whether the
/// header's line ended in a `\r` (whose `\n` the header's reader may have left).
pub fn seek_body<F: Read + Seek>(file: &mut F, body_start: u64) -> io::Result<bool> {
    let mut before = [0u8];
    let after_cr = body_start > 0
        && file.seek(SeekFrom::Start(body_start - 1)).is_ok()
        && file.read_exact(&mut before).is_ok()
        && before[0] == b'\r';
    file.seek(SeekFrom::Start(body_start))?;
    Ok(after_cr)
}

impl Record {
    /// Where this record's fields end, out of its chunk's `ends`.
    pub fn ends<'e>(&self, ends: &'e [u32]) -> &'e [u32] {
        &ends[self.first as usize..(self.first + self.fields) as usize]
    }

    /// The same, to move them.
    pub fn ends_mut<'e>(&self, ends: &'e mut [u32]) -> &'e mut [u32] {
        &mut ends[self.first as usize..(self.first + self.fields) as usize]
    }

    /// The bytes of its fields, out of its chunk's `text` and `ends`.
    pub fn fields<'t>(self, text: &'t [u8], ends: &'t [u32]) -> impl Iterator<Item = &'t [u8]> {
        let (ends, start) = (self.ends(ends), self.start);
        (0..ends.len()).map(move |i| {
            field_bounds(ends, start, i)
                .map_or(&[][..], |(from, to)| text.get(from..to).unwrap_or_default())
        })
    }
}

/// Where field `i` of a record stands in its chunk's text, given the record's own field
/// ends and where its first field starts: a field starts one byte (the separator) after
/// the one before it ends. `None` past the record's last field.
pub fn field_bounds(ends: &[u32], start: u32, i: usize) -> Option<(usize, usize)> {
    let end = *ends.get(i)?;
    let from = match i.checked_sub(1) {
        Some(prev) => ends[prev] + 1,
        None => start,
    };
    Some((from as usize, end as usize))
}

impl RawChunk {
    /// The fields of one of its records, as bytes.
    pub fn fields<'c>(&'c self, r: &Record) -> impl Iterator<Item = &'c [u8]> + 'c {
        r.fields(&self.text, &self.ends)
    }
}

/// Reads records from a CSV body (after its header).
pub struct Splitter<R> {
    src: R,
    delimiter: u8,
    core: csv_core::Reader,
    /// Bytes read but not yet split: the start of the next chunk.
    carry: Vec<u8>,
    eof: bool,
    /// The last byte consumed was a `\r`: a `\n` right after it completes the line end.
    after_cr: bool,
    /// The row of the last record or blank line (the header: 1).
    row: u32,
    /// Bytes consumed so far, for progress.
    consumed: u64,
    /// csv-core's output for one quoted record.
    core_out: Vec<u8>,
    core_ends: Vec<usize>,
    /// Fields of quoted records of the chunk being filled.
    extra: Vec<u8>,
}

impl<R: Read> Splitter<R> {
    /// `after_cr`: the header's line ended with a `\r` that the header's reader may have
    /// left its `\n`.
    pub fn new(src: R, delimiter: u8, after_cr: bool) -> Splitter<R> {
        Splitter {
            src,
            delimiter,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            carry: Vec::new(),
            eof: false,
            after_cr,
            row: 1,
            consumed: 0,
            core_out: vec![0; 4096],
            core_ends: vec![0; 64],
            extra: Vec::new(),
        }
    }

    /// Bytes of the body consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The row number the next record gets (the one an error stopped at).
    pub fn next_row(&self) -> u32 {
        self.row.saturating_add(1)
    }

    /// Reads more after `text`, whose record from `pos` is not complete yet: refused
    /// when it is already over [`MAX_ROW_BYTES`] (memory follows the longest row, and
    /// a one-line file of hundreds of megabytes is no export).
    fn read_more_of(&mut self, text: &mut Vec<u8>, pos: usize) -> io::Result<()> {
        if text.len() - pos > MAX_ROW_BYTES {
            return Err(too_long());
        }
        self.read_more(text)
    }

    fn read_more(&mut self, text: &mut Vec<u8>) -> io::Result<()> {
        let n = (&mut self.src).take(READ).read_to_end(text)?;
        if (n as u64) < READ {
            self.eof = true;
        }
        Ok(())
    }

    /// Fills `chunk` with the next records, until it holds `max_rows` of them or
    /// `max_text` bytes of lines. Returns false when the file has no more records.
    #[allow(
        clippy::too_many_lines,
        reason = "the hot loop of the CSV splitter: one pass, see the comment below"
    )]
    pub fn fill(
        &mut self,
        chunk: &mut RawChunk,
        max_rows: usize,
        max_text: usize,
    ) -> io::Result<bool> {
        let RawChunk {
            text,
            ends,
            records,
            blank_lines,
        } = chunk;
        text.clear();
        ends.clear();
        records.clear();
        self.extra.clear();
        *blank_lines = 0;
        text.extend_from_slice(&self.carry);
        self.carry.clear();
        let mut pos = 0usize;
        let mut more = true;
        while records.len() < max_rows && pos < max_text {
            if self.after_cr {
                match text.get(pos) {
                    Some(&b) => {
                        if b == b'\n' {
                            pos += 1;
                        }
                        self.after_cr = false;
                    }
                    None if self.eof => self.after_cr = false,
                    None => self.read_more(text)?,
                }
                continue;
            }
            // The line: up to its end, `\n`, `\r\n` or `\r` (at the end of what has been
            // read, a `\r` may still get its `\n`: read on first).
            let (end, next) = match memchr::memchr2(b'\n', b'\r', &text[pos..]) {
                Some(i) => {
                    let t = pos + i;
                    if text[t] == b'\n' {
                        (t, t + 1)
                    } else {
                        match text.get(t + 1) {
                            Some(b'\n') => (t, t + 2),
                            Some(_) => (t, t + 1),
                            None if self.eof => (t, t + 1),
                            None => {
                                self.read_more_of(text, pos)?;
                                continue;
                            }
                        }
                    }
                }
                None if !self.eof => {
                    self.read_more_of(text, pos)?;
                    continue;
                }
                None if pos == text.len() => {
                    more = false;
                    break;
                }
                // The last line, without a line end.
                None => (text.len(), text.len()),
            };
            if end == pos {
                self.row = self.row.saturating_add(1);
                *blank_lines += 1;
                pos = next;
                continue;
            }
            let line = &text[pos..end];
            if memchr::memchr(b'"', line).is_none() {
                self.row = self.row.saturating_add(1);
                let first = ends.len() as u32;
                push_delimiters(line, self.delimiter, pos, ends);
                ends.push(end as u32);
                records.push(Record {
                    first,
                    fields: ends.len() as u32 - first,
                    start: pos as u32,
                    row: self.row,
                    quoted: false,
                });
                pos = next;
                continue;
            }
            match self.quoted(&text[pos..], ends)? {
                Some((consumed, record)) => {
                    self.row = self.row.saturating_add(1);
                    records.push(Record {
                        row: self.row,
                        ..record
                    });
                    pos += consumed;
                    self.after_cr = consumed > 0 && text[pos - 1] == b'\r';
                }
                None => self.read_more_of(text, pos)?,
            }
        }
        self.carry.extend_from_slice(&text[pos..]);
        text.truncate(pos);
        self.consumed += pos as u64;
        let base = text.len() as u32;
        text.extend_from_slice(&self.extra);
        for r in records.iter_mut().filter(|r| r.quoted) {
            r.start += base;
            for e in r.ends_mut(ends) {
                *e += base;
            }
        }
        Ok(more || !self.carry.is_empty())
    }

    /// Reads one record that has quotes with csv-core, from the start of `input`.
    /// Returns the bytes consumed and the record (its fields appended to `extra`, ends
    /// relative to it), or `None` if the record goes on past what has been read.
    fn quoted(&mut self, input: &[u8], ends: &mut Vec<u32>) -> io::Result<Option<(usize, Record)>> {
        use csv_core::ReadRecordResult as R;
        self.core.reset();
        let (mut nin, mut nout, mut nend) = (0usize, 0usize, 0usize);
        let mut at_eof = false;
        loop {
            let (res, i, o, e) = self.core.read_record(
                &input[nin..],
                &mut self.core_out[nout..],
                &mut self.core_ends[nend..],
            );
            nin += i;
            nout += o;
            nend += e;
            match res {
                R::InputEmpty if !self.eof => {
                    if input.len() > MAX_ROW_BYTES {
                        return Err(too_long());
                    }
                    return Ok(None);
                }
                // At the end of the file, an empty input tells csv-core the record ends.
                R::InputEmpty if !at_eof => at_eof = true,
                R::InputEmpty => break,
                R::OutputFull => {
                    let n = self.core_out.len() * 2;
                    self.core_out.resize(n, 0);
                }
                R::OutputEndsFull => {
                    let n = self.core_ends.len() * 2;
                    self.core_ends.resize(n, 0);
                }
                R::Record | R::End => break,
            }
        }
        let start = self.extra.len() as u32;
        let first = ends.len() as u32;
        let mut from = 0;
        for &e in &self.core_ends[..nend] {
            self.extra.extend_from_slice(&self.core_out[from..e]);
            ends.push(self.extra.len() as u32);
            self.extra.push(FIELD_END);
            from = e;
        }
        Ok(Some((
            nin,
            Record {
                first,
                fields: nend as u32,
                start,
                row: 0,
                quoted: true,
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, as a file read in pieces would.
    struct Pieces<'a>(&'a [u8], usize);
    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A record's fields and row.
    type Split = (Vec<Vec<u8>>, u32);

    /// Every record and the blank lines, read `max_rows` at a time.
    fn split(data: &[u8], piece: usize, max_rows: usize) -> (Vec<Split>, u64) {
        let mut s = Splitter::new(Pieces(data, piece), b',', false);
        let mut chunk = RawChunk::default();
        let mut out = Vec::new();
        let mut blank = 0;
        loop {
            let more = s.fill(&mut chunk, max_rows, 1 << 20).unwrap();
            blank += chunk.blank_lines;
            for r in &chunk.records {
                out.push((chunk.fields(r).map(<[u8]>::to_vec).collect(), r.row));
            }
            if !more {
                break;
            }
        }
        (out, blank)
    }

    fn check(data: &str, want: &[(&str, u32)], blank: u64) {
        for piece in [1, 2, 3, 7, 64, 1 << 16] {
            for max_rows in [1, 2, 1000] {
                let (got, b) = split(data.as_bytes(), piece, max_rows);
                let got: Vec<(String, u32)> = got
                    .into_iter()
                    .map(|(f, r)| (String::from_utf8_lossy(&f[0]).into_owned(), r))
                    .collect();
                let want: Vec<(String, u32)> =
                    want.iter().map(|(s, r)| (s.to_string(), *r)).collect();
                assert_eq!(got, want, "{data:?} in pieces of {piece}, {max_rows} rows");
                assert_eq!(b, blank, "{data:?} blank lines");
            }
        }
    }

    #[test]
    fn lf_crlf_and_cr_line_ends_number_alike() {
        let want = [("a", 2), ("b", 3), ("c", 5)];
        check("a,1\nb,2\n\nc,3\n", &want, 1);
        check("a,1\r\nb,2\r\n\r\nc,3\r\n", &want, 1);
        check("a,1\rb,2\r\rc,3\r", &want, 1);
        check("a,1\nb,2\r\n\nc,3", &want, 1);
    }

    #[test]
    fn a_quoted_cell_over_several_lines_is_one_row() {
        let want = [("a", 2), ("b", 3), ("c", 4)];
        check("a,\"x\ny\"\nb,2\nc,3\n", &want, 0);
        check("a,\"x\r\n\r\ny\"\r\nb,2\r\nc,3\r\n", &want, 0);
        check("\"a\",\"x\r\n\r\ny\"\r\nb,2\r\n\"c\"\r", &want, 0);
        // An empty line inside the quotes is the cell's, not a blank row.
        check(
            "a,\"\n\ny\"\n\nb,2\nc,3\n",
            &[("a", 2), ("b", 4), ("c", 5)],
            1,
        );
    }

    #[test]
    fn a_quote_never_closed_takes_the_rest() {
        check("a,\"x\nb,2\n", &[("a", 2)], 0);
    }

    proptest::proptest! {
        #[test]
        fn finds_every_delimiter(
            line in proptest::collection::vec(
                proptest::sample::select(vec![b';', b'a', 0x00, 0x3a, 0x3c, 0xbb, 0x7f, 0x80, 0xff]),
                0..80,
            ),
            base in 0usize..1000,
        ) {
            let mut got = Vec::new();
            push_delimiters(&line, b';', base, &mut got);
            let want: Vec<u32> = memchr::memchr_iter(b';', &line).map(|i| (base + i) as u32).collect();
            proptest::prop_assert_eq!(got, want);
        }

        /// Both paths split every input exactly as the csv crate does (which skips empty
        /// lines: those are the blank rows counted here).
        #[test]
        fn splits_like_the_csv_crate(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'b', b',', b'"', b'\r', b'\n', b' ', 0xc3]),
                0..60,
            ),
            piece in 1usize..9,
            max_rows in 1usize..4,
        ) {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&bytes[..]);
            let mut want = Vec::new();
            let mut rec = csv::ByteRecord::new();
            while r.read_byte_record(&mut rec).unwrap() {
                want.push(rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
            }
            let (got, _) = split(&bytes, piece, max_rows);
            let got: Vec<Vec<Vec<u8>>> = got.into_iter().map(|(f, _)| f).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
