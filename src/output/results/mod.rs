//! The results file of a live import: one row per invoice, mapping its
//! `merchant_reference` to what happened (created, already there, failed, unknown, not
//! sent) and to the Kravia transaction, invoice number and link.
//!
//! It is the file the accountant opens after the run, by double-click, in a Norwegian
//! Excel, and the file a later `status`/`void` command reads back. Hence:
//!
//! - **CSV** is UTF-8 *with a BOM* (without it Excel reads `æøå` as mojibake), uses the
//!   input's delimiter (`;` by default, which is what a Norwegian Excel expects), and
//!   writes `amount` with the decimal separator that goes with that delimiter (`1234,50`
//!   with `;`, `1234.50` otherwise) so Excel sees a number. Quoting is the csv crate's.
//! - **JSON** (`{"results": [...]}`) is for scripts: `amount` as an exact string and
//!   `amount_minor` as an integer; no floats anywhere.
//! - **XLSX** has a bold, frozen header and the amount as a real number cell with two
//!   decimals.
//! - Every format is written **atomically** (temporary file in the same folder, fsync,
//!   rename): a crash or a full disk never leaves half a results file where the
//!   accountant, or a wrapper script, looks for it — the results file is what tells which
//!   invoices exist, so a truncated one is worse than none.
//!
//! Reading is tolerant: BOM or not, UTF-8 or Windows-1252 (Excel's plain "CSV"), `;` or
//! `,` (or tab), columns found by name, extra columns ignored, amounts with a decimal
//! comma or point, so a file that the accountant opened and saved again in Excel still
//! reads. What it cannot tell is refused with the row named (unknown status, empty
//! reference, `1.234,50`), never guessed.
//!
//! Layout: the row ([`row`]) and its error ([`error`]) stand alone; each format has its
//! module (`csv`, `json`, `xlsx`), with what the CSV and XLSX readers share in `read`
//! and the amount rules in `amount`. This file chooses the format (by the caller's
//! choice, or by extension when reading) and names the default paths; no format module
//! depends on it.

mod amount;
mod csv;
mod error;
mod json;
mod read;
mod row;
mod xlsx;

pub use self::csv::{read_results_csv, results_csv_delimiter};
pub use error::ResultsError;
pub use json::read_results_json;
pub use row::{COLUMNS, ResultRow, ResultStatus};
pub use xlsx::read_results_xlsx;

use std::path::{Path, PathBuf};

/// The results file formats: a setting, defined with the others.
pub use crate::config::ResultsFormat;

/// Default results path next to the input: `<input stem>.results.<ext>` in the input's
/// folder (`data/nov.xlsx` -> `data/nov.results.csv`).
pub fn default_results_path(input: &Path, format: ResultsFormat) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "invoices".to_string());
    let name = format!("{stem}.results.{}", format.extension());
    match input.parent() {
        Some(dir) => dir.join(name),
        None => PathBuf::from(name),
    }
}

/// A rehearsal's results path next to the input: `<input stem>.rehearsal.results.<ext>`,
/// never the path a live run of the same file uses by default.
pub fn rehearsal_results_path(input: &Path, format: ResultsFormat) -> PathBuf {
    let live = default_results_path(input, format);
    let name = live
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match name.strip_suffix(&format!(".results.{}", format.extension())) {
        Some(stem) => format!("{stem}.rehearsal.results.{}", format.extension()),
        None => format!("rehearsal.{name}"),
    };
    live.with_file_name(name)
}

/// Writes the results file atomically. `delimiter` is used for CSV only (pass the
/// input's; `b';'` when unknown) and decides the decimal separator of `amount`.
pub fn write_results(
    path: &Path,
    rows: &[ResultRow],
    format: ResultsFormat,
    delimiter: u8,
) -> Result<(), ResultsError> {
    match format {
        ResultsFormat::Csv => self::csv::write(path, rows, delimiter),
        ResultsFormat::Json => json::write(path, rows),
        ResultsFormat::Xlsx => xlsx::write(path, rows),
    }
}

/// Reads a results file, choosing the format by extension (`.csv`, `.json`, `.xlsx`).
pub fn read_results(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    match ResultsFormat::from_path(path) {
        Some(ResultsFormat::Csv) => read_results_csv(path),
        Some(ResultsFormat::Json) => read_results_json(path),
        Some(ResultsFormat::Xlsx) => read_results_xlsx(path),
        None => Err(ResultsError::format(
            path,
            "cannot tell the results format from the file name: expected .csv, .json or .xlsx",
        )),
    }
}

#[cfg(test)]
mod tests;
