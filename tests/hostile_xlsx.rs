//! Hostile XLSX files (issue #13), generated here into a temporary folder (a few MB
//! each, not committed): shared-string and inline-cell bombs, texts longer than a value
//! may be, bad shared-string indexes, NUL cells, rows beyond Excel's last, duplicate zip
//! parts. Each must be refused with a message naming the limit, quickly, with bounded
//! memory, and never by an abort or a signal. Other formats: `hostile_input.rs`.

#![cfg(unix)]

mod common;

use common::hostile::{data, validate};
use std::io::Read;
use std::path::Path;
use zip::write::SimpleFileOptions;

/// A zip of `parts`; a part is written from a reader so that a big one never sits in
/// memory.
fn zip_of(path: &Path, parts: Vec<(&str, Box<dyn Read>)>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, mut body) in parts {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(false);
        zip.start_file(name, options).unwrap();
        std::io::copy(&mut body, &mut zip).unwrap();
    }
    zip.finish().unwrap();
}

/// `s` as a zip part.
fn text(s: impl Into<String>) -> Box<dyn Read> {
    Box::new(std::io::Cursor::new(s.into().into_bytes()))
}

/// `head`, then `n` bytes of `fill`, then `tail`, as a stream.
fn bomb(head: &str, fill: u8, n: u64, tail: &str) -> Box<dyn Read> {
    Box::new(
        std::io::Cursor::new(head.as_bytes().to_vec())
            .chain(std::io::repeat(fill).take(n))
            .chain(std::io::Cursor::new(tail.as_bytes().to_vec())),
    )
}

/// `s` escaped for XML text.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The letters of column `i` (0 is A): the tool's own, as its messages name columns.
fn column(i: usize) -> String {
    kravia_batch::problem::column_letter(i)
}

/// The rows of `tests/data/valid/base.csv` as sheet rows of inline strings.
fn base_rows() -> Vec<String> {
    let mut r = csv::Reader::from_path(data("valid/base.csv")).unwrap();
    let mut rows = vec![r.headers().unwrap().iter().map(str::to_string).collect()];
    for rec in r.records() {
        rows.push(rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
    }
    rows.iter()
        .enumerate()
        .map(|(i, cells)| {
            let cells: String = cells
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_empty())
                .map(|(c, v)| {
                    format!(
                        r#"<c r="{}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        column(c),
                        i + 1,
                        escape(v)
                    )
                })
                .collect();
            format!(r#"<row r="{}">{cells}</row>"#, i + 1)
        })
        .collect()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// An XLSX with the given sheet part and shared strings.
fn xlsx(path: &Path, sheet: Box<dyn Read>, strings: Box<dyn Read>) {
    zip_of(
        path,
        vec![
            ("[Content_Types].xml", text(CONTENT_TYPES)),
            ("_rels/.rels", text(RELS)),
            ("xl/workbook.xml", text(WORKBOOK)),
            ("xl/_rels/workbook.xml.rels", text(WORKBOOK_RELS)),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ],
    );
}

/// An empty shared-strings part.
fn no_strings() -> Box<dyn Read> {
    text(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#,
    )
}

/// The base rows as an XLSX, with `extra` appended to the sheet data.
fn base_xlsx(path: &Path, extra: &str, strings: Box<dyn Read>) {
    let sheet = format!("{SHEET_HEAD}{}{extra}{SHEET_TAIL}", base_rows().concat());
    xlsx(path, text(sheet), strings);
}

/// Shared strings holding one text of `n` bytes.
fn one_long_string(n: u64) -> Box<dyn Read> {
    bomb(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        b'a',
        n,
        "</t></si></sst>",
    )
}

/// An XLSX whose sheet holds `prefix`, the base rows, and then one inline text of `n`
/// bytes in A9.
fn inline_text_bomb(path: &Path, prefix: &str, n: u64) {
    let head = format!(
        r#"{SHEET_HEAD}{prefix}{}<row r="9"><c r="A9" t="inlineStr"><is><t>"#,
        base_rows().concat()
    );
    let tail = format!("</t></is></c></row>{SHEET_TAIL}");
    xlsx(path, bomb(&head, b'a', n, &tail), no_strings());
}

#[test]
fn the_generated_base_xlsx_reads_as_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("base.xlsx");
    base_xlsx(&f, "", no_strings());
    let o = validate(&f);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

#[test]
fn xlsx_shared_string_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bomb.xlsx");
    // One shared string of 600 MiB (the part inflates past the 256 MiB limit).
    let strings = one_long_string(600 << 20);
    base_xlsx(&f, "", strings);
    assert!(std::fs::metadata(&f).unwrap().len() < 16 << 20);
    let o = validate(&f);
    o.refused(&["sharedStrings.xml", "256 MiB"]);
}

#[test]
fn xlsx_shared_string_longer_than_a_value_may_be_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("long-string.xlsx");
    // Within the part limit, but one text of 200 MiB.
    let strings = one_long_string(200 << 20);
    base_xlsx(&f, "", strings);
    validate(&f).refused(&["longer than 4 MiB"]);
}

#[test]
fn xlsx_sheet_with_a_huge_inline_cell_is_refused_by_the_scanner() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("inline-bomb.xlsx");
    inline_text_bomb(&f, "", 200 << 20);
    validate(&f).refused(&["longer than 16 MiB"]);
}

#[test]
fn xlsx_sheet_read_by_calamine_with_a_huge_text_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fallback-bomb.xlsx");
    // A comment makes the scanner hand the sheet to calamine from its first cell.
    inline_text_bomb(&f, "<!-- made by hand -->", 300 << 20);
    validate(&f).refused(&["sheet1.xml", "longer than 4 MiB"]);
}

#[test]
fn xlsx_bad_shared_string_index_is_an_error_not_the_first_string() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["-1", "4294967296"] {
        let f = dir.path().join(format!("index{bad}.xlsx"));
        xlsx(
            &f,
            text(format!(
                "{SHEET_HEAD}{}<row r=\"9\"><c r=\"A9\" t=\"s\"><v>{bad}</v></c></row>{SHEET_TAIL}",
                base_rows().concat()
            )),
            text(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>2026-11-0101</t></si></sst>"#,
            ),
        );
        validate(&f).refused(&["shared string", bad]);
    }
}

#[test]
fn xlsx_nul_in_a_cell_is_refused_with_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nul.xlsx");
    let rows = base_rows();
    let sheet = format!(
        "{SHEET_HEAD}{}{SHEET_TAIL}",
        rows.concat().replacen("<t>Ola</t>", "<t>O_x0000_la</t>", 1)
    );
    xlsx(&f, text(sheet), no_strings());
    validate(&f).refused(&["row 2", "column G", "NUL"]);
}

#[test]
fn xlsx_row_beyond_excel_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("far-row.xlsx");
    base_xlsx(
        &f,
        r#"<row r="4294967297"><c r="A4294967297" t="inlineStr"><is><t>x</t></is></c></row><row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>"#,
        no_strings(),
    );
    validate(&f).refused(&["row 4,294,967,297", "1,048,576 rows"]);
    let f = dir.path().join("next-row.xlsx");
    base_xlsx(
        &f,
        r#"<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>"#,
        no_strings(),
    );
    validate(&f).refused(&["row 1,048,577", "1,048,576 rows"]);
}

#[test]
fn xlsx_duplicate_zip_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dup.xlsx");
    let sheet = format!("{SHEET_HEAD}{}{SHEET_TAIL}", base_rows().concat());
    zip_of(
        &f,
        vec![
            ("[Content_Types].xml", text(CONTENT_TYPES)),
            ("_rels/.rels", text(RELS)),
            ("xl/workbook.xml", text(WORKBOOK)),
            ("xl/_rels/workbook.xml.rels", text(WORKBOOK_RELS)),
            ("xl/worksheets/sheet1.xml", text(sheet)),
            (
                "xl/worksheets/sheetX.xml",
                text(format!("{SHEET_HEAD}{SHEET_TAIL}")),
            ),
            ("xl/sharedStrings.xml", no_strings()),
        ],
    );
    // Rename the second sheet part to the first one's name, in the local header and
    // the central directory alike (names are stored as they are).
    let mut bytes = std::fs::read(&f).unwrap();
    let (from, to) = (b"xl/worksheets/sheetX.xml", b"xl/worksheets/sheet1.xml");
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(from.len()).position(|w| w == from) {
        bytes[i + at..i + at + to.len()].copy_from_slice(to);
        i += at + 1;
    }
    std::fs::write(&f, bytes).unwrap();
    validate(&f).refused(&["two parts named 'xl/worksheets/sheet1.xml'"]);
}
