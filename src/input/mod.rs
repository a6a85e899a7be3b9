//! Readers: turn a CSV or spreadsheet file into a header and a stream of rows.
//!
//! Rows are handed over in chunks, as the reader has them (text slices of one buffer per
//! chunk for CSV, cells for spreadsheets); nothing is copied per cell until the validator
//! parses it.
//! Readers know nothing of invoices: they report what they decided (encoding,
//! delimiter, sheet) and the rows they could not read.

mod csv_file;
mod csv_rows;
mod encoding;
pub mod excel;
pub mod limits;
mod package;
mod split;
mod xlsx;
mod xlsx_cells;

pub use encoding::{Enc, EncodingState};
pub use excel::for_each_row_of as for_each_sheet_row;

/// Whether a panic at `file` (a panic location's file) is one of the spreadsheet
/// library's own, on a damaged workbook. The reader runs calamine under `catch_unwind`
/// and reports such a file as damaged (calamine 0.38 still panics on some: an index out
/// of range in its compound-file reader, an overflow in a cell reference), so a panic
/// hook can stay quiet about these and speak up about every other.
pub fn is_reader_library_panic(file: &str) -> bool {
    file.contains("/calamine-") || file.contains("\\calamine-")
}

/// [`is_reader_library_panic`] for a panic hook's argument.
pub fn is_caught_library_panic(info: &std::panic::PanicHookInfo<'_>) -> bool {
    info.location()
        .is_some_and(|l| is_reader_library_panic(l.file()))
}
pub use excel::for_each_row_of_first as for_each_first_sheet_row;
pub use split::{RawChunk, Record, Splitter, field_bounds, seek_body};

use crate::problem::Problem;
use chrono::{NaiveDate, NaiveDateTime};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// How many rows are handed to the validator at once.
pub const CHUNK_ROWS: usize = 8192;

/// One cell as the reader has it.
#[derive(Clone, Debug, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A numeric spreadsheet cell.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
    /// A spreadsheet error value such as `#DIV/0!`.
    Error(String),
}

impl CellRef<'_> {
    /// The cell as text, the way a person reading the sheet sees it. Whole numbers print
    /// without `.0`, so a phone or postcode stored as a number reads naturally.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            CellRef::Empty => Cow::Borrowed(""),
            CellRef::Text(t) => Cow::Borrowed(crate::model::money::trim_cell(t)),
            CellRef::Number(n) => Cow::Owned(format!("{n}")),
            CellRef::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            CellRef::DateTime(d) => Cow::Owned(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            CellRef::Bool(b) => Cow::Owned(b.to_string()),
            CellRef::Error(e) => Cow::Owned(e.clone()),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(t) => crate::model::money::trim_cell(t).is_empty(),
            _ => false,
        }
    }
}

/// A row of cells with its spreadsheet row number: all that a validation rule reads.
pub trait RowCells: Send + Sync {
    /// The row as the spreadsheet shows it (header = row 1).
    fn row(&self) -> u32;
    fn cell(&self, col: usize) -> CellRef<'_>;
}

/// A row as a reader hands it to a [`ChunkSink`]: its cells, and two hints for the
/// validator's speed machinery (`validate::engine`), which no rule sees. Both have
/// defaults that change nothing but speed, so a reader without raw text (spreadsheets)
/// implements neither.
pub trait ChunkRow: RowCells {
    /// The text of columns `cols` as the reader holds it, from the start of the first to
    /// the end of the last (the separators between them included), with its offset and
    /// the offsets where each of those fields ends, in the same reckoning. `None` when the
    /// reader holds no such text (spreadsheets) or the row is shorter.
    fn raw_span(&self, _cols: std::ops::Range<usize>) -> Option<(&str, u32, &[u32])> {
        None
    }
    /// Asks the processor to start loading the row's cells (a hint; see
    /// [`crate::prefetch`]).
    fn prefetch(&self) {}
}

/// Receives the file's rows, chunk by chunk, in file order.
pub trait ChunkSink {
    /// `rows` are readable rows; `problems` are rows the reader could not read
    /// (encoding, field count), already located.
    fn chunk<R: ChunkRow>(&mut self, rows: &[R], problems: Vec<Problem>);
    /// Called after each chunk with the bytes (or rows) done and the total, for progress.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// The column holding each row's invoice reference, so that a row the reader cannot
    /// read is still tied to its invoice (which must then not be sent without it).
    fn reference_column(&self) -> Option<usize> {
        None
    }
}

/// What kind of file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Ods,
}

/// Choices the user can force; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<Enc>,
    pub sheet: Option<String>,
}

/// What the reader decided about the file, for the summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub format: Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The CSV delimiter (shown by name: `';'`, `TAB`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_delimiter"
    )]
    pub delimiter: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Blank rows (and rows of empty cells) skipped.
    pub blank_rows: u64,
}

impl SourceInfo {
    /// Names the delimiter for people.
    pub fn delimiter_name(d: u8) -> String {
        match d {
            b'\t' => "TAB".into(),
            b',' => "','".into(),
            b';' => "';'".into(),
            b'|' => "'|'".into(),
            other => format!("'{}'", other as char),
        }
    }
}

fn serialize_delimiter<S: serde::Serializer>(d: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&SourceInfo::delimiter_name(*d)),
        None => s.serialize_none(),
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty: export the invoices again")]
    Empty { path: PathBuf },
    #[error("{path} has a header row but no invoice lines")]
    NoRows { path: PathBuf },
    #[error(
        "{path} is not a text CSV file ({why}); if it is a spreadsheet, give it its .xlsx/.xls/.ods extension"
    )]
    NotText { path: PathBuf, why: String },
    #[error(
        "{path}: cannot tell the delimiter: no one of , ; TAB | splits the first lines into the same number of columns; pass --delimiter"
    )]
    NoDelimiter { path: PathBuf },
    #[error(
        "{path} cannot be read as a spreadsheet ({message}); open it in Excel and save it again, or export the sheet as CSV"
    )]
    Spreadsheet { path: PathBuf, message: String },
    #[error("{path} has no sheet named '{name}'; sheets: {available}")]
    NoSheet {
        path: PathBuf,
        name: String,
        available: String,
    },
    #[error(
        "{path}: sheet '{sheet}' declares a range of {rows} rows x {cols} columns, which is not a plausible export; save it again from Excel (or copy the data to a new sheet)"
    )]
    AbsurdRange {
        path: PathBuf,
        sheet: String,
        rows: u64,
        cols: u64,
    },
    #[error("{path}, row {row}: {message}")]
    Header {
        path: PathBuf,
        row: u32,
        message: String,
    },
    #[error(
        "{path} is {kind}, not a regular file: save the export as a file and give that file's path"
    )]
    NotAFile { path: PathBuf, kind: String },
    #[error(
        "{path} is refused: {what} (limit: {limit}); this is not a plausible invoice export: export it again, or split it"
    )]
    Limit {
        path: PathBuf,
        what: String,
        limit: String,
    },
    #[error("{path}, row {row}, column {column}: {message}")]
    Cell {
        path: PathBuf,
        row: u32,
        column: String,
        message: String,
    },
    #[error(
        "{path}: --sheet {sheet} was given, but a CSV file has no sheets; leave out --sheet, or give the spreadsheet (.xlsx, .xls, .ods) instead"
    )]
    SheetForCsv { path: PathBuf, sheet: String },
    #[error("{path}, row {row}: {message}")]
    Csv {
        path: PathBuf,
        row: u32,
        message: String,
    },
}

impl InputError {
    /// True when the file could not be opened or read (exit 3), rather than read and
    /// found unusable (exit 1).
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            InputError::Io { .. } | InputError::NotAFile { .. } | InputError::SheetForCsv { .. }
        )
    }
}

/// An opened file: its header and what remains to be read.
pub struct Table {
    pub headers: Vec<String>,
    pub info: SourceInfo,
    body: Body,
}

enum Body {
    Csv(csv_file::CsvBody),
    /// Boxed: the sheet reader is large, and a table is moved around by value.
    Excel(Box<excel::ExcelBody>),
}

/// Opens a file, detects its format and dialect, and reads its header.
pub fn open(path: &Path, opts: &ReadOptions) -> Result<Table, InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    limits::regular_file(path)?;
    let mut magic = [0u8; 8];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(io)?;
        let mut n = 0;
        while n < magic.len() {
            match f.read(&mut magic[n..]).map_err(io)? {
                0 => break,
                k => n += k,
            }
        }
        n
    };
    if n == 0 {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let format = if magic.starts_with(b"PK\x03\x04") {
        if ext == "ods" {
            Format::Ods
        } else {
            Format::Xlsx
        }
    } else if magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Format::Xls
    } else {
        match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" => {
                return Err(InputError::Spreadsheet {
                    path: path.to_path_buf(),
                    message: format!(
                        "the file does not start like a .{ext} file (damaged, or saved under the wrong extension)"
                    ),
                });
            }
            _ => Format::Csv,
        }
    };
    match format {
        Format::Csv => {
            let (headers, info, body) = csv_file::open(path, opts)?;
            Ok(Table {
                headers,
                info,
                body: Body::Csv(body),
            })
        }
        _ => {
            let (headers, info, body) = excel::open(path, format, opts)?;
            Ok(Table {
                headers,
                info,
                body: Body::Excel(Box::new(body)),
            })
        }
    }
}

impl Table {
    /// Reads every remaining row into `sink`. Returns what the reader decided.
    pub fn read_all<S: ChunkSink>(self, sink: &mut S) -> Result<SourceInfo, InputError> {
        match self.body {
            Body::Csv(b) => b.read_all(self.info, sink),
            Body::Excel(b) => b.read_all(self.info, sink),
        }
    }

    /// Whether columns should be shown with Excel letters.
    pub fn is_spreadsheet(&self) -> bool {
        self.info.format != Format::Csv
    }
}
