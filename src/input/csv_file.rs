//! CSV files: dialect detection (delimiter, `sep=` line, BOM, encoding) and a streaming
//! reader that hands out checked, decoded rows in chunks.
//!
//! Reading runs on its own thread so that the next chunk is split and checked while the
//! validator works on the current one. A chunk is the bytes read from the file, and most
//! rows are validated where they were read (see [`super::split`]); its buffers are
//! recycled between the two threads, so the steady state allocates nothing per row.

use super::encoding::{Enc, EncodingState, FIELD_END};
use super::limits::{MAX_HEADER_COLUMNS, MAX_ROW_BYTES, bytes, count, refused};
use super::split::{RawChunk, Record, Splitter, field_bounds, seek_body};
use super::{
    CHUNK_ROWS, CellRef, ChunkRow, ChunkSink, Format, InputError, ReadOptions, RowCells, SourceInfo,
};
use crate::problem::Problem;
use csv::ByteRecord;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// How much of the file is looked at to detect the dialect.
const SNIFF_BYTES: usize = 64 * 1024;
/// Delimiters tried, in order of preference on a tie.
const CANDIDATES: [u8; 4] = [b';', b',', b'\t', b'|'];

/// One CSV record of a chunk, already checked and decoded to text, with its row number.
pub struct CsvRow<'a> {
    /// The chunk's text (see [`RawChunk`]).
    text: &'a str,
    /// Where each of this row's fields ends in `text`.
    ends: &'a [u32],
    /// Where its first field starts.
    start: u32,
    row: u32,
}

impl RowCells for CsvRow<'_> {
    fn row(&self) -> u32 {
        self.row
    }

    fn cell(&self, col: usize) -> CellRef<'_> {
        match field_bounds(self.ends, self.start, col).and_then(|(s, e)| self.text.get(s..e)) {
            Some(t) if !t.is_empty() => CellRef::Text(std::borrow::Cow::Borrowed(t)),
            _ => CellRef::Empty,
        }
    }
}

impl ChunkRow for CsvRow<'_> {
    fn prefetch(&self) {
        let text = self
            .text
            .as_bytes()
            .get(self.start as usize..)
            .unwrap_or_default();
        crate::prefetch::prefetch_slice(text, 256);
        crate::prefetch::prefetch_slice(self.ends, 128);
    }

    fn raw_span(&self, cols: std::ops::Range<usize>) -> Option<(&str, u32, &[u32])> {
        let ends = self.ends.get(cols.clone())?;
        let (start, _) = field_bounds(self.ends, self.start, cols.start)?;
        let text = self.text.get(start..*ends.last()? as usize)?;
        Some((text, start as u32, ends))
    }
}

/// A chunk grows until it has this many rows, or this much text.
const CHUNK_TEXT: usize = 16 << 20;

/// The rest of an opened CSV file.
pub struct CsvBody {
    file: File,
    /// Where the first record after the header starts.
    body_start: u64,
    delimiter: u8,
    state: EncodingState,
    header_width: usize,
    empty_header_from: usize,
    total_bytes: u64,
    path: PathBuf,
}

pub fn open(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(Vec<String>, SourceInfo, CsvBody), InputError> {
    if let Some(sheet) = &opts.sheet {
        return Err(InputError::SheetForCsv {
            path: path.to_path_buf(),
            sheet: sheet.clone(),
        });
    }
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let total_bytes = file.metadata().map_err(io)?.len();
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut file)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(io)?;
    let truncated = (prefix.len() as u64) < total_bytes;

    if prefix.starts_with(&[0xFF, 0xFE]) || prefix.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::NotText {
            path: path.to_path_buf(),
            why: "it is UTF-16 text; save it as 'CSV UTF-8' instead".into(),
        });
    }
    if prefix.contains(&0) {
        return Err(InputError::NotText {
            path: path.to_path_buf(),
            why: "it contains NUL bytes".into(),
        });
    }
    let mut start = 0usize;
    let mut state = match opts.encoding {
        Some(e) => EncodingState::Fixed(e),
        None => EncodingState::Undecided,
    };
    if prefix.starts_with(b"\xEF\xBB\xBF") {
        start = 3;
        if opts.encoding.is_none() {
            state = EncodingState::Fixed(Enc::Utf8);
        }
    }
    let mut delimiter = opts.delimiter;
    // Excel's `sep=;` first line names the delimiter and is not a row.
    let rest = &prefix[start..];
    if rest.len() >= 5 && rest[..4].eq_ignore_ascii_case(b"sep=") {
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        if delimiter.is_none() {
            delimiter = Some(rest[4]);
        }
        start += line_end;
    }
    let delimiter = match delimiter {
        Some(d) => d,
        None => {
            sniff_delimiter(&prefix[start..], truncated).ok_or_else(|| InputError::NoDelimiter {
                path: path.to_path_buf(),
            })?
        }
    };

    file.seek(SeekFrom::Start(start as u64)).map_err(io)?;
    // The header (and blank lines before it) is read through a window of this size, so
    // that a file of one enormous line is refused, not buffered.
    let window = MAX_ROW_BYTES as u64 + 64 * 1024;
    let cut = start as u64 + window < total_bytes;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(256 * 1024)
        .from_reader(BufReader::with_capacity(64 * 1024, file.take(window)));
    let too_long = || {
        refused(
            path,
            format!(
                "the header row (row 1) is longer than {}",
                bytes(MAX_ROW_BYTES as u64)
            ),
            format!("{} for one row", bytes(MAX_ROW_BYTES as u64)),
        )
    };

    // The first record with any non-empty cell is the header.
    let mut rec = ByteRecord::new();
    loop {
        let more = reader
            .read_byte_record(&mut rec)
            .map_err(|e| InputError::Csv {
                path: path.to_path_buf(),
                row: 1,
                message: e.to_string(),
            })?;
        if !more {
            if cut {
                return Err(too_long());
            }
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        if rec.iter().any(|f| !f.iter().all(u8::is_ascii_whitespace)) {
            break;
        }
    }
    if rec.as_slice().len() > MAX_ROW_BYTES || (cut && reader.position().byte() >= window) {
        return Err(too_long());
    }
    if rec.len() > MAX_HEADER_COLUMNS {
        return Err(refused(
            path,
            format!(
                "the header row (row 1) has {} columns",
                count(rec.len() as u64)
            ),
            format!("{} columns", count(MAX_HEADER_COLUMNS as u64)),
        ));
    }
    let body_start = start as u64 + reader.position().byte();
    let enc = state.check(&rec, 1).map_err(|p| InputError::Header {
        path: path.to_path_buf(),
        row: 1,
        message: p.message,
    })?;
    let headers: Vec<String> = rec
        .iter()
        .map(|f| enc.decode(f).trim().to_string())
        .collect();
    let empty_header_from = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    let info = SourceInfo {
        path: path.to_path_buf(),
        format: Format::Csv,
        encoding: None,
        delimiter: Some(delimiter),
        sheet: None,
        blank_rows: 0,
    };
    let header_width = headers.len();
    Ok((
        headers,
        info,
        CsvBody {
            file: reader.into_inner().into_inner().into_inner(),
            body_start,
            delimiter,
            state,
            header_width,
            empty_header_from,
            total_bytes,
            path: path.to_path_buf(),
        },
    ))
}

/// Picks the delimiter that splits the first lines into the same number of columns,
/// quote-aware (the csv parser itself does the splitting).
fn sniff_delimiter(prefix: &[u8], truncated: bool) -> Option<u8> {
    let mut best: Option<(bool, bool, usize, u8)> = None;
    for d in CANDIDATES {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(prefix);
        let mut lens = Vec::new();
        let mut rec = ByteRecord::new();
        while lens.len() < 200 {
            match r.read_byte_record(&mut rec) {
                Ok(true) => {
                    if rec.iter().all(|f| f.is_empty()) && rec.len() <= 1 {
                        continue;
                    }
                    lens.push(rec.len());
                }
                _ => break,
            }
        }
        if truncated && lens.len() > 1 {
            lens.pop();
        }
        let Some(&width) = lens.first() else { continue };
        if width < 2 {
            continue;
        }
        // Most rows must split like the header; a stray bad row is reported later with
        // its row number rather than making the whole file unreadable.
        let consistent = lens.iter().filter(|&&l| l == width).count();
        let all = consistent == lens.len();
        let mostly = consistent * 5 >= lens.len() * 4;
        let key = (all, mostly, width, d);
        let better = match best {
            None => true,
            Some((ba, bm, bw, _)) => (all, mostly, width) > (ba, bm, bw),
        };
        if better {
            best = Some(key);
        }
    }
    match best {
        Some((_, true, _, d)) => Some(d),
        _ => None,
    }
}

/// A checked chunk, ready for the validator: its text is valid UTF-8 and its records
/// are the readable rows.
struct Batch {
    text: String,
    ends: Vec<u32>,
    records: Vec<Record>,
    problems: Vec<Problem>,
    bytes: u64,
}

impl CsvBody {
    pub fn read_all<S: ChunkSink>(
        self,
        mut info: SourceInfo,
        sink: &mut S,
    ) -> Result<SourceInfo, InputError> {
        let CsvBody {
            mut file,
            body_start,
            delimiter,
            mut state,
            header_width,
            empty_header_from,
            total_bytes,
            path,
        } = self;
        let io = |source| InputError::Io {
            path: path.clone(),
            source,
        };
        let after_cr = seek_body(&mut file, body_start).map_err(io)?;
        let widths = Widths {
            header: header_width,
            named: empty_header_from,
            reference: sink.reference_column(),
            delimiter,
        };
        let (full_tx, full_rx) = mpsc::sync_channel::<Result<Batch, InputError>>(1);
        let (empty_tx, empty_rx) = mpsc::channel::<RawChunk>();
        let (blank_rows, state) = std::thread::scope(|scope| {
            let read_path = path.clone();
            let producer = scope.spawn(move || {
                let mut splitter = Splitter::new(file, delimiter, after_cr);
                let mut blank_rows = 0u64;
                let mut problems = Vec::new();
                loop {
                    let mut chunk = empty_rx.try_recv().unwrap_or_default();
                    let more = match splitter.fill(&mut chunk, CHUNK_ROWS, CHUNK_TEXT) {
                        Ok(more) => more,
                        Err(source) if source.kind() == std::io::ErrorKind::InvalidData => {
                            let _ = full_tx.send(Err(InputError::Csv {
                                path: read_path,
                                row: splitter.next_row(),
                                message: source.to_string(),
                            }));
                            return (blank_rows, state);
                        }
                        Err(source) => {
                            let _ = full_tx.send(Err(InputError::Io {
                                path: read_path,
                                source,
                            }));
                            return (blank_rows, state);
                        }
                    };
                    blank_rows += chunk.blank_lines;
                    blank_rows += check_rows(&mut chunk, &widths, &mut problems);
                    let text = match check_encoding(&mut chunk, &mut state, &widths, &mut problems)
                    {
                        Ok(text) => text,
                        Err(e) => {
                            let _ = full_tx.send(Err(InputError::Csv {
                                path: read_path,
                                row: chunk.records.first().map_or(0, |r| r.row),
                                message: e,
                            }));
                            return (blank_rows, state);
                        }
                    };
                    // A chunk of only blank or unreadable rows goes with the next one:
                    // the first chunk the validator sees decides the decimal convention.
                    if chunk.records.is_empty() && more {
                        continue;
                    }
                    let RawChunk { ends, records, .. } = chunk;
                    let batch = Batch {
                        text,
                        ends,
                        records,
                        problems: std::mem::take(&mut problems),
                        bytes: body_start + splitter.consumed(),
                    };
                    if full_tx.send(Ok(batch)).is_err() || !more {
                        return (blank_rows, state);
                    }
                }
            });
            let mut failure = None;
            for batch in full_rx.iter() {
                match batch {
                    Ok(Batch {
                        text,
                        ends,
                        records,
                        problems,
                        bytes,
                    }) => {
                        let rows: Vec<CsvRow<'_>> = records
                            .iter()
                            .map(|r| CsvRow {
                                text: &text,
                                ends: r.ends(&ends),
                                start: r.start,
                                row: r.row,
                            })
                            .collect();
                        sink.chunk(&rows, problems);
                        drop(rows);
                        sink.progress(bytes, total_bytes);
                        let _ = empty_tx.send(RawChunk {
                            text: text.into_bytes(),
                            ends,
                            records,
                            ..RawChunk::default()
                        });
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            drop(full_rx);
            let joined = producer.join();
            match (failure, joined) {
                (Some(e), _) => Err(e),
                (None, Ok(out)) => Ok(out),
                // A reader that panicked must not pass for one that read every row.
                (None, Err(_)) => Err(InputError::Csv {
                    path: path.clone(),
                    row: 0,
                    message: "the reader failed; please report this file".into(),
                }),
            }
        })?;
        info.blank_rows = blank_rows;
        info.encoding = Some(state.describe().to_string());
        Ok(info)
    }
}

/// What the row checks need to know of the file.
struct Widths {
    /// Cells in the header.
    header: usize,
    /// Cells up to the last named header.
    named: usize,
    reference: Option<usize>,
    delimiter: u8,
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
fn check_rows(chunk: &mut RawChunk, w: &Widths, problems: &mut Vec<Problem>) -> u64 {
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
                format!(
                    "has {n} cells but the header has {}: a delimiter inside an unquoted value or a broken quote; check this row in a text editor",
                    w.header
                ),
            );
            let cell = w.reference.filter(|&c| c < n).map(|c| field(text, ends, r, c));
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
fn check_encoding(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_semicolon_despite_commas_in_quotes() {
        let data = b"a;\"b, c\";d\n1;\"2,5\";3\n4;5,5;6\n";
        assert_eq!(sniff_delimiter(data, false), Some(b';'));
    }

    #[test]
    fn sniffs_tab_and_comma() {
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n", false), Some(b'\t'));
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n", false), Some(b','));
        assert_eq!(sniff_delimiter(b"abc\n123\n", false), None);
    }
}
