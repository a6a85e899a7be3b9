//! CSV files: dialect detection (delimiter, `sep=` line, BOM, encoding) and a streaming
//! reader that hands out checked, decoded rows in chunks.
//!
//! Reading runs on its own thread so that the next chunk is split and checked while the
//! validator works on the current one. A chunk is the bytes read from the file, and most
//! rows are validated where they were read (see [`super::split`]); its buffers are
//! recycled between the two threads, so the steady state allocates nothing per row.

use super::csv_rows::{Widths, check_encoding, check_rows};
use super::dialect::{Preamble, SNIFF_BYTES};
use super::encoding::{Enc, EncodingState};
use super::error::InputError;
use super::limits::{MAX_HEADER_COLUMNS, MAX_ROW_BYTES, bytes, count, refused};
use super::rows::{CHUNK_ROWS, CellRef, ChunkRow, ChunkSink, RowCells};
use super::source::{Format, ReadOptions, SourceInfo};
use super::split::{RawChunk, Record, Splitter, field_bounds, seek_body};
use crate::problem::Problem;
use csv::ByteRecord;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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
    // The BOM and Excel's `sep=;` line (see `dialect`) are not rows; a BOM says UTF-8
    // and the line names the delimiter, unless the user forced them.
    let preamble = Preamble::of(&prefix);
    let start = preamble.len;
    let state = match opts.encoding {
        Some(e) => EncodingState::Fixed(e),
        None if preamble.bom => EncodingState::Fixed(Enc::Utf8),
        None => EncodingState::Undecided,
    };
    let delimiter = match opts.delimiter.or(preamble.sep) {
        Some(d) => d,
        None => {
            sniff_delimiter(&prefix[start..], truncated).ok_or_else(|| InputError::NoDelimiter {
                path: path.to_path_buf(),
            })?
        }
    };

    read_header(path, file, start as u64, delimiter, state, total_bytes)
}

/// Reads the header, the first record with a non-blank cell, from `start` (after any
/// BOM and `sep=` line); the body starts after it.
fn read_header(
    path: &Path,
    mut file: File,
    start: u64,
    delimiter: u8,
    mut state: EncodingState,
    total_bytes: u64,
) -> Result<(Vec<String>, SourceInfo, CsvBody), InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    // The header (and blank lines before it) is read through a window of this size, so
    // that a file of one enormous line is refused, not buffered.
    let window = MAX_ROW_BYTES as u64 + 64 * 1024;
    let cut = start + window < total_bytes;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(256 * 1024)
        .from_reader(BufReader::with_capacity(64 * 1024, file.take(window)));
    let rec = first_record(&mut reader, path, cut)?;
    if rec.as_slice().len() > MAX_ROW_BYTES || (cut && reader.position().byte() >= window) {
        return Err(header_too_long(path));
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
    let body_start = start + reader.position().byte();
    let enc = state.check(&rec, 1).map_err(|p| InputError::Header {
        path: path.to_path_buf(),
        row: 1,
        message: p.message.to_string(),
    })?;
    let headers: Vec<String> = rec
        .iter()
        .map(|f| enc.decode(f).trim().to_string())
        .collect();
    let body = CsvBody {
        file: reader.into_inner().into_inner().into_inner(),
        body_start,
        delimiter,
        state,
        header_width: headers.len(),
        empty_header_from: headers
            .iter()
            .rposition(|h| !h.is_empty())
            .map_or(0, |i| i + 1),
        total_bytes,
        path: path.to_path_buf(),
    };
    Ok((headers, csv_info(path, delimiter), body))
}

/// The first record with any non-blank cell (the records before it are blank lines).
fn first_record<R: Read>(
    reader: &mut csv::Reader<R>,
    path: &Path,
    cut: bool,
) -> Result<ByteRecord, InputError> {
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
                return Err(header_too_long(path));
            }
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        if rec.iter().any(|f| !f.iter().all(u8::is_ascii_whitespace)) {
            return Ok(rec);
        }
    }
}

/// The refusal of a header row longer than a row may be.
fn header_too_long(path: &Path) -> InputError {
    refused(
        path,
        format!(
            "the header row (row 1) is longer than {}",
            bytes(MAX_ROW_BYTES as u64)
        ),
        format!("{} for one row", bytes(MAX_ROW_BYTES as u64)),
    )
}

/// What the summary says of a CSV file before its body is read.
fn csv_info(path: &Path, delimiter: u8) -> SourceInfo {
    SourceInfo {
        path: path.to_path_buf(),
        format: Format::Csv,
        encoding: None,
        delimiter: Some(delimiter),
        sheet: None,
        blank_rows: 0,
    }
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

/// What the reader thread hands over: a chunk, or why reading stopped.
type Sent = Result<Batch, InputError>;

/// What the reader thread reads with, and what it hands back when done.
struct Reader {
    file: File,
    body_start: u64,
    after_cr: bool,
    state: EncodingState,
    widths: Widths,
    path: PathBuf,
}

impl CsvBody {
    /// Reads the body on a thread of its own, chunk by chunk, while `sink` takes the
    /// chunks read before; returns what the reader decided (encoding, blank rows).
    pub fn read_all<S: ChunkSink>(
        self,
        mut info: SourceInfo,
        sink: &mut S,
    ) -> Result<SourceInfo, InputError> {
        let CsvBody {
            mut file,
            body_start,
            delimiter,
            state,
            header_width,
            empty_header_from,
            total_bytes,
            path,
        } = self;
        let after_cr = seek_body(&mut file, body_start).map_err(|source| InputError::Io {
            path: path.clone(),
            source,
        })?;
        let reader = Reader {
            file,
            body_start,
            after_cr,
            state,
            widths: Widths {
                header: header_width,
                named: empty_header_from,
                reference: sink.reference_column(),
                delimiter,
            },
            path: path.clone(),
        };
        let (full_tx, full_rx) = mpsc::sync_channel::<Sent>(1);
        let (empty_tx, empty_rx) = mpsc::channel::<RawChunk>();
        let (blank_rows, state) = std::thread::scope(|scope| {
            let producer = scope.spawn(move || reader.run(&full_tx, &empty_rx));
            let failure = hand_over(&full_rx, &empty_tx, sink, total_bytes);
            drop(full_rx);
            match (failure, producer.join()) {
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

impl Reader {
    /// The reader thread: splits and checks chunk after chunk (recycling the buffers
    /// the validator is done with) until the file ends, reading fails, or the
    /// validator stops listening. Returns the blank rows and the encoding state.
    fn run(
        self,
        full: &mpsc::SyncSender<Sent>,
        empty: &mpsc::Receiver<RawChunk>,
    ) -> (u64, EncodingState) {
        let Reader {
            file,
            body_start,
            after_cr,
            mut state,
            widths,
            path,
        } = self;
        let mut splitter = Splitter::new(file, widths.delimiter, after_cr);
        let mut blank_rows = 0u64;
        let mut problems = Vec::new();
        loop {
            let mut chunk = empty.try_recv().unwrap_or_default();
            let more = match splitter.fill(&mut chunk, CHUNK_ROWS, CHUNK_TEXT) {
                Ok(more) => more,
                Err(source) => {
                    let _ = full.send(Err(split_error(&path, splitter.next_row(), source)));
                    return (blank_rows, state);
                }
            };
            blank_rows += chunk.blank_lines;
            blank_rows += check_rows(&mut chunk, &widths, &mut problems);
            let text = match check_encoding(&mut chunk, &mut state, &widths, &mut problems) {
                Ok(text) => text,
                Err(e) => {
                    let _ = full.send(Err(InputError::Csv {
                        path,
                        row: chunk.records.first().map_or(0, |r| r.row),
                        message: e,
                    }));
                    return (blank_rows, state);
                }
            };
            // A chunk of only blank or unreadable rows goes with the next one: the
            // first chunk the validator sees decides the decimal convention.
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
            if full.send(Ok(batch)).is_err() || !more {
                return (blank_rows, state);
            }
        }
    }
}

/// A splitting error as the reader reports it: a row too long (`InvalidData`) at its
/// row, else an I/O error.
fn split_error(path: &Path, row: u32, source: std::io::Error) -> InputError {
    if source.kind() == std::io::ErrorKind::InvalidData {
        InputError::Csv {
            path: path.to_path_buf(),
            row,
            message: source.to_string(),
        }
    } else {
        InputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The validator's side: each chunk as rows to `sink`, and its buffers back to the
/// reader thread. Returns the reader's error, if it stopped on one.
fn hand_over<S: ChunkSink>(
    full: &mpsc::Receiver<Sent>,
    empty: &mpsc::Sender<RawChunk>,
    sink: &mut S,
    total_bytes: u64,
) -> Option<InputError> {
    for batch in full.iter() {
        let Batch {
            text,
            ends,
            records,
            problems,
            bytes,
        } = match batch {
            Ok(b) => b,
            Err(e) => return Some(e),
        };
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
        let _ = empty.send(RawChunk {
            text: text.into_bytes(),
            ends,
            records,
            ..RawChunk::default()
        });
    }
    None
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
