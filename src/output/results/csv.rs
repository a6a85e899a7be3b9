//! The CSV results file: UTF-8 with a BOM (without it Excel reads `æøå` as mojibake),
//! in the input's delimiter, `amount` with the decimal separator that goes with it.
//!
//! Reading forgives what Excel does to a file it saved again (Windows-1252, another
//! delimiter, columns moved); [`super`] states the whole contract.

use super::amount::amount_text;
use super::error::ResultsError;
use super::read::{ColumnMap, row_from_cells};
use super::row::{COLUMNS, ResultRow, or_empty};
use crate::input::dialect::BOM as UTF8_BOM;
use crate::output::atomic::atomic_write;
use crate::output::formula;
use std::path::Path;

/// The delimiter of a CSV results file as [`super::read_results`] sees it (`;`, `,` or
/// tab), so a command that rewrites the file keeps its dialect.
pub fn results_csv_delimiter(path: &Path) -> Result<u8, ResultsError> {
    let raw = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    let text = decode_csv_text(path, &raw)?;
    Ok(sniff_delimiter(text.as_bytes()))
}

/// Refuses a delimiter that would make the file unreadable (a quote, a line end, a
/// letter, or a character of the amounts).
fn check_delimiter(path: &Path, delimiter: u8) -> Result<(), ResultsError> {
    if !delimiter.is_ascii()
        || delimiter.is_ascii_alphanumeric()
        || matches!(delimiter, b'"' | b'\n' | b'\r' | b'.' | b'-')
    {
        return Err(ResultsError::format(
            path,
            format!(
                "{:?} cannot be used as the CSV delimiter of the results file",
                delimiter as char
            ),
        ));
    }
    Ok(())
}

/// Writes the CSV results file atomically; `delimiter` also decides the decimal
/// separator of `amount` (`,` with `;`).
pub(super) fn write(path: &Path, rows: &[ResultRow], delimiter: u8) -> Result<(), ResultsError> {
    check_delimiter(path, delimiter)?;
    let comma = delimiter == b';';
    atomic_write(path, |w| {
        w.write_all(UTF8_BOM)?;
        let mut csv = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(w);
        csv.write_record(COLUMNS)?;
        for r in rows {
            let amount = amount_text(r.amount, comma);
            let cells = [
                r.merchant_reference.as_str(),
                r.status.as_str(),
                or_empty(&r.transaction_id),
                or_empty(&r.invoice_number),
                or_empty(&r.invoice_url),
                amount.as_str(),
                r.currency.as_str(),
                r.customer.as_str(),
                r.rows.as_str(),
                or_empty(&r.error),
                or_empty(&r.transaction_status),
                or_empty(&r.status_checked_at),
                or_empty(&r.status_changed_at),
                or_empty(&r.invoice_date),
                or_empty(&r.due_date),
            ];
            // Text from the export or from Dintero must not run as a formula in Excel.
            csv.write_record(cells.map(formula::neutralize).iter().map(|c| c.as_bytes()))?;
        }
        csv.flush()?;
        Ok(())
    })
    .map_err(|e| ResultsError::io(path, e))
}

/// The file's text: UTF-8 (BOM stripped), or Windows-1252 when it is not UTF-8 — what
/// Excel writes when the accountant opens the file and saves it as plain "CSV
/// (semikolon-delt)". Bytes Windows-1252 leaves undefined are an error, not a guess.
fn decode_csv_text(path: &Path, raw: &[u8]) -> Result<String, ResultsError> {
    if let Some(rest) = raw.strip_prefix(UTF8_BOM) {
        return String::from_utf8(rest.to_vec()).map_err(|e| {
            ResultsError::format(
                path,
                format!(
                    "starts with a UTF-8 BOM but byte {} is not UTF-8",
                    e.utf8_error().valid_up_to() + UTF8_BOM.len()
                ),
            )
        });
    }
    if let Ok(s) = std::str::from_utf8(raw) {
        return Ok(s.to_string());
    }
    if let Some(i) = raw
        .iter()
        .position(|b| matches!(b, 0x81 | 0x8d | 0x8f | 0x90 | 0x9d))
    {
        return Err(ResultsError::format(
            path,
            format!(
                "is neither UTF-8 nor Windows-1252 (byte 0x{:02X} at offset {i})",
                raw[i]
            ),
        ));
    }
    Ok(encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(raw)
        .0
        .into_owned())
}

/// Guesses the delimiter from the header line: the most frequent of `;`, `,` and tab.
fn sniff_delimiter(data: &[u8]) -> u8 {
    let first = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first.iter().filter(|&&b| b == *d).count())
        .unwrap_or(b';')
}

/// Reads a CSV results file: with or without BOM, `;`, `,` or tab, columns by name,
/// extra columns ignored, blank lines skipped.
pub fn read_results_csv(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    let raw = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    let text = decode_csv_text(path, &raw)?;
    let data = text.as_bytes();
    let delimiter = sniff_delimiter(data);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let csv_err = |e: csv::Error| ResultsError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let map = ColumnMap::new(path, headers.iter())?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(csv_err)?;
        let cells: Vec<String> = rec
            .iter()
            .map(|c| formula::restore(c).to_string())
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Row numbers as Excel shows them: the header is row 1.
        out.push(row_from_cells(path, &map, &cells, i + 2, None)?);
    }
    Ok(out)
}
