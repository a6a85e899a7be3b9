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

use crate::model::money::{decimal_from_f64, format_minor, to_minor_exact};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// Digits after the decimal point: 2 for every currency Kravia invoices in.
const EXPONENT: u32 = 2;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Column names, in the order they are written.
pub const COLUMNS: [&str; 15] = [
    "merchant_reference",
    "status",
    "transaction_id",
    "invoice_number",
    "invoice_url",
    "amount",
    "currency",
    "customer",
    "rows",
    "error",
    "transaction_status",
    "status_checked_at",
    "status_changed_at",
    "invoice_date",
    "due_date",
];

/// What happened to one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ResultStatus {
    /// Kravia created the invoice in this run.
    Created,
    /// An invoice with this merchant reference was already there; not created again.
    AlreadyExists,
    /// Kravia refused it (the `error` column says why).
    Failed,
    /// The request was sent but the answer was lost (timeout, dropped connection): the
    /// invoice may or may not exist; check before sending again.
    Unknown,
    /// Never sent (the run stopped, or an earlier problem blocked it).
    #[default]
    NotSent,
}

impl ResultStatus {
    pub const ALL: [ResultStatus; 5] = [
        ResultStatus::Created,
        ResultStatus::AlreadyExists,
        ResultStatus::Failed,
        ResultStatus::Unknown,
        ResultStatus::NotSent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Created => "created",
            ResultStatus::AlreadyExists => "already_exists",
            ResultStatus::Failed => "failed",
            ResultStatus::Unknown => "unknown",
            ResultStatus::NotSent => "not_sent",
        }
    }

    /// Parses the written form; surrounding spaces and case are forgiven (Excel users).
    pub fn parse(s: &str) -> Option<ResultStatus> {
        let s = s.trim();
        ResultStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for ResultStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invoice in the results file.
///
/// `status` is a plain [`ResultStatus`] (default [`ResultStatus::NotSent`]) rather than
/// an `Option`: every written row has a status, so there is no "none" to write.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResultRow {
    pub merchant_reference: String,
    pub status: ResultStatus,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_url: Option<String>,
    /// Total in minor units (øre/cents).
    pub amount: i64,
    pub currency: String,
    pub customer: String,
    /// The input rows of the invoice, as the caller describes them.
    pub rows: String,
    pub error: Option<String>,
    /// Filled by the later `status` command; empty for now.
    pub transaction_status: Option<String>,
    pub status_checked_at: Option<String>,
    pub status_changed_at: Option<String>,
    /// Kravia's invoice date (`kravia:invoice_date`, `2026-11-30`): what the accountant
    /// books the invoice by.
    pub invoice_date: Option<String>,
    /// Kravia's due date (`kravia:invoice_due_date`).
    pub due_date: Option<String>,
}

/// The results file formats: a setting, defined with the others.
pub use crate::config::ResultsFormat;

/// Why a results file could not be written or read. Every variant names the file.
#[derive(thiserror::Error, Debug)]
pub enum ResultsError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: CSV: {message}", path.display())]
    Csv { path: PathBuf, message: String },
    #[error("{}: XLSX: {message}", path.display())]
    Xlsx { path: PathBuf, message: String },
    #[error("{}: JSON: {message}", path.display())]
    Json { path: PathBuf, message: String },
    /// The content is not a results file (missing column, unknown status, bad amount…).
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

impl ResultsError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        ResultsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn format(path: &Path, message: impl Into<String>) -> Self {
        ResultsError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

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
        ResultsFormat::Csv => write_csv(path, rows, delimiter),
        ResultsFormat::Json => write_json(path, rows),
        ResultsFormat::Xlsx => write_xlsx(path, rows),
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

/// The delimiter of a CSV results file as [`read_results`] sees it (`;`, `,` or tab), so
/// a command that rewrites the file keeps its dialect.
pub fn results_csv_delimiter(path: &Path) -> Result<u8, ResultsError> {
    let raw = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    let text = decode_csv_text(path, &raw)?;
    Ok(sniff_delimiter(text.as_bytes()))
}

// ---------------------------------------------------------------------------------------
// Amounts

/// `1234.50`, or `1234,50` when `comma` (the file uses `;`).
fn amount_text(minor: i64, comma: bool) -> String {
    let s = format_minor(minor, EXPONENT);
    if comma { s.replace('.', ",") } else { s }
}

/// Parses an amount as written (or as Excel re-saved it): a sign, digits and at most one
/// decimal separator, `,` or `.`. Thousands separators are refused rather than guessed.
fn parse_amount(text: &str) -> Result<i64, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if t.is_empty() {
        return Ok(0);
    }
    if t.matches([',', '.']).count() > 1 {
        return Err(format!(
            "amount {text:?} has more than one separator; write it as 1234,50 or 1234.50"
        ));
    }
    let d = Decimal::from_str_exact(&t.replace(',', "."))
        .map_err(|_| format!("amount {text:?} is not a number"))?;
    to_minor_exact(d, EXPONENT)
        .ok_or_else(|| format!("amount {text:?} has more than {EXPONENT} decimals or is too large"))
}

/// No invoice the tool sends is above the per-invoice bound, so a results amount above
/// it was edited or is not ours; refusing it also keeps every sum of a results file
/// (`status`, `void` and `capture` add them up per currency) far from overflowing.
fn within_bound(amount: i64) -> Result<i64, String> {
    let bound = crate::model::money::max_amount_minor(EXPONENT);
    if amount.checked_abs().is_some_and(|a| a <= bound) {
        Ok(amount)
    } else {
        Err(format!(
            "amount {} is above the largest invoice kravia-batch sends ({}): was the file edited?",
            crate::model::money::format_minor_nordic(amount, EXPONENT),
            crate::model::money::format_minor_nordic(bound, EXPONENT)
        ))
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

fn or_empty(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// CSV

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

fn write_csv(path: &Path, rows: &[ResultRow], delimiter: u8) -> Result<(), ResultsError> {
    check_delimiter(path, delimiter)?;
    let comma = delimiter == b';';
    super::atomic_write(path, |w| {
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
            csv.write_record(
                cells
                    .map(super::formula::neutralize)
                    .iter()
                    .map(|c| c.as_bytes()),
            )?;
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

/// Where each known column is in a file, found by header name (case and spaces
/// forgiven). Only `merchant_reference` and `status` are required.
struct ColumnMap([Option<usize>; COLUMNS.len()]);

impl ColumnMap {
    fn new<'a>(path: &Path, headers: impl Iterator<Item = &'a str>) -> Result<Self, ResultsError> {
        let mut idx = [None; COLUMNS.len()];
        for (i, h) in headers.enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            // `amount_minor` (JSON-style) is not a column of ours; ignored like any extra.
            if let Some(c) = COLUMNS.iter().position(|c| *c == h) {
                idx[c].get_or_insert(i);
            }
        }
        for required in ["merchant_reference", "status"] {
            let c = COLUMNS.iter().position(|c| *c == required).unwrap_or(0);
            if idx[c].is_none() {
                return Err(ResultsError::format(
                    path,
                    format!("no {required} column in the header: is this a results file?"),
                ));
            }
        }
        Ok(ColumnMap(idx))
    }

    fn get<'a>(&self, name: &str, cells: &'a [String]) -> &'a str {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|c| self.0[c])
            .and_then(|i| cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Builds a row from text cells; `row` is the spreadsheet row number for messages.
fn row_from_cells(
    path: &Path,
    map: &ColumnMap,
    cells: &[String],
    row: usize,
    amount_minor: Option<i64>,
) -> Result<ResultRow, ResultsError> {
    let get = |name: &str| map.get(name, cells);
    let status_text = get("status");
    let status = ResultStatus::parse(status_text).ok_or_else(|| {
        ResultsError::format(
            path,
            format!(
                "row {row}: unknown status {status_text:?} (expected one of {})",
                ResultStatus::ALL.map(ResultStatus::as_str).join(", ")
            ),
        )
    })?;
    let amount = match amount_minor {
        Some(a) => a,
        None => parse_amount(get("amount"))
            .map_err(|m| ResultsError::format(path, format!("row {row}: {m}")))?,
    };
    let amount =
        within_bound(amount).map_err(|m| ResultsError::format(path, format!("row {row}: {m}")))?;
    let merchant_reference = get("merchant_reference").trim();
    if merchant_reference.is_empty() {
        return Err(ResultsError::format(
            path,
            format!("row {row}: merchant_reference is empty"),
        ));
    }
    Ok(ResultRow {
        merchant_reference: merchant_reference.to_string(),
        status,
        transaction_id: opt(get("transaction_id")),
        invoice_number: opt(get("invoice_number")),
        invoice_url: opt(get("invoice_url")),
        amount,
        currency: get("currency").trim().to_string(),
        customer: get("customer").to_string(),
        rows: get("rows").to_string(),
        error: opt(get("error")),
        transaction_status: opt(get("transaction_status")),
        status_checked_at: opt(get("status_checked_at")),
        status_changed_at: opt(get("status_changed_at")),
        invoice_date: opt(get("invoice_date")),
        due_date: opt(get("due_date")),
    })
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
            .map(|c| super::formula::restore(c).to_string())
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Row numbers as Excel shows them: the header is row 1.
        out.push(row_from_cells(path, &map, &cells, i + 2, None)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// JSON

#[derive(serde::Serialize, serde::Deserialize)]
struct JsonRow {
    merchant_reference: String,
    status: String,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default)]
    invoice_url: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    amount_minor: Option<i64>,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    rows: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    transaction_status: Option<String>,
    #[serde(default)]
    status_checked_at: Option<String>,
    #[serde(default)]
    status_changed_at: Option<String>,
    #[serde(default)]
    invoice_date: Option<String>,
    #[serde(default)]
    due_date: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JsonFile {
    results: Vec<JsonRow>,
}

fn write_json(path: &Path, rows: &[ResultRow]) -> Result<(), ResultsError> {
    let file = JsonFile {
        results: rows
            .iter()
            .map(|r| JsonRow {
                merchant_reference: r.merchant_reference.clone(),
                status: r.status.as_str().to_string(),
                transaction_id: r.transaction_id.clone(),
                invoice_number: r.invoice_number.clone(),
                invoice_url: r.invoice_url.clone(),
                amount: Some(amount_text(r.amount, false)),
                amount_minor: Some(r.amount),
                currency: r.currency.clone(),
                customer: r.customer.clone(),
                rows: r.rows.clone(),
                error: r.error.clone(),
                transaction_status: r.transaction_status.clone(),
                status_checked_at: r.status_checked_at.clone(),
                status_changed_at: r.status_changed_at.clone(),
                invoice_date: r.invoice_date.clone(),
                due_date: r.due_date.clone(),
            })
            .collect(),
    };
    super::atomic_write(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &file)?;
        w.write_all(b"\n")
    })
    .map_err(|e| ResultsError::io(path, e))
}

/// Reads a JSON results file. `amount_minor` wins; `amount` (string) is the fallback.
pub fn read_results_json(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    let data = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    let data = data.strip_prefix(UTF8_BOM).unwrap_or(&data);
    let file: JsonFile = serde_json::from_slice(data).map_err(|e| ResultsError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    file.results
        .into_iter()
        .enumerate()
        .map(|(i, j)| {
            let n = i + 1;
            if j.merchant_reference.trim().is_empty() {
                return Err(ResultsError::format(
                    path,
                    format!("result {n}: merchant_reference is empty"),
                ));
            }
            let status = ResultStatus::parse(&j.status).ok_or_else(|| {
                ResultsError::format(
                    path,
                    format!(
                        "result {n} ({}): unknown status {:?} (expected one of {})",
                        j.merchant_reference,
                        j.status,
                        ResultStatus::ALL.map(ResultStatus::as_str).join(", ")
                    ),
                )
            })?;
            let amount = match (j.amount_minor, &j.amount) {
                (Some(m), _) => m,
                (None, Some(a)) => parse_amount(a)
                    .map_err(|m| ResultsError::format(path, format!("result {n}: {m}")))?,
                (None, None) => 0,
            };
            let amount = within_bound(amount)
                .map_err(|m| ResultsError::format(path, format!("result {n}: {m}")))?;
            Ok(ResultRow {
                merchant_reference: j.merchant_reference,
                status,
                transaction_id: j.transaction_id,
                invoice_number: j.invoice_number,
                invoice_url: j.invoice_url,
                amount,
                currency: j.currency,
                customer: j.customer,
                rows: j.rows,
                error: j.error,
                transaction_status: j.transaction_status,
                status_checked_at: j.status_checked_at,
                status_changed_at: j.status_changed_at,
                invoice_date: j.invoice_date,
                due_date: j.due_date,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// XLSX

/// Excel's limit on the text of one cell.
const XLSX_MAX_CELL_CHARS: usize = 32_767;

fn xlsx_text(s: &str) -> &str {
    match s.char_indices().nth(XLSX_MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn write_xlsx(path: &Path, rows: &[ResultRow]) -> Result<(), ResultsError> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| ResultsError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("results").map_err(xerr)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &bold)
            .map_err(xerr)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| ResultsError::Xlsx {
            path: path.to_path_buf(),
            message: "too many rows for a worksheet".into(),
        })?;
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
                sheet.write_string(row, c, xlsx_text(text)).map_err(xerr)?;
            }
        }
        // The invoice's dates as Excel dates, so the accountant can sort and book by
        // them; anything that is not a plain date stays text.
        for (c, date) in [(13u16, &r.invoice_date), (14, &r.due_date)] {
            let Some(text) = date.as_deref().filter(|t| !t.is_empty()) else {
                continue;
            };
            let excel = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| {
                    use chrono::Datelike;
                    let (m, dd) = (u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?);
                    rust_xlsxwriter::ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, m, dd)
                        .ok()
                });
            match excel {
                Some(d) => {
                    sheet
                        .write_datetime_with_format(row, c, &d, &day)
                        .map_err(xerr)?;
                }
                None => {
                    sheet.write_string(row, c, xlsx_text(text)).map_err(xerr)?;
                }
            }
        }
        // Exact for any invoice total (well under 2^53 minor units).
        let major = r.amount as f64 / 10f64.powi(EXPONENT as i32);
        sheet
            .write_number_with_format(row, 5, major, &money)
            .map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet
        .autofilter(0, 0, last_row, (COLUMNS.len() - 1) as u16)
        .map_err(xerr)?;
    // Long errors and URLs must not make columns screen-wide (400 px, about 55 characters).
    sheet.set_autofit_max_width(400).autofit();

    let buf = book.save_to_buffer().map_err(xerr)?;
    super::atomic_write(path, |w| w.write_all(&buf)).map_err(|e| ResultsError::io(path, e))
}

/// Reads an XLSX results file (first sheet, header row by name) through the input
/// reader.
pub fn read_results_xlsx(path: &Path) -> Result<Vec<ResultRow>, ResultsError> {
    use crate::input::CellRef;
    // Through the input reader: a damaged or hostile workbook is an error with the
    // same limits as an export, never a panic or a range of billions of cells.
    let mut header: Option<ColumnMap> = None;
    let amount_at = COLUMNS.iter().position(|c| *c == "amount");
    let mut out = Vec::new();
    let mut failed: Option<ResultsError> = None;
    let read = crate::input::for_each_first_sheet_row(path, |row, cells| {
        let text: Vec<String> = cells.iter().map(|c| c.text().into_owned()).collect();
        if text.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let map = match &header {
            Some(map) => map,
            None => {
                match ColumnMap::new(path, text.iter().map(String::as_str)) {
                    Ok(map) => header = Some(map),
                    Err(e) => failed = Some(e),
                }
                return failed.is_none();
            }
        };
        let amount_minor = match amount_at.and_then(|a| map.0[a]).and_then(|c| cells.get(c)) {
            Some(CellRef::Number(f)) => {
                match decimal_from_f64(*f).and_then(|d| to_minor_exact(d, EXPONENT)) {
                    Some(m) => Some(m),
                    None => {
                        failed = Some(ResultsError::format(
                            path,
                            format!("row {row}: amount {f} is not an amount"),
                        ));
                        return false;
                    }
                }
            }
            _ => None, // text: parsed like CSV
        };
        match row_from_cells(path, map, &text, row as usize, amount_minor) {
            Ok(r) => out.push(r),
            Err(e) => failed = Some(e),
        }
        failed.is_none()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<ResultRow> {
        vec![
            ResultRow {
                merchant_reference: "2026-11-0101".into(),
                status: ResultStatus::Created,
                transaction_id: Some("T12345678.5XYZabc".into()),
                invoice_number: Some("10042".into()),
                invoice_url: Some("https://checkout.dintero.com/v1/view/abc?x=1&y=2".into()),
                amount: 123_450,
                currency: "NOK".into(),
                customer: "Blåbær & Søn AS".into(),
                rows: "2-4".into(),
                ..Default::default()
            },
            ResultRow {
                merchant_reference: "2026-11-0102".into(),
                status: ResultStatus::Failed,
                amount: -5,
                currency: "NOK".into(),
                customer: "Ærlig; \"Øvre\" Gård\nandre linje".into(),
                rows: "5".into(),
                error: Some("400 Bad Request: invalid \"email\"; check row 5".into()),
                ..Default::default()
            },
            ResultRow {
                merchant_reference: "2026-11-0103".into(),
                status: ResultStatus::AlreadyExists,
                transaction_id: Some("T999".into()),
                amount: 29_900,
                currency: "EUR".into(),
                customer: "Kari Nordmann".into(),
                rows: "6".into(),
                ..Default::default()
            },
            ResultRow {
                merchant_reference: "2026-11-0104".into(),
                status: ResultStatus::Unknown,
                amount: 0,
                currency: "NOK".into(),
                customer: "Ola".into(),
                rows: "7".into(),
                error: Some("timeout after 30 s".into()),
                ..Default::default()
            },
            ResultRow {
                merchant_reference: "2026-11-0105".into(),
                status: ResultStatus::NotSent,
                amount: 10_000_000_001,
                currency: "SEK".into(),
                customer: "Åse".into(),
                rows: "8".into(),
                ..Default::default()
            },
        ]
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn status_strings_round_trip() {
        for s in ResultStatus::ALL {
            assert_eq!(ResultStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            ResultStatus::parse(" Created "),
            Some(ResultStatus::Created)
        );
        assert_eq!(ResultStatus::parse("sent"), None);
        assert_eq!(ResultStatus::default(), ResultStatus::NotSent);
    }

    #[test]
    fn csv_round_trip_with_semicolon() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let rows = sample();
        write_results(&path, &rows, ResultsFormat::Csv, b';').unwrap();
        assert_eq!(read_results(&path).unwrap(), rows);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(";1234,50;NOK;"), "{text}");
        assert!(text.contains(";-0,05;"), "{text}");
    }

    #[test]
    fn csv_round_trip_with_comma() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let rows = sample();
        write_results(&path, &rows, ResultsFormat::Csv, b',').unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(",1234.50,NOK,"), "{text}");
        assert_eq!(read_results(&path).unwrap(), rows);
    }

    #[test]
    fn csv_starts_with_bom_and_keeps_norwegian_characters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(UTF8_BOM));
        assert!(!bytes[3..].starts_with(UTF8_BOM), "exactly one BOM");
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.contains("Blåbær & Søn AS"));
        assert!(text.contains("Åse"));
        let back = read_results_csv(&path).unwrap();
        assert_eq!(back[0].customer, "Blåbær & Søn AS");
        assert_eq!(back[0].merchant_reference, "2026-11-0101");
    }

    #[test]
    fn csv_values_with_delimiter_quotes_and_newline_survive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let rows = sample();
        write_results(&path, &rows, ResultsFormat::Csv, b';').unwrap();
        let back = read_results_csv(&path).unwrap();
        assert_eq!(back[1].customer, "Ærlig; \"Øvre\" Gård\nandre linje");
        assert_eq!(
            back[1].error.as_deref(),
            Some("400 Bad Request: invalid \"email\"; check row 5")
        );
        assert_eq!(back.len(), rows.len());
    }

    #[test]
    fn csv_header_is_in_the_documented_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write_results(&path, &[], ResultsFormat::Csv, b';').unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "\u{feff}merchant_reference;status;transaction_id;invoice_number;invoice_url;\
             amount;currency;customer;rows;error;transaction_status;status_checked_at;\
             status_changed_at;invoice_date;due_date\n"
        );
        assert!(read_results(&path).unwrap().is_empty());
    }

    #[test]
    fn reads_comma_csv_without_bom_with_extra_columns_in_another_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edited.csv");
        std::fs::write(
            &path,
            "note,Status,merchant_reference,amount,currency,extra\n\
             checked,created,2026-11-0101,\"1234,5\",NOK,x\n\
             ,,,,,\n\
             ,failed,2026-11-0102,99.9,NOK,\n",
        )
        .unwrap();
        let rows = read_results_csv(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].merchant_reference, "2026-11-0101");
        assert_eq!(rows[0].status, ResultStatus::Created);
        assert_eq!(rows[0].amount, 123_450);
        assert_eq!(rows[0].transaction_id, None);
        assert_eq!(rows[1].status, ResultStatus::Failed);
        assert_eq!(rows[1].amount, 9_990);
    }

    #[test]
    fn reads_a_file_excel_saved_again_as_windows_1252() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        // "Blåbær" in Windows-1252, no BOM, amount re-typed by Excel without trailing zero.
        let mut bytes = b"merchant_reference;status;amount;customer\r\n".to_vec();
        bytes.extend_from_slice(b"A-1;created;1234,5;Bl\xe5b\xe6r AS\r\n");
        std::fs::write(&path, &bytes).unwrap();
        let rows = read_results_csv(&path).unwrap();
        assert_eq!(rows[0].customer, "Blåbær AS");
        assert_eq!(rows[0].amount, 123_450);
        // A byte Windows-1252 does not define is refused, not guessed.
        bytes.push(0x81);
        std::fs::write(&path, &bytes).unwrap();
        let msg = read_results_csv(&path).unwrap_err().to_string();
        assert!(msg.contains("0x81"), "{msg}");
    }

    #[test]
    fn empty_merchant_reference_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "merchant_reference;status\nA-1;created\n ;failed\n").unwrap();
        let msg = read_results_csv(&path).unwrap_err().to_string();
        assert!(
            msg.contains("row 3") && msg.contains("merchant_reference is empty"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_status_names_the_row_and_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(
            &path,
            "\u{feff}merchant_reference;status;amount\nA-1;created;1,00\nA-2;sent;2,00\n",
        )
        .unwrap();
        let err = read_results_csv(&path).unwrap_err();
        assert!(matches!(err, ResultsError::Format { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("row 3"), "{msg}");
        assert!(msg.contains("\"sent\""), "{msg}");
        assert!(msg.contains("r.csv"), "{msg}");
    }

    #[test]
    fn bad_amount_and_missing_column_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(
            &path,
            "merchant_reference;status;amount\nA-1;created;1.234,50\n",
        )
        .unwrap();
        let msg = read_results_csv(&path).unwrap_err().to_string();
        assert!(msg.contains("row 2") && msg.contains("1.234,50"), "{msg}");
        std::fs::write(
            &path,
            "merchant_reference;status;amount\nA-1;created;1,234\n",
        )
        .unwrap();
        let msg = read_results_csv(&path).unwrap_err().to_string();
        assert!(msg.contains("more than 2 decimals"), "{msg}");
        std::fs::write(&path, "reference;status\nA-1;created\n").unwrap();
        let msg = read_results_csv(&path).unwrap_err().to_string();
        assert!(msg.contains("no merchant_reference column"), "{msg}");
    }

    #[test]
    fn json_round_trip_and_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let rows = sample();
        write_results(&path, &rows, ResultsFormat::Json, b';').unwrap();
        assert_eq!(read_results(&path).unwrap(), rows);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let first = &v["results"][0];
        assert_eq!(first["amount"], "1234.50");
        assert_eq!(first["amount_minor"], 123_450);
        assert_eq!(first["status"], "created");
        assert_eq!(first["customer"], "Blåbær & Søn AS");
        assert_eq!(v["results"][1]["transaction_id"], serde_json::Value::Null);
    }

    #[test]
    fn json_unknown_status_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(
            &path,
            r#"{"results":[{"merchant_reference":"A-1","status":"done","amount":"1.00"}]}"#,
        )
        .unwrap();
        let msg = read_results(&path).unwrap_err().to_string();
        assert!(
            msg.contains("result 1") && msg.contains("A-1") && msg.contains("\"done\""),
            "{msg}"
        );
    }

    #[test]
    fn xlsx_written_and_read_back_with_calamine() {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xlsx");
        let rows = sample();
        write_results(&path, &rows, ResultsFormat::Xlsx, b';').unwrap();
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, COLUMNS.map(String::from).to_vec());
        assert_eq!(range.get_value((1, 5)), Some(&Data::Float(1234.5)));
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("2026-11-0101".into()))
        );
        assert_eq!(read_results(&path).unwrap(), rows);
    }

    #[test]
    fn atomic_writes_leave_only_the_results_files() {
        let dir = tempfile::tempdir().unwrap();
        for (name, format) in [
            ("r.csv", ResultsFormat::Csv),
            ("r.json", ResultsFormat::Json),
            ("r.xlsx", ResultsFormat::Xlsx),
        ] {
            let path = dir.path().join(name);
            write_results(&path, &sample(), format, b';').unwrap();
            // Overwriting replaces the file whole.
            write_results(&path, &sample()[..1], format, b';').unwrap();
            assert_eq!(read_results(&path).unwrap().len(), 1);
        }
        assert_eq!(entries(dir.path()), ["r.csv", "r.json", "r.xlsx"]);
    }

    #[test]
    fn refused_write_keeps_the_old_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
        let before = std::fs::read(&path).unwrap();
        assert!(write_results(&path, &sample(), ResultsFormat::Csv, b'"').is_err());
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(entries(dir.path()), ["r.csv"]);
    }

    #[test]
    fn default_path_is_next_to_the_input() {
        assert_eq!(
            default_results_path(Path::new("/data/nov 2026.xlsx"), ResultsFormat::Csv),
            PathBuf::from("/data/nov 2026.results.csv")
        );
        assert_eq!(
            default_results_path(Path::new("faktura.csv"), ResultsFormat::Json),
            PathBuf::from("faktura.results.json")
        );
        assert_eq!(
            default_results_path(Path::new("a/b.v2.csv"), ResultsFormat::Xlsx),
            PathBuf::from("a/b.v2.results.xlsx")
        );
    }

    #[test]
    fn unknown_extension_is_refused() {
        let msg = read_results(Path::new("results.txt"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains(".csv, .json or .xlsx"), "{msg}");
    }

    #[test]
    fn csv_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write_results(&path, &sample(), ResultsFormat::Csv, b';').unwrap();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace('\u{feff}', "<BOM>");
        insta::assert_snapshot!("results_csv", text);
    }
}
