//! `--annotate OUT` through the real binary on CSV files: the copy keeps the input's
//! dialect and rows, its `status`/`message` columns sit on the rows the report names, and
//! it never replaces the input. Spreadsheets: `annotate_spreadsheet.rs`.
//!
//! The strongest check is a round trip over the corpus: the copy, validated again, gives
//! the same problems at the same rows, and annotating the copy gives the copy back.

mod common;

use common::Test;
use common::annotate::{Reported, annotate, report};
use std::path::{Path, PathBuf};

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

/// The delimiter the tool detected, from its JSON summary.
fn delimiter_of(input: &Path) -> u8 {
    let out = Test::new()
        .cmd(["validate"])
        .arg(input)
        .args(["--format", "json", "--quiet"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    match json["input"]["delimiter"].as_str().expect("a CSV") {
        "TAB" => b'\t',
        d => d.as_bytes()[1],
    }
}

/// The CSV files of the corpus manifest (those without a mapping file).
fn manifest_csv_files() -> Vec<PathBuf> {
    let text = std::fs::read_to_string("tests/data/MANIFEST.tsv").expect("manifest");
    text.lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|f| Path::new(f).extension().is_some_and(|e| e == "csv"))
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

/// The annotated copy of `input` (exit code and bytes), written in a scratch folder.
fn copy_of(input: impl AsRef<Path>, extra: &[&str]) -> (i32, Vec<u8>) {
    let input = input.as_ref();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("annotated.csv");
    let (code, err) = annotate(input, &out, extra);
    let bytes =
        std::fs::read(&out).unwrap_or_else(|e| panic!("{}: no copy ({e}): {err}", input.display()));
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
    let (_, bytes) = copy_of(dir.path().join("multi.csv"), &[]);
    insta::assert_snapshot!("csv_multi_line", show(&bytes));
}

#[test]
fn import_dry_run_writes_the_same_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    let input = "tests/data/39-conflicting-email.csv";
    annotate(Path::new(input), &a, &[]);
    let out = Test::new()
        .cmd(["import", input, "--dry-run", "--annotate"])
        .arg(&b)
        .arg("--quiet")
        .run();
    let (code, err) = (out.code().unwrap_or(-1), out.stderr());
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
