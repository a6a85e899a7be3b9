//! The error report (`--report FILE`): every problem as a CSV row an accountant can sort
//! and filter.
//!
//! The summary shows the first problems only; a month's export can have thousands, and
//! the accountant works through them in Excel. Hence UTF-8 with a BOM (Excel's cue for
//! the encoding), the input's delimiter (`;` for a spreadsheet), and no cell that Excel
//! would run as a formula.

use super::formula::neutralize;
use crate::i18n::Lang;
use crate::input::dialect::BOM;
use crate::problem::{ColumnNames, Problem};
use std::path::Path;

/// [`write_report_in`] in English.
pub fn write_report(
    path: &Path,
    problems: &[Problem],
    names: &ColumnNames,
    delimiter: u8,
) -> std::io::Result<()> {
    write_report_in(Lang::En, path, problems, names, delimiter)
}

/// Writes the report atomically (temp file, then rename), UTF-8 with BOM so Excel opens
/// it with the right characters. The header row and the `severity` column are stable
/// words for filters and scripts; the `message` column is in `lang`.
pub fn write_report_in(
    lang: Lang,
    path: &Path,
    problems: &[Problem],
    names: &ColumnNames,
    delimiter: u8,
) -> std::io::Result<()> {
    super::atomic::atomic_write(path, |w| {
        w.write_all(BOM)?;
        let mut csv = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(w);
        csv.write_record([
            "row",
            "column",
            "column_letter",
            "value",
            "severity",
            "message",
            "merchant_reference",
        ])?;
        // Columns no field reads: listed first, so a misspelled header is caught.
        for &c in &names.ignored {
            let header = names.header(c);
            if header.trim().is_empty() {
                continue;
            }
            csv.write_record([
                "1".to_string(),
                neutralize(&header).into_owned(),
                names.letter(c).unwrap_or_default(),
                neutralize(&header).into_owned(),
                "ignored".to_string(),
                lang.t("report-ignored-column", &[]),
                String::new(),
            ])?;
        }
        for p in problems {
            // Cell values come from the export: none may run as a formula in Excel.
            let value = p.value.as_deref().unwrap_or_default();
            let reference = p.reference.as_deref().unwrap_or_default();
            csv.write_record([
                p.row.map(|r| r.to_string()).unwrap_or_default(),
                neutralize(&p.column.map(|c| names.header(c)).unwrap_or_default()).into_owned(),
                p.column.and_then(|c| names.letter(c)).unwrap_or_default(),
                neutralize(value).into_owned(),
                p.severity.to_string(),
                neutralize(&p.message_in(lang)).into_owned(),
                neutralize(reference).into_owned(),
            ])?;
        }
        csv.flush()?;
        Ok(())
    })
}
