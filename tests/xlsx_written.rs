//! Property test of the fast XLSX reader against calamine on workbooks written by
//! rust_xlsxwriter (the writer behind our own annotated copies and benchmark data):
//! random grids of text (entities, Excel escapes, line ends, outer spaces, non-ASCII),
//! numbers, booleans, dates in several formats and formulas with cached results, in
//! the ordinary and the constant-memory (inline strings) writer modes. Every grid must
//! read the same both ways, and a grid without formula text results must be read by
//! the fast reader from the first cell to the last.

use kravia_batch::input::excel::rows_for_test;
use proptest::prelude::*;
use rust_xlsxwriter::{Format, Formula, Workbook};

#[derive(Clone, Debug)]
enum Cell {
    Blank,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A serial date number in a number format (index into `FORMATS`).
    Dated(f64, usize),
    /// A formula with a cached text result.
    FormulaText(String),
    /// A formula with a cached number result.
    FormulaNumber(f64),
}

const FORMATS: [&str; 6] = [
    "dd.mm.yyyy",
    "yyyy-mm-dd hh:mm",
    "[h]:mm:ss",
    "0.00",
    "#,##0 \"kr\"",
    "h:mm AM/PM",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 æøåÆØÅ&<>\"'_.,;:-]{0,24}",
        Just(" leading and trailing ".to_string()),
        Just("Hansen & Sønn AS".to_string()),
        Just("a_x000D_b _x005F_x000D_".to_string()),
        Just("line\r\nbreak\rand\nmore".to_string()),
        Just("tab\there".to_string()),
        Just("emoji 😀 ☃".to_string()),
        Just(String::new()),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Blank),
        text().prop_map(Cell::Text),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(Cell::Number),
        (-1.0e6f64..1.0e6).prop_map(|n| Cell::Number((n * 100.0).round() / 100.0)),
        any::<bool>().prop_map(Cell::Bool),
        (0.0f64..80000.0, 0..FORMATS.len()).prop_map(|(n, f)| Cell::Dated(n, f)),
        text().prop_map(Cell::FormulaText),
        (-1.0e9f64..1.0e9).prop_map(Cell::FormulaNumber),
    ]
}

fn write(path: &std::path::Path, grid: &[Vec<Cell>], constant_memory: bool) {
    let mut book = Workbook::new();
    let formats: Vec<Format> = FORMATS
        .iter()
        .map(|f| Format::new().set_num_format(*f))
        .collect();
    let sheet = if constant_memory {
        book.add_worksheet_with_constant_memory()
    } else {
        Ok(book.add_worksheet())
    }
    .expect("sheet");
    for (r, row) in grid.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Blank => Ok(&mut *sheet),
                Cell::Text(t) => sheet.write_string(r, c, t),
                Cell::Number(n) => sheet.write_number(r, c, *n),
                Cell::Bool(b) => sheet.write_boolean(r, c, *b),
                Cell::Dated(n, f) => sheet.write_number_with_format(r, c, *n, &formats[*f]),
                Cell::FormulaText(t) => {
                    sheet.write_formula(r, c, Formula::new("=\"x\"").set_result(t.as_str()))
                }
                Cell::FormulaNumber(n) => {
                    sheet.write_formula(r, c, Formula::new("=1+1").set_result(n.to_string()))
                }
            }
            .expect("write cell");
        }
    }
    book.save(path).expect("save");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn written_workbooks_read_the_same_both_ways(
        grid in prop::collection::vec(prop::collection::vec(cell(), 0..8), 0..12),
        constant_memory in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("grid.xlsx");
        write(&path, &grid, constant_memory);
        let slow = rows_for_test(&path, None, true).map_err(|e| e.to_string());
        let fast = rows_for_test(&path, None, false).map_err(|e| e.to_string());
        let handed_over = fast.as_ref().ok().and_then(|(_, h)| *h);
        prop_assert_eq!(
            slow.map(|(rows, _)| rows),
            fast.map(|(rows, _)| rows),
            "constant memory: {}", constant_memory
        );
        // Only a formula's text result may hold what the scanner leaves to calamine
        // (a carriage return).
        let plain = grid.iter().flatten().all(|c| match c {
            Cell::FormulaText(t) => !t.contains('\r'),
            _ => true,
        });
        if plain {
            prop_assert_eq!(handed_over, None);
        }
    }
}
