//! Reading one cell: its text as people see it, an exact number, a currency code.
//!
//! Every rule reads its cells through these few functions, so that a cell means the
//! same thing to every rule (trimmed the same way, a spreadsheet number printed the same
//! way) and the rules themselves only say what a value must be.

use crate::input::CellRef;
use crate::model::money::{decimal_from_f64, parse_number, trim_cell};
use crate::model::{Currency, DecimalConvention, Evidence, NumberError};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// Text of a cell, trimmed; spreadsheet numbers print as people see them. The `bool`
/// says the cell was a spreadsheet number (a postcode stored as 151 gets its zero back).
#[inline]
pub fn text_of<'a>(cell: CellRef<'a>) -> (Cow<'a, str>, bool) {
    match cell {
        CellRef::Text(Cow::Borrowed(s)) => (Cow::Borrowed(trim_cell(s)), false),
        other => owned_text_of(other),
    }
}

/// [`text_of`] for the cells that are not borrowed text (Excel values, decoded text).
fn owned_text_of<'a>(cell: CellRef<'a>) -> (Cow<'a, str>, bool) {
    match cell {
        CellRef::Text(Cow::Borrowed(s)) => (Cow::Borrowed(trim_cell(s)), false),
        CellRef::Text(Cow::Owned(s)) => {
            let t = trim_cell(&s);
            (
                Cow::Owned(if t.len() == s.len() { s } else { t.to_string() }),
                false,
            )
        }
        CellRef::Number(n) => (Cow::Owned(format!("{n}")), true),
        other => (Cow::Owned(other.text().into_owned()), false),
    }
}

/// A number cell read exactly, with the currency word its text carries (`kr`, `NOK`).
#[inline]
pub fn number_of(
    cell: &CellRef<'_>,
    convention: DecimalConvention,
) -> Result<(Decimal, Option<&'static str>), NumberError> {
    match cell {
        CellRef::Number(n) => match decimal_from_f64(*n) {
            Some(d) => Ok((d, None)),
            // A finite number a `Decimal` cannot hold is at least 2^96 (or so small
            // that its text has more than 28 decimals).
            None if n.is_finite() && n.abs() >= 1.0 => Err(NumberError::TooLarge),
            None => Err(NumberError::NotANumber),
        },
        CellRef::Text(t) => parse_number(t, convention).map(|p| (p.value, p.currency_word)),
        CellRef::Empty => Err(NumberError::Empty),
        _ => Err(NumberError::NotANumber),
    }
}

/// The convention a cell's text shows, for detecting the file's convention.
pub fn evidence_of(cell: &CellRef<'_>) -> Evidence {
    match cell {
        CellRef::Text(t) => {
            parse_number(t, DecimalConvention::Unknown).map_or(Evidence::None, |p| p.evidence)
        }
        _ => Evidence::None,
    }
}

/// The currency a non-blank cell names. The default currency's own code, which exports
/// write on every row, is recognised without `Currency::parse` (which allocates); it
/// parses to that currency (see the tests).
#[inline]
pub fn currency_of(c: &CellRef<'_>, default: Currency) -> Option<Currency> {
    if let CellRef::Text(t) = c
        && trim_cell(t) == default.code()
    {
        return Some(default);
    }
    Currency::parse(&c.text()).ok()
}

/// `d > 0`, without a general `Decimal` comparison.
#[inline]
pub fn is_positive(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_positive()
}

/// `d < 0`, without a general `Decimal` comparison.
#[inline]
pub fn is_negative(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_negative()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_parse_to_themselves() {
        // `currency_of` relies on it.
        for c in [Currency::NOK, Currency::SEK, Currency::EUR, Currency::DKK] {
            assert_eq!(Currency::parse(c.code()).ok(), Some(c));
            let cell = CellRef::Text(Cow::Borrowed(c.code()));
            assert_eq!(currency_of(&cell, c), Some(c));
            assert_eq!(currency_of(&cell, Currency::NOK), Some(c));
        }
        let cell = CellRef::Text(Cow::Borrowed(" kr "));
        assert_eq!(currency_of(&cell, Currency::SEK), Some(Currency::NOK));
        let cell = CellRef::Text(Cow::Borrowed("USD"));
        assert_eq!(currency_of(&cell, Currency::NOK), None);
    }

    #[test]
    fn signs_agree_with_comparison() {
        for d in [
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(-0, 3),
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(5, 1),
        ] {
            assert_eq!(is_positive(d), d > Decimal::ZERO, "{d}");
            assert_eq!(is_negative(d), d < Decimal::ZERO, "{d}");
        }
    }
}
