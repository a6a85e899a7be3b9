//! The cells of an XLSX sheet in document order, from the tool's own scanner while it
//! recognizes the sheet, then from calamine.
//!
//! Apart from `excel.rs` because the hand-over is its own small protocol: calamine's
//! reader is made only when the scanner declines, skips the cells already handed out,
//! and is checked (a whole text or tag within the limit) before it parses anything.

use super::error::InputError;
use super::limits::refused;
use super::package::{check_sheet_parts, spreadsheet_error};
use super::xlsx::{Cell, Declined, Entry, FastSheet, MAX_ELEMENT_MIB, Range, SheetCells};
use calamine::{Xlsx, XlsxCellReader};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// The cells of an XLSX sheet in document order: from the fast scanner while it
/// recognizes the sheet, then from calamine, which skips the cells already read and
/// carries on from the first one the scanner declined (or reads all of them, when the
/// scanner cannot start).
pub struct XlsxCells<'a> {
    scan: Option<SheetCells<'a, Entry<'a>>>,
    calamine: Option<XlsxCellReader<'a, BufReader<File>>>,
    /// The workbook, until calamine's reader (which borrows it for good) is made.
    workbook: Option<&'a mut Xlsx<BufReader<File>>>,
    sheet: &'a str,
    path: &'a Path,
    /// The sheet's declared range, zero-based corners.
    pub range: Range,
    /// Cells handed out so far.
    taken: u64,
    /// Where the cells read before calamine took over are counted (for the tests).
    handed_over: &'a mut Option<u64>,
    /// The sheet's part in the package, when the scanner found it.
    part: Option<String>,
}

impl<'a> XlsxCells<'a> {
    pub fn open(
        workbook: &'a mut Xlsx<BufReader<File>>,
        fast: Option<&'a mut FastSheet>,
        sheet: &'a str,
        path: &'a Path,
        handed_over: &'a mut Option<u64>,
    ) -> Result<Self, InputError> {
        let part = fast.as_ref().map(|f| f.entry().to_string());
        let scan = fast.and_then(FastSheet::cells);
        let mut cells = XlsxCells {
            part,
            range: scan.as_ref().map_or(((0, 0), (0, 0)), SheetCells::range),
            scan,
            calamine: None,
            workbook: Some(workbook),
            sheet,
            path,
            taken: 0,
            handed_over,
        };
        if cells.scan.is_none() {
            let reader = cells.calamine()?;
            let dims = reader.dimensions();
            cells.range = (dims.start, dims.end);
        }
        Ok(cells)
    }

    /// calamine's reader, made on first use.
    fn calamine(&mut self) -> Result<&mut XlsxCellReader<'a, BufReader<File>>, InputError> {
        if self.calamine.is_none()
            && let Some(workbook) = self.workbook.take()
        {
            // calamine's XML parser buffers a whole text or tag: the sheet must not
            // hold one beyond the limit.
            check_sheet_parts(self.path, self.part.as_deref())?;
            *self.handed_over = Some(self.taken);
            let mut reader = workbook
                .worksheet_cells_reader(self.sheet)
                .map_err(|e| spreadsheet_error(self.path, e))?;
            for _ in 0..self.taken {
                reader
                    .next_cell()
                    .map_err(|e| spreadsheet_error(self.path, e))?;
            }
            self.calamine = Some(reader);
        }
        self.calamine
            .as_mut()
            .ok_or_else(|| spreadsheet_error(self.path, "calamine could not reopen the sheet"))
    }

    pub fn next(&mut self) -> Result<Option<Cell<'a>>, InputError> {
        if let Some(scan) = &mut self.scan {
            match scan.next_cell() {
                Ok(cell) => {
                    self.taken += u64::from(cell.is_some());
                    return Ok(cell);
                }
                Err(Declined) => {
                    if let Some((limit, why)) = scan.refusal() {
                        return Err(if limit {
                            refused(
                                self.path,
                                why,
                                format!("{MAX_ELEMENT_MIB} MiB for one cell"),
                            )
                        } else {
                            spreadsheet_error(self.path, why)
                        });
                    }
                    self.scan = None
                }
            }
        }
        let path = self.path;
        let cell = self
            .calamine()?
            .next_cell()
            .map_err(|e| spreadsheet_error(path, e))?
            .map(|c| (c.get_position(), c.get_value().clone()));
        self.taken += u64::from(cell.is_some());
        Ok(cell)
    }
}
