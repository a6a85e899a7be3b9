//! `money`: arbitrary text through the number parser under each decimal convention,
//! and the parsed values through the conversions to minor units and back to text.
//!
//! Invariants (besides "no panic"):
//! - a value read under a known convention, written back plainly in that convention,
//!   reads back as the same value;
//! - a value read with the convention unknown reads the same under the convention its
//!   evidence names (both, when it names none): "unknown" never guesses;
//! - exact minor units agree with rounding, and `format_minor` / `format_minor_nordic`
//!   read back (point / comma) as the same amount;
//! - rounding to minor units is off by at most half a minor unit.

use kravia_batch::model::money::{
    DecimalConvention, Evidence, decimal_from_f64, format_minor, format_minor_nordic, parse_number,
    round_to_minor, to_minor_exact,
};
use rust_decimal::Decimal;

const CONVENTIONS: [DecimalConvention; 3] = [
    DecimalConvention::Comma,
    DecimalConvention::Point,
    DecimalConvention::Unknown,
];

/// Currency exponents that exist (ISK 0 ... BHD 3; Kravia's are 2).
const EXPONENTS: [u32; 4] = [0, 1, 2, 3];

fn plain(value: Decimal, c: DecimalConvention) -> String {
    let s = value.to_string();
    match c {
        DecimalConvention::Comma => s.replace('.', ","),
        _ => s,
    }
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for c in CONVENTIONS {
        let Ok(p) = parse_number(&text, c) else {
            continue;
        };
        let v = p.value;
        if c != DecimalConvention::Unknown {
            let again = parse_number(&plain(v, c), c);
            assert_eq!(
                again.as_ref().map(|a| a.value),
                Ok(v),
                "{text:?} read as {v} under {c:?}; written back as {:?} it reads {again:?}",
                plain(v, c)
            );
        } else {
            let agree: &[DecimalConvention] = match p.evidence {
                Evidence::Comma => &[DecimalConvention::Comma],
                Evidence::Point => &[DecimalConvention::Point],
                Evidence::None => &[DecimalConvention::Comma, DecimalConvention::Point],
            };
            for k in agree {
                let r = parse_number(&text, *k);
                assert_eq!(
                    r.as_ref().map(|a| a.value),
                    Ok(v),
                    "{text:?} reads {v} ({:?}) with the convention unknown, but {r:?} under {k:?}",
                    p.evidence
                );
            }
        }
        minor_units(&text, v);
    }
    // Spreadsheet number cells: any f64 bit pattern.
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let d = decimal_from_f64(f);
        if let Some(d) = d {
            minor_units(&format!("f64 {f:?}"), d);
        } else {
            // Ordinary magnitudes always have one (tiny or huge ones may not fit 28 digits).
            assert!(
                !(f == 0.0 || (1e-5..=1e15).contains(&f.abs())),
                "{f:?} has no decimal"
            );
        }
    }
}

fn minor_units(what: &str, v: Decimal) {
    for e in EXPONENTS {
        let exact = to_minor_exact(v, e);
        let rounded = round_to_minor(v, e);
        if let Some(m) = exact {
            assert_eq!(
                rounded,
                Some(m),
                "{what}: exact {m} but rounded {rounded:?} (e={e})"
            );
            let point = format_minor(m, e);
            let back = parse_number(&point, DecimalConvention::Point).map(|p| p.value);
            assert_eq!(
                back,
                Ok(v),
                "{what}: {v} is {m} minor (e={e}), written {point:?}"
            );
            let nordic = format_minor_nordic(m, e);
            let back = parse_number(&nordic, DecimalConvention::Comma).map(|p| p.value);
            assert_eq!(
                back,
                Ok(v),
                "{what}: {v} is {m} minor (e={e}), written {nordic:?}"
            );
        }
        if let Some(m) = rounded
            && let Some(scaled) = v.checked_mul(Decimal::from(10i64.pow(e)))
        {
            let off = (scaled - Decimal::from(m)).abs();
            assert!(
                off <= Decimal::new(5, 1),
                "{what}: {v} rounds to {m} minor (e={e}), off by {off}"
            );
        }
    }
}
