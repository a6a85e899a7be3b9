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

use crate::i18n::Message;
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    NotANumber,
    Ambiguous { as_comma: String, as_point: String },
    BadGrouping,
    CurrencySymbol(String),
    Percent,
    TooLarge,
}

impl NumberError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            NumberError::Empty => Message::new("problem-number-empty"),
            NumberError::NotANumber => Message::new("problem-number-not-a-number"),
            NumberError::Ambiguous { as_comma, as_point } => {
                Message::new("problem-number-ambiguous")
                    .arg("as_comma", as_comma)
                    .arg("as_point", as_point)
            }
            NumberError::BadGrouping => Message::new("problem-number-bad-grouping"),
            NumberError::CurrencySymbol(sign) => {
                Message::new("problem-number-currency-sign").arg("sign", sign)
            }
            NumberError::Percent => Message::new("problem-number-percent"),
            NumberError::TooLarge => Message::new("problem-number-too-large"),
        }
    }
}

crate::message_error!(NumberError);

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
    let (compact, has_space) = drop_space_groups(body)?;
    let commas = compact.matches(',').count();
    let points = compact.matches('.').count();
    if compact.is_empty() || !compact.bytes().any(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    match (commas, points) {
        (0, 0) => Ok((compact, Evidence::None)),
        (_, 0) if commas > 1 => {
            // 1,234,567: commas group thousands (English).
            check_grouped(&compact, ',')?;
            Ok((compact.replace(',', ""), Evidence::Point))
        }
        (0, _) if points > 1 => {
            check_grouped(&compact, '.')?;
            Ok((compact.replace('.', ""), Evidence::Comma))
        }
        (1, 0) | (0, 1) => {
            let sep = if commas == 1 { ',' } else { '.' };
            one_separator(&compact, sep, has_space, convention)
        }
        _ => both_separators(&compact),
    }
}

/// Space-like and apostrophe thousands separators: checks their groups, then drops
/// them. Returns the rest, and whether there were any.
fn drop_space_groups(body: &str) -> Result<(String, bool), NumberError> {
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
    Ok((compact, has_space))
}

/// One `,` or `.`: the decimal separator, unless it is followed by exactly three digits
/// after one to three (`1,234`), which may be a thousands separator: then `convention`
/// decides, and an unknown convention is an error naming both readings.
fn one_separator(
    compact: &str,
    sep: char,
    has_space: bool,
    convention: DecimalConvention,
) -> Result<(String, Evidence), NumberError> {
    let (int, frac) = compact.split_once(sep).unwrap_or((compact, ""));
    let ambiguous =
        frac.len() == 3 && !int.is_empty() && int.len() <= 3 && int != "0" && !has_space;
    if !ambiguous {
        return plain(compact, sep, evidence_of_separator(sep));
    }
    match (convention, sep) {
        (DecimalConvention::Comma, ',') | (DecimalConvention::Point, '.') => {
            plain(compact, sep, Evidence::None)
        }
        (DecimalConvention::Comma, _) | (DecimalConvention::Point, _) => {
            Ok((format!("{int}{frac}"), Evidence::None))
        }
        (DecimalConvention::Unknown, _) => Err(NumberError::Ambiguous {
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
        }),
    }
}

/// Both `,` and `.`: the last one is the decimal separator, the other groups thousands.
fn both_separators(compact: &str) -> Result<(String, Evidence), NumberError> {
    let last_comma = compact.rfind(',').unwrap_or(0);
    let last_point = compact.rfind('.').unwrap_or(0);
    let (dec, thou) = if last_comma > last_point {
        (',', '.')
    } else {
        ('.', ',')
    };
    let (int, frac) = compact.rsplit_once(dec).unwrap_or((compact, ""));
    if frac.contains(thou) || int.matches(dec).count() > 0 {
        return Err(NumberError::BadGrouping);
    }
    check_grouped(int, thou)?;
    let plain = format!("{}.{}", int.replace(thou, ""), frac);
    Ok((plain, evidence_of_separator(dec)))
}

/// What a decimal separator says about the file's convention.
fn evidence_of_separator(sep: char) -> Evidence {
    if sep == ',' {
        Evidence::Comma
    } else {
        Evidence::Point
    }
}

/// The number split at its decimal separator, as a plain `1234.56` (`,5` is `0.5`).
fn plain(
    compact: &str,
    decimal_sep: char,
    evidence: Evidence,
) -> Result<(String, Evidence), NumberError> {
    let (int, frac) = compact.split_once(decimal_sep).unwrap_or((compact, ""));
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
mod tests;
