//! The annotated copy (`--annotate OUT`): the input again, row for row, with two more
//! columns, `status` and `message`, saying what is wrong with each row.
//!
//! Accountants fix exports in Excel, not in a list of row numbers, so the copy is made
//! to be opened next to (or instead of) the export: filter on `status`, fix the cells the
//! `message` names, run again. That only works if the copy's rows are the rows the
//! summary and the report name (header = row 1), so the copy is made by reading the
//! file again exactly as the reader did:
//!
//! - CSV: the same delimiter, encoding, BOM and `sep=` line (as the reader found them:
//!   [`crate::input::dialect`]); every record's fields are copied byte for byte (only
//!   quoting may change: a field is quoted when it needs it) and the two columns are
//!   written in the file's own encoding. Records are split and numbered by the reader's
//!   own [`Splitter`](crate::input::Splitter) (a record spanning several lines is one
//!   row); a row number with no record (an empty line) becomes an empty line.
//! - Spreadsheets (XLSX, XLS, ODS): an XLSX built from the reader's own row iterator
//!   ([`crate::input::for_each_sheet_row`]), every row at its original row number, with
//!   the problem cells filled and a note holding the message.
//!
//! A copy that silently disagrees with the report would be worse than none: if a
//! problem cannot be placed on its row, nothing is written and the error says so.
//!
//! Both writers stream: the CSV one holds a record at a time, the XLSX one uses
//! `rust_xlsxwriter`'s constant-memory mode (rows go to a temporary file as they are
//! written). What they hold besides is proportional to the problems, which the
//! validation holds already. The file appears atomically (temporary file in the same
//! folder, then a rename), and never replaces the input.
//!
//! Layout: what a row says is worked out once, whatever the format (`annotations`,
//! `cursor`, `layout`); `csv` and `xlsx` (with `xlsx_cells`) only write it. This file
//! checks the target and chooses the writer; no part depends on it.

mod annotations;
mod csv;
mod cursor;
mod error;
mod layout;
mod xlsx;
mod xlsx_cells;

pub use annotations::{Annotations, RowStatus, SEPARATOR};
pub use error::AnnotateError;
pub use layout::{MESSAGE_HEADER, STATUS_HEADER};
pub use xlsx::MAX_NOTES;

use crate::input::{Format, SourceInfo};
use crate::output::atomic::atomic_write_file;
use crate::output::paths;
use std::path::Path;

/// Writes the annotated copy of the file `info` describes to `out`: CSV for a CSV
/// input, XLSX for a spreadsheet.
pub fn write(info: &SourceInfo, out: &Path, ann: &Annotations<'_>) -> Result<(), AnnotateError> {
    check_target(info, out)?;
    match info.format {
        Format::Csv => atomically(out, |file| self::csv::write(info, out, ann, file)),
        Format::Xlsx | Format::Xls | Format::Ods => {
            atomically(out, |file| xlsx::write(info, out, ann, file))
        }
    }
}

/// Fills a temporary file next to `out`, then renames it into place; on any error the
/// temporary file is removed and `out` is left as it was.
fn atomically(
    out: &Path,
    fill: impl FnOnce(&std::fs::File) -> Result<(), AnnotateError>,
) -> Result<(), AnnotateError> {
    let io = |source| AnnotateError::Io {
        path: out.to_path_buf(),
        source,
    };
    atomic_write_file(out, io, fill)
}

/// Refuses to write over the input, or under an extension that lies about the format.
fn check_target(info: &SourceInfo, out: &Path) -> Result<(), AnnotateError> {
    if paths::same_file(&info.path, out) {
        return Err(AnnotateError::SameAsInput {
            path: out.to_path_buf(),
        });
    }
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let spreadsheet_ext = matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods");
    match info.format {
        Format::Csv if spreadsheet_ext => Err(AnnotateError::Extension {
            path: out.to_path_buf(),
            input: "a CSV file",
            expected: "a CSV file (.csv)",
        }),
        Format::Xlsx | Format::Xls | Format::Ods if ext != "xlsx" => {
            Err(AnnotateError::Extension {
                path: out.to_path_buf(),
                input: "a spreadsheet",
                expected: "an Excel workbook (.xlsx)",
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
