//! Snapshot tests for what people read: the human summary and the error report.

mod common;

use common::{Test, run};

/// The binary's stdout for `args`, which must be UTF-8.
fn stdout(args: &[&str]) -> String {
    String::from_utf8(run(args).stdout_bytes().to_vec()).expect("utf-8")
}

#[test]
fn summary_of_the_sample_month() {
    insta::assert_snapshot!(stdout(&[
        "validate",
        "samples/november-2026-no.csv",
        "--quiet"
    ]));
}

#[test]
fn summary_with_errors() {
    insta::assert_snapshot!(stdout(&[
        "validate",
        "tests/data/39-conflicting-email.csv",
        "--quiet"
    ]));
}

#[test]
fn missing_column_message() {
    let out = run([
        "validate",
        "tests/data/10-missing-email-column.csv",
        "--quiet",
    ]);
    insta::assert_snapshot!(out.stderr());
}

#[test]
fn error_report_csv() {
    let t = Test::new();
    let report = t.path("report.csv");
    let mut all = String::new();
    for file in [
        "tests/data/17-bad-no-orgnr.csv",
        "tests/data/38-vat-amount-mismatch.csv",
        "tests/data/08-mixed-encodings.csv",
        "tests/data/48-long-merchant-reference.csv",
    ] {
        t.cmd(["validate", file, "--quiet", "--report"])
            .arg(&report)
            .run();
        all.push_str(&format!("# {file}\n"));
        all.push_str(
            &std::fs::read_to_string(&report)
                .expect("report")
                .replace('\u{feff}', "<BOM>"),
        );
    }
    insta::assert_snapshot!(all);
}

/// Issue #17, item 7: a column no field reads is listed (summary, JSON, report), so a
/// misspelled header is caught; item 9: the report names CSV columns by letter too.
#[test]
fn ignored_column_is_listed() {
    insta::assert_snapshot!(stdout(&[
        "validate",
        "tests/data/expect/ignored-column.csv",
        "--quiet"
    ]));
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "validate",
        "tests/data/expect/ignored-column.csv",
        "--quiet",
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(
        json["ignored_columns"],
        serde_json::json!([{"column": "Intern merknad", "column_letter": "AC"}])
    );
    let t = Test::new();
    let report = t.path("report.csv");
    t.cmd([
        "validate",
        "tests/data/expect/ignored-column.csv",
        "--quiet",
    ])
    .arg("--report")
    .arg(&report)
    .assert()
    .success();
    insta::assert_snapshot!(
        "ignored_column_report",
        std::fs::read_to_string(&report).expect("report")
    );
}

/// Item 9: a CSV's problems carry the Excel letter of their column in the report.
#[test]
fn csv_report_has_column_letters() {
    let t = Test::new();
    let report = t.path("report.csv");
    t.cmd(["validate", "tests/data/20-bad-email.csv", "--quiet"])
        .arg("--report")
        .arg(&report)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&report).expect("report");
    let mut r =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(!row[2].is_empty(), "no column letter: {row:?}");
    }
}

/// Item 8: suggestions only above a similarity threshold, among the missing field's
/// own names (no "Kunde e-post" for customer_type, no "Firma" for first_name).
#[test]
fn no_misleading_suggestions() {
    let out = run([
        "validate",
        "tests/data/expect/misleading-suggestions.csv",
        "--quiet",
    ]);
    insta::assert_snapshot!(out.stderr());
}

/// Item 10: every help text says where to start, gives an example and the exit codes.
#[test]
fn help_texts() {
    for (name, args) in [
        ("help_top", vec!["--help"]),
        ("help_validate", vec!["validate", "--help"]),
        ("help_import", vec!["import", "--help"]),
        ("help_status", vec!["status", "--help"]),
        ("help_config_check", vec!["config", "check", "--help"]),
    ] {
        let out = Test::new().cmd(&args).env("COLUMNS", "100").run();
        let text = String::from_utf8(out.stdout_bytes().to_vec()).expect("utf-8");
        assert!(text.contains("Exit codes: 0"), "{name}");
        assert!(text.contains("Example"), "{name}");
        // One style: every option on its line and its sentence on the next, never
        // clap's long layout with a blank line between options (import's was 140 lines).
        assert!(
            !text.contains("\n\n      --"),
            "{name} uses the long layout:\n{text}"
        );
        insta::assert_snapshot!(name, text);
    }
}
