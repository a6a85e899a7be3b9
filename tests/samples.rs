//! The bundled samples: clean, and with the control totals of `samples/EXPECTED.md`.

mod common;

use common::{Test, run};
use serde_json::{Value, json};

/// `validate --format json --quiet ARGS...`: the exit code and the JSON summary.
fn validate(args: &[&str]) -> (i32, Value) {
    let out = Test::new()
        .cmd(["validate", "--format", "json", "--quiet"])
        .args(args)
        .run();
    let v: Value = serde_json::from_slice(out.stdout_bytes()).expect("json summary");
    (out.code().unwrap_or(-1), v)
}

const MONTH: [&str; 3] = [
    "samples/november-2026-no.csv",
    "samples/november-2026.xlsx",
    "samples/november-2026-canonical.csv",
];

#[test]
fn the_month_validates_with_the_expected_totals() {
    for file in MONTH {
        let (code, v) = validate(&[file]);
        assert_eq!(code, 0, "{file}: {v:#}");
        assert_eq!(
            (v["errors"].clone(), v["warnings"].clone()),
            (json!(0), json!(0)),
            "{file}"
        );
        assert_eq!(v["invoices"], 25, "{file}");
        assert_eq!(v["lines"], 60, "{file}");
        assert_eq!(
            v["by_type"],
            json!({"kravia.invoice_b2b": 13, "kravia.invoice_b2b_grouped": 5, "kravia.invoice_b2c": 7}),
            "{file}"
        );
        let totals: Vec<Value> = v["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .map(|t| json!({"currency": t["currency"], "invoices": t["invoices"], "amount": t["amount"], "vat_amount": t["vat_amount"]}))
            .collect();
        assert_eq!(
            totals,
            vec![
                json!({"currency": "NOK", "invoices": 22, "amount": 13691968, "vat_amount": 2390539}),
                json!({"currency": "SEK", "invoices": 2, "amount": 1280000, "vat_amount": 0}),
                json!({"currency": "EUR", "invoices": 1, "amount": 68150, "vat_amount": 0}),
            ],
            "{file}"
        );
    }
}

#[test]
fn reader_reports_what_it_decided() {
    let (_, v) = validate(&["samples/november-2026-no.csv"]);
    assert_eq!(v["input"]["encoding"], "Windows-1252");
    assert_eq!(v["input"]["delimiter"], "';'");
    assert_eq!(v["input"]["decimal"], "comma");
}

#[test]
fn the_three_exports_of_the_month_give_identical_payloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bodies = Vec::new();
    for file in MONTH {
        let out = dir.path().join("payloads.jsonl");
        let (code, _) = validate(&[file, "--emit-payloads", out.to_str().expect("path")]);
        assert_eq!(code, 0);
        bodies.push(std::fs::read_to_string(&out).expect("payloads"));
    }
    assert_eq!(bodies[0].lines().count(), 25);
    assert_eq!(bodies[0], bodies[1], "CSV and XLSX differ");
    assert_eq!(bodies[0], bodies[2], "Norwegian and canonical CSV differ");
    // Sum of items equals the order, line by line.
    for line in bodies[0].lines() {
        let b: Value = serde_json::from_str(line).expect("body");
        let order = &b["session"]["order"];
        let items = order["items"].as_array().expect("items");
        let sum = |k: &str| {
            items
                .iter()
                .map(|i| i[k].as_i64().expect("int"))
                .sum::<i64>()
        };
        assert_eq!(order["amount"].as_i64(), Some(sum("amount")));
        assert_eq!(order["vat_amount"].as_i64(), Some(sum("vat_amount")));
        assert_eq!(b["payment"]["operation"], "invoice_payment");
    }
}

#[test]
fn the_mapping_example_maps_the_custom_headers() {
    let (code, v) = validate(&[
        "samples/november-2026-custom-headers.csv",
        "--mapping",
        "samples/mapping-example.toml",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["invoices"], 6);
    assert_eq!(v["totals"][0]["amount"], 7661000);
    assert_eq!(v["totals"][0]["vat_amount"], 1387239);
}

#[test]
fn import_dry_run_is_validate() {
    let a = run(["validate", "samples/november-2026-no.csv"]);
    let b = run(["import", "samples/november-2026-no.csv", "--dry-run"]);
    assert_eq!(a.code(), Some(0));
    assert_eq!(a.stdout_bytes(), b.stdout_bytes());
    assert_eq!(b.code(), Some(0));
}

#[test]
fn usage_errors_exit_2() {
    let out = run(["validate"]);
    assert_eq!(out.code(), Some(2));
    let out = run([
        "validate",
        "samples/november-2026-no.csv",
        "--delimiter",
        "x",
    ]);
    assert_eq!(out.code(), Some(2));
}

#[test]
fn missing_file_is_an_io_error() {
    let out = run(["validate", "no/such/file.csv"]);
    assert_eq!(out.code(), Some(3));
    assert!(out.stderr().contains("no/such/file.csv"));
}
