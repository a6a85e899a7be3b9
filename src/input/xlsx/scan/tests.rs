//! The scanner against hand-written sheet parts, cut at every byte.

use super::*;

type Shown = ((u32, u32), String);

fn workbook() -> Workbook {
    Workbook {
        strings: vec!["a".into(), "b & c".into()],
        styles: vec![NumberKind::Plain, NumberKind::DateTime],
        is_1904: false,
    }
}

/// All cells of a sheet part, read through a reader that hands over `step` bytes
/// at a time (so that every element is cut at every place once).
fn cells(xml: &str, step: usize) -> Result<Vec<Shown>, Declined> {
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let wb = workbook();
    let mut reader = SheetCells::new(Trickle(xml.as_bytes(), step), &wb, "sheet.xml")?;
    let mut out = Vec::new();
    while let Some((at, v)) = reader.next_cell()? {
        out.push((at, format!("{v:?}")));
    }
    Ok(out)
}

const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet><dimension ref="A1:D3"/><sheetData>
<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>1</v></c><c r='B1' s="1"><v>45627</v></c><c r="C1"/><c r="D1" t="inlineStr"><is><t> x </t></is></c></row>
<row r="2"><c r="A2"><f>B2*2</f><v>299.9</v></c><c r="B2" t="str"><f>"q"</f><v>q_x000D_</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#N/A</v></c></row>
<row r="3"/></sheetData><pageMargins left="0.7"/></worksheet>"#;

#[test]
fn reads_the_usual_pattern_whatever_the_buffer_boundaries() {
    let whole = cells(SHEET, 1 << 20).unwrap();
    assert_eq!(whole.len(), 8);
    assert_eq!(whole[0], ((0, 0), r#"SharedString("b & c")"#.to_string()));
    assert!(whole[1].1.starts_with("DateTime("));
    assert_eq!(whole[2].1, "Empty");
    assert_eq!(whole[3].1, r#"String("x")"#);
    assert_eq!(whole[4], ((1, 0), "Float(299.9)".to_string()));
    assert_eq!(whole[5].1, "String(\"q\\r\")");
    assert_eq!(whole[6].1, "Bool(true)");
    assert_eq!(whole[7].1, "Error(NA)");
    for step in [1, 2, 3, 7, 64] {
        assert_eq!(cells(SHEET, step).unwrap(), whole, "step {step}");
    }
    let wb = workbook();
    let reader = SheetCells::new(SHEET.as_bytes(), &wb, "sheet.xml").unwrap();
    assert_eq!(reader.range(), ((0, 0), (2, 3)));
}

#[test]
fn declines_what_it_does_not_know() {
    let wrap = |cells: &str| {
        format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
    };
    for odd in [
        "<c t=\"s\"><v>0</v></c>",
        "<c r=\"A1\"><v>1&#48;</v></c>",
        "<c r=\"A1\" t=\"s\"><v>9</v></c>",
        "<c r=\"A1\" t=\"zz\"><v>1</v></c>",
        "<c r=\"A1\"><foo/></c>",
        "<!-- note --><c r=\"A1\"/>",
        "<x:c r=\"A1\"/>",
        "<c r=\"A0\"/>",
        "<c r=\"1A\"/>",
        "<c r=\"A1\" r=\"A2\"/>",
        "<c r=\"A1\"><v>1</v>",
    ] {
        assert!(cells(&wrap(odd), 1 << 20).is_err(), "{odd}");
    }
    assert!(cells("<worksheet><x:sheetData>", 1 << 20).is_err());
    assert!(cells("<worksheet><!-- <sheetData> --></worksheet>", 1 << 20).is_err());
}

#[test]
fn plain_inline_strings_and_the_shapes_left_to_the_parser() {
    let read = |xml: &str| match plain_inline(xml.as_bytes(), 0) {
        Ok(Some((text, end))) => Some((text, end == xml.len())),
        _ => None,
    };
    assert_eq!(read("<t> x </t></is>"), Some(("x".into(), true)));
    assert_eq!(
        read(r#" <t xml:space="preserve"> x_x000D_ </t> </is >"#),
        Some((" x\r ".into(), true))
    );
    assert_eq!(read("<t/></is>"), Some((String::new(), true)));
    for other in [
        "<r><t>a</t></r></is>",
        "<t>a &amp; b</t></is>",
        "<t>a\r\nb</t></is>",
        "<t><![CDATA[a]]></t></is>",
        "<t>a</t><rPh><t>b</t></rPh></is>",
        "<t xml:space=\"preserve\" xml:space=\"default\">a</t></is>",
    ] {
        assert_eq!(read(other), None, "{other}");
    }
    assert!(matches!(plain_inline(b"<t>abc", 0), Err(Stop::More)));
}

#[test]
fn cell_references() {
    assert_eq!(cell_ref(b"A1"), Some((0, 0)));
    assert_eq!(cell_ref(b"r100001"), Some((100_000, 17)));
    assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
    assert_eq!(cell_ref(b"A"), None);
    assert_eq!(cell_ref(b"1"), None);
    assert_eq!(dimension(b"B2:A1"), None);
    assert_eq!(dimension(b"A1"), Some(((0, 0), (0, 0))));
}
