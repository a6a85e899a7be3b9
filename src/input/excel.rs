//! Spreadsheets (XLSX, XLSM, XLS, ODS), opened by calamine.
//!
//! XLSX is streamed cell by cell, so memory follows the chunk size and not the sheet
//! size: by the tool's own scanner ([`super::xlsx`]) where it recognizes the sheet, by
//! calamine from the first cell where it does not. XLS and ODS are loaded whole by
//! calamine (it has no streaming reader for them), which is fine for the sizes those
//! formats reach. Numeric cells stay numbers here; the
//! validator turns them into exact decimals by their shortest round-trip text.

use super::error::InputError;
use super::limits::{MAX_SHEET_ROWS, count, refused};
use super::package::spreadsheet_error;
use super::rows::{CHUNK_ROWS, CellRef, ChunkRow, ChunkSink, RowCells};
use super::source::{Format, ReadOptions, SourceInfo};
use super::xlsx::FastSheet;
use super::xlsx_cells::XlsxCells;
use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto};
use std::borrow::Cow;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Declared sheet sizes beyond these are refused as implausible for an export.
const MAX_COLUMNS: u64 = 1_000;
const MAX_CELLS: u64 = 50_000_000;

/// One spreadsheet row. Shared strings (most text cells of an XLSX) borrow from the
/// workbook's string table instead of being copied per cell.
pub struct ExcelRow<'a> {
    row: u32,
    cells: Vec<CellRef<'a>>,
}

impl RowCells for ExcelRow<'_> {
    fn row(&self) -> u32 {
        self.row
    }

    fn cell(&self, col: usize) -> CellRef<'_> {
        match self.cells.get(col) {
            Some(CellRef::Text(t)) => CellRef::Text(Cow::Borrowed(t.as_ref())),
            Some(other) => other.clone(),
            None => CellRef::Empty,
        }
    }
}

/// No raw text and nothing worth prefetching: the defaults.
impl ChunkRow for ExcelRow<'_> {}

impl ExcelRow<'_> {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(CellRef::is_blank)
    }
}

pub struct ExcelBody {
    workbook: Sheets<BufReader<File>>,
    sheet: String,
    header_row: u32,
    path: PathBuf,
    /// The fast XLSX scanner for the sheet, when it can read the workbook.
    fast: Option<FastSheet>,
    /// Cells the fast scanner read before it handed over to calamine, if it did.
    handed_over: Option<u64>,
}

impl ExcelBody {
    fn new(workbook: Sheets<BufReader<File>>, path: &Path, sheet: &str, fast: bool) -> Self {
        let fast = match &workbook {
            Sheets::Xlsx(x) if fast => {
                FastSheet::open(path, sheet, &workbook.sheet_names(), x.has_1904_epoch())
            }
            _ => None,
        };
        ExcelBody {
            workbook,
            sheet: sheet.to_string(),
            header_row: 0,
            path: path.to_path_buf(),
            fast,
            handed_over: None,
        }
    }
}

fn borrowed(d: DataRef<'_>) -> CellRef<'_> {
    match d {
        DataRef::Empty => CellRef::Empty,
        DataRef::String(s) => CellRef::Text(Cow::Owned(s)),
        DataRef::SharedString(s) => CellRef::Text(Cow::Borrowed(s)),
        DataRef::Float(f) => CellRef::Number(f),
        DataRef::Int(i) => CellRef::Number(i as f64),
        DataRef::Bool(b) => CellRef::Bool(b),
        DataRef::DateTime(dt) => datetime_cell(dt.as_datetime(), dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellRef::Text(Cow::Owned(s)),
        DataRef::Error(e) => CellRef::Error(e.to_string()),
    }
}

fn owned_data(d: &Data) -> CellRef<'static> {
    match d {
        Data::Empty => CellRef::Empty,
        Data::String(s) => CellRef::Text(Cow::Owned(s.clone())),
        Data::Float(f) => CellRef::Number(*f),
        Data::Int(i) => CellRef::Number(*i as f64),
        Data::Bool(b) => CellRef::Bool(*b),
        Data::DateTime(dt) => datetime_cell(dt.as_datetime(), dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellRef::Text(Cow::Owned(s.clone())),
        Data::Error(e) => CellRef::Error(e.to_string()),
    }
}

fn datetime_cell(dt: Option<chrono::NaiveDateTime>, raw: f64) -> CellRef<'static> {
    match dt {
        Some(dt) if dt.time() == chrono::NaiveTime::MIN => CellRef::Date(dt.date()),
        Some(dt) => CellRef::DateTime(dt),
        None => CellRef::Number(raw),
    }
}

/// Opens a workbook with calamine, after the structural checks of
/// [`super::package`] (by the file's first bytes, as [`super::open`] tells formats).
fn open_book(path: &Path) -> Result<Sheets<BufReader<File>>, InputError> {
    let mut magic = [0u8; 4];
    let format = {
        use std::io::Read;
        let mut f = File::open(path).map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut n = 0;
        while n < magic.len() {
            match f.read(&mut magic[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        let ods = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("ods"));
        match magic {
            [b'P', b'K', 3, 4] if ods => Format::Ods,
            [b'P', b'K', 3, 4] => Format::Xlsx,
            [0xD0, 0xCF, 0x11, 0xE0] => Format::Xls,
            _ => Format::Csv,
        }
    };
    super::package::check(path, format)?;
    // calamine reads an .xls whole at open; on a damaged one it can panic (an
    // arithmetic overflow): that is the file's fault, said as such, not a crash.
    std::panic::catch_unwind(|| open_workbook_auto(path))
        .unwrap_or_else(|_| Err(calamine::Error::Msg("the spreadsheet reader failed on it")))
        .map_err(|e| spreadsheet_error(path, e))
}

/// Refuses a text cell holding a NUL character, as the CSV reader refuses the file:
/// no invoice field can hold one, and it would reach the request body.
fn check_text(path: &Path, row: u32, col: usize, cell: &CellRef<'_>) -> Result<(), InputError> {
    match cell {
        CellRef::Text(t) if t.as_bytes().contains(&0) => Err(InputError::Cell {
            path: path.to_path_buf(),
            row,
            column: crate::problem::column_letter(col),
            message: "the cell holds a NUL character (byte 0), which no invoice field may contain; delete it in the spreadsheet (or export the sheet again)".into(),
        }),
        _ => Ok(()),
    }
}

/// Refuses a row beyond Excel's last.
fn check_row(path: &Path, zero_based: u64) -> Result<(), InputError> {
    if zero_based >= MAX_SHEET_ROWS {
        return Err(refused(
            path,
            format!("the sheet has a row {}", count(zero_based + 1)),
            format!("{} rows, as in Excel", count(MAX_SHEET_ROWS)),
        ));
    }
    Ok(())
}

/// The sheet named `wanted`, or the first one.
fn choose_sheet(
    path: &Path,
    workbook: &Sheets<BufReader<File>>,
    wanted: Option<&str>,
) -> Result<String, InputError> {
    let names = workbook.sheet_names();
    match wanted {
        Some(name) => {
            names
                .iter()
                .find(|n| *n == name)
                .cloned()
                .ok_or_else(|| InputError::NoSheet {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    available: names.join(", "),
                })
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| spreadsheet_error(path, "the workbook has no sheets")),
    }
}

pub fn open(
    path: &Path,
    format: Format,
    opts: &ReadOptions,
) -> Result<(Vec<String>, SourceInfo, ExcelBody), InputError> {
    let workbook = open_book(path)?;
    let sheet = choose_sheet(path, &workbook, opts.sheet.as_deref())?;
    let mut body = ExcelBody::new(workbook, path, &sheet, true);
    // Read up to the header row only.
    let mut header = None;
    for_each_row_guarded(path, &mut body, |row| {
        if row.is_blank() {
            return true;
        }
        let names: Vec<String> = row
            .cells
            .iter()
            .map(|c| c.text().trim().to_string())
            .collect();
        header = Some((row.row, names));
        false
    })?;
    let (header_row, headers) = header.ok_or_else(|| InputError::Empty {
        path: path.to_path_buf(),
    })?;
    body.header_row = header_row;
    let info = SourceInfo {
        path: path.to_path_buf(),
        format,
        encoding: None,
        delimiter: None,
        sheet: Some(sheet),
        blank_rows: 0,
    };
    Ok((headers, info, body))
}

/// [`ExcelBody::for_each_row`], with a panic of the spreadsheet reader (calamine, on a
/// damaged file) turned into an error naming the file instead of ending the process.
fn for_each_row_guarded<'a>(
    path: &Path,
    body: &'a mut ExcelBody,
    f: impl FnMut(ExcelRow<'a>) -> bool,
) -> Result<(), InputError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.for_each_row(f))).unwrap_or_else(
        |_| {
            Err(spreadsheet_error(
                path,
                "the spreadsheet reader failed on it",
            ))
        },
    )
}

/// Calls `f(row, cells)` with every non-empty row of `sheet`, from the sheet's first
/// row, exactly as the reader hands them to the validator (same cell values, same row
/// numbers), until `f` returns false. For writers that copy the sheet (the annotated
/// copy), so that their rows cannot drift from the rows problems name.
pub fn for_each_row_of(
    path: &Path,
    sheet: &str,
    mut f: impl FnMut(u32, &[CellRef<'_>]) -> bool,
) -> Result<(), InputError> {
    let workbook = open_book(path)?;
    let mut body = ExcelBody::new(workbook, path, sheet, true);
    for_each_row_guarded(path, &mut body, |row| f(row.row, &row.cells))
}

/// [`for_each_row_of`] for the workbook's first sheet: the results reader takes a
/// results workbook through the same guards as an export (package checks, limits, a
/// damaged file as an error, never a panic or an unbounded range).
pub fn for_each_row_of_first(
    path: &Path,
    mut f: impl FnMut(u32, &[CellRef<'_>]) -> bool,
) -> Result<(), InputError> {
    let workbook = open_book(path)?;
    let sheet = choose_sheet(path, &workbook, None)?;
    let mut body = ExcelBody::new(workbook, path, &sheet, true);
    for_each_row_guarded(path, &mut body, |row| f(row.row, &row.cells))
}

/// Every row of a sheet (the first one by default) as the reader hands it over, each
/// cell in its debug form, and how many cells the fast XLSX scanner read before it
/// handed over to calamine (`Some(0)`: it was not used; `None`: it read them all). With
/// `calamine_only`, calamine reads the whole sheet. For the differential test of the
/// two readers (`tests/xlsx_reader.rs`).
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn rows_for_test(
    path: &Path,
    sheet: Option<&str>,
    calamine_only: bool,
) -> Result<(Vec<(u32, Vec<String>)>, Option<u64>), InputError> {
    let workbook = open_book(path)?;
    let sheet = choose_sheet(path, &workbook, sheet)?;
    let mut body = ExcelBody::new(workbook, path, &sheet, !calamine_only);
    let mut rows = Vec::new();
    body.for_each_row(|row| {
        rows.push((
            row.row,
            row.cells.iter().map(|c| format!("{c:?}")).collect(),
        ));
        true
    })?;
    Ok((rows, body.handed_over))
}

impl ExcelBody {
    /// Calls `f` with each row in order (row numbers as Excel shows them), until it
    /// returns false.
    fn for_each_row<'a>(
        &'a mut self,
        f: impl FnMut(ExcelRow<'a>) -> bool,
    ) -> Result<(), InputError> {
        let ExcelBody {
            workbook,
            sheet,
            path,
            fast,
            handed_over,
            ..
        } = self;
        match workbook {
            Sheets::Xlsx(x) => {
                let cells = XlsxCells::open(x, fast.as_mut(), sheet, path, handed_over)?;
                stream_rows(cells, sheet, path, f)
            }
            other => range_rows(other, sheet, path, f),
        }
    }

    /// Reads the rows after the header into `sink`. The sheet is parsed on its own
    /// thread, so that XML parsing overlaps with validating the previous chunk.
    pub fn read_all<S: ChunkSink>(
        mut self,
        mut info: SourceInfo,
        sink: &mut S,
    ) -> Result<SourceInfo, InputError> {
        let header_row = self.header_row;
        let path_for_panic = self.path.clone();
        let body = &mut self;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ExcelRow<'_>>>(1);
        let (blank, read) = std::thread::scope(|scope| {
            let producer = scope.spawn(move || {
                let mut batch: Vec<ExcelRow<'_>> = Vec::with_capacity(CHUNK_ROWS);
                let mut blank = 0u64;
                let mut last_row = header_row;
                let read = body.for_each_row(|row| {
                    if row.row <= header_row {
                        return true;
                    }
                    // Rows come in order in every sane file; a damaged one may repeat
                    // or go back, which adds no blank rows (and must not underflow).
                    blank += u64::from(row.row.saturating_sub(last_row).saturating_sub(1));
                    last_row = row.row;
                    if row.is_blank() {
                        blank += 1;
                        return true;
                    }
                    batch.push(row);
                    if batch.len() == CHUNK_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(CHUNK_ROWS));
                        // The receiver only goes away when the reader stops early.
                        return tx.send(full).is_ok();
                    }
                    true
                });
                if !batch.is_empty() {
                    let _ = tx.send(batch);
                }
                (blank, read)
            });
            let mut done = 0u64;
            for batch in rx.iter() {
                done += batch.len() as u64;
                sink.chunk(&batch, Vec::new());
                sink.progress(done, 0);
            }
            // A reader that panicked (calamine on a damaged file) must not pass for
            // one that read every row.
            producer.join().unwrap_or_else(|_| {
                (
                    0,
                    Err(spreadsheet_error(
                        &path_for_panic,
                        "the spreadsheet reader failed on it",
                    )),
                )
            })
        });
        read?;
        info.blank_rows = blank;
        Ok(info)
    }
}

/// A sheet's declared size must be plausible for an export.
fn check_dims(path: &Path, sheet: &str, rows: u64, cols: u64) -> Result<(), InputError> {
    if cols > MAX_COLUMNS || rows.saturating_mul(cols) > MAX_CELLS {
        Err(InputError::AbsurdRange {
            path: path.to_path_buf(),
            sheet: sheet.to_string(),
            rows,
            cols,
        })
    } else {
        Ok(())
    }
}

/// The rows of a sheet calamine loads whole (XLS, ODS).
fn range_rows<'a>(
    workbook: &'a mut Sheets<BufReader<File>>,
    sheet: &str,
    path: &Path,
    mut f: impl FnMut(ExcelRow<'a>) -> bool,
) -> Result<(), InputError> {
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| spreadsheet_error(path, e))?;
    let (rows, cols) = range.get_size();
    check_dims(path, sheet, rows as u64, cols as u64)?;
    let start = range.start().unwrap_or((0, 0));
    let end = range.end().unwrap_or((0, 0));
    check_row(path, u64::from(end.0))?;
    for (i, r) in range.rows().enumerate() {
        let mut cells = vec![CellRef::Empty; start.1 as usize];
        cells.extend(r.iter().map(owned_data));
        let row = start.0 + i as u32 + 1;
        for (c, cell) in cells.iter().enumerate() {
            check_text(path, row, c, cell)?;
        }
        if !f(ExcelRow { row, cells }) {
            break;
        }
    }
    Ok(())
}

/// The rows of a streamed XLSX sheet, assembled from its cells in document order.
fn stream_rows<'a>(
    mut cells: XlsxCells<'a>,
    sheet: &str,
    path: &Path,
    mut f: impl FnMut(ExcelRow<'a>) -> bool,
) -> Result<(), InputError> {
    let ((first_row, first_col), (last_row, last_col)) = cells.range;
    check_dims(
        path,
        sheet,
        u64::from(last_row.saturating_sub(first_row)) + 1,
        u64::from(last_col.saturating_sub(first_col)) + 1,
    )?;
    let mut current: Option<ExcelRow<'a>> = None;
    // Cells a row had: the next one's are allocated at once, not grown cell by cell.
    let mut width = 0usize;
    let mut read = 0u64;
    while let Some(((r, c), value)) = cells.next()? {
        read += 1;
        check_cell(path, sheet, read, r, c)?;
        let c = c as usize;
        if current.as_ref().is_some_and(|row| row.row != r + 1)
            && let Some(done) = current.take()
        {
            width = done.cells.len();
            if !f(done) {
                return Ok(());
            }
        }
        let row = current.get_or_insert_with(|| ExcelRow {
            row: r + 1,
            cells: Vec::with_capacity(width),
        });
        if row.cells.len() <= c {
            row.cells.resize(c + 1, CellRef::Empty);
        }
        row.cells[c] = borrowed(value);
        check_text(path, row.row, c, &row.cells[c])?;
    }
    if let Some(done) = current {
        f(done);
    }
    Ok(())
}

/// The `read`-th cell of a streamed sheet, at zero-based row `r` and column `c`, must
/// be within the limits of rows, cells and columns. Called for every cell: the usual
/// case is one comparison of each, inline; the refusals are [`cell_refused`]'s.
#[inline]
fn check_cell(path: &Path, sheet: &str, read: u64, r: u32, c: u32) -> Result<(), InputError> {
    if u64::from(r) < MAX_SHEET_ROWS && read <= MAX_CELLS && u64::from(c) < MAX_COLUMNS {
        return Ok(());
    }
    cell_refused(path, sheet, read, r, c)
}

/// Why a cell is beyond a limit ([`check_cell`]), in the order the limits are checked.
#[cold]
fn cell_refused(path: &Path, sheet: &str, read: u64, r: u32, c: u32) -> Result<(), InputError> {
    check_row(path, u64::from(r))?;
    if read > MAX_CELLS {
        return Err(refused(
            path,
            format!("sheet '{sheet}' has more than {} cells", count(MAX_CELLS)),
            format!("{} cells", count(MAX_CELLS)),
        ));
    }
    if u64::from(c) >= MAX_COLUMNS {
        return Err(InputError::AbsurdRange {
            path: path.to_path_buf(),
            sheet: sheet.to_string(),
            rows: u64::from(r) + 1,
            cols: u64::from(c) + 1,
        });
    }
    Ok(())
}
