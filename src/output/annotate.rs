//! The annotated copy (`--annotate OUT`): the input again, row for row, with two more
//! columns, `status` and `message`, saying what is wrong with each row.
//!
//! Accountants fix exports in Excel, not in a list of row numbers, so the copy is made
//! to be opened next to (or instead of) the export: filter on `status`, fix the cells the
//! `message` names, run again. That only works if the copy's rows are the rows the
//! summary and the report name (header = row 1), so the copy is made by reading the
//! file again exactly as the reader did:
//!
//! - CSV: the same delimiter, encoding, BOM and `sep=` line; every record's fields are
//!   copied byte for byte (only quoting may change: a field is quoted when it needs it)
//!   and the two columns are written in the file's own encoding. Records are split and
//!   numbered by the reader's own [`Splitter`] (a record spanning several lines is one
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

use crate::input::{
    CHUNK_ROWS, CellRef, Enc, Format, InputError, RawChunk, SourceInfo, Splitter,
    for_each_sheet_row, seek_body,
};
use crate::mapping::column_letter;
use crate::problem::{ColumnNames, Problem, Severity};
use crate::validate::Validation;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The header of the status column.
pub const STATUS_HEADER: &str = "status";
/// The header of the message column.
pub const MESSAGE_HEADER: &str = "message";

/// Between two problems of one row in the `message` column. Not `;`: the messages
/// themselves use it.
pub const SEPARATOR: &str = " | ";

/// At most this many cell notes in an XLSX copy: Excel slows to a crawl with many more,
/// and the `message` column says everything anyway.
pub const MAX_NOTES: usize = 10_000;

/// At most this many blocking rows are listed in an `invoice_rejected` message.
const MAX_LISTED_ROWS: usize = 10;

/// Excel's limit on the text of one cell, in UTF-16 units.
const XLSX_MAX_CELL: usize = 32_767;

/// What the `status` column says about a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowStatus {
    /// No problem, and the row's invoice is valid.
    Ok,
    /// Only warnings: the invoice would still be sent.
    Warning,
    /// The row itself has at least one error.
    Error,
    /// The row is fine, but another row of the same invoice has an error, so the
    /// invoice is not sent.
    InvoiceRejected,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Warning => "warning",
            RowStatus::Error => "error",
            RowStatus::InvoiceRejected => "invoice_rejected",
        }
    }
}

/// Why the annotated copy was not written.
#[derive(Debug, thiserror::Error)]
pub enum AnnotateError {
    #[error(
        "--annotate {}: that is the input file; the annotated copy never replaces the export, give it another name",
        .path.display()
    )]
    SameAsInput { path: PathBuf },
    #[error(
        "--annotate {}: the annotated copy of {input} is {expected}; give it that extension",
        .path.display()
    )]
    Extension {
        path: PathBuf,
        input: &'static str,
        expected: &'static str,
    },
    #[error("cannot write the annotated copy {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the annotated copy {}: {message}", .path.display())]
    Xlsx { path: PathBuf, message: String },
    /// Reading the input a second time failed (it changed, or disappeared).
    #[error("annotated copy: {0}")]
    Input(#[from] InputError),
    #[error(
        "the annotated copy {} was not written: {reason}; the report (--report) lists every problem with its row",
        .path.display()
    )]
    Misaligned { path: PathBuf, reason: String },
}

impl AnnotateError {
    /// True when the command line asked for something impossible (a wrong file name).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            AnnotateError::SameAsInput { .. } | AnnotateError::Extension { .. }
        )
    }
}

/// What the annotated copy needs from a validation, indexed for row-by-row lookups.
pub struct Annotations<'a> {
    problems: &'a [Problem],
    names: &'a ColumnNames,
    /// The column of `merchant_reference`, to find a row's invoice.
    reference_col: Option<usize>,
    rejected: HashSet<&'a str>,
    /// Rows with errors, per invoice, in file order.
    blocking: HashMap<&'a str, Vec<u32>>,
}

impl<'a> Annotations<'a> {
    pub fn new(
        validation: &'a Validation,
        names: &'a ColumnNames,
        reference_col: Option<usize>,
    ) -> Annotations<'a> {
        let rejected = validation
            .rejected
            .iter()
            .map(|r| r.merchant_reference.as_str())
            .collect();
        let mut blocking: HashMap<&str, Vec<u32>> = HashMap::new();
        for p in validation.problems.iter().filter(|p| p.is_error()) {
            if let (Some(reference), Some(row)) = (p.reference.as_deref(), p.row) {
                let rows = blocking.entry(reference).or_default();
                if !rows.contains(&row) {
                    rows.push(row);
                }
            }
        }
        for rows in blocking.values_mut() {
            rows.sort_unstable();
        }
        Annotations {
            problems: &validation.problems,
            names,
            reference_col,
            rejected,
            blocking,
        }
    }

    /// The status and message of a data row, given its problems and its invoice.
    pub fn row(&self, problems: &[Problem], reference: &str) -> (RowStatus, String) {
        let errors = problems.iter().filter(|p| p.is_error());
        let warnings = problems.iter().filter(|p| !p.is_error());
        let has_error = problems.iter().any(Problem::is_error);
        let status = if has_error {
            RowStatus::Error
        } else if self.rejected.contains(reference) {
            RowStatus::InvoiceRejected
        } else if problems.is_empty() {
            RowStatus::Ok
        } else {
            RowStatus::Warning
        };
        let mut parts: Vec<String> = errors.map(|p| self.describe(p)).collect();
        if status == RowStatus::InvoiceRejected {
            parts.push(self.blocked(reference));
        }
        for w in warnings {
            let text = self.describe(w);
            parts.push(if status == RowStatus::Warning {
                text
            } else {
                format!("warning: {text}")
            });
        }
        (status, parts.join(SEPARATOR))
    }

    /// One problem in words, led by the column's header as the file writes it:
    /// `amount: '12,3,4' has a badly placed thousands separator`; without a column,
    /// `row 4: has 26 cells ...`.
    pub fn describe(&self, p: &Problem) -> String {
        let mut message = p.message.as_str();
        let mut s = match p.column {
            Some(c) => {
                let header = self.names.header(c);
                if header.is_empty() {
                    format!("column {}: ", column_letter(c))
                } else {
                    // "amount: amount has ..." says the name twice.
                    if let Some(rest) = message
                        .strip_prefix(header.as_str())
                        .and_then(|r| r.strip_prefix(' '))
                    {
                        message = rest;
                    }
                    format!("{header}: ")
                }
            }
            None => p.row.map(|r| format!("row {r}: ")).unwrap_or_default(),
        };
        if let Some(v) = &p.value {
            s.push_str(&format!("'{v}' "));
        }
        s.push_str(message);
        s
    }

    fn blocked(&self, reference: &str) -> String {
        let rows = self.blocking.get(reference).map_or(&[][..], Vec::as_slice);
        match rows {
            [] => format!("invoice {reference} is not sent: it has errors on other rows"),
            [r] => format!("invoice {reference} is not sent: row {r} has errors"),
            _ => {
                let shown: Vec<String> = rows
                    .iter()
                    .take(MAX_LISTED_ROWS)
                    .map(u32::to_string)
                    .collect();
                let list = if rows.len() > MAX_LISTED_ROWS {
                    format!(
                        "{} and {} more",
                        shown.join(", "),
                        rows.len() - MAX_LISTED_ROWS
                    )
                } else {
                    let (last, rest) = shown
                        .split_last()
                        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
                    format!("{} and {last}", rest.join(", "))
                };
                format!("invoice {reference} is not sent: rows {list} have errors")
            }
        }
    }
}

/// Hands out each row's problems in file order, and remembers the ones no row took.
struct Cursor<'a> {
    problems: &'a [Problem],
    next: usize,
    unplaced: Vec<u32>,
}

impl<'a> Cursor<'a> {
    fn new(problems: &'a [Problem]) -> Cursor<'a> {
        // Problems of the whole file (no row) are not row annotations: the summary
        // and the report show them. They sort first.
        let skip = problems.iter().take_while(|p| p.row.is_none()).count();
        Cursor {
            problems,
            next: skip,
            unplaced: Vec::new(),
        }
    }

    /// The problems of `row`; rows must come in increasing order.
    fn take(&mut self, row: u32) -> &'a [Problem] {
        while let Some(p) = self.problems.get(self.next)
            && p.row.is_some_and(|r| r < row)
        {
            self.unplaced.extend(p.row);
            self.next += 1;
        }
        let start = self.next;
        while self
            .problems
            .get(self.next)
            .is_some_and(|p| p.row == Some(row))
        {
            self.next += 1;
        }
        &self.problems[start..self.next]
    }

    /// Fails if any problem was left without its row.
    fn finish(mut self, out: &Path) -> Result<(), AnnotateError> {
        self.unplaced
            .extend(self.problems[self.next..].iter().filter_map(|p| p.row));
        self.unplaced.dedup();
        if self.unplaced.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = self
            .unplaced
            .iter()
            .take(MAX_LISTED_ROWS)
            .map(u32::to_string)
            .collect();
        Err(AnnotateError::Misaligned {
            path: out.to_path_buf(),
            reason: format!(
                "problems of row(s) {} could not be placed on a row of the copy",
                shown.join(", ")
            ),
        })
    }
}

/// Writes the annotated copy of the file `info` describes to `out`: CSV for a CSV
/// input, XLSX for a spreadsheet.
pub fn write(info: &SourceInfo, out: &Path, ann: &Annotations<'_>) -> Result<(), AnnotateError> {
    check_target(info, out)?;
    match info.format {
        Format::Csv => atomically(out, |file| write_csv(info, out, ann, file)),
        Format::Xlsx | Format::Xls | Format::Ods => {
            atomically(out, |file| write_xlsx(info, out, ann, file))
        }
    }
}

/// Refuses to write over the input, or under an extension that lies about the format.
fn check_target(info: &SourceInfo, out: &Path) -> Result<(), AnnotateError> {
    if super::paths::same_file(&info.path, out) {
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

/// Fills a temporary file next to `out`, then renames it into place; on any error the
/// temporary file is removed and `out` is left as it was.
fn atomically(
    out: &Path,
    fill: impl FnOnce(&File) -> Result<(), AnnotateError>,
) -> Result<(), AnnotateError> {
    let io = |source| AnnotateError::Io {
        path: out.to_path_buf(),
        source,
    };
    super::paths::check_target(out).map_err(io)?;
    let tmp = super::temp_file_in(folder(out)).map_err(io)?;
    fill(tmp.as_file())?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(out).map_err(|e| io(e.error))?;
    Ok(())
}

/// The folder a file goes in.
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

// ---------------------------------------------------------------------------------------
// CSV

/// How much of the file the reader looks at for the BOM and the `sep=` line.
const SNIFF_BYTES: u64 = 64 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding the reader settled on (it reports it by name).
fn encoding_of(info: &SourceInfo) -> Enc {
    if info.encoding.as_deref() == Some(Enc::Windows1252.name()) {
        Enc::Windows1252
    } else {
        Enc::Utf8
    }
}

/// Our own text in the file's encoding; a character Windows-1252 lacks becomes `?`.
fn encode(text: &str, enc: Enc) -> Cow<'_, [u8]> {
    if enc == Enc::Utf8 || text.is_ascii() {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    Cow::Owned(out)
}

/// Writes one field, quoted only if it has to be.
fn put_field(w: &mut impl Write, field: &[u8], delimiter: u8) -> std::io::Result<()> {
    if field
        .iter()
        .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r')
    {
        w.write_all(b"\"")?;
        for part in field.split_inclusive(|&b| b == b'"') {
            w.write_all(part)?;
            if part.last() == Some(&b'"') {
                w.write_all(b"\"")?;
            }
        }
        w.write_all(b"\"")
    } else {
        w.write_all(field)
    }
}

/// Whether the last two headers are a previous annotated copy's columns (then they are
/// replaced rather than added again).
fn ends_with_annotation<'h>(headers: impl DoubleEndedIterator<Item = &'h [u8]>) -> bool {
    let mut rev = headers.rev();
    let (Some(message), Some(status)) = (rev.next(), rev.next()) else {
        return false;
    };
    status.trim_ascii() == STATUS_HEADER.as_bytes()
        && message.trim_ascii() == MESSAGE_HEADER.as_bytes()
}

/// The column layout of the copy: the input's columns up to `keep`, then status and
/// message, then any cells a row has beyond the header.
#[derive(Clone, Copy)]
struct Layout {
    /// Cells in the header row.
    width: usize,
    /// Input columns kept in place (`width`, or `width - 2` when replacing an earlier
    /// annotation).
    keep: usize,
}

impl Layout {
    fn new(width: usize, replace: bool) -> Layout {
        Layout {
            width,
            keep: if replace { width - 2 } else { width },
        }
    }

    /// Where input column `c` goes, or `None` for an earlier annotation's column.
    fn target(self, c: usize) -> Option<usize> {
        if c < self.keep {
            Some(c)
        } else if c < self.width {
            None
        } else {
            Some(c + 2 + self.keep - self.width)
        }
    }
}

fn write_csv(
    info: &SourceInfo,
    out: &Path,
    ann: &Annotations<'_>,
    file: &File,
) -> Result<(), AnnotateError> {
    let path = &info.path;
    let read_err = |source| {
        AnnotateError::Input(InputError::Io {
            path: path.clone(),
            source,
        })
    };
    let write_err = |source| AnnotateError::Io {
        path: out.to_path_buf(),
        source,
    };
    let csv_err = |e: csv::Error, row: u32| {
        AnnotateError::Input(InputError::Csv {
            path: path.clone(),
            row,
            message: e.to_string(),
        })
    };
    let delimiter = info.delimiter.unwrap_or(b',');
    let enc = encoding_of(info);

    // The dialect's prefix, as the reader found it: a BOM, then an Excel `sep=` line.
    let mut input = File::open(path).map_err(read_err)?;
    let mut prefix = Vec::new();
    (&mut input)
        .take(SNIFF_BYTES)
        .read_to_end(&mut prefix)
        .map_err(read_err)?;
    let bom = prefix.starts_with(BOM);
    let mut start = if bom { BOM.len() } else { 0 };
    let rest = &prefix[start..];
    let sep_line = rest.len() >= 5 && rest[..4].eq_ignore_ascii_case(b"sep=");
    if sep_line {
        start += rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |p| p + 1);
    }
    // Line ends as the file's first line has them.
    let terminator: &[u8] = match prefix[start..].iter().position(|&b| b == b'\n') {
        Some(p) if p > 0 && prefix[start + p - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    input
        .seek(SeekFrom::Start(start as u64))
        .map_err(read_err)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(256 * 1024)
        .from_reader(std::io::BufReader::with_capacity(64 * 1024, input));
    let mut w = BufWriter::with_capacity(256 * 1024, file);

    if bom {
        w.write_all(BOM).map_err(write_err)?;
    }
    if sep_line {
        // The delimiter actually used (a --delimiter flag wins over the file's line).
        w.write_all(b"sep=").map_err(write_err)?;
        w.write_all(&[delimiter]).map_err(write_err)?;
        w.write_all(terminator).map_err(write_err)?;
    }

    // The header: the first record with a non-blank cell (blank lines before it are
    // not rows to the reader, and are not copied).
    let blank = |rec: &csv::ByteRecord| rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace));
    let mut rec = csv::ByteRecord::new();
    loop {
        if !reader
            .read_byte_record(&mut rec)
            .map_err(|e| csv_err(e, 1))?
        {
            return Err(AnnotateError::Input(InputError::Empty {
                path: path.clone(),
            }));
        }
        if !blank(&rec) {
            break;
        }
    }
    let body_start = start as u64 + reader.position().byte();
    let layout = Layout::new(rec.len(), ends_with_annotation(rec.iter()));
    let put = |w: &mut BufWriter<&File>,
               rec: &csv::ByteRecord,
               status: &str,
               message: &str|
     -> std::io::Result<()> {
        // Cells beyond the header (a broken row) are kept after the message, up to the
        // last non-empty one.
        let extra = (layout.width..rec.len())
            .rev()
            .find(|&c| rec.get(c).is_some_and(|f| !f.is_empty()))
            .map_or(0, |c| c + 1 - layout.width);
        let status = encode(status, enc);
        let message = encode(message, enc);
        let fields = (0..layout.keep)
            .map(|c| rec.get(c).unwrap_or_default())
            .chain([&status[..], &message[..]])
            .chain((layout.width..layout.width + extra).map(|c| rec.get(c).unwrap_or_default()));
        for (i, field) in fields.enumerate() {
            if i > 0 {
                w.write_all(&[delimiter])?;
            }
            put_field(w, field, delimiter)?;
        }
        w.write_all(terminator)
    };
    put(&mut w, &rec, STATUS_HEADER, MESSAGE_HEADER).map_err(write_err)?;

    // Records and row numbers exactly as the reader gives them (the same code splits
    // and numbers them).
    let mut cursor = Cursor::new(ann.problems);
    let mut input = reader.into_inner().into_inner();
    let after_cr = seek_body(&mut input, body_start).map_err(read_err)?;
    let mut splitter = Splitter::new(input, delimiter, after_cr);
    let mut chunk = RawChunk::default();
    // The last data row written (the header is row 1).
    let mut last: Option<u32> = None;
    loop {
        let more = splitter
            .fill(&mut chunk, CHUNK_ROWS, 16 << 20)
            .map_err(read_err)?;
        for r in &chunk.records {
            rec.clear();
            for f in chunk.fields(r) {
                rec.push_field(f);
            }
            let row = r.row;
            // Rows the reader counts but that hold no record (empty lines) stay empty.
            for _ in last.unwrap_or(1) + 1..row {
                w.write_all(terminator).map_err(write_err)?;
            }
            last = Some(row);
            let problems = cursor.take(row);
            if blank(&rec) && problems.is_empty() {
                put(&mut w, &rec, "", "").map_err(write_err)?;
                continue;
            }
            let reference = ann
                .reference_col
                .and_then(|c| rec.get(c))
                .map(|b| CellRef::Text(enc.decode(b)).text().into_owned())
                .unwrap_or_default();
            let (status, message) = ann.row(problems, &reference);
            put(&mut w, &rec, status.as_str(), &message).map_err(write_err)?;
        }
        if !more {
            break;
        }
    }
    cursor.finish(out)?;
    w.flush().map_err(write_err)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// XLSX

/// Fill and font colours: Excel's own "Bad", "Neutral" and "Good" cell styles, and a
/// light orange for rows held back by another row.
const RED: (u32, u32) = (0xFFC7CE, 0x9C0006);
const YELLOW: (u32, u32) = (0xFFEB9C, 0x9C5700);
const GREEN: (u32, u32) = (0xC6EFCE, 0x006100);
const ORANGE: (u32, u32) = (0xFCE4D6, 0x833C0B);

/// Cell formats: by value kind (general, date, date-time) and highlight (none, error,
/// warning), plus the status cells.
struct Formats {
    cells: [[rust_xlsxwriter::Format; 3]; 3],
    header: rust_xlsxwriter::Format,
    status: [rust_xlsxwriter::Format; 4],
}

impl Formats {
    fn new() -> Formats {
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

    fn cell(&self, kind: usize, highlight: Option<Severity>) -> &rust_xlsxwriter::Format {
        let h = match highlight {
            None => 0,
            Some(Severity::Error) => 1,
            Some(Severity::Warning) => 2,
        };
        &self.cells[h][kind]
    }

    fn status(&self, s: RowStatus) -> &rust_xlsxwriter::Format {
        &self.status[match s {
            RowStatus::Ok => 0,
            RowStatus::Warning => 1,
            RowStatus::Error => 2,
            RowStatus::InvoiceRejected => 3,
        }]
    }
}

/// Text cut to what one Excel cell holds.
fn clip(s: &str, max_utf16: usize) -> &str {
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
fn put_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    cell: &CellRef<'_>,
    highlight: Option<Severity>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::ExcelDateTime;
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
        CellRef::Date(d) => {
            use chrono::Datelike;
            match u16::try_from(d.year())
                .ok()
                .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok())
            {
                Some(dt) => {
                    ws.write_datetime_with_format(row, col, dt, formats.cell(1, highlight))?;
                }
                None => {
                    ws.write_string_with_format(row, col, cell.text(), general)?;
                }
            }
        }
        CellRef::DateTime(d) => {
            use chrono::{Datelike, Timelike};
            match u16::try_from(d.year())
                .ok()
                .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok())
                .and_then(|dt| {
                    dt.and_hms(d.hour() as u16, d.minute() as u8, d.second())
                        .ok()
                }) {
                Some(dt) => {
                    ws.write_datetime_with_format(row, col, dt, formats.cell(2, highlight))?;
                }
                None => {
                    ws.write_string_with_format(row, col, cell.text(), general)?;
                }
            }
        }
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

fn write_xlsx(
    info: &SourceInfo,
    out: &Path,
    ann: &Annotations<'_>,
    file: &File,
) -> Result<(), AnnotateError> {
    use rust_xlsxwriter::{Note, Workbook, XlsxError};
    let xerr = |e: XlsxError| AnnotateError::Xlsx {
        path: out.to_path_buf(),
        message: e.to_string(),
    };
    let sheet = info.sheet.as_deref().unwrap_or_default();
    let formats = Formats::new();
    let mut book = Workbook::new();
    // The rows wait in a temporary file next to the copy, not in the system's temporary
    // folder (often memory-backed, which would defeat the purpose).
    book.set_tempdir(folder(out)).map_err(xerr)?;
    let ws = book.add_worksheet_with_constant_memory().map_err(xerr)?;
    // Keep the sheet's name where Excel allows it (an ODS name may not fit).
    let _ = ws.set_name(sheet);

    struct State {
        header_row: Option<u32>,
        layout: Layout,
        last_row: u32,
        notes: usize,
    }
    let mut st = State {
        header_row: None,
        layout: Layout::new(0, false),
        last_row: 0,
        notes: 0,
    };
    let mut cursor = Cursor::new(ann.problems);

    let col16 = |c: usize| -> Result<u16, AnnotateError> {
        u16::try_from(c).map_err(|_| AnnotateError::Xlsx {
            path: out.to_path_buf(),
            message: format!("column {} is beyond what a worksheet holds", c + 1),
        })
    };

    let mut failure: Option<AnnotateError> = None;
    let mut each_row = |row: u32, cells: &[CellRef<'_>]| -> Result<(), AnnotateError> {
        let r0 = row.saturating_sub(1);
        let blank = cells.iter().all(CellRef::is_blank);
        if st.header_row.is_none() {
            if blank {
                // Above the header every row is blank (the header is the first row that
                // is not): copied as it is.
                for (c, cell) in cells.iter().enumerate() {
                    put_cell(ws, &formats, r0, col16(c)?, cell, None).map_err(xerr)?;
                }
                return Ok(());
            }
            st.header_row = Some(row);
            st.last_row = row;
            let replace = ends_with_annotation(cells.iter().map(|c| match c {
                CellRef::Text(t) => t.as_bytes(),
                _ => &[][..],
            }));
            st.layout = Layout::new(cells.len(), replace);
            for (c, cell) in cells.iter().enumerate() {
                if let Some(t) = st.layout.target(c)
                    && !cell.is_blank()
                {
                    ws.write_string_with_format(r0, col16(t)?, cell.text(), &formats.header)
                        .map_err(xerr)?;
                }
            }
            let k = col16(st.layout.keep)?;
            ws.write_string_with_format(r0, k, STATUS_HEADER, &formats.header)
                .map_err(xerr)?;
            ws.write_string_with_format(r0, k + 1, MESSAGE_HEADER, &formats.header)
                .map_err(xerr)?;
            return Ok(());
        }
        st.last_row = row;
        let problems = cursor.take(row);
        if blank && problems.is_empty() {
            for (c, cell) in cells.iter().enumerate() {
                if let Some(t) = st.layout.target(c) {
                    put_cell(ws, &formats, r0, col16(t)?, cell, None).map_err(xerr)?;
                }
            }
            return Ok(());
        }
        let reference = ann
            .reference_col
            .and_then(|c| cells.get(c))
            .map(|c| c.text().into_owned())
            .unwrap_or_default();
        let (status, message) = ann.row(problems, &reference);
        // The cells problems name: worst severity first (errors sort before warnings).
        let mut marked: Vec<(usize, Severity, Vec<String>)> = Vec::new();
        for p in problems {
            let Some(c) = p.column.filter(|&c| c < st.layout.keep) else {
                continue;
            };
            let text = ann.describe(p);
            match marked.iter_mut().find(|(mc, _, _)| *mc == c) {
                Some((_, sev, texts)) => {
                    *sev = (*sev).min(p.severity);
                    texts.push(text);
                }
                None => marked.push((c, p.severity, vec![text])),
            }
        }
        marked.sort_by_key(|(c, _, _)| *c);
        let mut m = marked.iter().peekable();
        let last = cells.len().max(marked.last().map_or(0, |(c, _, _)| c + 1));
        for c in 0..last {
            let highlight = match m.peek() {
                Some((mc, sev, _)) if *mc == c => {
                    let sev = *sev;
                    m.next();
                    Some(sev)
                }
                _ => None,
            };
            let Some(t) = st.layout.target(c) else {
                continue;
            };
            let cell = cells.get(c).unwrap_or(&CellRef::Empty);
            put_cell(ws, &formats, r0, col16(t)?, cell, highlight).map_err(xerr)?;
        }
        for (c, _, texts) in &marked {
            if st.notes >= MAX_NOTES {
                break;
            }
            let note = Note::new(clip(&texts.join("\n"), XLSX_MAX_CELL - 100))
                .set_author("kravia-batch")
                .add_author_prefix(false);
            ws.insert_note(r0, col16(*c)?, &note).map_err(xerr)?;
            st.notes += 1;
        }
        let k = col16(st.layout.keep)?;
        ws.write_string_with_format(r0, k, status.as_str(), formats.status(status))
            .map_err(xerr)?;
        if !message.is_empty() {
            ws.write_string(r0, k + 1, clip(&message, XLSX_MAX_CELL))
                .map_err(xerr)?;
        }
        Ok(())
    };
    for_each_sheet_row(&info.path, sheet, |row, cells| match each_row(row, cells) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    cursor.finish(out)?;
    let Some(header_row) = st.header_row else {
        return Err(AnnotateError::Input(InputError::Empty {
            path: info.path.clone(),
        }));
    };
    let k = col16(st.layout.keep)?;
    ws.set_freeze_panes(header_row, 0).map_err(xerr)?;
    ws.autofilter(header_row - 1, 0, st.last_row.max(header_row) - 1, k + 1)
        .map_err(xerr)?;
    ws.set_column_width(k, 16).map_err(xerr)?;
    ws.set_column_width(k + 1, 80).map_err(xerr)?;
    book.save_to_writer(BufWriter::new(file)).map_err(xerr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Rejected;

    fn names() -> ColumnNames {
        ColumnNames {
            headers: vec!["merchant_reference".into(), "Beløp".into(), "".into()],
            letters: false,
            ignored: Vec::new(),
        }
    }

    fn validation(problems: Vec<Problem>, rejected: &[&str]) -> Validation {
        Validation {
            problems,
            rejected: rejected
                .iter()
                .map(|r| Rejected {
                    merchant_reference: r.to_string(),
                    first_row: 2,
                    lines: 1,
                    error: String::new(),
                })
                .collect(),
            ..Validation::default()
        }
    }

    #[test]
    fn statuses_and_messages() {
        let v = validation(
            vec![
                Problem::error(3, Some(1), Some("12,3,4".into()), "is not a number")
                    .with_reference("A"),
                Problem::warning(3, None, None, "invoice A has 101 lines").with_reference("A"),
                Problem::warning(4, Some(0), Some("B".into()), "merchant_reference is long")
                    .with_reference("B"),
            ],
            &["A"],
        );
        let n = names();
        let ann = Annotations::new(&v, &n, Some(0));
        let (s, m) = ann.row(&v.problems[..2], "A");
        assert_eq!(s, RowStatus::Error);
        assert_eq!(
            m,
            "Beløp: '12,3,4' is not a number | warning: row 3: invoice A has 101 lines"
        );
        assert_eq!(
            ann.row(&[], "A"),
            (
                RowStatus::InvoiceRejected,
                "invoice A is not sent: row 3 has errors".into()
            )
        );
        // The header's name is not said twice.
        assert_eq!(
            ann.row(&v.problems[2..], "B"),
            (RowStatus::Warning, "merchant_reference: 'B' is long".into())
        );
        assert_eq!(ann.row(&[], "C"), (RowStatus::Ok, String::new()));
        let unnamed = Problem::error(5, Some(2), None, "is odd");
        assert_eq!(ann.describe(&unnamed), "column C: is odd");
    }

    #[test]
    fn blocking_rows_are_listed_in_words() {
        let rows = |n: u32| {
            (0..n)
                .map(|i| Problem::error(2 + 2 * i, None, None, "bad").with_reference("A"))
                .collect::<Vec<_>>()
        };
        let n = names();
        for (count, expected) in [
            (2, "rows 2 and 4 have errors"),
            (3, "rows 2, 4 and 6 have errors"),
            (
                12,
                "rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 2 more have errors",
            ),
        ] {
            let v = validation(rows(count), &["A"]);
            let ann = Annotations::new(&v, &n, Some(0));
            assert_eq!(
                ann.blocked("A"),
                format!("invoice A is not sent: {expected}")
            );
        }
        let v = validation(Vec::new(), &["A"]);
        let ann = Annotations::new(&v, &n, Some(0));
        assert!(ann.blocked("A").ends_with("it has errors on other rows"));
    }

    #[test]
    fn cursor_hands_out_rows_and_notices_leftovers() {
        let ps = vec![
            Problem::error(2, None, None, "a"),
            Problem::error(2, Some(1), None, "b"),
            Problem::error(4, None, None, "c"),
            Problem::error(9, None, None, "d"),
        ];
        let mut c = Cursor::new(&ps);
        assert_eq!(c.take(2).len(), 2);
        assert!(c.take(3).is_empty());
        assert_eq!(c.take(4).len(), 1);
        assert!(c.finish(Path::new("x.csv")).is_err(), "row 9 never came");
        let mut c = Cursor::new(&ps);
        assert!(c.take(3).is_empty(), "row 2 is skipped");
        assert_eq!(c.take(4).len(), 1);
        assert_eq!(c.take(9).len(), 1);
        let e = c.finish(Path::new("x.csv")).unwrap_err().to_string();
        assert!(e.contains("row(s) 2 could not be placed"), "{e}");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        for f in [&b"plain"[..], b"a;b", b"say \"hi\"", b"two\nlines", b"a,b"] {
            put_field(&mut out, f, b';').unwrap();
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain|\"a;b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|a,b|"
        );
    }

    #[test]
    fn our_text_in_windows_1252() {
        assert_eq!(&*encode("Bjørn → ok", Enc::Windows1252), b"Bj\xf8rn ? ok");
        assert_eq!(&*encode("Bjørn", Enc::Utf8), "Bjørn".as_bytes());
    }

    #[test]
    fn an_earlier_annotation_is_replaced() {
        let h = |v: &[&'static str]| v.iter().map(|s| s.as_bytes()).collect::<Vec<_>>();
        assert!(ends_with_annotation(
            h(&["a", "status", "message"]).into_iter()
        ));
        assert!(ends_with_annotation(
            h(&["status", " message "]).into_iter()
        ));
        assert!(!ends_with_annotation(
            h(&["a", "Status", "Message"]).into_iter()
        ));
        assert!(!ends_with_annotation(h(&["message"]).into_iter()));
        let l = Layout::new(5, true);
        assert_eq!(
            (0..7).map(|c| l.target(c)).collect::<Vec<_>>(),
            [Some(0), Some(1), Some(2), None, None, Some(5), Some(6)]
        );
        let l = Layout::new(3, false);
        assert_eq!(l.target(2), Some(2));
        assert_eq!(l.target(3), Some(5), "beyond the header: after the message");
    }

    #[test]
    fn clip_counts_utf16_units() {
        assert_eq!(clip("abc", 2), "ab");
        assert_eq!(clip("a😀b", 2), "a");
        assert_eq!(clip("a😀b", 3), "a😀");
        assert_eq!(clip("", 0), "");
    }
}
