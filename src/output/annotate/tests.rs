use super::csv::{encode, put_field};
use super::cursor::Cursor;
use super::layout::{Layout, ends_with_annotation};
use super::xlsx_cells::clip;
use super::*;
use crate::input::Enc;
use crate::problem::{ColumnNames, Problem};
use crate::validate::Rejected;
use crate::validate::Validation;
use std::path::Path;

fn names() -> ColumnNames {
    ColumnNames {
        headers: vec!["merchant_reference".into(), "Beløp".into(), "".into()],
        letters: false,
        ignored: Vec::new(),
    }
}

fn validation(problems: Vec<Problem>, rejected: &[&str]) -> Validation {
    Validation {
        problems,
        rejected: rejected
            .iter()
            .map(|r| Rejected {
                merchant_reference: r.to_string(),
                first_row: 2,
                lines: 1,
                error: String::new(),
            })
            .collect(),
        ..Validation::default()
    }
}

#[test]
fn statuses_and_messages() {
    let v = validation(
        vec![
            Problem::error(3, Some(1), Some("12,3,4".into()), "is not a number")
                .with_reference("A"),
            Problem::warning(3, None, None, "invoice A has 101 lines").with_reference("A"),
            Problem::warning(4, Some(0), Some("B".into()), "merchant_reference is long")
                .with_reference("B"),
        ],
        &["A"],
    );
    let n = names();
    let ann = Annotations::new(&v, &n, Some(0));
    let (s, m) = ann.row(&v.problems[..2], "A");
    assert_eq!(s, RowStatus::Error);
    assert_eq!(
        m,
        "Beløp: '12,3,4' is not a number | warning: row 3: invoice A has 101 lines"
    );
    assert_eq!(
        ann.row(&[], "A"),
        (
            RowStatus::InvoiceRejected,
            "invoice A is not sent: row 3 has errors".into()
        )
    );
    // The header's name is not said twice.
    assert_eq!(
        ann.row(&v.problems[2..], "B"),
        (RowStatus::Warning, "merchant_reference: 'B' is long".into())
    );
    assert_eq!(ann.row(&[], "C"), (RowStatus::Ok, String::new()));
    let unnamed = Problem::error(5, Some(2), None, "is odd");
    assert_eq!(ann.describe(&unnamed), "column C: is odd");
}

#[test]
fn blocking_rows_are_listed_in_words() {
    let rows = |n: u32| {
        (0..n)
            .map(|i| Problem::error(2 + 2 * i, None, None, "bad").with_reference("A"))
            .collect::<Vec<_>>()
    };
    let n = names();
    for (count, expected) in [
        (2, "rows 2 and 4 have errors"),
        (3, "rows 2, 4 and 6 have errors"),
        (
            12,
            "rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 2 more have errors",
        ),
    ] {
        let v = validation(rows(count), &["A"]);
        let ann = Annotations::new(&v, &n, Some(0));
        assert_eq!(
            ann.blocked("A"),
            format!("invoice A is not sent: {expected}")
        );
    }
    let v = validation(Vec::new(), &["A"]);
    let ann = Annotations::new(&v, &n, Some(0));
    assert!(ann.blocked("A").ends_with("it has errors on other rows"));
}

#[test]
fn cursor_hands_out_rows_and_notices_leftovers() {
    let ps = vec![
        Problem::error(2, None, None, "a"),
        Problem::error(2, Some(1), None, "b"),
        Problem::error(4, None, None, "c"),
        Problem::error(9, None, None, "d"),
    ];
    let mut c = Cursor::new(&ps);
    assert_eq!(c.take(2).len(), 2);
    assert!(c.take(3).is_empty());
    assert_eq!(c.take(4).len(), 1);
    assert!(c.finish(Path::new("x.csv")).is_err(), "row 9 never came");
    let mut c = Cursor::new(&ps);
    assert!(c.take(3).is_empty(), "row 2 is skipped");
    assert_eq!(c.take(4).len(), 1);
    assert_eq!(c.take(9).len(), 1);
    let e = c.finish(Path::new("x.csv")).unwrap_err().to_string();
    assert!(e.contains("row(s) 2 could not be placed"), "{e}");
}

#[test]
fn fields_are_quoted_only_when_needed() {
    let mut out = Vec::new();
    for f in [&b"plain"[..], b"a;b", b"say \"hi\"", b"two\nlines", b"a,b"] {
        put_field(&mut out, f, b';').unwrap();
        out.push(b'|');
    }
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "plain|\"a;b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|a,b|"
    );
}

#[test]
fn our_text_in_windows_1252() {
    assert_eq!(&*encode("Bjørn → ok", Enc::Windows1252), b"Bj\xf8rn ? ok");
    assert_eq!(&*encode("Bjørn", Enc::Utf8), "Bjørn".as_bytes());
}

#[test]
fn an_earlier_annotation_is_replaced() {
    let h = |v: &[&'static str]| v.iter().map(|s| s.as_bytes()).collect::<Vec<_>>();
    assert!(ends_with_annotation(
        h(&["a", "status", "message"]).into_iter()
    ));
    assert!(ends_with_annotation(
        h(&["status", " message "]).into_iter()
    ));
    assert!(!ends_with_annotation(
        h(&["a", "Status", "Message"]).into_iter()
    ));
    assert!(!ends_with_annotation(h(&["message"]).into_iter()));
    let l = Layout::new(5, true);
    assert_eq!(
        (0..7).map(|c| l.target(c)).collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2), None, None, Some(5), Some(6)]
    );
    let l = Layout::new(3, false);
    assert_eq!(l.target(2), Some(2));
    assert_eq!(l.target(3), Some(5), "beyond the header: after the message");
}

#[test]
fn clip_counts_utf16_units() {
    assert_eq!(clip("abc", 2), "ab");
    assert_eq!(clip("a😀b", 2), "a");
    assert_eq!(clip("a😀b", 3), "a😀");
    assert_eq!(clip("", 0), "");
}
