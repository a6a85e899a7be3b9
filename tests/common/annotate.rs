//! `validate --annotate` and `--report` through the binary, as `annotate.rs` and
//! `annotate_spreadsheet.rs` read them.

use super::Test;
use std::path::Path;

/// `validate FILE --annotate OUT --quiet` (plus `extra`); returns exit code and stderr.
pub fn annotate(input: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let out = Test::new()
        .cmd(["validate"])
        .arg(input)
        .arg("--annotate")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .run();
    (out.code().unwrap_or(-1), out.stderr())
}

/// A report row: (row, column, severity, value).
pub type Reported = (u32, String, String, String);

/// The problems of a file as `--report` writes them (to `report.csv` in `dir`).
pub fn report(input: &Path, dir: &Path) -> Vec<Reported> {
    let rep = dir.join("report.csv");
    let _ = std::fs::remove_file(&rep);
    Test::new()
        .cmd(["validate"])
        .arg(input)
        .arg("--report")
        .arg(&rep)
        .arg("--quiet")
        .run();
    let bytes = std::fs::read(&rep).expect("report written");
    let text = String::from_utf8(bytes).expect("utf-8");
    let text = text.trim_start_matches('\u{feff}');
    // The report uses the input's delimiter: the byte after "row".
    let delimiter = text.as_bytes().get(3).copied().unwrap_or(b',');
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("report record");
            (
                r[0].parse().expect("row"),
                r[1].to_string(),
                r[4].to_string(),
                r[3].to_string(),
            )
        })
        .collect()
}
