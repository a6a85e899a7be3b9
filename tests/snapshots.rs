//! Snapshot tests for what people read: the human summary and the error report.

use assert_cmd::Command;

fn stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("kravia-batch")
        .expect("bin")
        .args(args)
        .output()
        .expect("run");
    String::from_utf8(out.stdout).expect("utf-8")
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
    let out = Command::cargo_bin("kravia-batch")
        .expect("bin")
        .args([
            "validate",
            "tests/data/10-missing-email-column.csv",
            "--quiet",
        ])
        .output()
        .expect("run");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

#[test]
fn error_report_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.csv");
    let mut all = String::new();
    for file in [
        "tests/data/17-bad-no-orgnr.csv",
        "tests/data/38-vat-amount-mismatch.csv",
        "tests/data/08-mixed-encodings.csv",
        "tests/data/48-long-merchant-reference.csv",
    ] {
        Command::cargo_bin("kravia-batch")
            .expect("bin")
            .args([
                "validate",
                file,
                "--quiet",
                "--report",
                report.to_str().expect("path"),
            ])
            .output()
            .expect("run");
        all.push_str(&format!("# {file}\n"));
        all.push_str(
            &std::fs::read_to_string(&report)
                .expect("report")
                .replace('\u{feff}', "<BOM>"),
        );
    }
    insta::assert_snapshot!(all);
}
