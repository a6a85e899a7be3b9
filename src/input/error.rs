//! Why a file cannot be read at all, with the exit-code class of each reason.
//!
//! Its own file, depending on nothing, so that the limits (which the problem and
//! mapping modules use) and every reader can name these errors without an import
//! circle through `input/mod.rs`.

use std::path::PathBuf;

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
