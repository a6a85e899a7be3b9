//! `--annotate OUT` through the real binary on spreadsheets: an XLSX input gets an XLSX
//! copy with the same rows and cells (numbers stay numbers), `status`/`message` on the
//! rows the report names, and what stood right of the table moved along; XLS and ODS
//! inputs get XLSX copies.

mod common;

use calamine::{Data, Reader};
use common::annotate::{annotate, report};
use std::path::Path;

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

/// The first sheet of a workbook: its name and cells.
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
