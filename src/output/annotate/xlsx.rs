//! The annotated copy of a spreadsheet (XLSX, XLS, ODS), always written as XLSX: built
//! from the reader's own row iterator ([`for_each_sheet_row`]), every row at its
//! original row number, the problem cells filled and given a note with the message.
//!
//! It streams: `rust_xlsxwriter`'s constant-memory mode sends rows to a temporary file
//! (next to the copy, not in a memory-backed system folder) as they are written, so
//! what the copy holds besides is proportional to the problems.

use super::annotations::Annotations;
use super::cursor::Cursor;
use super::error::AnnotateError;
use super::layout::{Layout, MESSAGE_HEADER, STATUS_HEADER, ends_with_annotation};
use super::xlsx_cells::{Formats, XLSX_MAX_CELL, clip, put_cell};
use crate::input::{CellRef, InputError, SourceInfo, for_each_sheet_row};
use crate::output::atomic::folder;
use crate::problem::{Problem, Severity};
use rust_xlsxwriter::{Note, Workbook, Worksheet, XlsxError};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// At most this many cell notes in an XLSX copy: Excel slows to a crawl with many more,
/// and the `message` column says everything anyway.
pub const MAX_NOTES: usize = 10_000;

/// Writes the annotated XLSX copy of the spreadsheet `info` describes into `file`
/// (which becomes `out`).
pub(super) fn write(
    info: &SourceInfo,
    out: &Path,
    ann: &Annotations<'_>,
    file: &File,
) -> Result<(), AnnotateError> {
    let sheet = info.sheet.as_deref().unwrap_or_default();
    let mut book = Workbook::new();
    // The rows wait in a temporary file next to the copy, not in the system's temporary
    // folder (often memory-backed, which would defeat the purpose).
    book.set_tempdir(folder(out)).map_err(xerr(out))?;
    let ws = book
        .add_worksheet_with_constant_memory()
        .map_err(xerr(out))?;
    // Keep the sheet's name where Excel allows it (an ODS name may not fit).
    let _ = ws.set_name(sheet);
    let mut copy = SheetCopy {
        ws,
        formats: Formats::new(),
        ann,
        out,
        cursor: Cursor::new(ann.problems),
        header_row: None,
        layout: Layout::new(0, false),
        last_row: 0,
        notes: 0,
    };
    let mut failure: Option<AnnotateError> = None;
    for_each_sheet_row(&info.path, sheet, |row, cells| match copy.row(row, cells) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    copy.finish(&info.path)?;
    book.save_to_writer(BufWriter::new(file))
        .map_err(xerr(out))?;
    Ok(())
}

/// A writer error, naming the copy.
fn xerr(out: &Path) -> impl Fn(XlsxError) -> AnnotateError + '_ {
    move |e| AnnotateError::Xlsx {
        path: out.to_path_buf(),
        message: e.to_string(),
    }
}

/// A column index as a worksheet's.
fn col16(out: &Path, c: usize) -> Result<u16, AnnotateError> {
    u16::try_from(c).map_err(|_| AnnotateError::Xlsx {
        path: out.to_path_buf(),
        message: format!("column {} is beyond what a worksheet holds", c + 1),
    })
}

/// A cell a problem names, with the worst severity of its problems and their words.
struct Marked {
    col: usize,
    severity: Severity,
    texts: Vec<String>,
}

/// The sheet being written, row by row.
struct SheetCopy<'a, 'w> {
    ws: &'w mut Worksheet,
    formats: Formats,
    ann: &'a Annotations<'a>,
    out: &'a Path,
    cursor: Cursor<'a>,
    /// The header's row number, once seen.
    header_row: Option<u32>,
    layout: Layout,
    last_row: u32,
    notes: usize,
}

impl SheetCopy<'_, '_> {
    /// One row of the input, as the reader hands it over.
    fn row(&mut self, row: u32, cells: &[CellRef<'_>]) -> Result<(), AnnotateError> {
        let r0 = row.saturating_sub(1);
        let blank = cells.iter().all(CellRef::is_blank);
        if self.header_row.is_none() {
            if !blank {
                return self.header(row, cells);
            }
            // Above the header every row is blank (the header is the first row that
            // is not): copied as it is.
            for (c, cell) in cells.iter().enumerate() {
                put_cell(self.ws, &self.formats, r0, col16(self.out, c)?, cell, None)
                    .map_err(xerr(self.out))?;
            }
            return Ok(());
        }
        self.last_row = row;
        let problems = self.cursor.take(row);
        if blank && problems.is_empty() {
            for (c, cell) in cells.iter().enumerate() {
                if let Some(t) = self.layout.target(c) {
                    put_cell(self.ws, &self.formats, r0, col16(self.out, t)?, cell, None)
                        .map_err(xerr(self.out))?;
                }
            }
            return Ok(());
        }
        self.annotated(r0, cells, problems)
    }

    /// The header row: the input's headers in bold, then `status` and `message`.
    fn header(&mut self, row: u32, cells: &[CellRef<'_>]) -> Result<(), AnnotateError> {
        let r0 = row.saturating_sub(1);
        let xerr = xerr(self.out);
        self.header_row = Some(row);
        self.last_row = row;
        let replace = ends_with_annotation(cells.iter().map(|c| match c {
            CellRef::Text(t) => t.as_bytes(),
            _ => &[][..],
        }));
        self.layout = Layout::new(cells.len(), replace);
        let bold = &self.formats.header;
        for (c, cell) in cells.iter().enumerate() {
            if let Some(t) = self.layout.target(c)
                && !cell.is_blank()
            {
                self.ws
                    .write_string_with_format(r0, col16(self.out, t)?, cell.text(), bold)
                    .map_err(&xerr)?;
            }
        }
        let k = col16(self.out, self.layout.keep)?;
        self.ws
            .write_string_with_format(r0, k, STATUS_HEADER, bold)
            .map_err(&xerr)?;
        self.ws
            .write_string_with_format(r0, k + 1, MESSAGE_HEADER, bold)
            .map_err(&xerr)?;
        Ok(())
    }

    /// A data row with problems, or of an invoice that is not sent: its cells (the ones
    /// problems name highlighted, with a note), then its status and message.
    fn annotated(
        &mut self,
        r0: u32,
        cells: &[CellRef<'_>],
        problems: &[Problem],
    ) -> Result<(), AnnotateError> {
        let reference = self
            .ann
            .reference_col
            .and_then(|c| cells.get(c))
            .map(|c| c.text().into_owned())
            .unwrap_or_default();
        let (status, message) = self.ann.row(problems, &reference);
        let marked = marked(self.ann, problems, self.layout.keep);
        self.put_cells(r0, cells, &marked)?;
        self.put_notes(r0, &marked)?;
        let xerr = xerr(self.out);
        let k = col16(self.out, self.layout.keep)?;
        self.ws
            .write_string_with_format(r0, k, status.as_str(), self.formats.status(status))
            .map_err(&xerr)?;
        if !message.is_empty() {
            self.ws
                .write_string(r0, k + 1, clip(&message, XLSX_MAX_CELL))
                .map_err(&xerr)?;
        }
        Ok(())
    }

    /// The row's cells, each where the layout puts it, the marked ones highlighted (a
    /// marked cell beyond the row's last is written blank, so its fill shows).
    fn put_cells(
        &mut self,
        r0: u32,
        cells: &[CellRef<'_>],
        marked: &[Marked],
    ) -> Result<(), AnnotateError> {
        let mut m = marked.iter().peekable();
        let last = cells.len().max(marked.last().map_or(0, |m| m.col + 1));
        for c in 0..last {
            let highlight = match m.peek() {
                Some(mk) if mk.col == c => {
                    let sev = mk.severity;
                    m.next();
                    Some(sev)
                }
                _ => None,
            };
            let Some(t) = self.layout.target(c) else {
                continue;
            };
            let cell = cells.get(c).unwrap_or(&CellRef::Empty);
            put_cell(
                self.ws,
                &self.formats,
                r0,
                col16(self.out, t)?,
                cell,
                highlight,
            )
            .map_err(xerr(self.out))?;
        }
        Ok(())
    }

    /// A note on each marked cell with what its problems say, up to [`MAX_NOTES`] in
    /// the whole copy.
    fn put_notes(&mut self, r0: u32, marked: &[Marked]) -> Result<(), AnnotateError> {
        for mk in marked {
            if self.notes >= MAX_NOTES {
                break;
            }
            let note = Note::new(clip(&mk.texts.join("\n"), XLSX_MAX_CELL - 100))
                .set_author("kravia-batch")
                .add_author_prefix(false);
            self.ws
                .insert_note(r0, col16(self.out, mk.col)?, &note)
                .map_err(xerr(self.out))?;
            self.notes += 1;
        }
        Ok(())
    }

    /// After the last row: fails if a problem found no row or there was no header;
    /// otherwise freezes the header, filters every column, and sizes the two new ones.
    fn finish(self, input: &Path) -> Result<(), AnnotateError> {
        let xerr = xerr(self.out);
        self.cursor.finish(self.out)?;
        let Some(header_row) = self.header_row else {
            return Err(AnnotateError::Input(InputError::Empty {
                path: input.to_path_buf(),
            }));
        };
        let k = col16(self.out, self.layout.keep)?;
        let ws = self.ws;
        ws.set_freeze_panes(header_row, 0).map_err(&xerr)?;
        ws.autofilter(header_row - 1, 0, self.last_row.max(header_row) - 1, k + 1)
            .map_err(&xerr)?;
        ws.set_column_width(k, 16).map_err(&xerr)?;
        ws.set_column_width(k + 1, 80).map_err(&xerr)?;
        Ok(())
    }
}

/// The cells problems name (left of the copy's status column), in column order: worst
/// severity first (errors sort before warnings), with every problem's words.
fn marked(ann: &Annotations<'_>, problems: &[Problem], keep: usize) -> Vec<Marked> {
    let mut marked: Vec<Marked> = Vec::new();
    for p in problems {
        let Some(c) = p.column.filter(|&c| c < keep) else {
            continue;
        };
        let text = ann.describe(p);
        match marked.iter_mut().find(|m| m.col == c) {
            Some(m) => {
                m.severity = m.severity.min(p.severity);
                m.texts.push(text);
            }
            None => marked.push(Marked {
                col: c,
                severity: p.severity,
                texts: vec![text],
            }),
        }
    }
    marked.sort_by_key(|m| m.col);
    marked
}
