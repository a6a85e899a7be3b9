//! The XLSX results file: a bold, frozen header with a filter, the amount as a real
//! number cell with two decimals, the invoice's dates as Excel dates.
//!
//! Read back through the input's own sheet reader, so a damaged or hostile workbook is
//! refused with the same limits as an export.

use super::amount::EXPONENT;
use super::error::ResultsError;
use super::read::{ColumnMap, row_from_cells};
use super::row::{COLUMNS, ResultRow, or_empty};
use crate::input::CellRef;
use crate::model::money::{decimal_from_f64, to_minor_exact};
use crate::output::atomic::atomic_write;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Excel's limit on the text of one cell.
const XLSX_MAX_CELL_CHARS: usize = 32_767;

fn xlsx_text(s: &str) -> &str {
    match s.char_indices().nth(XLSX_MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The cell formats of the sheet.
struct Formats {
    bold: Format,
    money: Format,
    day: Format,
}

/// Writes the XLSX results file atomically (built in memory, then written whole).
pub(super) fn write(path: &Path, rows: &[ResultRow]) -> Result<(), ResultsError> {
    let xerr = |e: XlsxError| ResultsError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    let formats = Formats {
        bold: Format::new().set_bold(),
        money: Format::new().set_num_format("0.00"),
        day: Format::new().set_num_format("yyyy-mm-dd"),
    };
    let sheet = book.add_worksheet();
    sheet.set_name("results").map_err(xerr)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &formats.bold)
            .map_err(xerr)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| ResultsError::Xlsx {
            path: path.to_path_buf(),
            message: "too many rows for a worksheet".into(),
        })?;
        write_row(sheet, row, r, &formats).map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet
        .autofilter(0, 0, last_row, (COLUMNS.len() - 1) as u16)
        .map_err(xerr)?;
    // Long errors and URLs must not make columns screen-wide (400 px, about 55 characters).
    sheet.set_autofit_max_width(400).autofit();

    let buf = book.save_to_buffer().map_err(xerr)?;
    atomic_write(path, |w| w.write_all(&buf)).map_err(|e| ResultsError::io(path, e))
}

/// One invoice's row of the sheet.
fn write_row(sheet: &mut Worksheet, row: u32, r: &ResultRow, f: &Formats) -> Result<(), XlsxError> {
    let texts: [(u16, &str); 12] = [
        (0, &r.merchant_reference),
        (1, r.status.as_str()),
        (2, or_empty(&r.transaction_id)),
        (3, or_empty(&r.invoice_number)),
        (4, or_empty(&r.invoice_url)),
        (6, &r.currency),
        (7, &r.customer),
        (8, &r.rows),
        (9, or_empty(&r.error)),
        (10, or_empty(&r.transaction_status)),
        (11, or_empty(&r.status_checked_at)),
        (12, or_empty(&r.status_changed_at)),
    ];
    for (c, text) in texts {
        // Empty cells stay blank; references and numbers-as-text stay text.
        if !text.is_empty() {
            sheet.write_string(row, c, xlsx_text(text))?;
        }
    }
    // The invoice's dates as Excel dates, so the accountant can sort and book by
    // them; anything that is not a plain date stays text.
    for (c, date) in [(13u16, &r.invoice_date), (14, &r.due_date)] {
        let Some(text) = date.as_deref().filter(|t| !t.is_empty()) else {
            continue;
        };
        match excel_date(text) {
            Some(d) => {
                sheet.write_datetime_with_format(row, c, &d, &f.day)?;
            }
            None => {
                sheet.write_string(row, c, xlsx_text(text))?;
            }
        }
    }
    // Exact for any invoice total (well under 2^53 minor units).
    let major = r.amount as f64 / 10f64.powi(EXPONENT as i32);
    sheet.write_number_with_format(row, 5, major, &f.money)?;
    Ok(())
}

/// A plain `2026-11-30` as an Excel date.
fn excel_date(text: &str) -> Option<ExcelDateTime> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| {
            use chrono::Datelike;
            let (m, dd) = (u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?);
            ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, m, dd).ok()
        })
}

/// Reads an XLSX results file (first sheet, header row by name) through the input
/// reader.
pub fn read_results_xlsx(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    // Through the input reader: a damaged or hostile workbook is an error with the
    // same limits as an export, never a panic or a range of billions of cells.
    let mut header: Option<ColumnMap> = None;
    let mut out = Vec::new();
    let mut failed: Option<ResultsError> = None;
    let read = crate::input::for_each_first_sheet_row(path, |row, cells| {
        let text: Vec<String> = cells.iter().map(|c| c.text().into_owned()).collect();
        if text.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let done = match &header {
            Some(map) => row_from_sheet(path, map, row, cells, &text).map(|r| out.push(r)),
            None => ColumnMap::new(path, text.iter().map(String::as_str)).map(|map| {
                header = Some(map);
            }),
        };
        match done {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    });
    read.map_err(|e| ResultsError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if header.is_none() {
        return Err(ResultsError::format(path, "the sheet is empty"));
    }
    Ok(out)
}

/// A data row of the sheet: its cells as text, except an amount stored as a number,
/// which is taken exactly (or refused) rather than read back from its text.
fn row_from_sheet(
    path: &Path,
    map: &ColumnMap,
    row: u32,
    cells: &[CellRef<'_>],
    text: &[String],
) -> Result<ResultRow, ResultsError> {
    let amount_at = COLUMNS.iter().position(|c| *c == "amount");
    let amount_minor = match amount_at.and_then(|a| map.0[a]).and_then(|c| cells.get(c)) {
        Some(CellRef::Number(f)) => {
            match decimal_from_f64(*f).and_then(|d| to_minor_exact(d, EXPONENT)) {
                Some(m) => Some(m),
                None => {
                    return Err(ResultsError::format(
                        path,
                        format!("row {row}: amount {f} is not an amount"),
                    ));
                }
            }
        }
        _ => None, // text: parsed like CSV
    };
    row_from_cells(path, map, text, row as usize, amount_minor)
}
