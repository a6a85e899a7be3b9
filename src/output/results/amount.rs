//! Amounts in the results file: written exactly from minor units, read back as written
//! or as Excel saved them again (`1234,5`), never guessed (`1.234,50` is refused).

use crate::model::money::{format_minor, to_minor_exact};
use rust_decimal::Decimal;

/// Digits after the decimal point: 2 for every currency Kravia invoices in.
pub(super) const EXPONENT: u32 = 2;

/// `1234.50`, or `1234,50` when `comma` (the file uses `;`).
pub(super) fn amount_text(minor: i64, comma: bool) -> String {
    let s = format_minor(minor, EXPONENT);
    if comma { s.replace('.', ",") } else { s }
}

/// Parses an amount as written (or as Excel re-saved it): a sign, digits and at most one
/// decimal separator, `,` or `.`. Thousands separators are refused rather than guessed.
pub(super) fn parse_amount(text: &str) -> Result<i64, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if t.is_empty() {
        return Ok(0);
    }
    if t.matches([',', '.']).count() > 1 {
        return Err(format!(
            "amount {text:?} has more than one separator; write it as 1234,50 or 1234.50"
        ));
    }
    let d = Decimal::from_str_exact(&t.replace(',', "."))
        .map_err(|_| format!("amount {text:?} is not a number"))?;
    to_minor_exact(d, EXPONENT)
        .ok_or_else(|| format!("amount {text:?} has more than {EXPONENT} decimals or is too large"))
}

/// No invoice the tool sends is above the per-invoice bound, so a results amount above
/// it was edited or is not ours; refusing it also keeps every sum of a results file
/// (`status`, `void` and `capture` add them up per currency) far from overflowing.
pub(super) fn within_bound(amount: i64) -> Result<i64, String> {
    let bound = crate::model::money::max_amount_minor(EXPONENT);
    if amount.checked_abs().is_some_and(|a| a <= bound) {
        Ok(amount)
    } else {
        Err(format!(
            "amount {} is above the largest invoice kravia-batch sends ({}): was the file edited?",
            crate::model::money::format_minor_nordic(amount, EXPONENT),
            crate::model::money::format_minor_nordic(bound, EXPONENT)
        ))
    }
}
