//! `--annotate OUT` through the real binary: the copy keeps the input's dialect and
//! rows, its `status`/`message` columns sit on the rows the report names, and it never
//! replaces the input.
//!
//! The strongest check is a round trip over the corpus: the copy, validated again, gives
//! the same problems at the same rows, and annotating the copy gives the copy back.

use assert_cmd::Command;
use calamine::{Data, Reader};
use std::path::{Path, PathBuf};

const BIN: &str = "kravia-batch";

/// Runs the binary; returns the exit code, stdout and stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin(BIN)
        .expect("binary")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `validate FILE --annotate OUT --quiet` (plus `extra`); returns exit code and stderr.
fn annotate(input: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["validate", s(input), "--annotate", s(out), "--quiet"];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    (code, err)
}

/// Bytes as text for snapshots: the BOM, `\r` and bytes that are not UTF-8 made visible,
/// so that the snapshot shows the dialect and the encoding byte for byte.
fn show(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = bytes;
    if let Some(r) = rest.strip_prefix(b"\xEF\xBB\xBF") {
        out.push_str("<BOM>");
        rest = r;
    }
    for chunk in rest.utf8_chunks() {
        out.push_str(&chunk.valid().replace('\r', "\\r"));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The records of a CSV file as the tool reads it (after a BOM and a `sep=` line).
fn records(bytes: &[u8], delimiter: u8) -> Vec<csv::ByteRecord> {
    let mut b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if b.len() >= 4 && b[..4].eq_ignore_ascii_case(b"sep=") {
        let end = b
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| p + 1);
        b = &b[end..];
    }
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(b)
        .byte_records()
        .map(|r| r.expect("record"))
        .collect()
}

/// A report row: (row, column, severity, value).
type Reported = (u32, String, String, String);

/// The problems of a file as `--report` writes them.
fn report(input: &Path, dir: &Path) -> Vec<Reported> {
    let rep = dir.join("report.csv");
    let _ = std::fs::remove_file(&rep);
    run(&["validate", s(input), "--report", s(&rep), "--quiet"]);
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

/// The delimiter the tool detected, from its JSON summary.
fn delimiter_of(input: &Path) -> u8 {
    let (_, out, _) = run(&["validate", s(input), "--format", "json", "--quiet"]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    match json["input"]["delimiter"].as_str().expect("a CSV") {
        "TAB" => b'\t',
        d => d.as_bytes()[1],
    }
}

fn manifest_csv_files() -> Vec<PathBuf> {
    let text = std::fs::read_to_string("tests/data/MANIFEST.tsv").expect("manifest");
    text.lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|f| f.ends_with(".csv"))
        .map(|f| Path::new("tests/data").join(f))
        // Files with a mapping file need it, and are about the mapping.
        .filter(|p| !p.with_extension("toml").exists())
        .collect()
}

/// Status and message of every record of a copy, with the number of input columns.
fn statuses(copy: &[csv::ByteRecord]) -> (usize, Vec<(String, String)>) {
    let header = &copy[0];
    let keep = header.len() - 2;
    assert_eq!(&header[keep], b"status");
    assert_eq!(&header[keep + 1], b"message");
    let rows = copy
        .iter()
        .map(|r| {
            let text =
                |i: usize| String::from_utf8_lossy(r.get(i).unwrap_or_default()).into_owned();
            (text(keep), text(keep + 1))
        })
        .collect();
    (keep, rows)
}

#[test]
fn every_corpus_csv_round_trips_through_its_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for input in manifest_csv_files() {
        let name = input.display().to_string();
        let copy_path = dir.path().join("copy.csv");
        let _ = std::fs::remove_file(&copy_path);
        let (code, err) = annotate(&input, &copy_path, &[]);
        if !copy_path.exists() {
            // Files the tool cannot read as a table at all: no rows to annotate.
            assert_ne!(code, 0, "{name}: exit 0 without a copy: {err}");
            assert!(!err.contains("annotated copy"), "{name}: {err}");
            continue;
        }
        checked += 1;
        let delimiter = delimiter_of(&input);
        let original = std::fs::read(&input).expect("input");
        let copy_bytes = std::fs::read(&copy_path).expect("copy");
        assert_eq!(
            original.starts_with(b"\xEF\xBB\xBF"),
            copy_bytes.starts_with(b"\xEF\xBB\xBF"),
            "{name}: BOM"
        );
        let input_records = records(&original, delimiter);
        let copy = records(&copy_bytes, delimiter);
        let (keep, rows) = statuses(&copy);

        // Every record kept, in order, its cells byte for byte.
        assert_eq!(input_records.len(), copy.len(), "{name}: record count");
        for (i, (a, b)) in input_records.iter().zip(&copy).enumerate() {
            for c in 0..keep {
                assert_eq!(
                    a.get(c).unwrap_or_default(),
                    b.get(c).unwrap_or_default(),
                    "{name}: record {} cell {c}",
                    i + 1
                );
            }
            let mut beyond: Vec<&[u8]> = a.iter().skip(keep).collect();
            while beyond.last().is_some_and(|f| f.is_empty()) {
                beyond.pop();
            }
            let moved: Vec<&[u8]> = b.iter().skip(keep + 2).collect();
            assert_eq!(beyond, moved, "{name}: cells beyond the header");
        }

        // Statuses on the rows the report names (LF files: record n is row n).
        let reported = report(&input, dir.path());
        if !original.contains(&b'\r') {
            for (i, (status, message)) in rows.iter().enumerate().skip(1) {
                let row = i as u32 + 1;
                let here: Vec<&Reported> = reported.iter().filter(|p| p.0 == row).collect();
                let expected = if here.iter().any(|p| p.2 == "error") {
                    vec!["error"]
                } else if here.is_empty() {
                    vec!["ok", "invoice_rejected", ""]
                } else {
                    vec!["warning", "invoice_rejected"]
                };
                assert!(
                    expected.contains(&status.as_str()),
                    "{name}: row {row} is '{status}' ({message}), report: {here:?}"
                );
                for p in &here {
                    if !p.3.is_empty() {
                        assert!(message.contains(&p.3), "{name}: row {row}: {message}");
                    }
                }
            }
        }

        // The copy is the same file to the tool: same problems at the same rows ...
        let again = report(&copy_path, dir.path());
        assert_eq!(reported.len(), again.len(), "{name}: problems of the copy");
        for (a, b) in reported.iter().zip(&again) {
            assert_eq!((a.0, &a.1, &a.2), (b.0, &b.1, &b.2), "{name}");
            // A row with cells beyond the header says how many it has.
            if a.3 != b.3 {
                assert!(a.1.is_empty(), "{name}: {a:?} vs {b:?}");
            }
        }
        // ... and annotating the copy gives it back (its columns are replaced, not added).
        // (A row with cells beyond the header counts the copy's two extra columns.)
        let second = dir.path().join("copy2.csv");
        annotate(&copy_path, &second, &[]);
        let second = std::fs::read(&second).expect("second copy");
        if second != copy_bytes {
            let twice = records(&second, delimiter);
            assert_eq!(twice.len(), copy.len(), "{name}: annotating the copy");
            for (a, b) in copy.iter().zip(&twice) {
                let cells = |r: &csv::ByteRecord| {
                    r.iter()
                        .enumerate()
                        .filter(|&(i, f)| i != keep + 1 || !f.windows(5).any(|w| w == b"cells"))
                        .map(|(_, f)| f.to_vec())
                        .collect::<Vec<_>>()
                };
                assert_eq!(cells(a), cells(b), "{name}: annotating the copy");
            }
        }
    }
    assert!(checked >= 40, "only {checked} corpus files checked");
}

fn copy_of(input: &str, extra: &[&str]) -> (i32, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("annotated.csv");
    let (code, err) = annotate(Path::new(input), &out, extra);
    let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{input}: no copy ({e}): {err}"));
    (code, bytes)
}

#[test]
fn invoice_rejected_names_the_blocking_row() {
    let (code, bytes) = copy_of("tests/data/39-conflicting-email.csv", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("csv_invoice_rejected", show(&bytes));
}

#[test]
fn cells_beyond_the_header_move_after_the_message() {
    let (_, bytes) = copy_of("tests/data/06-inconsistent-field-count.csv", &[]);
    insta::assert_snapshot!("csv_cells_beyond_the_header", show(&bytes));
}

#[test]
fn blank_lines_and_rows_of_delimiters() {
    let (code, bytes) = copy_of("tests/data/valid/blank-lines.csv", &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("csv_blank_lines", show(&bytes));
}

#[test]
fn sep_line_semicolons_and_crlf_are_kept() {
    let (_, bytes) = copy_of("tests/data/valid/sep-line.csv", &[]);
    assert!(bytes.starts_with(b"sep=;\r\n"));
    insta::assert_snapshot!("csv_sep_line", show(&bytes));
}

#[test]
fn utf8_bom_is_kept() {
    let (_, bytes) = copy_of("tests/data/valid/utf8-bom.csv", &[]);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    insta::assert_snapshot!("csv_utf8_bom", show(&bytes));
}

/// A file from `base` with `from` replaced by `to` (bytes), in `dir`.
fn variant(dir: &Path, base: &str, name: &str, edits: &[(&[u8], &[u8])]) -> PathBuf {
    let mut bytes = std::fs::read(base).expect("base");
    for (from, to) in edits {
        let at = bytes
            .windows(from.len())
            .position(|w| w == *from)
            .unwrap_or_else(|| panic!("{base}: no {}", String::from_utf8_lossy(from)));
        bytes.splice(at..at + from.len(), to.iter().copied());
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn windows_1252_stays_windows_1252_also_in_the_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An error whose value has a non-ASCII letter: the message quotes it in 1252 too.
    let input = variant(
        dir.path(),
        "tests/data/valid/windows-1252-semicolon.csv",
        "latin1.csv",
        &[(b"bjorn@fjellvegen.no", b"bj\xf8rn@fjellvegen")],
    );
    let out = dir.path().join("latin1.annotated.csv");
    let (code, err) = annotate(&input, &out, &[]);
    assert_eq!(code, 1, "{err}");
    let bytes = std::fs::read(&out).expect("copy");
    assert!(std::str::from_utf8(&bytes).is_err(), "still Windows-1252");
    insta::assert_snapshot!("csv_windows_1252", show(&bytes));
}

#[test]
fn multi_line_values_sep_line_and_bom_keep_rows_aligned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = (&b"bjorn@fjellvegen.no"[..], &b"bjorn.fjellvegen.no"[..]);
    let base = std::fs::read("tests/data/20-bad-email.csv").expect("base");
    let cases: Vec<(PathBuf, u8)> = vec![
        // Quoted descriptions spanning lines before the bad row.
        (
            variant(
                dir.path(),
                "tests/data/valid/embedded-newline.csv",
                "multi.csv",
                &[bad],
            ),
            b',',
        ),
        // An Excel `sep=` line, and a BOM, in front of the header (LF line ends).
        (
            {
                let p = dir.path().join("sep.csv");
                std::fs::write(&p, [&b"sep=,\n"[..], &base].concat()).expect("write");
                p
            },
            b',',
        ),
        (
            {
                let p = dir.path().join("bom.csv");
                std::fs::write(&p, [&b"\xEF\xBB\xBF"[..], &base].concat()).expect("write");
                p
            },
            b',',
        ),
    ];
    for (input, delimiter) in cases {
        let name = input.display().to_string();
        let out = dir.path().join("out.csv");
        annotate(&input, &out, &[]);
        let reported = report(&input, dir.path());
        let copy = records(&std::fs::read(&out).expect("copy"), delimiter);
        let (_, rows) = statuses(&copy);
        let errors: Vec<u32> = rows
            .iter()
            .enumerate()
            .filter(|(_, (st, _))| st == "error")
            .map(|(i, _)| i as u32 + 1)
            .collect();
        let expected: Vec<u32> = reported.iter().map(|p| p.0).collect();
        assert_eq!(errors, expected, "{name}");
        assert!(!expected.is_empty(), "{name}: the case has an error");
    }
    // The multi-line file's error is on its 8th record (row 8), many lines down.
    let multi = std::fs::read(dir.path().join("multi.csv")).expect("multi");
    assert!(multi.iter().filter(|&&b| b == b'\n').count() > 9);
    assert_eq!(report(&dir.path().join("multi.csv"), dir.path())[0].0, 8);
    let (_, bytes) = copy_of(s(&dir.path().join("multi.csv")), &[]);
    insta::assert_snapshot!("csv_multi_line", show(&bytes));
}

#[test]
fn import_dry_run_writes_the_same_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    let input = "tests/data/39-conflicting-email.csv";
    annotate(Path::new(input), &a, &[]);
    let (code, _, err) = run(&["import", input, "--dry-run", "--annotate", s(&b), "--quiet"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
}

/// Files in `dir`, to see that nothing (no temporary file) was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn never_overwrites_the_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("export.csv");
    std::fs::copy("tests/data/39-conflicting-email.csv", &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    let same_by_another_name = dir.path().join(".").join("export.csv");
    for out in [input.clone(), same_by_another_name] {
        let (code, err) = annotate(&input, &out, &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("that is the input file"), "{err}");
    }
    #[cfg(unix)]
    {
        let link = dir.path().join("link.csv");
        std::fs::hard_link(&input, &link).expect("hard link");
        let (code, err) = annotate(&input, &link, &[]);
        assert_eq!(code, 2, "{err}");
        std::fs::remove_file(&link).expect("unlink");
    }
    assert_eq!(std::fs::read(&input).expect("read"), before);
    assert_eq!(listing(dir.path()), ["export.csv"]);
}

#[test]
fn the_extension_must_say_the_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = annotate(
        Path::new("tests/data/20-bad-email.csv"),
        &dir.path().join("out.xlsx"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("is a CSV file (.csv)"), "{err}");
    let (code, err) = annotate(
        Path::new("tests/data/valid/base.xlsx"),
        &dir.path().join("out.csv"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("an Excel workbook (.xlsx)"), "{err}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn an_existing_copy_is_replaced_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.csv");
    std::fs::write(
        &out,
        "old content that is longer than nothing\n".repeat(500),
    )
    .expect("write");
    let (code, _) = annotate(Path::new("tests/data/20-bad-email.csv"), &out, &[]);
    assert_eq!(code, 1);
    let text = std::fs::read_to_string(&out).expect("copy");
    assert!(text.starts_with("merchant_reference,"));
    assert!(!text.contains("old content"));
    assert_eq!(listing(dir.path()), ["out.csv"]);
}

#[test]
fn old_mac_line_ends_are_numbered_and_copied_like_the_others() {
    // CR-only line ends: every record has its own row, and the copy keeps them.
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read("tests/data/20-bad-email.csv").expect("base");
    let input = dir.path().join("cr.csv");
    std::fs::write(
        &input,
        base.iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect::<Vec<_>>(),
    )
    .expect("write");
    let out = dir.path().join("cr.annotated.csv");
    let (code, err) = annotate(&input, &out, &[]);
    assert_eq!(code, 1, "{err}");
    let copy = std::fs::read_to_string(&out).expect("copy");
    let rows: Vec<&str> = copy.split(['\r', '\n']).filter(|l| !l.is_empty()).collect();
    assert!(
        rows[2].contains("kari.nordmann.example.no") && rows[2].contains(",error,"),
        "{copy}"
    );
    assert!(rows[1].ends_with(",ok,"), "{copy}");
}

#[test]
fn crlf_rows_are_numbered_as_excel_shows_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read("tests/data/20-bad-email.csv").expect("base");
    let mut crlf = Vec::new();
    for &b in &base {
        if b == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    let input = dir.path().join("crlf.csv");
    std::fs::write(&input, crlf).expect("write");
    assert_eq!(report(&input, dir.path())[0].0, 3, "as in the LF file");
}

// ---------------------------------------------------------------------------------------
// Spreadsheets

/// The corpus base as an XLSX written here: numbers as numbers, three errors (an
/// e-mail, an amount, an empty VAT rate), a blank row, and a note right of the table.
fn broken_workbook(path: &Path) {
    let text = std::fs::read_to_string("tests/data/valid/base.csv").expect("base");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let numeric = [
        col("quantity"),
        col("unit_price"),
        col("amount"),
        col("vat"),
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Fakturaer").expect("name");
    // Sheet rows: header 1, data 2..=4, a blank row 5, data 6..=9.
    let mut sheet_row = 0u32;
    for (i, r) in rows.iter().enumerate() {
        if i == 4 {
            sheet_row += 1;
        }
        for (c, v) in r.iter().enumerate() {
            let mut v = v.clone();
            if i == 2 && c == col("email") {
                v = "kari.nordmann.example.no".into();
            }
            if i == 4 && c == col("amount") {
                v = "12,3,4".into();
            }
            if i == 5 && c == col("vat") {
                continue;
            }
            if i > 0
                && numeric.contains(&c)
                && let Ok(n) = v.parse::<f64>()
            {
                ws.write_number(sheet_row, c as u16, n).expect("number");
            } else if !v.is_empty() {
                ws.write_string(sheet_row, c as u16, v).expect("string");
            }
        }
        sheet_row += 1;
    }
    ws.write_string(1, header.len() as u16 + 1, "side note")
        .expect("note");
    book.save(path).expect("save");
}

fn sheet(path: &Path) -> (String, calamine::Range<Data>) {
    let mut book = calamine::open_workbook_auto(path).expect("open copy");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    (name, range)
}

#[test]
fn spreadsheet_copy_is_an_xlsx_with_the_same_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("export.xlsx");
    broken_workbook(&input);
    let out = dir.path().join("export.annotated.xlsx");
    let (code, err) = annotate(&input, &out, &[]);
    assert_eq!(code, 1, "{err}");
    let reported = report(&input, dir.path());
    let rows: Vec<u32> = reported.iter().map(|p| p.0).collect();
    assert_eq!(rows, [3, 6, 7], "{reported:?}");

    let (name, copy) = sheet(&out);
    let (_, original) = sheet(&input);
    assert_eq!(name, "Fakturaer");
    let width = original.get_size().1 - 2; // the side note is two columns right of the table
    let cell = |r: &calamine::Range<Data>, row: u32, col: usize| {
        r.get_value((row - 1, col as u32))
            .cloned()
            .unwrap_or(Data::Empty)
    };
    assert_eq!(cell(&copy, 1, width), Data::String("status".into()));
    assert_eq!(cell(&copy, 1, width + 1), Data::String("message".into()));
    let status = |row: u32| cell(&copy, row, width).to_string();
    assert_eq!(
        (2..=9).map(status).collect::<Vec<_>>(),
        ["ok", "error", "ok", "", "error", "error", "ok", "ok"]
    );
    let message = cell(&copy, 6, width + 1).to_string();
    assert!(message.starts_with("amount: '12,3,4' "), "{message}");
    // Every input cell is where it was, with its type (numbers stay numbers) ...
    for row in 1..=9u32 {
        for c in 0..width {
            assert_eq!(
                cell(&copy, row, c),
                cell(&original, row, c),
                "row {row}, column {c}"
            );
        }
    }
    let quantity = (0..width)
        .find(|&c| cell(&copy, 1, c) == Data::String("quantity".into()))
        .expect("quantity column");
    assert_eq!(cell(&copy, 2, quantity), Data::Float(1.5));
    // ... and what stood right of the table moved two columns along.
    assert_eq!(cell(&copy, 2, width + 3), Data::String("side note".into()));

    // The copy validated again: the same problems at the same rows.
    let again = report(&out, dir.path());
    assert_eq!(again, reported);
}

#[test]
fn xls_and_ods_copies_are_xlsx() {
    let dir = tempfile::tempdir().expect("tempdir");
    for input in [
        "tests/data/valid/month-subset.xls",
        "tests/data/valid/month-subset.ods",
    ] {
        let out = dir.path().join("copy.xlsx");
        let (code, err) = annotate(Path::new(input), &out, &[]);
        assert_eq!(code, 0, "{input}: {err}");
        let (_, copy) = sheet(&out);
        let (_, original) = sheet(Path::new(input));
        assert_eq!(copy.get_size().0, original.get_size().0, "{input}: rows");
        let width = original.get_size().1;
        let statuses: Vec<String> = copy.rows().skip(1).map(|r| r[width].to_string()).collect();
        assert_eq!(statuses.len(), 16, "{input}");
        assert!(statuses.iter().all(|s| s == "ok"), "{input}: {statuses:?}");
    }
}
