//! VAT rates and the VAT arithmetic every invoice line goes through.
//!
//! Rates are percent numbers (25 means 25 %). A line's VAT is derived from its total
//! including VAT, rounded half away from zero to the minor unit; an order's VAT is the
//! sum of its lines'. Keeping this in one place is what makes the dry run's totals equal
//! what is sent.

use crate::i18n::Message;
use rust_decimal::prelude::*;
use std::fmt;

/// A VAT rate in percent, at most two decimals (11.11 exists in Norway), held as
/// hundredths of a percent so that VAT arithmetic is exact integer arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VatRate(u16);

/// Why a rate is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VatError {
    Fraction,
    OutOfRange,
    TooPrecise,
}

impl VatError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            VatError::Fraction => Message::new("problem-vat-fraction"),
            VatError::OutOfRange => Message::new("problem-vat-out-of-range"),
            VatError::TooPrecise => Message::new("problem-vat-too-precise"),
        }
    }
}

crate::message_error!(VatError);

impl VatRate {
    /// Checks a parsed percent number.
    pub fn new(percent: Decimal) -> Result<Self, VatError> {
        // Fast path for every line: with at most two decimals the rate is a whole number
        // of hundredths, checked in integers in the same order as below.
        if let Some(&factor) = [100i128, 10, 1].get(percent.scale() as usize) {
            let hundredths = percent.mantissa() * factor;
            return if !(0..10_000).contains(&hundredths) {
                Err(VatError::OutOfRange)
            } else if (1..100).contains(&hundredths) {
                Err(VatError::Fraction)
            } else {
                u16::try_from(hundredths)
                    .map(VatRate)
                    .map_err(|_| VatError::OutOfRange)
            };
        }
        Self::new_general(percent)
    }

    /// [`VatRate::new`] without the fast path.
    fn new_general(percent: Decimal) -> Result<Self, VatError> {
        let p = percent.normalize();
        if p < Decimal::ZERO || p >= Decimal::ONE_HUNDRED {
            return Err(VatError::OutOfRange);
        }
        if p > Decimal::ZERO && p < Decimal::ONE {
            return Err(VatError::Fraction);
        }
        if p.scale() > 2 {
            return Err(VatError::TooPrecise);
        }
        let hundredths = (p * Decimal::ONE_HUNDRED)
            .to_u16()
            .ok_or(VatError::OutOfRange)?;
        Ok(VatRate(hundredths))
    }

    /// A rate from hundredths of a percent (2500 is 25 %); values of 100 % and above
    /// are clamped to 99.99 %.
    pub const fn from_hundredths(hundredths: u16) -> VatRate {
        VatRate(if hundredths < 10_000 {
            hundredths
        } else {
            9_999
        })
    }

    /// The rate in percent.
    pub fn percent(&self) -> Decimal {
        Decimal::new(i64::from(self.0), 2).normalize()
    }

    /// The VAT contained in a line total that includes VAT: `amount * vat / (100 + vat)`,
    /// rounded half away from zero to the minor unit.
    pub fn vat_of_gross(&self, gross_minor: i64) -> i64 {
        let num = i128::from(gross_minor) * i128::from(self.0);
        let den = 10_000 + i128::from(self.0);
        // Half away from zero: round the magnitude half up, then restore the sign.
        let q = (2 * num.abs() + den) / (2 * den);
        let q = if num < 0 { -q } else { q };
        i64::try_from(q).unwrap_or(0)
    }

    /// The gross amount for a net amount in major units: `net * (1 + vat/100)`, unrounded.
    pub fn gross_of_net(&self, net: Decimal) -> Option<Decimal> {
        net.checked_mul(Decimal::ONE + Decimal::new(i64::from(self.0), 4))
    }

    /// The rate as a JSON number: an integer when it is whole (25), else a decimal (11.11).
    pub fn to_json(&self) -> serde_json::Number {
        if self.0.is_multiple_of(100) {
            serde_json::Number::from(self.0 / 100)
        } else {
            serde_json::Number::from_f64(f64::from(self.0) / 100.0)
                .unwrap_or_else(|| serde_json::Number::from(0))
        }
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.percent())
    }
}

impl serde::Serialize for VatRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_example() {
        let r = VatRate::new(Decimal::from(25)).unwrap();
        assert_eq!(r.vat_of_gross(29900), 5980);
        assert_eq!(VatRate::new(Decimal::ZERO).unwrap().vat_of_gross(29900), 0);
        assert_eq!(
            VatRate::new(Decimal::from(15)).unwrap().vat_of_gross(11500),
            1500
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let r = VatRate::new(Decimal::from(12)).unwrap();
        // 15778 * 12 / 112 = 1690.5 -> 1691
        assert_eq!(r.vat_of_gross(15778), 1691);
        assert_eq!(r.vat_of_gross(-15778), -1691);
        assert_eq!(
            VatRate::new(Decimal::new(1111, 2)).unwrap().percent(),
            Decimal::new(1111, 2)
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(VatRate::new(Decimal::new(25, 2)), Err(VatError::Fraction));
        assert_eq!(VatRate::new(Decimal::from(100)), Err(VatError::OutOfRange));
        assert_eq!(VatRate::new(Decimal::from(-1)), Err(VatError::OutOfRange));
        assert_eq!(
            VatRate::new(Decimal::new(11111, 3)),
            Err(VatError::TooPrecise)
        );
        assert!(VatRate::new(Decimal::new(1111, 2)).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The integer fast path agrees with the `Decimal` checks, refusals included.
        #[test]
        fn fast_path_agrees_with_general(
            mantissa in prop_oneof![
                -200_000i128..200_000,
                any::<i64>().prop_map(i128::from),
                -(1i128 << 96) + 1..(1i128 << 96),
            ],
            scale in 0u32..=28,
        ) {
            let d = Decimal::from_i128_with_scale(mantissa, scale);
            prop_assert_eq!(VatRate::new(d), VatRate::new_general(d), "{}", d);
        }
    }

    #[test]
    fn fast_path_edges_agree() {
        for d in [
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::new(0, 2),
            Decimal::new(-0, 1),
            Decimal::new(1, 0),
            Decimal::new(99, 2),
            Decimal::new(100, 2),
            Decimal::new(9999, 2),
            Decimal::new(10000, 2),
            Decimal::new(-1, 2),
            Decimal::new(25, 0),
            Decimal::new(250, 1),
            Decimal::new(2500, 2),
            Decimal::new(25000, 3),
            Decimal::MAX,
            Decimal::MIN,
        ] {
            assert_eq!(VatRate::new(d), VatRate::new_general(d), "{d}");
        }
    }
}
