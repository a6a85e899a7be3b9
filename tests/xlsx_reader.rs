//! Differential test of the fast XLSX sheet reader: every workbook of
//! `tests/data/xlsx-variants/VARIANTS.tsv` (made by `make_variants.py` there), and every
//! bundled `*.xlsx` under `samples/` and `tests/data/`, is read twice, through calamine
//! alone (the oracle) and through the fast reader. Both must produce the same rows, or
//! both fail with the same message. All mismatches are collected and reported at once.
//!
//! Run with `--nocapture` to see, per file, whether the fast reader handed over to
//! calamine and after how many cells.

use kravia_batch::input::excel::rows_for_test;
use kravia_batch::mapping::column_letter;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const VARIANTS_DIR: &str = "tests/data/xlsx-variants";
const MANIFEST: &str = "tests/data/xlsx-variants/VARIANTS.tsv";
/// Cell texts longer than this are cut in messages (some variants hold 3 MB strings).
const SHOW_CHARS: usize = 120;

type Rows = Vec<(u32, Vec<String>)>;

/// What one read of one file gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    Rows(Rows),
    Error(String),
    Panic(String),
}

struct Case {
    path: PathBuf,
    /// `None`: the first sheet.
    sheet: Option<String>,
}

impl Case {
    fn label(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{} [sheet {s:?}]", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

/// The manifest lines: `file<TAB>sheet<TAB>note`, sheet `-` for the first sheet.
fn manifest() -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(MANIFEST).expect("read VARIANTS.tsv");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 2, "bad manifest line: {l:?}");
            let sheet = (f[1] != "-").then(|| f[1].to_string());
            (f[0].to_string(), sheet)
        })
        .collect()
}

fn variant_cases() -> Vec<Case> {
    manifest()
        .into_iter()
        .map(|(file, sheet)| Case {
            path: Path::new(VARIANTS_DIR).join(file),
            sheet,
        })
        .collect()
}

/// Every `*.xlsx` below `dir`, recursively, except the variants directory (those are
/// read as the manifest says).
fn xlsx_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            if path != Path::new(VARIANTS_DIR) {
                xlsx_under(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            out.push(path);
        }
    }
}

fn bundled_cases() -> Vec<Case> {
    let mut paths = Vec::new();
    xlsx_under(Path::new("samples"), &mut paths);
    xlsx_under(Path::new("tests/data"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| Case { path, sheet: None })
        .collect()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Reads `case` once; the second value is where the fast reader handed over to calamine.
fn read(case: &Case, calamine_only: bool) -> (Outcome, Option<u64>) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        rows_for_test(&case.path, case.sheet.as_deref(), calamine_only)
    }));
    match result {
        Ok(Ok((rows, fallback))) => (Outcome::Rows(rows), fallback),
        Ok(Err(e)) => (Outcome::Error(e.to_string()), None),
        Err(payload) => (Outcome::Panic(panic_message(payload.as_ref())), None),
    }
}

/// `s` cut to a readable length, on a char boundary.
fn short(s: &str) -> String {
    if s.chars().count() <= SHOW_CHARS {
        return format!("{s:?}");
    }
    let cut: String = s.chars().take(SHOW_CHARS).collect();
    format!("{cut:?}... ({} bytes)", s.len())
}

fn show_row((n, cells): &(u32, Vec<String>)) -> String {
    let cells: Vec<String> = cells.iter().map(|c| short(c)).collect();
    format!("row {n} [{}]", cells.join(", "))
}

/// The first row where the two readers disagree.
fn first_row_difference(oracle: &Rows, fast: &Rows) -> String {
    for i in 0..oracle.len().max(fast.len()) {
        match (oracle.get(i), fast.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) if a.0 != b.0 => {
                return format!(
                    "row #{i} of the output: calamine {}, fast {}",
                    show_row(a),
                    show_row(b)
                );
            }
            (Some(a), Some(b)) => {
                let col = (0..a.1.len().max(b.1.len()))
                    .find(|&c| a.1.get(c) != b.1.get(c))
                    .unwrap_or(0);
                let cell = |r: &(u32, Vec<String>)| {
                    r.1.get(col)
                        .map_or_else(|| "(no cell)".to_string(), |c| short(c))
                };
                return format!(
                    "row {}, column {}: calamine {}, fast {} (row widths {} and {})",
                    a.0,
                    column_letter(col),
                    cell(a),
                    cell(b),
                    a.1.len(),
                    b.1.len()
                );
            }
            (Some(a), None) => {
                return format!(
                    "fast reader stops after {} rows; calamine goes on with {}",
                    fast.len(),
                    show_row(a)
                );
            }
            (None, Some(b)) => {
                return format!(
                    "calamine stops after {} rows; fast reader goes on with {}",
                    oracle.len(),
                    show_row(b)
                );
            }
            (None, None) => unreachable!(),
        }
    }
    "no difference".to_string()
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Rows(rows) => format!("{} rows", rows.len()),
        Outcome::Error(e) => format!("error {}", short(e)),
        Outcome::Panic(p) => format!("panic {}", short(p)),
    }
}

/// `None` when the readers agree, else what differs.
fn compare(oracle: &Outcome, fast: &Outcome) -> Option<String> {
    match (oracle, fast) {
        (Outcome::Rows(a), Outcome::Rows(b)) if a == b => None,
        (Outcome::Rows(a), Outcome::Rows(b)) => Some(first_row_difference(a, b)),
        (Outcome::Error(a), Outcome::Error(b)) if a == b => None,
        (Outcome::Error(a), Outcome::Error(b)) => Some(format!(
            "different errors:\n      calamine: {a}\n      fast:     {b}"
        )),
        (Outcome::Panic(_), _) | (_, Outcome::Panic(_)) => Some(format!(
            "panicked: calamine {}, fast {}",
            describe(oracle),
            describe(fast)
        )),
        _ => Some(format!(
            "calamine {}, fast {}",
            describe(oracle),
            describe(fast)
        )),
    }
}

#[test]
fn fast_reader_matches_calamine() {
    let variants = variant_cases();
    let bundled = bundled_cases();
    assert!(
        variants.len() >= 50,
        "only {} variants in the manifest",
        variants.len()
    );
    assert!(
        bundled
            .iter()
            .any(|c| c.path == Path::new("samples/november-2026.xlsx")),
        "bundled sample workbook not found (run from the crate root)"
    );
    let cases: Vec<Case> = variants.into_iter().chain(bundled).collect();

    // Workbooks as Excel and rust_xlsxwriter write them: the scanner must read these
    // itself, or it has silently stopped doing its job (the rows would still match).
    let must_scan = [
        "tests/data/xlsx-variants/01-baseline.xlsx",
        "tests/data/xlsx-variants/72-big-30k-rows.xlsx",
        "samples/november-2026.xlsx",
        "tests/data/valid/base.xlsx",
    ];
    let mut mismatches = Vec::new();
    for case in &cases {
        let (oracle, _) = read(case, true);
        let (fast, fallback) = read(case, false);
        if must_scan.iter().any(|p| case.path == Path::new(p)) && fallback.is_some() {
            mismatches.push(format!(
                "  {}: the fast reader handed over to calamine after {} cells",
                case.label(),
                fallback.unwrap_or_default()
            ));
        }
        let how = match (&fast, fallback) {
            (Outcome::Rows(_), Some(k)) => format!("fell back to calamine after {k} cells"),
            (Outcome::Rows(_), None) => "fast reader read the whole sheet".to_string(),
            (other, _) => describe(other),
        };
        let verdict = compare(&oracle, &fast);
        eprintln!(
            "{}: {how}; calamine {}{}",
            case.label(),
            describe(&oracle),
            if verdict.is_some() { "; MISMATCH" } else { "" }
        );
        if let Some(why) = verdict {
            mismatches.push(format!("  {}: {why}", case.label()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} files read differently by the fast reader and calamine:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

/// The manifest and the directory agree: no workbook without a line, no line without a
/// workbook.
#[test]
fn manifest_lists_every_variant() {
    let listed: Vec<String> = manifest().into_iter().map(|(f, _)| f).collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(VARIANTS_DIR)
        .expect("variants dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "xlsx")
        })
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), listed.len(), "duplicate manifest lines");
    assert_eq!(sorted, on_disk, "VARIANTS.tsv and the .xlsx files differ");
}
