//! The parsers and converters of `money.rs` against their general paths and the
//! decimal crate; kept apart so that `money.rs` reads as the code it tests.

use super::*;
use DecimalConvention::*;
use proptest::prelude::*;

fn num(s: &str, c: DecimalConvention) -> Decimal {
    parse_number(s, c).unwrap().value
}

#[test]
fn nordic_and_english_forms() {
    assert_eq!(num("299,00", Unknown), Decimal::new(29900, 2));
    assert_eq!(num("1 250,00", Unknown), Decimal::new(125000, 2));
    assert_eq!(num("1\u{a0}250,5", Unknown), Decimal::new(12505, 1));
    assert_eq!(num("1.234,50", Unknown), Decimal::new(123450, 2));
    assert_eq!(num("1,234.50", Unknown), Decimal::new(123450, 2));
    assert_eq!(num("1,234,567", Unknown), Decimal::from(1234567));
    assert_eq!(num("kr 299,00", Unknown), Decimal::new(29900, 2));
    assert_eq!(num("299,00 NOK", Unknown), Decimal::new(29900, 2));
    assert_eq!(num("-12,5", Unknown), Decimal::new(-125, 1));
    assert_eq!(num("0,125", Unknown), Decimal::new(125, 3));
    assert_eq!(num(",5", Unknown), Decimal::new(5, 1));
}

#[test]
fn ambiguity_needs_a_convention() {
    assert!(matches!(
        parse_number("1,234", Unknown),
        Err(NumberError::Ambiguous { .. })
    ));
    assert_eq!(num("1,234", Comma), Decimal::new(1234, 3));
    assert_eq!(num("1,234", Point), Decimal::from(1234));
    assert_eq!(num("1.234", Comma), Decimal::from(1234));
    assert_eq!(num("1.234", Point), Decimal::new(1234, 3));
}

#[test]
fn refusals() {
    assert_eq!(parse_number("25 %", Unknown), Err(NumberError::Percent));
    assert!(matches!(
        parse_number("$299", Unknown),
        Err(NumberError::CurrencySymbol(_))
    ));
    assert!(matches!(
        parse_number("EUR 299", Unknown),
        Err(NumberError::CurrencySymbol(_))
    ));
    assert_eq!(
        parse_number("12 50", Unknown),
        Err(NumberError::BadGrouping)
    );
    assert_eq!(parse_number("abc", Unknown), Err(NumberError::NotANumber));
    assert_eq!(parse_number("", Unknown), Err(NumberError::Empty));
    assert_eq!(
        parse_number("1.2.3,4,5", Unknown),
        Err(NumberError::BadGrouping)
    );
}

#[test]
fn minor_units() {
    assert_eq!(to_minor_exact(Decimal::new(2999, 1), 2), Some(29990));
    assert_eq!(to_minor_exact(Decimal::new(299999, 3), 2), None);
    assert_eq!(to_minor_exact(Decimal::new(299900, 3), 2), Some(29990));
    assert_eq!(round_to_minor(Decimal::new(1005, 3), 2), Some(101));
    assert_eq!(round_to_minor(Decimal::new(-1005, 3), 2), Some(-101));
    assert_eq!(format_minor(29900, 2), "299.00");
    assert_eq!(format_minor_nordic(123456700, 2), "1 234 567,00");
    assert_eq!(format_minor_nordic(5, 2), "0,05");
    assert_eq!(format_minor_nordic(-120, 2), "-1,20");
    assert_eq!(format_minor_nordic(1234, 0), "1 234");
    assert_eq!(
        format_minor_nordic(i64::MAX, 2),
        "92 233 720 368 547 758,07"
    );
    assert_eq!(
        format_minor_nordic(i64::MIN, 2),
        "-92 233 720 368 547 758,08"
    );
    assert_eq!(max_amount_minor(2), 100_000_000_000_000);
    assert_eq!(
        format_minor_nordic(max_amount_minor(2), 2),
        "1 000 000 000 000,00"
    );
    assert!(!exceeds_max_amount(Decimal::new(100_000_000_000_000, 2), 2));
    assert!(!exceeds_max_amount(
        Decimal::new(1_000_000_000_000_004, 3),
        2
    ));
    assert!(exceeds_max_amount(
        Decimal::new(1_000_000_000_000_005, 3),
        2
    ));
    assert!(exceeds_max_amount(Decimal::new(100_000_000_000_001, 2), 2));
    assert!(exceeds_max_amount(Decimal::MAX, 2));
    assert!(exceeds_max_amount(Decimal::MIN, 2));
    assert_eq!(decimal_from_f64(299.9), Some(Decimal::new(2999, 1)));
    assert_eq!(decimal_from_f64(0.07), Some(Decimal::new(7, 2)));
    assert_eq!(decimal_from_f64(1.005), Some(Decimal::new(1005, 3)));
    assert_eq!(decimal_from_f64(-12.5), Some(Decimal::new(-125, 1)));
    assert_eq!(decimal_from_f64(151.0), Some(Decimal::from(151)));
    assert_eq!(
        decimal_from_f64(0.1 + 0.2),
        Some(Decimal::from_str_exact("0.30000000000000004").unwrap())
    );
}

/// Everything `Decimal` equality ignores: the scale and the sign of a zero.
fn exactly(r: &Result<ParsedNumber, NumberError>) -> String {
    match r {
        Ok(p) => format!(
            "{:?} {} {} {} {:?} {:?}",
            p.value,
            p.value.mantissa(),
            p.value.scale(),
            p.value.is_sign_negative(),
            p.evidence,
            p.currency_word
        ),
        Err(e) => format!("{e:?}"),
    }
}

/// Number-like texts: digits (few or many, leading zeros), separators, signs, spaces,
/// currency words, exponents, percent.
fn number_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => "[0-9]{1,4}",
        2 => "[0-9]{5,30}",
        3 => Just(",".to_string()),
        3 => Just(".".to_string()),
        1 => Just(" ".to_string()),
        1 => Just("\u{a0}".to_string()),
        1 => Just("\u{202f}".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("-".to_string()),
        1 => Just("+".to_string()),
        1 => Just("'".to_string()),
        1 => Just("kr".to_string()),
        1 => Just("NOK".to_string()),
        1 => Just("e".to_string()),
        1 => Just("%".to_string()),
        1 => Just("0".to_string()),
    ];
    prop::collection::vec(piece, 0..7).prop_map(|p| p.concat())
}

const CONVENTIONS: [DecimalConvention; 3] = [Comma, Point, Unknown];

#[test]
fn fast_path_takes_the_common_shapes() {
    for (text, value) in [
        ("2425,12", Decimal::new(242512, 2)),
        ("25", Decimal::from(25)),
        ("1", Decimal::ONE),
        ("299.90", Decimal::new(29990, 2)),
        (" 0,5 ", Decimal::new(5, 1)),
        ("007", Decimal::from(7)),
        (
            "999999999999999999",
            Decimal::from(999_999_999_999_999_999i64),
        ),
    ] {
        let fast = parse_simple(text).expect(text);
        assert_eq!(fast.value, value, "{text}");
        for c in CONVENTIONS {
            assert_eq!(exactly(&Ok(fast.clone())), exactly(&parse_general(text, c)));
        }
    }
    for text in [
        "",
        " ",
        "-5",
        "+5",
        ",5",
        "5,",
        "1,234",
        "1.234",
        "0,125",
        "1.234,50",
        "1 234,50",
        "1\u{a0}234",
        "kr 100",
        "100,-",
        "1e5",
        "25 %",
        "1,2,3",
        "1,2.3",
        "1234567890123456789",
    ] {
        assert!(parse_simple(text).is_none(), "{text:?}");
    }
}

#[test]
fn minor_unit_edges_agree() {
    let edges = [
        Decimal::ZERO,
        -Decimal::ZERO,
        Decimal::new(0, 5),
        Decimal::new(5, 3),
        Decimal::new(-5, 3),
        Decimal::new(15, 3),
        Decimal::new(-15, 3),
        Decimal::new(1005, 3),
        Decimal::new(i64::MAX, 2),
        Decimal::new(i64::MIN, 2),
        Decimal::new(i64::MAX, 0),
        Decimal::new(i64::MIN, 0),
        Decimal::new(i64::MAX / 100, 0),
        Decimal::new(i64::MIN / 100, 0),
        Decimal::new(i64::MIN / 100 - 1, 0),
        Decimal::MAX,
        Decimal::MIN,
        Decimal::new(1, 28),
        Decimal::from_i128_with_scale(5, 28),
        Decimal::from_i128_with_scale((1 << 96) - 1, 2),
        Decimal::from_i128_with_scale((1 << 96) - 1, 28),
        Decimal::from_i128_with_scale(-(1 << 95), 0),
    ];
    for d in edges {
        for e in [0, 1, 2, 3, 18] {
            assert_eq!(
                to_minor_exact(d, e),
                to_minor_exact_general(d, e),
                "{d} {e}"
            );
            assert_eq!(
                round_to_minor(d, e),
                round_to_minor_general(d, e),
                "{d} {e}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Whenever the fast path reads a text, the general reading gives exactly the same
    /// number under every convention.
    #[test]
    fn fast_parse_agrees_with_general(text in number_like()) {
        let fast = parse_simple(&text);
        for c in CONVENTIONS {
            let general = parse_general(&text, c);
            if let Some(f) = &fast {
                prop_assert_eq!(exactly(&Ok(f.clone())), exactly(&general), "{:?} {:?}", text, c);
            }
            prop_assert_eq!(exactly(&parse_number(&text, c)), exactly(&general), "{:?}", text);
        }
    }

    /// The same for arbitrary short texts over the characters numbers are made of.
    #[test]
    fn fast_parse_agrees_on_any_text(text in "[0-9,. +\\-\u{a0}kKrRnNoOe%$']{0,20}") {
        for c in CONVENTIONS {
            prop_assert_eq!(
                exactly(&parse_number(&text, c)),
                exactly(&parse_general(&text, c)),
                "{:?} {:?}", text, c
            );
        }
    }

    /// Minor units: the integer fast paths agree with the `Decimal` arithmetic.
    #[test]
    fn minor_units_agree(
        mantissa in prop_oneof![
            -100_000_000i128..100_000_000,
            any::<i64>().prop_map(i128::from),
            -(1i128 << 96) + 1..(1i128 << 96),
        ],
        scale in 0u32..=28,
        exponent in prop_oneof![Just(0u32), Just(2u32), 0u32..=18],
    ) {
        let d = Decimal::from_i128_with_scale(mantissa, scale);
        prop_assert_eq!(to_minor_exact(d, exponent), to_minor_exact_general(d, exponent), "{} {}", d, exponent);
        prop_assert_eq!(round_to_minor(d, exponent), round_to_minor_general(d, exponent), "{} {}", d, exponent);
    }

    /// Numbers read from text, as the rows have them, converted to minor units.
    #[test]
    fn parsed_minor_units_agree(text in number_like(), exponent in 0u32..=3) {
        for c in CONVENTIONS {
            if let Ok(p) = parse_number(&text, c) {
                prop_assert_eq!(to_minor_exact(p.value, exponent), to_minor_exact_general(p.value, exponent));
                prop_assert_eq!(round_to_minor(p.value, exponent), round_to_minor_general(p.value, exponent));
            }
        }
    }
}
