//! Readers: turn a CSV or spreadsheet file into a header and a stream of rows.
//!
//! Rows are handed over in chunks, as the reader has them (text slices of one buffer per
//! chunk for CSV, cells for spreadsheets); nothing is copied per cell until the validator
//! parses it.
//! Readers know nothing of invoices: they report what they decided (encoding,
//! delimiter, sheet) and the rows they could not read.

mod csv_file;
mod csv_rows;
pub mod dialect;
pub mod digest;
mod encoding;
mod error;
pub mod excel;
pub mod limits;
mod package;
mod rows;
mod source;
mod split;
mod xlsx;
mod xlsx_cells;

pub use encoding::{Enc, EncodingState};
pub use error::InputError;
pub use excel::for_each_row_of as for_each_sheet_row;
pub use rows::{CHUNK_ROWS, CellRef, ChunkRow, ChunkSink, RowCells};
pub use source::{Format, ReadOptions, SourceInfo};

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

use std::path::Path;

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
