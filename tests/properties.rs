//! Property tests for money parsing and VAT arithmetic.

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
        let dir = tempfile::tempdir().expect("dir");
        let csv = dir.path().join("in.csv");
        let mut text = String::from("merchant_reference;customer_type;first_name;last_name;email;phone_number;address_line;postal_code;postal_place;description;amount;vat\n");
        for (i, (gross, rate)) in lines.iter().enumerate() {
            text.push_str(&format!(
                "P-1;B2C;Kari;Nordmann;kari@example.no;98765432;Lillegata 5;5003;Bergen;Linje {i};{};{}\n",
                format_minor_nordic(*gross, 2),
                rate.percent().to_string().replace('.', ",")
            ));
        }
        std::fs::write(&csv, text).expect("write");
        let out = dir.path().join("p.jsonl");
        let status = assert_cmd::Command::cargo_bin("kravia-batch").expect("bin")
            .args(["validate", "--quiet", "--decimal", "comma", csv.to_str().expect("p"), "--emit-payloads", out.to_str().expect("p")])
            .output().expect("run");
        prop_assert_eq!(status.status.code(), Some(0), "{}", String::from_utf8_lossy(&status.stdout));
        let body: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&out).expect("read").trim()).expect("json");
        let order = &body["session"]["order"];
        let expect_vat: i64 = lines.iter().map(|(g, r)| r.vat_of_gross(*g)).sum();
        let expect_amount: i64 = lines.iter().map(|(g, _)| *g).sum();
        prop_assert_eq!(order["vat_amount"].as_i64(), Some(expect_vat));
        prop_assert_eq!(order["amount"].as_i64(), Some(expect_amount));
    }
}
