//! CSV files: dialect detection (delimiter, `sep=` line, BOM, encoding) and a streaming
//! reader that hands out checked, decoded rows in chunks.
//!
//! Parsing runs on its own thread so that reading the next chunk overlaps with the
//! validation of the current one; a chunk's rows share one text buffer, and the buffers
//! are recycled between the two threads, so the steady state allocates nothing per row.

use super::encoding::{Enc, EncodingState};
use super::lines::{LineCounter, RowNumbers};
use super::{
    CHUNK_ROWS, CellRef, ChunkSink, Format, InputError, ReadOptions, RowCells, SourceInfo,
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
    /// The chunk's text (see [`Chunk`]).
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
        let Some(&end) = self.ends.get(col) else {
            return CellRef::Empty;
        };
        // A field starts one byte (the separator) after the one before it ends.
        let start = match col.checked_sub(1) {
            Some(prev) => self.ends[prev] + 1,
            None => self.start,
        };
        match self.text.get(start as usize..end as usize) {
            Some(t) if !t.is_empty() => CellRef::Text(std::borrow::Cow::Borrowed(t)),
            _ => CellRef::Empty,
        }
    }
}

/// Where a row's fields are in its chunk.
#[derive(Clone, Copy)]
struct Span {
    /// Index of its first field in `Chunk::ends`.
    first: u32,
    fields: u32,
    start: u32,
    row: u32,
}

/// A chunk of rows stored end to end: one text buffer (every field followed by
/// [`super::encoding::FIELD_END`]) and the field ends, so that the rows of a chunk sit together in
/// memory and are validated as UTF-8 without a pass per field.
#[derive(Default)]
struct Chunk {
    text: Vec<u8>,
    ends: Vec<u32>,
    spans: Vec<Span>,
}

/// A chunk grows until it has this many rows, or this much text.
const CHUNK_TEXT: usize = 16 << 20;

/// The rest of an opened CSV file.
pub struct CsvBody {
    reader: csv::Reader<LineCounter<BufReader<File>>>,
    state: EncodingState,
    numbers: RowNumbers,
    header_width: usize,
    empty_header_from: usize,
    total_bytes: u64,
    path: PathBuf,
}

pub fn open(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(Vec<String>, SourceInfo, CsvBody), InputError> {
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(256 * 1024)
        .from_reader(LineCounter::new(
            BufReader::with_capacity(256 * 1024, file),
            0,
        ));

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
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        if rec.iter().any(|f| !f.iter().all(u8::is_ascii_whitespace)) {
            break;
        }
    }
    let header_end = reader.position().byte();
    let numbers = RowNumbers::new(reader.get_mut(), header_end);
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
            reader,
            state,
            numbers,
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

struct Batch {
    chunk: Chunk,
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
            mut reader,
            mut state,
            mut numbers,
            header_width,
            empty_header_from,
            total_bytes,
            path,
        } = self;
        let reference_column = sink.reference_column();
        let (full_tx, full_rx) = mpsc::sync_channel::<Result<Batch, InputError>>(1);
        let (empty_tx, empty_rx) = mpsc::channel::<Chunk>();
        let (blank_rows, state) = std::thread::scope(|scope| {
            let read_path = path.clone();
            let producer = scope.spawn(move || {
                let mut blank_rows = 0u64;
                // Records are read as bytes here, checked, and appended to the chunk's
                // text (decoded if they are Windows-1252).
                let mut raw = ByteRecord::new();
                loop {
                    let mut chunk = empty_rx.try_recv().unwrap_or_default();
                    chunk.text.clear();
                    chunk.ends.clear();
                    chunk.spans.clear();
                    let mut problems = Vec::new();
                    let mut ended = false;
                    while chunk.spans.len() < CHUNK_ROWS && chunk.text.len() < CHUNK_TEXT {
                        let more = match reader.read_byte_record(&mut raw) {
                            Ok(m) => m,
                            Err(e) => {
                                let row = numbers.failed();
                                let _ = full_tx.send(Err(InputError::Csv {
                                    path: read_path,
                                    row,
                                    message: e.to_string(),
                                }));
                                return (blank_rows, state);
                            }
                        };
                        if !more {
                            ended = true;
                            break;
                        }
                        let end = reader.position().byte();
                        let (row, skipped) = numbers.next(reader.get_mut(), end);
                        blank_rows += skipped;
                        if raw.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                            blank_rows += 1;
                            continue;
                        }
                        if let Some(p) = check_width(&raw, row, header_width, empty_header_from) {
                            problems.push(tie(p, &raw, reference_column));
                            continue;
                        }
                        let first = chunk.ends.len() as u32;
                        let start = chunk.text.len() as u32;
                        match state.append(&raw, row, &mut chunk.text, &mut chunk.ends) {
                            Ok(()) => chunk.spans.push(Span {
                                first,
                                fields: chunk.ends.len() as u32 - first,
                                start,
                                row,
                            }),
                            Err(p) => problems.push(tie(p, &raw, reference_column)),
                        }
                    }
                    let bytes = reader.position().byte();
                    if full_tx
                        .send(Ok(Batch {
                            chunk,
                            problems,
                            bytes,
                        }))
                        .is_err()
                        || ended
                    {
                        return (blank_rows, state);
                    }
                }
            });
            let mut failure = None;
            for batch in full_rx.iter() {
                match batch {
                    Ok(Batch {
                        chunk,
                        problems,
                        bytes,
                    }) => {
                        // Every row appended was checked to be UTF-8 (or decoded to
                        // it), so this only fails on a bug; say so rather than panic.
                        let text = match String::from_utf8(chunk.text) {
                            Ok(t) => t,
                            Err(e) => {
                                failure = Some(InputError::Csv {
                                    path: path.clone(),
                                    row: chunk.spans.first().map_or(0, |s| s.row),
                                    message: format!("internal: chunk text is not UTF-8 ({e})"),
                                });
                                break;
                            }
                        };
                        let rows: Vec<CsvRow<'_>> = chunk
                            .spans
                            .iter()
                            .map(|s| CsvRow {
                                text: &text,
                                ends: &chunk.ends[s.first as usize..(s.first + s.fields) as usize],
                                start: s.start,
                                row: s.row,
                            })
                            .collect();
                        sink.chunk(&rows, problems);
                        drop(rows);
                        sink.progress(bytes, total_bytes);
                        let _ = empty_tx.send(Chunk {
                            text: text.into_bytes(),
                            ..chunk
                        });
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            drop(full_rx);
            let out = producer.join().unwrap_or((0, EncodingState::Undecided));
            match failure {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })?;
        info.blank_rows = blank_rows;
        info.encoding = Some(state.describe().to_string());
        Ok(info)
    }
}

/// Ties an unreadable row's problem to the invoice its reference cell names (read
/// leniently: a bad byte elsewhere in the row does not hide the reference).
fn tie(p: Problem, rec: &ByteRecord, reference_column: Option<usize>) -> Problem {
    let Some(cell) = reference_column.and_then(|c| rec.get(c)) else {
        return p;
    };
    let text = match std::str::from_utf8(cell) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => Enc::Windows1252.decode(cell),
    };
    p.with_reference(text.trim())
}

/// A row with more cells than the header (other than empty trailing ones), or fewer
/// than the named columns, means the delimiter or a quote went wrong on that row.
fn check_width(rec: &ByteRecord, row: u32, header_width: usize, named: usize) -> Option<Problem> {
    let n = rec.len();
    let too_many = n > header_width && rec.iter().skip(header_width).any(|f| !f.is_empty());
    let too_few = n < named;
    (too_many || too_few).then(|| {
        Problem::error(
            row,
            None,
            None,
            format!(
                "has {n} cells but the header has {header_width}: a delimiter inside an unquoted value or a broken quote; check this row in a text editor"
            ),
        )
    })
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
