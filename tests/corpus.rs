//! Every file of the broken corpus (`tests/data/MANIFEST.tsv`) through the real binary:
//! the expected exit code, and a message naming the defect's row and column.

mod common;

use common::Test;
use serde_json::Value;
use std::path::Path;

/// A line of the manifest: a file, its exit code, and the row and column of its defect.
struct Case {
    file: String,
    exit: i32,
    row: Option<u64>,
    column: Option<String>,
}

/// The cases of `tests/data/MANIFEST.tsv`.
fn manifest() -> Vec<Case> {
    let text = std::fs::read_to_string("tests/data/MANIFEST.tsv").expect("manifest");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Case {
                file: f[0].to_string(),
                exit: f[1].parse().expect("exit code"),
                row: f[2].parse().ok(),
                column: (f[3] != "-").then(|| f[3].to_string()),
            }
        })
        .collect()
}

/// `validate FILE --format json` in `tests/data` (with the file's mapping, if it has
/// one): the exit code, the JSON summary and stderr.
fn run(case: &Case) -> (i32, Value, String) {
    let dir = Path::new("tests/data");
    let mut cmd = Test::new()
        .cmd(["validate", &case.file, "--format", "json", "--quiet"])
        .current_dir(dir);
    let toml = Path::new(&case.file).with_extension("toml");
    if dir.join(&toml).exists() {
        cmd = cmd.arg("--mapping").arg(&toml);
    }
    let out = cmd.run();
    let stdout = out.stdout();
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}): {stdout}", case.file));
    (out.code().unwrap_or(-1), json, out.stderr())
}

#[test]
fn corpus_has_at_least_30_defects() {
    let defects = manifest()
        .iter()
        .filter(|c| !c.file.starts_with("valid/") && c.exit != 0)
        .count();
    assert!(defects >= 30, "only {defects} broken files");
}

#[test]
fn every_corpus_file_gives_its_exit_code_and_names_row_and_column() {
    let mut failures = Vec::new();
    for case in manifest() {
        let (code, json, stderr) = run(&case);
        if code != case.exit {
            failures.push(format!(
                "{}: exit {code}, expected {}; {stderr}",
                case.file, case.exit
            ));
            continue;
        }
        if case.file.starts_with("valid/") {
            if json["errors"] != 0 || json["warnings"] != 0 {
                failures.push(format!(
                    "{}: expected a clean file, got {}",
                    case.file, json["problems"]
                ));
            }
            continue;
        }
        let problems = json["problems"].as_array().cloned().unwrap_or_default();
        if problems.is_empty() {
            // A whole-file error: the message must name what it can.
            let message = json["error"].as_str().unwrap_or_default();
            if message.is_empty() {
                failures.push(format!("{}: no problems and no error message", case.file));
            }
            if let Some(col) = &case.column
                && !message.contains(col.as_str())
            {
                failures.push(format!(
                    "{}: message does not name column {col}: {message}",
                    case.file
                ));
            }
            continue;
        }
        let hit = problems.iter().any(|p| {
            let row_ok = case.row.is_none_or(|r| p["row"] == r);
            let col_ok = case
                .column
                .as_ref()
                .is_none_or(|c| p["column"] == c.as_str());
            row_ok && col_ok
        });
        if !hit {
            failures.push(format!(
                "{}: no problem at row {:?} column {:?}: {}",
                case.file,
                case.row,
                case.column,
                Value::Array(problems)
            ));
        }
        if case.exit == 0 && json["warnings"] == 0 {
            failures.push(format!("{}: expected a warning", case.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
