//! `results_file`: arbitrary bytes as a results file (`status`/`void`/`capture` read it
//! back) in each format, by extension: `.csv`, `.json`, `.xlsx`.
//!
//! The first byte picks the format, the rest is the file (the corpus seeds carry that
//! byte). Rows that read must survive a write and a second read unchanged, since
//! `status` rewrites the file it read.

use crate::common::Scratch;
use kravia_batch::output::results::{
    ResultsFormat, read_results, results_csv_delimiter, write_results,
};

pub fn format(first: u8) -> ResultsFormat {
    match first % 3 {
        0 => ResultsFormat::Csv,
        1 => ResultsFormat::Json,
        _ => ResultsFormat::Xlsx,
    }
}

pub fn run(data: &[u8]) {
    crate::common::tolerate_caught_library_panics();
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    let fmt = format(first);
    let ext = fmt.extension();
    let f = Scratch::new(file, ext);
    let path = f.path(ext);
    let Ok(rows) = read_results(&path) else {
        return;
    };
    let delimiter = match fmt {
        ResultsFormat::Csv => results_csv_delimiter(&path).unwrap_or(b';'),
        _ => b';',
    };
    let out = f.sibling(&format!("again.{ext}"));
    write_results(&out, &rows, fmt, delimiter).expect("rows that were read can be written");
    let again = read_results(&out).expect("a results file just written reads back");
    assert_eq!(
        rows, again,
        "rows changed through a write and a read ({ext})"
    );
}
