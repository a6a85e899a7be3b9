//! The tool under careless commands: outputs that name an input, a rehearsal before the
//! live run, `--skip-invalid` with a broken row, formulas in cells, values and paths that
//! cannot be right. Each test runs the real binary and checks what must never happen: a
//! file replaced, an invoice missing from the results, a sandbox outcome counted as real.
//! Exit codes, signals and two imports at once: `careless_exit_codes.rs`.

mod common;

use common::{Cmd, SAMPLE, Sandbox, Test};

/// `import november.csv --quiet EXTRA...` (the test's copy of the sample month).
fn import_november(t: &Test, extra: &[&str]) -> Cmd {
    t.cmd(["import", "november.csv", "--quiet"]).args(extra)
}

// ---------------------------------------------------------------------------------------
// Outputs never replace what the command reads

#[test]
fn no_output_may_replace_the_input_export() {
    let t = Test::new().in_folder().copy(SAMPLE, "in.csv");
    let d = t.dir();
    let input = d.join("in.csv");
    let before = std::fs::read(&input).expect("read");
    let xlsx = d.join("in.xlsx");
    std::fs::copy("samples/november-2026.xlsx", &xlsx).expect("copy");
    let xlsx_before = std::fs::read(&xlsx).expect("read");
    let cases: Vec<Vec<&str>> = vec![
        vec!["validate", "in.csv", "--report", "in.csv"],
        vec!["validate", "in.csv", "--report", "./in.csv"],
        vec!["validate", "in.csv", "--emit-payloads", "in.csv"],
        vec!["validate", "in.csv", "--annotate", "in.csv"],
        vec!["validate", "in.csv", "--plan", "in.csv"],
        vec!["import", "--dry-run", "in.csv", "--plan", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--results", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--report", "in.csv"],
        vec!["import", "in.csv", "--sandbox", "--emit-payloads", "in.csv"],
        vec!["import", "in.xlsx", "--sandbox", "--results", "in.xlsx"],
    ];
    for args in cases {
        let out = t.cmd(&args).run();
        assert_eq!(out.code(), Some(2), "{args:?}: {}", out.stderr());
        assert!(
            out.stderr().contains("this command reads"),
            "{args:?}: {}",
            out.stderr()
        );
        assert_eq!(std::fs::read(&input).expect("read"), before, "{args:?}");
        assert_eq!(std::fs::read(&xlsx).expect("read"), xlsx_before, "{args:?}");
    }
    // Through a link, and over the mapping file.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&input, d.join("link.csv")).expect("link");
        let out = t.cmd(["validate", "in.csv", "--report", "link.csv"]).run();
        assert_eq!(out.code(), Some(2), "{}", out.stderr());
        assert_eq!(std::fs::read(&input).expect("read"), before);
    }
    let mapping = d.join("map.toml");
    std::fs::copy("samples/mapping-example.toml", &mapping).expect("copy");
    let mapping_before = std::fs::read(&mapping).expect("read");
    let out = t
        .cmd([
            "validate",
            "in.csv",
            "--mapping",
            "map.toml",
            "--report",
            "map.toml",
        ])
        .run();
    assert_eq!(out.code(), Some(2), "{}", out.stderr());
    assert_eq!(std::fs::read(&mapping).expect("read"), mapping_before);
}

#[test]
fn two_outputs_to_one_path_are_refused_before_anything_is_written() {
    let t = Test::new().in_folder().copy(SAMPLE, "in.csv");
    let d = t.dir();
    let out = t
        .cmd([
            "validate",
            "in.csv",
            "--report",
            "x.csv",
            "--emit-payloads",
            "x.csv",
        ])
        .run();
    assert_eq!(out.code(), Some(2), "{}", out.stderr());
    assert!(out.stderr().contains("both name"), "{}", out.stderr());
    assert!(!d.join("x.csv").exists());
}

#[cfg(unix)]
#[test]
fn outputs_that_are_not_ordinary_files_are_refused_and_left_as_they_are() {
    use std::os::unix::fs::FileTypeExt;
    let t = Test::new().in_folder().copy(SAMPLE, "in.csv");
    let d = t.dir();
    let fifo = d.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::fs::create_dir(d.join("folder")).expect("mkdir");
    for args in [
        vec!["validate", "in.csv", "--report", "pipe"],
        vec!["validate", "in.csv", "--report", "folder"],
        vec!["import", "in.csv", "--sandbox", "--results", "pipe"],
    ] {
        let out = t.cmd(&args).run();
        assert_eq!(out.code(), Some(2), "{args:?}: {}", out.stderr());
        assert!(
            out.stderr().contains("not an ordinary file"),
            "{args:?}: {}",
            out.stderr()
        );
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .expect("fifo")
            .file_type()
            .is_fifo()
    );
    assert!(d.join("folder").is_dir());
}

// ---------------------------------------------------------------------------------------
// A rehearsal never poisons the live run

#[test]
fn a_rehearsal_keeps_its_own_results_and_the_live_run_then_sends_everything() {
    let t = Test::new().in_folder().copy(SAMPLE, "november.csv");
    let d = t.dir();
    let out = import_november(&t, &["--sandbox", "--rate", "500"]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let stdout = out.stdout();
    assert!(stdout.contains("in the sandbox"), "{stdout}");
    assert!(!stdout.contains("exists at Kravia"), "{stdout}");
    assert!(d.join("november.rehearsal.results.csv").is_file());
    assert!(!d.join("november.results.csv").exists());

    let sb = Sandbox::start();
    let out = import_november(&t, &["--format", "json", "--rate", "500"])
        .sandbox(&sb)
        .run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let j = out.json();
    assert_eq!(j["counts"]["created"], 25, "{j:#}");
    assert_eq!(j["sandbox"], false, "{j:#}");
    assert_eq!(sb.ledger().transactions.len(), 25);
}

#[test]
fn a_journal_is_bound_to_where_it_was_sent() {
    let t = Test::new().in_folder().copy(SAMPLE, "november.csv");
    let out = import_november(&t, &["--sandbox", "--rate", "500"])
        .args(["--results", "shared.csv"])
        .run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    // The live run with the same results path: refused, nothing sent.
    let sb = Sandbox::start();
    let out = import_november(&t, &["--results", "shared.csv"])
        .sandbox(&sb)
        .run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout());
    let err = out.stderr();
    assert!(err.contains("in-process sandbox"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(sb.ledger().transactions.is_empty());
    // And the other way round: a live journal is no rehearsal's.
    let out = import_november(&t, &["--rate", "500", "--results", "live.csv"])
        .sandbox(&sb)
        .run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let out = import_november(&t, &["--sandbox", "--results", "live.csv"]).run();
    assert_eq!(out.code(), Some(3), "{}", out.stderr());
    assert!(out.stderr().contains(&sb.base_url()), "{}", out.stderr());
}

// ---------------------------------------------------------------------------------------
// --skip-invalid: every invoice of the file is in the results

#[test]
fn skip_invalid_lists_an_invoice_whose_only_row_was_refused() {
    let t = Test::new().in_folder();
    let d = t.dir();
    let mut csv = std::fs::read_to_string(SAMPLE).expect("sample");
    // 2026-11-0002's only row gets one cell too many.
    let row = csv
        .lines()
        .find(|l| l.starts_with("2026-11-0002,"))
        .expect("row")
        .to_string();
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("2026-11-0002,"))
            .count(),
        1
    );
    csv = csv.replace(&row, &format!("{row},extra"));
    std::fs::write(d.join("in.csv"), csv).expect("write");
    // The dry run counts it: 25 invoices, one of them invalid.
    let out = t
        .cmd(["validate", "in.csv", "--quiet", "--format", "json"])
        .run();
    assert_eq!(out.code(), Some(1));
    let j = out.json();
    assert_eq!(j["invoices"], 25, "{j:#}");
    assert_eq!(j["invalid_invoices"], 1, "{j:#}");
    let out = t
        .cmd(["import", "in.csv", "--sandbox", "--skip-invalid", "--quiet"])
        .args(["--rate", "500", "--results", "r.csv"])
        .run();
    assert_eq!(out.code(), Some(4), "{}", out.stdout());
    let rows = common::results_map(&d.join("r.csv"));
    assert_eq!(rows.len(), 25, "{:?}", rows.keys());
    let lost = &rows["2026-11-0002"];
    assert_eq!(lost["status"], "not_sent");
    assert!(lost["error"].contains("not sent"), "{lost:?}");
}

// ---------------------------------------------------------------------------------------
// Formulas in cells

#[test]
fn cells_that_excel_would_run_are_written_as_text_and_read_back_as_they_were() {
    let t = Test::new().in_folder();
    let d = t.dir();
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let csv = std::fs::read_to_string(SAMPLE)
        .expect("sample")
        .replace(
            "Nordlys Konsult AS",
            &format!("\"{}\"", formula.replace('"', "\"\"")),
        )
        .replace("ola.nordmann@nordlys.no", "@SUM(1+1)");
    std::fs::write(d.join("in.csv"), csv).expect("write");
    // The report: the bad e-mail's value.
    let out = t
        .cmd(["validate", "in.csv", "--quiet", "--report", "report.csv"])
        .run();
    assert_eq!(out.code(), Some(1), "{}", out.stdout());
    let report = std::fs::read_to_string(d.join("report.csv")).expect("report");
    assert!(report.contains("'@SUM(1+1)"), "{report}");
    assert!(!report.contains(",@SUM"), "{report}");
    // The results: the customer's name.
    let fixed = std::fs::read_to_string(d.join("in.csv"))
        .expect("in")
        .replace("@SUM(1+1)", "ola@nordlys.no");
    std::fs::write(d.join("in.csv"), fixed).expect("write");
    let out = t
        .cmd(["import", "in.csv", "--sandbox", "--quiet", "--rate", "500"])
        .args(["--results", "r.csv"])
        .run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let raw = std::fs::read_to_string(d.join("r.csv")).expect("results");
    for line in raw.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "a cell starts a formula: {line}"
            );
        }
    }
    let rows = kravia_batch::output::results::read_results(&d.join("r.csv")).expect("read");
    let row = rows
        .iter()
        .find(|r| r.merchant_reference == "2026-11-0001")
        .expect("row");
    assert!(row.customer.starts_with(formula), "{}", row.customer);
}

// ---------------------------------------------------------------------------------------
// Values and paths that cannot be right

#[test]
fn a_results_amount_above_any_invoice_is_refused_not_summed() {
    let t = Test::new().in_folder();
    let d = t.dir();
    std::fs::write(
        d.join("r.csv"),
        "merchant_reference,status,transaction_id,amount,currency\n\
         A,created,T1,92233720368547758.07,NOK\n\
         B,created,T2,92233720368547758.07,NOK\n",
    )
    .expect("write");
    let out = t.cmd(["status", "r.csv"]).run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout());
    let err = out.stderr();
    assert!(
        err.contains("row 2") && err.contains("was the file edited"),
        "{err}"
    );
}

#[test]
fn a_long_value_is_quoted_by_its_start_and_length() {
    let t = Test::new().in_folder();
    let d = t.dir();
    let long = "x".repeat(300_000);
    let csv = std::fs::read_to_string(SAMPLE)
        .expect("sample")
        .replace("ola.nordmann@nordlys.no", &long);
    std::fs::write(d.join("in.csv"), csv).expect("write");
    let out = t
        .cmd(["validate", "in.csv", "--quiet", "--format", "json"])
        .args(["--report", "report.csv"])
        .run();
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stdout_bytes().len() < 50_000,
        "{} bytes of output",
        out.stdout_bytes().len()
    );
    let report = std::fs::read_to_string(d.join("report.csv")).expect("report");
    assert!(report.len() < 50_000, "{} bytes of report", report.len());
    assert!(report.contains("characters)"), "{report}");
}

#[test]
fn results_in_a_folder_that_does_not_exist_say_so_and_send_nothing() {
    let t = Test::new().in_folder().copy(SAMPLE, "in.csv");
    let d = t.dir();
    let out = t
        .cmd(["import", "in.csv", "--sandbox", "--quiet"])
        .args(["--results", "no-such-folder/r.csv"])
        .run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout());
    let err = out.stderr();
    assert!(err.contains("no-such-folder"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(err.contains("folder exists"), "{err}");
    assert!(!d.join("no-such-folder").exists());
}
