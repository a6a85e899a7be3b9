//! Exact money and number parsing.
//!
//! Spreadsheet numbers arrive as text written by people and programs from different
//! countries (`1 250,00`, `1,250.00`, `1250`) or as Excel floating-point cells. Money is
//! kept as integer minor units from the moment it is parsed; `rust_decimal` carries the
//! exact decimal value in between, so no binary floating point ever touches an amount.

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
    if let Some(fast) = parse_simple(text) {
        return Ok(fast);
    }
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

/// The common shapes `1250`, `299,9`, `299.90`, decided without allocating: digits, then
/// at most one separator followed by one, two or more than three digits.
fn parse_simple(text: &str) -> Option<ParsedNumber> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let sep = b.iter().position(|c| !c.is_ascii_digit());
    let (int, frac, evidence) = match sep {
        None => (b, &b[..0], Evidence::None),
        Some(i) => {
            let frac = &b[i + 1..];
            let ok =
                i > 0 && !frac.is_empty() && frac.len() != 3 && frac.iter().all(u8::is_ascii_digit);
            match b[i] {
                b',' if ok => (&b[..i], frac, Evidence::Comma),
                b'.' if ok => (&b[..i], frac, Evidence::Point),
                _ => return None,
            }
        }
    };
    let mut mantissa: i64 = 0;
    for &d in int.iter().chain(frac) {
        mantissa = mantissa * 10 + i64::from(d - b'0');
    }
    Some(ParsedNumber {
        value: Decimal::new(mantissa, frac.len() as u32),
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
    let v = value.normalize();
    if v.scale() > exponent {
        return None;
    }
    let scaled = v.checked_mul(Decimal::from(10i64.pow(exponent)))?;
    scaled.to_i64()
}

/// Rounds a decimal amount in major units to minor units, half away from zero.
pub fn round_to_minor(value: Decimal, exponent: u32) -> Option<i64> {
    let scaled = value.checked_mul(Decimal::from(10i64.pow(exponent)))?;
    scaled
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
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
    let plain = format_minor(minor.abs(), exponent);
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
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
}
