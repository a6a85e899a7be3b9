//! The annotated copy of a CSV file: the input's own dialect (BOM, `sep=` line,
//! delimiter, encoding, line ends, as [`Dialect`] has them from the reader), every
//! field copied byte for byte (only quoting may change: a field is quoted when it needs
//! it), and `status` and `message` in the file's own encoding.
//!
//! Records are split and numbered by the reader's own [`Splitter`], so a record that
//! spans several lines is one row and the copy's rows are the report's; a row number
//! with no record (an empty line) becomes an empty line. One record is held at a time.

use super::annotations::Annotations;
use super::cursor::Cursor;
use super::error::AnnotateError;
use super::layout::{Layout, MESSAGE_HEADER, STATUS_HEADER, ends_with_annotation};
use crate::input::dialect::{BOM, Dialect};
use crate::input::{
    CHUNK_ROWS, CellRef, Enc, InputError, RawChunk, SourceInfo, Splitter, seek_body,
};
use crate::problem::Problem;
use csv::ByteRecord;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

/// The reader's chunk limit on text, as the reader splits (16 MiB).
const CHUNK_TEXT: usize = 16 << 20;

/// Our own text in the file's encoding; a character Windows-1252 lacks becomes `?`.
pub(super) fn encode(text: &str, enc: Enc) -> Cow<'_, [u8]> {
    if enc == Enc::Utf8 || text.is_ascii() {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    Cow::Owned(out)
}

/// Writes one field, quoted only if it has to be.
pub(super) fn put_field(w: &mut impl Write, field: &[u8], delimiter: u8) -> std::io::Result<()> {
    if field
        .iter()
        .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r')
    {
        w.write_all(b"\"")?;
        for part in field.split_inclusive(|&b| b == b'"') {
            w.write_all(part)?;
            if part.last() == Some(&b'"') {
                w.write_all(b"\"")?;
            }
        }
        w.write_all(b"\"")
    } else {
        w.write_all(field)
    }
}

/// Writes the annotated copy of the CSV file `info` describes into `file` (which
/// becomes `out`).
pub(super) fn write(
    info: &SourceInfo,
    out: &Path,
    ann: &Annotations<'_>,
    file: &File,
) -> Result<(), AnnotateError> {
    let path = &info.path;
    let read_err = |source| input_io(path, source);
    let write_err = |source| AnnotateError::Io {
        path: out.to_path_buf(),
        source,
    };
    // The dialect as the reader found it, and the file again from its first record.
    let mut input = File::open(path).map_err(read_err)?;
    let dialect =
        Dialect::read(&mut input, info.delimiter, info.encoding.as_deref()).map_err(read_err)?;
    let start = dialect.preamble.len as u64;
    input.seek(SeekFrom::Start(start)).map_err(read_err)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(dialect.delimiter)
        .buffer_capacity(256 * 1024)
        .from_reader(BufReader::with_capacity(64 * 1024, input));
    let mut w = BufWriter::with_capacity(256 * 1024, file);
    write_preamble(&mut w, &dialect).map_err(write_err)?;

    let mut rec = ByteRecord::new();
    read_header(&mut reader, &mut rec, path)?;
    let body_start = start + reader.position().byte();
    let copy = CsvCopy {
        dialect,
        layout: Layout::new(rec.len(), ends_with_annotation(rec.iter())),
    };
    copy.put(&mut w, &rec, STATUS_HEADER, MESSAGE_HEADER)
        .map_err(write_err)?;

    // Records and row numbers exactly as the reader gives them (the same code splits
    // and numbers them).
    let mut input = reader.into_inner().into_inner();
    let after_cr = seek_body(&mut input, body_start).map_err(read_err)?;
    let splitter = Splitter::new(input, dialect.delimiter, after_cr);
    copy.body(splitter, &mut w, ann, rec, path, out)?;
    w.flush().map_err(write_err)?;
    Ok(())
}

/// Reading the input again failed.
fn input_io(path: &Path, source: std::io::Error) -> AnnotateError {
    AnnotateError::Input(InputError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The BOM and the `sep=` line, when the file has them.
fn write_preamble(w: &mut impl Write, dialect: &Dialect) -> std::io::Result<()> {
    if dialect.preamble.bom {
        w.write_all(BOM)?;
    }
    if dialect.preamble.sep.is_some() {
        // The delimiter actually used (a --delimiter flag wins over the file's line).
        w.write_all(b"sep=")?;
        w.write_all(&[dialect.delimiter])?;
        w.write_all(dialect.line_end)?;
    }
    Ok(())
}

/// A record of only blank cells.
fn blank(rec: &ByteRecord) -> bool {
    rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Reads the header into `rec`: the first record with a non-blank cell (blank lines
/// before it are not rows to the reader, and are not copied).
fn read_header(
    reader: &mut csv::Reader<BufReader<File>>,
    rec: &mut ByteRecord,
    path: &Path,
) -> Result<(), AnnotateError> {
    loop {
        let more = reader.read_byte_record(rec).map_err(|e| {
            AnnotateError::Input(InputError::Csv {
                path: path.to_path_buf(),
                row: 1,
                message: e.to_string(),
            })
        })?;
        if !more {
            return Err(AnnotateError::Input(InputError::Empty {
                path: path.to_path_buf(),
            }));
        }
        if !blank(rec) {
            return Ok(());
        }
    }
}

/// How the copy's records are written: the file's dialect and the column layout.
struct CsvCopy {
    dialect: Dialect,
    layout: Layout,
}

impl CsvCopy {
    /// Writes one record with its status and message.
    fn put(
        &self,
        w: &mut impl Write,
        rec: &ByteRecord,
        status: &str,
        message: &str,
    ) -> std::io::Result<()> {
        let CsvCopy { dialect, layout } = self;
        // Cells beyond the header (a broken row) are kept after the message, up to the
        // last non-empty one.
        let extra = (layout.width..rec.len())
            .rev()
            .find(|&c| rec.get(c).is_some_and(|f| !f.is_empty()))
            .map_or(0, |c| c + 1 - layout.width);
        let status = encode(status, dialect.encoding);
        let message = encode(message, dialect.encoding);
        let fields = (0..layout.keep)
            .map(|c| rec.get(c).unwrap_or_default())
            .chain([&status[..], &message[..]])
            .chain((layout.width..layout.width + extra).map(|c| rec.get(c).unwrap_or_default()));
        for (i, field) in fields.enumerate() {
            if i > 0 {
                w.write_all(&[dialect.delimiter])?;
            }
            put_field(w, field, dialect.delimiter)?;
        }
        w.write_all(dialect.line_end)
    }

    /// Copies every record after the header, annotated, in file order; fails if a
    /// problem's row never came.
    fn body(
        &self,
        mut splitter: Splitter<File>,
        w: &mut impl Write,
        ann: &Annotations<'_>,
        mut rec: ByteRecord,
        path: &Path,
        out: &Path,
    ) -> Result<(), AnnotateError> {
        let write_err = |source| AnnotateError::Io {
            path: out.to_path_buf(),
            source,
        };
        let mut cursor = Cursor::new(ann.problems);
        let mut chunk = RawChunk::default();
        // The last data row written (the header is row 1).
        let mut last: Option<u32> = None;
        loop {
            let more = splitter
                .fill(&mut chunk, CHUNK_ROWS, CHUNK_TEXT)
                .map_err(|source| input_io(path, source))?;
            for r in &chunk.records {
                rec.clear();
                for f in chunk.fields(r) {
                    rec.push_field(f);
                }
                let row = r.row;
                // Rows the reader counts but that hold no record (empty lines) stay empty.
                for _ in last.unwrap_or(1) + 1..row {
                    w.write_all(self.dialect.line_end).map_err(write_err)?;
                }
                last = Some(row);
                self.annotated(w, &rec, cursor.take(row), ann)
                    .map_err(write_err)?;
            }
            if !more {
                break;
            }
        }
        cursor.finish(out)
    }

    /// One data record with what its problems say (a blank record without problems
    /// stays blank).
    fn annotated(
        &self,
        w: &mut impl Write,
        rec: &ByteRecord,
        problems: &[Problem],
        ann: &Annotations<'_>,
    ) -> std::io::Result<()> {
        if blank(rec) && problems.is_empty() {
            return self.put(w, rec, "", "");
        }
        let enc = self.dialect.encoding;
        let reference = ann
            .reference_col
            .and_then(|c| rec.get(c))
            .map(|b| CellRef::Text(enc.decode(b)).text().into_owned())
            .unwrap_or_default();
        let (status, message) = ann.row(problems, &reference);
        self.put(w, rec, status.as_str(), &message)
    }
}
