//! How one cell of the XLSX copy is written: the formats (value kind by highlight, and
//! the status colours), Excel's limit on a cell's text, and the input's cell kept as
//! what it was (text, number, date), so the copy sorts and sums like the export.

use super::annotations::RowStatus;
use crate::input::CellRef;
use crate::problem::Severity;
use rust_xlsxwriter::{ExcelDateTime, Worksheet, XlsxError};

/// Excel's limit on the text of one cell, in UTF-16 units.
pub(super) const XLSX_MAX_CELL: usize = 32_767;

/// Fill and font colours: Excel's own "Bad", "Neutral" and "Good" cell styles, and a
/// light orange for rows held back by another row.
const RED: (u32, u32) = (0xFFC7CE, 0x9C0006);
const YELLOW: (u32, u32) = (0xFFEB9C, 0x9C5700);
const GREEN: (u32, u32) = (0xC6EFCE, 0x006100);
const ORANGE: (u32, u32) = (0xFCE4D6, 0x833C0B);

/// Cell formats: by value kind (general, date, date-time) and highlight (none, error,
/// warning), plus the status cells.
pub(super) struct Formats {
    cells: [[rust_xlsxwriter::Format; 3]; 3],
    pub(super) header: rust_xlsxwriter::Format,
    status: [rust_xlsxwriter::Format; 4],
}

impl Formats {
    pub(super) fn new() -> Formats {
        use rust_xlsxwriter::Format as F;
        let fill = |f: F, (bg, fg): (u32, u32)| f.set_background_color(bg).set_font_color(fg);
        let kinds = || {
            [
                F::new(),
                F::new().set_num_format("yyyy-mm-dd"),
                F::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            ]
        };
        let [g, d, t] = kinds();
        let [ge, de, te] = kinds().map(|f| fill(f, RED));
        let [gw, dw, tw] = kinds().map(|f| fill(f, YELLOW));
        Formats {
            cells: [[g, d, t], [ge, de, te], [gw, dw, tw]],
            header: F::new().set_bold(),
            status: [
                fill(F::new(), GREEN),
                fill(F::new(), YELLOW),
                fill(F::new(), RED),
                fill(F::new(), ORANGE),
            ],
        }
    }

    pub(super) fn cell(
        &self,
        kind: usize,
        highlight: Option<Severity>,
    ) -> &rust_xlsxwriter::Format {
        let h = match highlight {
            None => 0,
            Some(Severity::Error) => 1,
            Some(Severity::Warning) => 2,
        };
        &self.cells[h][kind]
    }

    pub(super) fn status(&self, s: RowStatus) -> &rust_xlsxwriter::Format {
        &self.status[match s {
            RowStatus::Ok => 0,
            RowStatus::Warning => 1,
            RowStatus::Error => 2,
            RowStatus::InvoiceRejected => 3,
        }]
    }
}

/// Text cut to what one Excel cell holds.
pub(super) fn clip(s: &str, max_utf16: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max_utf16 {
            return &s[..i];
        }
    }
    s
}

/// Writes one input cell, highlighted or not, keeping its kind (text, number, date).
pub(super) fn put_cell(
    ws: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    cell: &CellRef<'_>,
    highlight: Option<Severity>,
) -> Result<(), XlsxError> {
    let general = formats.cell(0, highlight);
    match cell {
        CellRef::Empty => {
            if highlight.is_some() {
                ws.write_blank(row, col, general)?;
            }
        }
        CellRef::Text(t) => {
            ws.write_string_with_format(row, col, clip(t, XLSX_MAX_CELL), general)?;
        }
        CellRef::Number(n) if n.is_finite() => {
            ws.write_number_with_format(row, col, *n, general)?;
        }
        CellRef::Date(d) => match excel_date(d) {
            Some(dt) => {
                ws.write_datetime_with_format(row, col, dt, formats.cell(1, highlight))?;
            }
            None => {
                ws.write_string_with_format(row, col, cell.text(), general)?;
            }
        },
        CellRef::DateTime(d) => match excel_date_time(d) {
            Some(dt) => {
                ws.write_datetime_with_format(row, col, dt, formats.cell(2, highlight))?;
            }
            None => {
                ws.write_string_with_format(row, col, cell.text(), general)?;
            }
        },
        CellRef::Bool(b) => {
            ws.write_boolean_with_format(row, col, *b, general)?;
        }
        // Spreadsheet errors (`#DIV/0!`) and non-finite numbers, as text.
        CellRef::Number(_) | CellRef::Error(_) => {
            ws.write_string_with_format(row, col, cell.text(), general)?;
        }
    }
    Ok(())
}

/// A date as Excel holds it; `None` outside Excel's years (then written as text).
fn excel_date(d: &chrono::NaiveDate) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    u16::try_from(d.year())
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok())
}

/// A date and time as Excel holds it; `None` when Excel cannot (then written as text).
fn excel_date_time(d: &chrono::NaiveDateTime) -> Option<ExcelDateTime> {
    use chrono::Timelike;
    excel_date(&d.date()).and_then(|dt| {
        dt.and_hms(d.hour() as u16, d.minute() as u8, d.second())
            .ok()
    })
}
