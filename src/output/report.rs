//! The error report: every problem as a CSV row an accountant can sort and filter.

use crate::problem::{ColumnNames, Problem};
use std::path::Path;

/// Writes the report atomically (temp file, then rename), UTF-8 with BOM so Excel opens
/// it with the right characters.
pub fn write_report(
    path: &Path,
    problems: &[Problem],
    names: &ColumnNames,
    delimiter: u8,
) -> std::io::Result<()> {
    super::atomic_write(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
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
        for p in problems {
            csv.write_record([
                p.row.map(|r| r.to_string()).unwrap_or_default(),
                p.column.map(|c| names.header(c)).unwrap_or_default(),
                p.column.and_then(|c| names.letter(c)).unwrap_or_default(),
                p.value.clone().unwrap_or_default(),
                p.severity.to_string(),
                p.message.clone(),
                p.reference.clone().unwrap_or_default(),
            ])?;
        }
        csv.flush()?;
        Ok(())
    })
}
