//! Snapshots of what people read, in both languages (#16): the summary of the sample
//! month, a summary with problems, the error report and `--help`.

mod common;

use common::Test;

/// stdout of the binary with `LANG` set to `locale`.
fn stdout(locale: &str, args: &[&str]) -> String {
    Test::new().env("LANG", locale).run(args).stdout()
}

const NB: &str = "nb_NO.UTF-8";
const EN: &str = "en_US.UTF-8";

#[test]
fn summary_nb() {
    let args = ["validate", "samples/november-2026-no.csv", "--quiet"];
    insta::assert_snapshot!(stdout(NB, &args));
}

#[test]
fn summary_en() {
    let args = ["validate", "samples/november-2026-no.csv", "--quiet"];
    insta::assert_snapshot!(stdout(EN, &args));
}

const WITH_PROBLEMS: [&str; 5] = [
    "tests/data/17-bad-no-orgnr.csv",
    "tests/data/38-vat-amount-mismatch.csv",
    "tests/data/08-mixed-encodings.csv",
    "tests/data/48-long-merchant-reference.csv",
    "tests/data/39-conflicting-email.csv",
];

/// The problems block of each file's summary, and each file's error report.
fn problems_and_reports(locale: &str) -> String {
    let t = Test::new().env("LANG", locale);
    let report = t.path("report.csv");
    let mut all = String::new();
    for file in WITH_PROBLEMS {
        let out = t
            .cmd(["validate", file, "--quiet", "--report"])
            .arg(&report)
            .run();
        let stdout = out.stdout();
        let problems: Vec<&str> = stdout
            .lines()
            .skip_while(|l| !matches!(*l, "Problems" | "Problemer"))
            .collect();
        all.push_str(&format!("# {file}\n{}\n", problems.join("\n")));
        let csv = std::fs::read_to_string(&report).expect("report");
        all.push_str(&format!(
            "## report\n{}\n",
            csv.replace('\u{feff}', "<BOM>")
        ));
    }
    all
}

#[test]
fn problems_nb() {
    insta::assert_snapshot!(problems_and_reports(NB));
}

#[test]
fn problems_en() {
    insta::assert_snapshot!(problems_and_reports(EN));
}

#[test]
fn help_nb() {
    insta::assert_snapshot!("help_top_nb", stdout(NB, &["--help"]));
    insta::assert_snapshot!("help_validate_nb", stdout(NB, &["validate", "--help"]));
    insta::assert_snapshot!(
        "help_validate_lang_flag_nb",
        Test::new()
            .run(["validate", "--help", "--lang", "nb"])
            .stdout()
    );
}

#[test]
fn help_en() {
    insta::assert_snapshot!("help_top_en", stdout(EN, &["--help"]));
    insta::assert_snapshot!("help_validate_en", stdout(EN, &["validate", "--help"]));
}

#[test]
fn english_help_is_the_help_of_the_definition() {
    // The localization hook leaves English alone: same text as with LANG=C.
    for args in [
        &["--help"][..],
        &["validate", "--help"],
        &["import", "--help"],
    ] {
        assert_eq!(stdout(EN, args), stdout("C", args));
    }
}
