//! Money at its limits, through the real binary: amounts too large to be real are
//! refused with the bound, never wrapped; lines that round to nothing are refused; and
//! the control totals of a file never wrap.

mod common;

use common::Test;
use serde_json::Value;
use std::path::Path;

/// The bound per line and per invoice, as the messages print it.
const BOUND: &str = "1 000 000 000 000,00 NOK";

/// Runs `validate FILE --format json` and returns the exit code and the summary.
fn validate(path: &Path) -> (i32, Value) {
    let out = Test::new()
        .cmd(["validate"])
        .arg(path)
        .args(["--format", "json", "--quiet"])
        .run();
    let stdout = out.stdout();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {stdout}\nstderr: {}",
            path.display(),
            out.stderr()
        )
    });
    (out.code().unwrap_or(-1), json)
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new("tests/data/money").join(name)
}

fn problems(json: &Value) -> Vec<Value> {
    json["problems"].as_array().cloned().unwrap_or_default()
}

/// The problems of `row` (or of the whole file, for `None`).
fn at_row(json: &Value, row: Option<u64>) -> Vec<Value> {
    problems(json)
        .into_iter()
        .filter(|p| p["row"].as_u64() == row)
        .collect()
}

fn messages(ps: &[Value]) -> String {
    ps.iter()
        .map(|p| format!("[{} {}] {}", p["row"], p["column"], p["message"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a problem at `row` is in `column` with a message holding every one of `words`.
fn says_at(json: &Value, row: u64, column: &str, words: &[&str]) -> bool {
    at_row(json, Some(row)).iter().any(|p| {
        p["column"] == column
            && p["message"]
                .as_str()
                .is_some_and(|m| words.iter().all(|w| m.contains(w)))
    })
}

/// Every amount in the totals, for checking that nothing negative (wrapped) shows.
fn total_amounts(json: &Value) -> Vec<i64> {
    let mut out = Vec::new();
    for t in json["totals"].as_array().into_iter().flatten() {
        for k in ["amount", "vat_amount", "net_amount"] {
            out.extend(t[k].as_i64());
        }
    }
    out
}

#[test]
fn two_lines_at_i64_max_are_refused_not_wrapped() {
    let (code, json) = validate(&data("overflow-two-max-lines.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 0, "{json}");
    for row in [2, 3] {
        let ps = at_row(&json, Some(row));
        assert!(
            ps.iter().any(|p| p["column"] == "amount"
                && p["value"] == "92233720368547758.07"
                && p["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("too large") && m.contains(BOUND))),
            "row {row}: {}",
            messages(&problems(&json))
        );
    }
    assert!(total_amounts(&json).iter().all(|&a| a >= 0), "{json}");
}

#[test]
fn two_huge_lines_are_refused_not_wrapped() {
    let (code, json) = validate(&data("overflow-two-huge-lines.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 0, "{json}");
    for row in [2, 3] {
        assert!(
            says_at(&json, row, "amount", &["too large", BOUND]),
            "row {row}: {}",
            messages(&problems(&json))
        );
    }
}

#[test]
fn an_invoice_above_the_bound_is_refused_with_its_sum() {
    let (code, json) = validate(&data("invoice-over-bound.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 1, "{json}");
    let ps: Vec<Value> = problems(&json)
        .into_iter()
        .filter(|p| p["merchant_reference"] == "M-1")
        .collect();
    assert!(
        ps.iter().any(|p| p["row"] == 2
            && p["message"].as_str().is_some_and(|m| m.contains("M-1")
                && m.contains("1 200 000 000 000,00")
                && m.contains(BOUND)
                && m.contains("per invoice"))),
        "{}",
        messages(&problems(&json))
    );
    // Only the small invoice counts.
    assert_eq!(json["totals"][0]["amount"], 29900, "{json}");
}

#[test]
fn a_line_at_the_bound_passes_one_cent_above_does_not() {
    let (code, json) = validate(&data("line-at-and-above-bound.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 1, "{json}");
    assert!(at_row(&json, Some(2)).is_empty(), "{json}");
    let above = at_row(&json, Some(3));
    assert!(
        above.iter().any(|p| p["column"] == "amount"
            && p["value"] == "1000000000000.01"
            && p["message"] == format!("amount is too large: at most {BOUND} per line").as_str()),
        "{}",
        messages(&above)
    );
    assert_eq!(
        json["totals"][0]["amount"], 100_000_000_000_000i64,
        "{json}"
    );
}

#[test]
fn a_line_that_rounds_to_zero_is_refused() {
    let (code, json) = validate(&data("zero-after-rounding.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 0, "{json}");
    assert!(
        says_at(&json, 2, "unit_price", &["quantity", "unit_price", "0,00"]),
        "{}",
        messages(&problems(&json))
    );
}

#[test]
fn a_net_amount_that_rounds_to_zero_is_refused() {
    let (code, json) = validate(&data("zero-net.csv"));
    assert_eq!(code, 1, "{json}");
    assert!(
        says_at(&json, 2, "net_amount", &["net_amount", "0,00"]),
        "{}",
        messages(&problems(&json))
    );
}

#[test]
fn a_too_large_number_says_too_large_not_too_many_decimals() {
    let (code, json) = validate(&data("too-large-number.csv"));
    assert_eq!(code, 1, "{json}");
    let huge = at_row(&json, Some(2));
    assert!(
        huge.iter().any(|p| p["column"] == "amount"
            && p["message"] == format!("amount is too large: at most {BOUND} per line").as_str()),
        "{}",
        messages(&huge)
    );
    assert!(!messages(&huge).contains("decimals"), "{}", messages(&huge));
    // A real decimals problem keeps its message.
    let precise = at_row(&json, Some(3));
    assert!(
        precise.iter().any(|p| p["message"]
            .as_str()
            .is_some_and(|m| m.contains("more decimals than NOK allows"))),
        "{}",
        messages(&precise)
    );
}

#[test]
fn computed_line_totals_above_the_bound_are_refused() {
    let (code, json) = validate(&data("computed-too-large.csv"));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 0, "{json}");
    let expect = |row: u64, column: &str, words: &[&str]| {
        assert!(
            says_at(&json, row, column, &[&[BOUND, "too large"], words].concat()),
            "row {row}: {}",
            messages(&problems(&json))
        );
    };
    expect(
        2,
        "unit_price",
        &["unit_price x quantity", "10 000 000 000 000,00"],
    );
    expect(
        3,
        "net_amount",
        &["net_amount + VAT", "1 125 000 000 000,00"],
    );
    // With an amount given too, the too-large product is still named.
    expect(4, "unit_price", &["unit_price x quantity"]);
}

/// 92 234 invoices at the bound add up to more than an `i64` of øre holds: the control
/// total must say so rather than wrap.
#[test]
fn the_control_total_of_a_file_never_wraps() {
    let t = Test::new();
    let path = t.path("many-max-invoices.csv");
    let mut text = String::from(
        "merchant_reference;customer_type;first_name;last_name;email;phone_number;address_line;postal_code;postal_place;description;amount;vat\n",
    );
    let n = 92_234;
    for i in 0..n {
        text.push_str(&format!(
            "R{i};B2C;Kari;Nordmann;kari@example.no;+4791234567;Storgata 1;0151;Oslo;Max;1000000000000.00;25\n"
        ));
    }
    std::fs::write(&path, text).expect("write");
    let (code, json) = validate(&path);
    assert_eq!(code, 1, "{}", json["problems"]);
    let file_level = at_row(&json, None);
    assert!(
        file_level.iter().any(|p| p["severity"] == "error"
            && p["message"]
                .as_str()
                .is_some_and(|m| m.contains("NOK") && m.contains("92 233 720 368 547 758,07"))),
        "{}",
        messages(&problems(&json))
    );
    assert!(total_amounts(&json).iter().all(|&a| a >= 0), "{json}");
    assert_eq!(json["invoices"], n, "{}", json["problems"]);
    // --skip-invalid cannot pick the valid invoices out of a file whose whole total is
    // wrong: nothing is sent.
    let out = t
        .cmd([
            "import",
            "--sandbox",
            "--skip-invalid",
            "--quiet",
            "--results",
        ])
        .arg(t.path("r.csv"))
        .arg(&path)
        .run();
    assert_eq!(out.code(), Some(1));
    assert!(out.stderr().contains("as a whole"), "{}", out.stderr());
    assert!(!t.path("r.csv").exists());
}

/// Spreadsheet number cells too large to be amounts say so, whether or not the number
/// fits a `Decimal` (1e20 does, 1e30 does not).
#[test]
fn huge_spreadsheet_numbers_are_too_large() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.xlsx");
    let header = [
        "merchant_reference",
        "customer_type",
        "first_name",
        "last_name",
        "email",
        "phone_number",
        "address_line",
        "postal_code",
        "postal_place",
        "description",
        "amount",
        "vat",
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for (r, amount) in [1e20f64, 1e30, 2.5e12].iter().enumerate() {
        let r = r as u32 + 1;
        let cells = [
            format!("X-{r}"),
            "B2C".into(),
            "Kari".into(),
            "Nordmann".into(),
            "kari@example.no".into(),
            "+4791234567".into(),
            "Storgata 1".into(),
            "0151".into(),
            "Oslo".into(),
            "Huge".into(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v.as_str()).expect("cell");
        }
        ws.write_number(r, 10, *amount).expect("amount");
        ws.write_number(r, 11, 25.0).expect("vat");
    }
    wb.save(&path).expect("save");
    let (code, json) = validate(&path);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid_invoices"], 0, "{json}");
    for row in [2, 3, 4] {
        let ps = at_row(&json, Some(row));
        assert!(
            ps.iter().any(|p| p["column"] == "amount"
                && p["message"]
                    == format!("amount is too large: at most {BOUND} per line").as_str()),
            "row {row}: {}",
            messages(&problems(&json))
        );
    }
}
