//! Organization numbers, checked by their country's check-digit rule.
//!
//! A mistyped organization number makes Kravia invoice the wrong company or reject the
//! invoice after the fact; check digits catch nearly every typo before anything is sent.

use super::address::Country;
use super::contact::Normalized;
use crate::i18n::Message;
use smallvec::SmallVec;

/// Why an organization number is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgNumberError {
    NoLength,
    NoCheck,
    SeLength,
    SeCheck,
    FiLength,
    FiCheck,
    Country,
}

impl OrgNumberError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            OrgNumberError::NoLength => Message::new("problem-orgnr-no-length"),
            OrgNumberError::NoCheck => Message::new("problem-orgnr-no-check"),
            OrgNumberError::SeLength => Message::new("problem-orgnr-se-length"),
            OrgNumberError::SeCheck => Message::new("problem-orgnr-se-check"),
            OrgNumberError::FiLength => Message::new("problem-orgnr-fi-length"),
            OrgNumberError::FiCheck => Message::new("problem-orgnr-fi-check"),
            OrgNumberError::Country => Message::new("problem-orgnr-country"),
        }
    }
}

crate::message_error!(OrgNumberError);

/// Normalizes and checks an organization number for a country.
///
/// Spaces, dots and dashes are stripped; a leading country code and a trailing `MVA`
/// (Norwegian VAT register suffix) are stripped. Returns the form sent to Kravia:
/// NO `923609016`, SE `5560360793`, FI `1234567-8`. Works on bytes on the stack: it runs
/// for every B2B invoice, kept or not.
pub fn normalize_org_number(raw: &str, country: Country) -> Result<Normalized, OrgNumberError> {
    let mut buf = SmallVec::new();
    let mut s = compact(raw, &mut buf);
    if let Some(rest) = s.strip_prefix(country.code().as_bytes()) {
        s = rest;
    }
    if country == Country::NO
        && let Some(rest) = s.strip_suffix(b"MVA")
    {
        s = rest;
    }
    if !s.iter().all(u8::is_ascii_digit) {
        return Err(match country {
            Country::NO => OrgNumberError::NoLength,
            Country::SE => OrgNumberError::SeLength,
            Country::FI => OrgNumberError::FiLength,
            _ => OrgNumberError::Country,
        });
    }
    match country {
        Country::NO => norway(s),
        Country::SE => sweden(s),
        Country::FI => finland(s),
        _ => Err(OrgNumberError::Country),
    }
}

/// The cell without separators, ASCII letters upper-cased (in `buf` when that changes
/// anything). The usual cell is only digits, which that leaves as they are.
fn compact<'a>(raw: &'a str, buf: &'a mut SmallVec<[u8; 24]>) -> &'a [u8] {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.as_bytes();
    }
    for c in raw.chars() {
        if c.is_ascii() {
            // `char::is_whitespace` in ASCII: tab, line feed, vertical tab, form feed,
            // carriage return and space.
            if !matches!(c, '\t'..='\r' | ' ' | '.' | '-') {
                buf.push(c.to_ascii_uppercase() as u8);
            }
        } else if !(c.is_whitespace() || c == '\u{a0}') {
            buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    buf
}

fn digit(b: &u8) -> u32 {
    u32::from(b - b'0')
}

/// Norway: 9 digits, MOD11 check digit.
fn norway(s: &[u8]) -> Result<Normalized, OrgNumberError> {
    if s.len() != 9 {
        return Err(OrgNumberError::NoLength);
    }
    let weights = [3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = s.iter().zip(weights).map(|(a, w)| digit(a) * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return Err(OrgNumberError::NoCheck),
        c => c,
    };
    if check != digit(&s[8]) {
        return Err(OrgNumberError::NoCheck);
    }
    Ok(Normalized::from_ascii(&[s]))
}

/// Sweden: 10 digits (or 12 starting 16), Luhn check digit; sent as the 10.
fn sweden(s: &[u8]) -> Result<Normalized, OrgNumberError> {
    let d = match s.len() {
        10 => s,
        12 if s.starts_with(b"16") => &s[2..],
        _ => return Err(OrgNumberError::SeLength),
    };
    if !luhn_ok(d) {
        return Err(OrgNumberError::SeCheck);
    }
    Ok(Normalized::from_ascii(&[d]))
}

/// Finland: 7 digits and a check digit (an older 6-digit ID gets its leading zero);
/// sent with its dash, as the registry writes it.
fn finland(s: &[u8]) -> Result<Normalized, OrgNumberError> {
    let mut d = [b'0'; 8];
    match s.len() {
        7 => d[1..].copy_from_slice(s),
        8 => d.copy_from_slice(s),
        _ => return Err(OrgNumberError::FiLength),
    }
    let weights = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = d.iter().zip(weights).map(|(a, w)| digit(a) * w).sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return Err(OrgNumberError::FiCheck),
        r => 11 - r,
    };
    if check != digit(&d[7]) {
        return Err(OrgNumberError::FiCheck);
    }
    Ok(Normalized::from_ascii(&[&d[..7], b"-", &d[7..]]))
}

/// The Luhn check over ASCII digits.
fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let x = u32::from(b - b'0');
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The allocating, `char`-based version this replaced: the reference the property
    /// below compares it with.
    mod reference {
        use super::super::{Country, OrgNumberError};

        /// Normalizes and checks an organization number for a country.
        ///
        /// Spaces, dots and dashes are stripped; a leading country code and a trailing `MVA`
        /// (Norwegian VAT register suffix) are stripped. Returns the form sent to Kravia:
        /// NO `923609016`, SE `5560360793`, FI `1234567-8`.
        pub fn normalize_org_number(raw: &str, country: Country) -> Result<String, OrgNumberError> {
            let mut s: String = raw
                .chars()
                .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '\u{a0}')))
                .collect::<String>()
                .to_ascii_uppercase();
            if let Some(rest) = s.strip_prefix(country.code()) {
                s = rest.to_string();
            }
            if country == Country::NO
                && let Some(rest) = s.strip_suffix("MVA")
            {
                s = rest.to_string();
            }
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(match country {
                    Country::NO => OrgNumberError::NoLength,
                    Country::SE => OrgNumberError::SeLength,
                    Country::FI => OrgNumberError::FiLength,
                    _ => OrgNumberError::Country,
                });
            }
            let d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
            match country {
                Country::NO => {
                    if d.len() != 9 {
                        return Err(OrgNumberError::NoLength);
                    }
                    let weights = [3, 2, 7, 6, 5, 4, 3, 2];
                    let sum: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
                    let check = match 11 - sum % 11 {
                        11 => 0,
                        10 => return Err(OrgNumberError::NoCheck),
                        c => c,
                    };
                    if check != d[8] {
                        return Err(OrgNumberError::NoCheck);
                    }
                    Ok(s)
                }
                Country::SE => {
                    let d = match d.len() {
                        10 => &d[..],
                        12 if d[0] == 1 && d[1] == 6 => &d[2..],
                        _ => return Err(OrgNumberError::SeLength),
                    };
                    if !luhn_ok(d) {
                        return Err(OrgNumberError::SeCheck);
                    }
                    Ok(d.iter().map(|x| char::from(b'0' + *x as u8)).collect())
                }
                Country::FI => {
                    // Older business IDs have 6 digits before the check digit: pad them.
                    let mut d = d;
                    if d.len() == 7 {
                        d.insert(0, 0);
                    }
                    if d.len() != 8 {
                        return Err(OrgNumberError::FiLength);
                    }
                    let weights = [7, 9, 10, 5, 8, 4, 2];
                    let sum: u32 = d.iter().zip(weights).map(|(a, w)| a * w).sum();
                    let check = match sum % 11 {
                        0 => 0,
                        1 => return Err(OrgNumberError::FiCheck),
                        r => 11 - r,
                    };
                    if check != d[7] {
                        return Err(OrgNumberError::FiCheck);
                    }
                    let digits: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
                    Ok(format!("{}-{}", &digits[..7], &digits[7..]))
                }
                _ => Err(OrgNumberError::Country),
            }
        }

        fn luhn_ok(d: &[u32]) -> bool {
            let sum: u32 = d
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &x)| {
                    if i % 2 == 1 {
                        let y = x * 2;
                        if y > 9 { y - 9 } else { y }
                    } else {
                        x
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        }
    }

    #[test]
    fn norway() {
        assert_eq!(
            normalize_org_number("923 609 016", Country::NO).unwrap(),
            "923609016"
        );
        assert_eq!(
            normalize_org_number("NO 974760673 MVA", Country::NO).unwrap(),
            "974760673"
        );
        assert_eq!(
            normalize_org_number("923609017", Country::NO),
            Err(OrgNumberError::NoCheck)
        );
        assert_eq!(
            normalize_org_number("92360901", Country::NO),
            Err(OrgNumberError::NoLength)
        );
    }

    #[test]
    fn sweden() {
        assert_eq!(
            normalize_org_number("556036-0793", Country::SE).unwrap(),
            "5560360793"
        );
        assert_eq!(
            normalize_org_number("165560360793", Country::SE).unwrap(),
            "5560360793"
        );
        assert_eq!(
            normalize_org_number("556036-0794", Country::SE),
            Err(OrgNumberError::SeCheck)
        );
    }

    #[test]
    fn finland() {
        assert_eq!(
            normalize_org_number("1572860-0", Country::FI).unwrap(),
            "1572860-0"
        );
        assert_eq!(
            normalize_org_number("0737546-2", Country::FI).unwrap(),
            "0737546-2"
        );
        assert_eq!(
            normalize_org_number("1572860-1", Country::FI),
            Err(OrgNumberError::FiCheck)
        );
    }

    #[test]
    fn every_ascii_character_agrees_with_reference() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            for s in [
                format!("92{c}3609016"),
                format!("{c}556036-0793"),
                format!("1572860-0{c}"),
            ] {
                for country in [Country::NO, Country::SE, Country::FI] {
                    assert_eq!(
                        normalize_org_number(&s, country).map(String::from),
                        reference::normalize_org_number(&s, country),
                        "{s:?}"
                    );
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn agrees_with_reference(
            s in prop_oneof![
                any::<String>(),
                "(NO|no|SE|FI|fi)?[ \t\u{b}\u{a0}\u{2003}]?[0-9 .\\-]{0,14}[ ]?(MVA|mva|Mva|x|é)?",
                "(16)?[0-9]{10}",
                "0?[0-9]{6}-?[0-9]",
                "[0-9]{9}",
            ],
            c in prop_oneof![Just(Country::NO), Just(Country::SE), Just(Country::FI)],
        ) {
            prop_assert_eq!(
                normalize_org_number(&s, c).map(String::from),
                reference::normalize_org_number(&s, c)
            );
        }
    }
}
