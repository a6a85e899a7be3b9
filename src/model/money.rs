//! Exact money and number parsing.
//!
//! Spreadsheet numbers arrive as text written by people and programs from different
//! countries (`1 250,00`, `1,250.00`, `1250`) or as Excel floating-point cells. Money is
//! kept as integer minor units from the moment it is parsed; `rust_decimal` carries the
//! exact decimal value in between, so no binary floating point ever touches an amount.
//!
//! Every row of a month-end export goes through here, so the common shapes (`2425,12`,
//! `25`, a value with at most two decimals) take integer fast paths. Each fast path
//! decides only what the general path would decide the same way, and falls back to it
//! for everything else; the property tests below hold them to that.

use rust_decimal::RoundingStrategy;
use rust_decimal::prelude::*;
use std::fmt;

/// Which character a file uses as its decimal separator, when it is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalConvention {
    /// `1 234,50`: the Nordic and continental convention.
    Comma,
    /// `1,234.50`: the English convention.
    Point,
    /// Not known: values whose meaning depends on it (`1,234`) are errors.
    #[default]
    Unknown,
}

impl fmt::Display for DecimalConvention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecimalConvention::Comma => "decimal comma",
            DecimalConvention::Point => "decimal point",
            DecimalConvention::Unknown => "decimal separator not known",
        })
    }
}

/// What a successfully parsed number tells about the file's convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// The text shows a decimal comma unambiguously (`299,50`, `1.234,5`).
    Comma,
    /// The text shows a decimal point unambiguously (`299.50`, `1,234.5`).
    Point,
    /// The text says nothing about the convention (`1250`, `1 250`).
    None,
}

/// A number read from a cell, with the currency word that surrounded it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedNumber {
    pub value: Decimal,
    pub evidence: Evidence,
    /// `kr` or `NOK` written around an amount (upper-cased, `KR` for `kr`).
    pub currency_word: Option<&'static str>,
}

/// Why a text is not a number. The `Display` texts are shown to accountants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("is empty")]
    Empty,
    #[error("is not a number")]
    NotANumber,
    #[error(
        "can be read as {as_comma} or as {as_point}: the file's decimal separator is not known; write it unambiguously or pass --decimal comma|point"
    )]
    Ambiguous { as_comma: String, as_point: String },
    #[error("has a badly placed thousands separator")]
    BadGrouping,
    #[error("contains the currency sign '{0}': write the number only")]
    CurrencySymbol(String),
    #[error("is a percentage ('%'): write the VAT rate as a plain number, for example 25")]
    Percent,
    #[error("is too large")]
    TooLarge,
}

/// Currency codes and words that are refused inside amount cells (other than a `kr`/`NOK`
/// matching the invoice's currency).
const CURRENCY_WORDS: &[&str] = &[
    "EUR", "USD", "SEK", "DKK", "GBP", "CHF", "ISK", "NOK", "KR", "SKR", "DKR",
];

/// Whitespace that may separate thousands or surround a value: space, no-break space,
/// narrow no-break space, thin space.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\t')
}

/// Trims ordinary and no-break spaces.
#[inline]
pub fn trim_cell(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        // The common case: nothing to trim.
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim_matches(|c: char| c.is_whitespace() || is_space(c)),
    }
}

/// Parses a number as people write it in spreadsheets.
///
/// Accepts a sign, a decimal comma or point, thousands separators (space-like, `.` with a
/// decimal comma, `,` with a decimal point) where they form groups of three, and a
/// `kr`/`NOK` word before or after. A value whose meaning depends on the convention
/// (`1,234`) is resolved with `convention`, or is an error when it is unknown.
pub fn parse_number(
    text: &str,
    convention: DecimalConvention,
) -> Result<ParsedNumber, NumberError> {
    match parse_simple(text) {
        Some(fast) => Ok(fast),
        None => parse_general(text, convention),
    }
}

/// [`parse_number`] without the fast path: every shape, every refusal.
fn parse_general(text: &str, convention: DecimalConvention) -> Result<ParsedNumber, NumberError> {
    let mut s = trim_cell(text);
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let mut currency_word = None;
    for (word, name) in [("nok", "NOK"), ("kr.", "KR"), ("kr", "KR")] {
        if let Some(rest) = strip_prefix_ci(s, word)
            && rest.starts_with(|c: char| c.is_ascii_digit() || is_space(c) || c == '-')
        {
            currency_word = Some(name);
            s = trim_cell(rest);
            break;
        }
        if let Some(rest) = strip_suffix_ci(s, word)
            && rest.ends_with(|c: char| c.is_ascii_digit() || is_space(c) || c == ',' || c == '.')
        {
            currency_word = Some(name);
            s = trim_cell(rest);
            break;
        }
    }
    if s.ends_with('%') || s.starts_with('%') {
        return Err(NumberError::Percent);
    }
    if let Some(sym) = s
        .chars()
        .find(|c| matches!(c, '$' | '€' | '£' | '¥' | '¤') || c.is_alphabetic())
    {
        // A word such as EUR or a sign such as $: never guess what it means.
        if !sym.is_alphabetic() {
            return Err(NumberError::CurrencySymbol(sym.to_string()));
        }
        let word: String = s.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = word.to_ascii_uppercase();
        if CURRENCY_WORDS.contains(&upper.as_str()) {
            return Err(NumberError::CurrencySymbol(word));
        }
        return Err(NumberError::NotANumber);
    }
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, trim_cell(&s[1..])),
        Some(b'+') => (false, trim_cell(&s[1..])),
        _ => (false, s),
    };
    if body.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let (digits, evidence) = normalize_digits(body, convention)?;
    let mut value = Decimal::from_str_exact(&digits).map_err(|_| NumberError::TooLarge)?;
    if negative {
        value.set_sign_negative(true);
    }
    Ok(ParsedNumber {
        value,
        evidence,
        currency_word,
    })
}

/// The common shapes `1250`, `299,9`, `299.90` (after trimming), decided in one pass
/// without allocating: digits, then at most one separator followed by one, two or more
/// than three digits. Such a text means the same under every convention (a separator
/// followed by exactly three digits may be a thousands separator, so it is left to
/// [`parse_general`]), and at most 18 digits always fit an `i64`.
fn parse_simple(text: &str) -> Option<ParsedNumber> {
    let b = trim_cell(text).as_bytes();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut sep = 0;
    for (i, &c) in b.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa * 10 + i64::from(d);
        } else if sep == 0 && i > 0 && (c == b',' || c == b'.') {
            sep = i;
        } else {
            return None;
        }
    }
    let (scale, evidence) = match sep {
        0 => (0, Evidence::None),
        i => {
            let frac = b.len() - i - 1;
            if frac == 0 || frac == 3 {
                return None;
            }
            let evidence = if b[i] == b',' {
                Evidence::Comma
            } else {
                Evidence::Point
            };
            (frac as u32, evidence)
        }
    };
    Some(ParsedNumber {
        value: Decimal::new(mantissa, scale),
        evidence,
        currency_word: None,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let head = s.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &s[word.len()..])
}

fn strip_suffix_ci<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(word.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(word).then(|| &s[..cut])
}

/// Turns the digits-and-separators part into a plain `1234.56` string.
fn normalize_digits(
    body: &str,
    convention: DecimalConvention,
) -> Result<(String, Evidence), NumberError> {
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || is_space(c) || c == '\'')
    {
        return Err(NumberError::NotANumber);
    }
    // Space-like and apostrophe thousands separators: check groups, then drop them.
    let has_space = body.chars().any(|c| is_space(c) || c == '\'');
    let compact: String = body
        .chars()
        .filter(|c| !(is_space(*c) || *c == '\''))
        .collect();
    if has_space {
        let int_part: String = body
            .chars()
            .take_while(|c| *c != ',' && *c != '.')
            .collect();
        let groups: Vec<&str> = int_part.split(|c: char| is_space(c) || c == '\'').collect();
        if !valid_groups(&groups) {
            return Err(NumberError::BadGrouping);
        }
    }
    let commas = compact.matches(',').count();
    let points = compact.matches('.').count();
    if compact.is_empty() || !compact.bytes().any(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let (decimal_sep, evidence) = match (commas, points) {
        (0, 0) => return Ok((compact, Evidence::None)),
        (_, 0) if commas > 1 => {
            // 1,234,567: commas group thousands (English).
            check_grouped(&compact, ',')?;
            return Ok((compact.replace(',', ""), Evidence::Point));
        }
        (0, _) if points > 1 => {
            check_grouped(&compact, '.')?;
            return Ok((compact.replace('.', ""), Evidence::Comma));
        }
        (1, 0) | (0, 1) => {
            let sep = if commas == 1 { ',' } else { '.' };
            let (int, frac) = compact.split_once(sep).unwrap_or((&compact, ""));
            let ambiguous =
                frac.len() == 3 && !int.is_empty() && int.len() <= 3 && int != "0" && !has_space;
            if ambiguous {
                match (convention, sep) {
                    (DecimalConvention::Comma, ',') | (DecimalConvention::Point, '.') => {
                        (sep, Evidence::None)
                    }
                    (DecimalConvention::Comma, _) | (DecimalConvention::Point, _) => {
                        return Ok((format!("{int}{frac}"), Evidence::None));
                    }
                    (DecimalConvention::Unknown, _) => {
                        return Err(NumberError::Ambiguous {
                            as_comma: if sep == ',' {
                                format!("{int}.{frac}")
                            } else {
                                format!("{int}{frac}")
                            },
                            as_point: if sep == '.' {
                                format!("{int}.{frac}")
                            } else {
                                format!("{int}{frac}")
                            },
                        });
                    }
                }
            } else {
                (
                    sep,
                    if sep == ',' {
                        Evidence::Comma
                    } else {
                        Evidence::Point
                    },
                )
            }
        }
        _ => {
            // Both present: the last one is the decimal separator.
            let last_comma = compact.rfind(',').unwrap_or(0);
            let last_point = compact.rfind('.').unwrap_or(0);
            let (dec, thou) = if last_comma > last_point {
                (',', '.')
            } else {
                ('.', ',')
            };
            let (int, frac) = compact.rsplit_once(dec).unwrap_or((&compact, ""));
            if frac.contains(thou) || int.matches(dec).count() > 0 {
                return Err(NumberError::BadGrouping);
            }
            check_grouped(int, thou)?;
            let plain = format!("{}.{}", int.replace(thou, ""), frac);
            return Ok((
                plain,
                if dec == ',' {
                    Evidence::Comma
                } else {
                    Evidence::Point
                },
            ));
        }
    };
    let (int, frac) = compact.split_once(decimal_sep).unwrap_or((&compact, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let int = if int.is_empty() { "0" } else { int };
    if frac.is_empty() {
        return Ok((int.to_string(), evidence));
    }
    Ok((format!("{int}.{frac}"), evidence))
}

fn valid_groups(groups: &[&str]) -> bool {
    match groups.split_first() {
        Some((first, rest)) => {
            !first.is_empty() && first.len() <= 3 && rest.iter().all(|g| g.len() == 3)
        }
        None => false,
    }
}

fn check_grouped(int: &str, sep: char) -> Result<(), NumberError> {
    let groups: Vec<&str> = int.split(sep).collect();
    if groups.len() > 1 && !valid_groups(&groups) {
        return Err(NumberError::BadGrouping);
    }
    Ok(())
}

/// Converts an exact decimal amount in major units to integer minor units.
///
/// Fails (returns `None`) when the value has more decimals than `exponent` allows, after
/// dropping trailing zeros, or does not fit.
pub fn to_minor_exact(value: Decimal, exponent: u32) -> Option<i64> {
    // Fast path: with no more decimals than the currency has, the value is exact in minor
    // units without normalising; `None` here means the same as the general path's: the
    // amount does not fit an `i64`.
    if value.scale() <= exponent && exponent <= MAX_FAST_EXPONENT {
        // A mantissa outside `i64` gives a result outside it too.
        let mantissa = i64::try_from(value.mantissa()).ok()?;
        // At most 10^18 (MAX_FAST_EXPONENT), which fits an i64.
        let factor = i64::try_from(POW10[(exponent - value.scale()) as usize]).ok()?;
        return mantissa.checked_mul(factor);
    }
    to_minor_exact_general(value, exponent)
}

/// [`to_minor_exact`] without the fast path.
fn to_minor_exact_general(value: Decimal, exponent: u32) -> Option<i64> {
    let v = value.normalize();
    if v.scale() > exponent {
        return None;
    }
    let scaled = v.checked_mul(Decimal::from(10i64.pow(exponent)))?;
    scaled.to_i64()
}

/// Rounds a decimal amount in major units to minor units, half away from zero.
pub fn round_to_minor(value: Decimal, exponent: u32) -> Option<i64> {
    // Fast path: when `value * 10^exponent` fits the 96-bit mantissa, the general path's
    // product is exact and this is the same rounding in integers.
    if exponent <= MAX_FAST_EXPONENT
        && let Some(scaled) = value.mantissa().checked_mul(POW10[exponent as usize])
        && scaled.unsigned_abs() < 1u128 << 96
    {
        // Half away from zero: round the magnitude half up, then restore the sign.
        let den = POW10[value.scale() as usize];
        let (q, r) = (scaled.abs() / den, scaled.abs() % den);
        let q = if 2 * r >= den { q + 1 } else { q };
        return i64::try_from(if scaled < 0 { -q } else { q }).ok();
    }
    round_to_minor_general(value, exponent)
}

/// [`round_to_minor`] without the fast path.
fn round_to_minor_general(value: Decimal, exponent: u32) -> Option<i64> {
    let scaled = value.checked_mul(Decimal::from(10i64.pow(exponent)))?;
    scaled
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

/// The largest currency exponent the fast paths handle (`10^18` fits an `i64`, as the
/// general paths need).
const MAX_FAST_EXPONENT: u32 = 18;

/// Powers of ten up to `10^28`, the largest `Decimal` scale.
const POW10: [i128; 29] = {
    let mut p = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// The largest amount, in major units, that one line, and one invoice, may total:
/// one trillion (1 000 000 000 000,00 kroner).
///
/// No real invoice comes near it (it is more than the yearly revenue of Norway's largest
/// company), so a larger amount is a typing or export error, never a real claim. In minor
/// units it is `10^14`, which stays exact in the JSON doubles many tools read amounts
/// into (up to `2^53`), and an `i64` holds more than 92 000 such invoices' total; sums of
/// more than that are checked (see `validate::totals`).
pub const MAX_AMOUNT_MAJOR: i64 = 1_000_000_000_000;

/// [`MAX_AMOUNT_MAJOR`] in minor units of a currency with `exponent` decimals
/// (`i64::MAX` if it does not fit, which no currency's exponent comes near).
pub fn max_amount_minor(exponent: u32) -> i64 {
    10i64
        .checked_pow(exponent)
        .and_then(|f| MAX_AMOUNT_MAJOR.checked_mul(f))
        .unwrap_or(i64::MAX)
}

/// Whether `value` (major units) is more than [`max_amount_minor`] once rounded to the
/// minor unit: an amount too large to be real, as opposed to one with too many decimals.
pub fn exceeds_max_amount(value: Decimal, exponent: u32) -> bool {
    round_to_minor(value.abs(), exponent).is_none_or(|m| m > max_amount_minor(exponent))
}

/// Formats minor units as a major-unit amount with a decimal point: `29900` -> `299.00`.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    let mut d = Decimal::from(minor);
    d.set_scale(exponent).unwrap_or_default();
    if exponent == 0 {
        return minor.to_string();
    }
    format!("{d:.prec$}", prec = exponent as usize)
}

/// Formats minor units for people reading Norwegian ledgers: `1 234 567,00`.
pub fn format_minor_nordic(minor: i64, exponent: u32) -> String {
    // From the magnitude's digits: `i64::MIN` has no positive `i64`.
    let digits = minor.unsigned_abs().to_string();
    let e = exponent as usize;
    let padded = if digits.len() <= e {
        format!("{}{digits}", "0".repeat(e + 1 - digits.len()))
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - e);
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(ch);
    }
    let sign = if minor < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// Turns an Excel floating-point cell into the exact decimal it displays, by its shortest
/// round-trip text (a cell holding 299.9 is 299.9, never 299.899999...).
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // The common case, at most two decimals: if m/100 is exactly this float, then (the
    // spacing of hundredths being far above the float's precision below 2^53/100) the
    // shortest text of the float is m/100 too.
    let hundredths = (value * 100.0).round();
    if hundredths.abs() < 9.0e15 && hundredths / 100.0 == value {
        return Some(Decimal::new(hundredths as i64, 2).normalize());
    }
    // Rust's `Display` for f64 prints the shortest text that reads back as the same value,
    // without an exponent.
    Decimal::from_str_exact(&format!("{value}")).ok()
}

#[cfg(test)]
mod tests {
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
}
