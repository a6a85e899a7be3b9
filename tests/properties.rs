//! Property tests for money parsing and VAT arithmetic.

mod common;

use common::Test;
use kravia_batch::model::money::{format_minor, format_minor_nordic, parse_number, to_minor_exact};
use kravia_batch::model::{DecimalConvention, VatRate};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn rate() -> impl Strategy<Value = VatRate> {
    prop_oneof![
        Just(0i64),
        Just(1200),
        Just(1500),
        Just(2500),
        Just(1111),
        100i64..9999
    ]
    .prop_map(|bp| VatRate::new(Decimal::new(bp, 2)).expect("rate"))
}

proptest! {
    /// Formatting minor units and parsing them back gives the same minor units, in both
    /// conventions and with thousands separators.
    #[test]
    fn format_then_parse_round_trips(minor in 1i64..1_000_000_000_000) {
        for (text, conv) in [
            (format_minor(minor, 2), DecimalConvention::Point),
            (format_minor_nordic(minor, 2), DecimalConvention::Comma),
            (format_minor_nordic(minor, 2), DecimalConvention::Unknown),
            (format_minor(minor, 2).replace('.', ","), DecimalConvention::Comma),
        ] {
            let parsed = parse_number(&text, conv).expect("parses");
            prop_assert_eq!(to_minor_exact(parsed.value, 2), Some(minor), "{}", text);
        }
    }

    /// English grouping (1,234,567.89) and Nordic grouping (1.234.567,89) read the same.
    #[test]
    fn grouped_forms_agree(minor in 100_000i64..1_000_000_000_000) {
        let plain = format_minor(minor, 2);
        let (int, frac) = plain.split_once('.').expect("point");
        let mut groups = Vec::new();
        let mut rest = int;
        while rest.len() > 3 {
            groups.insert(0, &rest[rest.len() - 3..]);
            rest = &rest[..rest.len() - 3];
        }
        groups.insert(0, rest);
        let english = format!("{}.{frac}", groups.join(","));
        let nordic = format!("{},{frac}", groups.join("."));
        let a = parse_number(&english, DecimalConvention::Unknown).expect("english").value;
        let b = parse_number(&nordic, DecimalConvention::Unknown).expect("nordic").value;
        prop_assert_eq!(a, b);
        prop_assert_eq!(to_minor_exact(a, 2), Some(minor));
    }

    /// A line's VAT is within half a minor unit of the exact VAT, never negative, never
    /// more than the line, and net + VAT = gross.
    #[test]
    fn line_vat_is_the_rounded_exact_vat(gross in 1i64..10_000_000_000, rate in rate()) {
        let vat = rate.vat_of_gross(gross);
        let exact = Decimal::from(gross) * rate.percent() / (Decimal::ONE_HUNDRED + rate.percent());
        prop_assert!((Decimal::from(vat) - exact).abs() <= Decimal::new(5, 1));
        prop_assert!(vat >= 0 && vat <= gross);
    }

    /// Sum of the lines' VAT is the order's VAT, through the whole pipeline: a generated
    /// file is validated and its payload's order equals the sum of its items.
    #[test]
    fn order_vat_is_the_sum_of_line_vat(lines in prop::collection::vec((1i64..100_000_000, rate()), 1..8)) {
        let t = Test::new();
        let csv = t.path("in.csv");
        let mut text = String::from("merchant_reference;customer_type;first_name;last_name;email;phone_number;address_line;postal_code;postal_place;description;amount;vat\n");
        for (i, (gross, rate)) in lines.iter().enumerate() {
            text.push_str(&format!(
                "P-1;B2C;Kari;Nordmann;kari@example.no;98765432;Lillegata 5;5003;Bergen;Linje {i};{};{}\n",
                format_minor_nordic(*gross, 2),
                rate.percent().to_string().replace('.', ",")
            ));
        }
        std::fs::write(&csv, text).expect("write");
        let out = t.path("p.jsonl");
        let status = t.cmd(["validate", "--quiet", "--decimal", "comma"])
            .arg(&csv)
            .arg("--emit-payloads")
            .arg(&out)
            .run();
        prop_assert_eq!(status.code(), Some(0), "{}", status.stdout());
        let body: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&out).expect("read").trim()).expect("json");
        let order = &body["session"]["order"];
        let expect_vat: i64 = lines.iter().map(|(g, r)| r.vat_of_gross(*g)).sum();
        let expect_amount: i64 = lines.iter().map(|(g, _)| *g).sum();
        prop_assert_eq!(order["vat_amount"].as_i64(), Some(expect_vat));
        prop_assert_eq!(order["amount"].as_i64(), Some(expect_amount));
    }
}

/// The most a line and an invoice may total, in øre (1 000 000 000 000,00 NOK).
const MAX_MINOR: i64 = 100_000_000_000_000;

/// Line amounts in øre: everyday ones, ones around the bound, and ones far above it.
fn line_amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 1i64..10_000_000,
        2 => MAX_MINOR - 1_000..=MAX_MINOR + 1_000,
        2 => 1i64..=MAX_MINOR,
        1 => Just(MAX_MINOR),
        1 => MAX_MINOR + 1..=i64::MAX,
        1 => Just(i64::MAX),
    ]
}

/// Runs `validate --format json` on `text` with the decimal convention forced.
fn validate_json(text: &str, decimal: &str) -> (Option<i32>, serde_json::Value) {
    let t = Test::new().file("in.csv", text);
    let out = t
        .cmd([
            "validate",
            "--quiet",
            "--format",
            "json",
            "--decimal",
            decimal,
        ])
        .arg(t.path("in.csv"))
        .run();
    let json = serde_json::from_str(&out.stdout()).expect("json");
    (out.code(), json)
}

const HEADER: &str = "merchant_reference;customer_type;first_name;last_name;email;phone_number;address_line;postal_code;postal_place;description;quantity;unit_price;amount;vat\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random invoices through the binary: a line or invoice above the bound is refused
    /// (never altered), every other is valid, and the control total is the exact (i128)
    /// sum of the valid invoices, in both decimal conventions.
    #[test]
    fn totals_are_exact_sums_and_the_bound_is_enforced(
        lines in prop::collection::vec((0usize..3, line_amount()), 1..8),
        nordic in any::<bool>(),
    ) {
        let mut text = String::from(HEADER);
        for (i, (inv, minor)) in lines.iter().enumerate() {
            let shown = if nordic { format_minor_nordic(*minor, 2) } else { format_minor(*minor, 2) };
            text.push_str(&format!(
                "P-{inv};B2C;Kari;Nordmann;kari@example.no;98765432;Lillegata 5;5003;Bergen;Linje {i};;;{shown};25\n"
            ));
        }
        let (code, json) = validate_json(&text, if nordic { "comma" } else { "point" });
        let mut sums = [0i128; 3];
        let mut ok = [true; 3];
        let mut present = [false; 3];
        for (inv, minor) in &lines {
            present[*inv] = true;
            sums[*inv] += i128::from(*minor);
            ok[*inv] &= *minor <= MAX_MINOR;
        }
        let valid: Vec<usize> = (0..3).filter(|&i| present[i] && ok[i] && sums[i] <= i128::from(MAX_MINOR)).collect();
        let all_valid = valid.len() == present.iter().filter(|p| **p).count();
        prop_assert_eq!(code, Some(if all_valid { 0 } else { 1 }), "{}", json["problems"]);
        prop_assert_eq!(json["valid_invoices"].as_u64(), Some(valid.len() as u64), "{}", json["problems"]);
        let expect: i128 = valid.iter().map(|&i| sums[i]).sum();
        if valid.is_empty() {
            prop_assert_eq!(json["totals"].as_array().map(Vec::len), Some(0));
        } else {
            prop_assert_eq!(json["totals"][0]["amount"].as_i64().map(i128::from), Some(expect), "{}", json["totals"]);
        }
        // Every line above the bound is named, at its row and column, with the bound.
        for (i, (_, minor)) in lines.iter().enumerate() {
            if *minor > MAX_MINOR {
                let row = i as u64 + 2;
                let named = json["problems"].as_array().into_iter().flatten().any(|p| {
                    p["row"].as_u64() == Some(row)
                        && p["column"] == "amount"
                        && p["message"].as_str().is_some_and(|m| m.contains("too large: at most 1 000 000 000 000,00 NOK"))
                });
                prop_assert!(named, "row {}: {}", row, json["problems"]);
            }
        }
    }

    /// `unit_price x quantity` through the binary: the line total is the exact product
    /// rounded half away from zero to the øre (computed here in i128), refused when it
    /// rounds to nothing or passes the bound.
    #[test]
    fn unit_price_times_quantity_is_exact_or_refused(
        unit in 1i64..1_000_000_000_000_000,
        unit_scale in 0u32..=4,
        qty in 1i64..1_000_000_000,
        qty_scale in 0u32..=7,
    ) {
        let (u, q) = (Decimal::new(unit, unit_scale), Decimal::new(qty, qty_scale));
        let mut text = String::from(HEADER);
        text.push_str(&format!(
            "P-1;B2C;Kari;Nordmann;kari@example.no;98765432;Lillegata 5;5003;Bergen;Linje;{q};{u};;25\n"
        ));
        let (code, json) = validate_json(&text, "point");
        let num = i128::from(unit) * i128::from(qty);
        let scale = unit_scale + qty_scale;
        let minor = if scale >= 2 {
            let den = 10i128.pow(scale - 2);
            (num + den / 2) / den
        } else {
            num * 10i128.pow(2 - scale)
        };
        if minor >= 1 && minor <= i128::from(MAX_MINOR) {
            prop_assert_eq!(code, Some(0), "{} x {}: {}", u, q, json["problems"]);
            prop_assert_eq!(json["totals"][0]["amount"].as_i64().map(i128::from), Some(minor));
        } else {
            prop_assert_eq!(code, Some(1), "{} x {}: {}", u, q, json["problems"]);
            prop_assert_eq!(json["valid_invoices"].as_u64(), Some(0));
            let named = json["problems"].as_array().into_iter().flatten().any(|p| {
                p["row"].as_u64() == Some(2)
                    && p["column"] == "unit_price"
                    && p["message"].as_str().is_some_and(|m| m.contains("unit_price x quantity")
                        && (if minor < 1 { m.contains("rounds to 0,00") } else { m.contains("too large") }))
            });
            prop_assert!(named, "{} x {}: {}", u, q, json["problems"]);
        }
    }
}

proptest! {
    /// Any i64 of minor units written in either convention (with or without thousands
    /// separators) reads back as itself.
    #[test]
    fn minor_units_round_trip_in_both_conventions(minor in any::<i64>()) {
        let plain = format_minor(minor, 2);
        for (text, conv) in [
            (plain.clone(), DecimalConvention::Point),
            (plain.replace('.', ","), DecimalConvention::Comma),
            (format_minor_nordic(minor, 2), DecimalConvention::Comma),
            (format_minor_nordic(minor, 2), DecimalConvention::Unknown),
        ] {
            let parsed = parse_number(&text, conv).expect("parses");
            prop_assert_eq!(to_minor_exact(parsed.value, 2), Some(minor), "{}", text);
        }
    }

    /// The bound check agrees with the exact decimal comparison.
    #[test]
    fn exceeds_max_amount_is_the_exact_comparison(mantissa in any::<i64>(), scale in 0u32..=6) {
        let d = Decimal::new(mantissa, scale);
        let rounded = d.abs().round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let expect = rounded > Decimal::new(MAX_MINOR, 2);
        prop_assert_eq!(kravia_batch::model::money::exceeds_max_amount(d, 2), expect, "{}", d);
    }
}
