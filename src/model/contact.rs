//! E-mail addresses and phone numbers, the two ways Kravia reaches a customer.
//!
//! Both are checked for every invoice, including in a dry run that keeps none, so neither
//! allocates: an e-mail address is returned as a slice of its cell, a phone number is
//! built on the stack ([`Normalized`]).

use super::address::Country;
use crate::i18n::Message;
use smallvec::SmallVec;
use std::fmt;

/// A normalized value such as a phone or organization number. Valid ones are short, so
/// they live on the stack: checking an invoice costs no allocation unless it is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct Normalized(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(String),
}

const INLINE: usize = 16;

impl Normalized {
    /// The concatenation of `parts`, which are ASCII (digits, `+`, `-`).
    pub(super) fn from_ascii(parts: &[&[u8]]) -> Normalized {
        debug_assert!(parts.iter().all(|p| p.is_ascii()));
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total <= INLINE {
            let mut buf = [0u8; INLINE];
            let mut len = 0;
            for p in parts {
                buf[len..len + p.len()].copy_from_slice(p);
                len += p.len();
            }
            Normalized(Repr::Inline {
                len: len as u8,
                buf,
            })
        } else {
            let bytes = parts.concat();
            Normalized(Repr::Heap(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only whole ASCII parts are stored, so this never fails.
            Repr::Inline { len, buf } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for Normalized {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<Normalized> for String {
    fn from(n: Normalized) -> String {
        match n.0 {
            Repr::Heap(s) => s,
            Repr::Inline { .. } => n.as_str().to_string(),
        }
    }
}

impl PartialEq<&str> for Normalized {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks that an e-mail address is plausible (one `@`, a dotted domain, no spaces).
/// Returns the trimmed address.
pub fn normalize_email(raw: &str) -> Option<&str> {
    let s = raw.trim();
    if s.len() > 254 {
        return None;
    }
    let at = s.bytes().position(|b| b == b'@')?;
    (local_part_ok(&s[..at]) && domain_ok(&s[at + 1..])).then_some(s)
}

/// The part before the `@`: 1 to 64 bytes, no space or control character, dots only
/// between other characters.
fn local_part_ok(local: &str) -> bool {
    let b = local.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if b.len() > 64 || first == b'.' || last == b'.' {
        return false;
    }
    // One pass over the bytes. Among ASCII, the spaces and controls are the bytes up to
    // the space, and DEL; beyond ASCII, only characters starting with one of
    // `MAY_BE_SPACE_OR_CONTROL` can be one, and only those need decoding (not æ, ø, å).
    let mut decode = false;
    let mut prev = 0u8;
    for &x in b {
        if x <= b' ' || x == 0x7f || (x == b'.' && prev == b'.') {
            return false;
        }
        decode |= may_be_space_or_control(x);
        prev = x;
    }
    !decode || !local.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether a character whose UTF-8 encoding starts with `lead` may be a space or a
/// control character: U+0080 to U+00BF, and every character of three or four bytes.
/// The two-byte characters from U+00C0 on (Latin letters such as æøå, Greek, Cyrillic)
/// are neither (a test checks every character).
fn may_be_space_or_control(lead: u8) -> bool {
    lead == 0xc2 || lead >= 0xe0
}

/// The part after the `@`: at least two dot-separated labels of letters, digits and
/// dashes (not at either end), the last of at least two characters and no digit. A
/// space, a control character or a second `@` is not a letter, digit or dash, so the
/// label check refuses them too.
fn domain_ok(domain: &str) -> bool {
    let mut labels = 0usize;
    let mut tld: &[u8] = &[];
    // `.` is ASCII, so splitting the bytes splits between characters.
    for l in domain.as_bytes().split(|&b| b == b'.') {
        let (Some(&first), Some(&last)) = (l.first(), l.last()) else {
            return false;
        };
        if first == b'-' || last == b'-' || !label_chars_ok(l) {
            return false;
        }
        labels += 1;
        tld = l;
    }
    // Characters are counted by the bytes that start one; an ASCII digit byte is always
    // a digit character.
    let tld_chars = tld.iter().filter(|&&b| b & 0xc0 != 0x80).count();
    labels >= 2 && tld_chars >= 2 && !tld.iter().any(u8::is_ascii_digit)
}

/// Whether a domain label has only letters, digits and dashes. Norwegian letters count:
/// `char::is_alphanumeric`, whose ASCII part is `u8::is_ascii_alphanumeric`.
fn label_chars_ok(l: &[u8]) -> bool {
    l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        || (!l.is_ascii()
            && std::str::from_utf8(l)
                .is_ok_and(|l| l.chars().all(|c| c.is_alphanumeric() || c == '-')))
}

/// Why a phone number is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneError {
    Characters,
    Length(&'static str),
    International,
}

impl PhoneError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            PhoneError::Characters => Message::new("problem-phone-characters"),
            PhoneError::Length(country) => {
                Message::new("problem-phone-length").arg("country", phone_country(country))
            }
            PhoneError::International => Message::new("problem-phone-international"),
        }
    }
}

crate::message_error!(PhoneError);

/// The words of a [`PhoneError::Length`]'s country (its text is the English, which the
/// tests compare) as a catalogue message.
fn phone_country(english: &str) -> Message {
    match english {
        "Norway (8 digits after +47)" => Message::new("problem-phone-no-international"),
        "Norway (8 digits)" => Message::new("problem-phone-no"),
        "Sweden (7 to 9 digits after +46)" => Message::new("problem-phone-se"),
        "Finland (5 to 10 digits after +358)" => Message::new("problem-phone-fi"),
        other => Message::verbatim(other),
    }
}

/// Normalizes a phone number to E.164 (`+4799999999`). National numbers get the billing
/// country's prefix; `00` is read as `+`.
pub fn normalize_phone(raw: &str, country: Country) -> Result<Normalized, PhoneError> {
    let s = raw.trim();
    let plus = s.starts_with('+');
    let body = if plus { &s[1..] } else { s };
    // The digits, after room for a country code (so that a national number gets its
    // prefix in place), on the stack: a valid number has at most 17 digits (`00` and 15).
    let mut buf: SmallVec<[u8; 32]> = SmallVec::from_slice(&[0; ROOM]);
    let mut bytes = body.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'0'..=b'9' => buf.push(b),
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            // U+00A0, the no-break space, is the only other character allowed.
            0xc2 if bytes.next() == Some(0xa0) => {}
            _ => return Err(PhoneError::Characters),
        }
    }
    let e164: &[u8] = if plus {
        &buf[ROOM..]
    } else if buf[ROOM..].starts_with(b"00") {
        &buf[ROOM + 2..]
    } else {
        let (prefix, skip) = national_prefix(&buf[ROOM..], country)?;
        let start = ROOM + skip - prefix.len();
        buf[start..ROOM + skip].copy_from_slice(prefix);
        &buf[start..]
    };
    // Country-specific lengths for the countries Kravia serves, E.164 limits for others.
    let (prefix, range, name): (&[u8], std::ops::RangeInclusive<usize>, &'static str) =
        if e164.starts_with(b"47") {
            (b"47", 8..=8, "Norway (8 digits after +47)")
        } else if e164.starts_with(b"46") {
            (b"46", 7..=9, "Sweden (7 to 9 digits after +46)")
        } else if e164.starts_with(b"358") {
            (b"358", 5..=10, "Finland (5 to 10 digits after +358)")
        } else {
            if !(8..=15).contains(&e164.len()) {
                return Err(PhoneError::International);
            }
            return Ok(Normalized::from_ascii(&[b"+", e164]));
        };
    let national = &e164[prefix.len()..];
    if national.starts_with(b"0") && prefix != b"47" {
        // +46 08-123 45 67 is sometimes written with the trunk zero: drop it.
        let trimmed = &national[1..];
        if range.contains(&trimmed.len()) {
            return Ok(Normalized::from_ascii(&[b"+", prefix, trimmed]));
        }
    }
    if !range.contains(&national.len()) {
        return Err(PhoneError::Length(name));
    }
    Ok(Normalized::from_ascii(&[b"+", e164]))
}

/// Room for the longest country code Kravia adds (`358`).
const ROOM: usize = 3;

/// The country code a national number (its digits) gets, and how many of its leading
/// digits (a trunk zero) give way to it.
fn national_prefix(digits: &[u8], country: Country) -> Result<(&'static [u8], usize), PhoneError> {
    let trunk = usize::from(digits.starts_with(b"0"));
    match country {
        Country::NO => {
            // Norwegian numbers are 8 digits; `47` + 8 digits is the number with its prefix.
            if digits.len() == 10 && digits.starts_with(b"47") {
                Ok((b"", 0))
            } else if digits.len() == 8 {
                Ok((b"47", 0))
            } else {
                Err(PhoneError::Length("Norway (8 digits)"))
            }
        }
        Country::SE => Ok((b"46", trunk)),
        Country::FI => Ok((b"358", trunk)),
        _ => Err(PhoneError::International),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The allocating, `char`-based versions these functions replaced: the reference the
    /// properties below compare them with.
    mod reference {
        use super::super::{Country, PhoneError};

        /// Checks that an e-mail address is plausible (one `@`, a dotted domain, no spaces).
        /// Returns the trimmed address.
        pub fn normalize_email(raw: &str) -> Option<String> {
            let s = raw.trim();
            if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return None;
            }
            let (local, domain) = s.split_once('@')?;
            if local.is_empty() || domain.contains('@') || local.len() > 64 {
                return None;
            }
            if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
                return None;
            }
            let labels: Vec<&str> = domain.split('.').collect();
            if labels.len() < 2 {
                return None;
            }
            let label_ok = |l: &&str| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            };
            if !labels.iter().all(label_ok) {
                return None;
            }
            let tld = labels.last()?;
            if tld.chars().count() < 2 || tld.chars().any(|c| c.is_ascii_digit()) {
                return None;
            }
            Some(s.to_string())
        }

        /// Normalizes a phone number to E.164 (`+4799999999`). National numbers get the billing
        /// country's prefix; `00` is read as `+`.
        pub fn normalize_phone(raw: &str, country: Country) -> Result<String, PhoneError> {
            let s = raw.trim();
            let plus = s.starts_with('+');
            let body = if plus { &s[1..] } else { s };
            let mut digits = String::with_capacity(body.len());
            for c in body.chars() {
                match c {
                    '0'..='9' => digits.push(c),
                    ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                    _ => return Err(PhoneError::Characters),
                }
            }
            let international = if plus {
                Some(digits.clone())
            } else {
                digits.strip_prefix("00").map(str::to_string)
            };
            let e164 = match international {
                Some(d) => d,
                None => national_to_international(&digits, country)?,
            };
            // Country-specific lengths for the countries Kravia serves, E.164 limits for others.
            let (prefix, range, name): (&str, std::ops::RangeInclusive<usize>, &'static str) =
                if e164.starts_with("47") {
                    ("47", 8..=8, "Norway (8 digits after +47)")
                } else if e164.starts_with("46") {
                    ("46", 7..=9, "Sweden (7 to 9 digits after +46)")
                } else if e164.starts_with("358") {
                    ("358", 5..=10, "Finland (5 to 10 digits after +358)")
                } else {
                    if !(8..=15).contains(&e164.len()) {
                        return Err(PhoneError::International);
                    }
                    return Ok(format!("+{e164}"));
                };
            let national = &e164[prefix.len()..];
            if national.starts_with('0') && prefix != "47" {
                // +46 08-123 45 67 is sometimes written with the trunk zero: drop it.
                let trimmed = &national[1..];
                if range.contains(&trimmed.len()) {
                    return Ok(format!("+{prefix}{trimmed}"));
                }
            }
            if !range.contains(&national.len()) {
                return Err(PhoneError::Length(name));
            }
            Ok(format!("+{e164}"))
        }

        fn national_to_international(digits: &str, country: Country) -> Result<String, PhoneError> {
            match country {
                Country::NO => {
                    // Norwegian numbers are 8 digits; `47` + 8 digits is the number with its prefix.
                    if digits.len() == 10 && digits.starts_with("47") {
                        Ok(digits.to_string())
                    } else if digits.len() == 8 {
                        Ok(format!("47{digits}"))
                    } else {
                        Err(PhoneError::Length("Norway (8 digits)"))
                    }
                }
                Country::SE => {
                    let n = digits.strip_prefix('0').unwrap_or(digits);
                    Ok(format!("46{n}"))
                }
                Country::FI => {
                    let n = digits.strip_prefix('0').unwrap_or(digits);
                    Ok(format!("358{n}"))
                }
                _ => Err(PhoneError::International),
            }
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" ola@nordmann.no "),
            Some("ola@nordmann.no")
        );
        assert_eq!(
            normalize_email("kari.nord@sub.example.com"),
            Some("kari.nord@sub.example.com")
        );
        for bad in [
            "ola@",
            "@x.no",
            "ola nordmann@x.no",
            "ola@x",
            "ola@@x.no",
            "ola@x..no",
            "ola@x.n",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("99 99 99 99", Country::NO).unwrap(),
            "+4799999999"
        );
        assert_eq!(
            normalize_phone("+47 999 99 999", Country::NO).unwrap(),
            "+4799999999"
        );
        assert_eq!(
            normalize_phone("0047 99999999", Country::NO).unwrap(),
            "+4799999999"
        );
        assert_eq!(
            normalize_phone("070-123 45 67", Country::SE).unwrap(),
            "+46701234567"
        );
        assert_eq!(
            normalize_phone("+46 (0)70 123 45 67", Country::SE).unwrap(),
            "+46701234567"
        );
        assert_eq!(
            normalize_phone("040 1234567", Country::FI).unwrap(),
            "+358401234567"
        );
        assert_eq!(
            normalize_phone("9999", Country::NO),
            Err(PhoneError::Length("Norway (8 digits)"))
        );
        assert_eq!(
            normalize_phone("99AB9999", Country::NO),
            Err(PhoneError::Characters)
        );
        assert_eq!(
            normalize_phone("+47 9999", Country::NO),
            Err(PhoneError::Length("Norway (8 digits after +47)"))
        );
    }

    #[test]
    fn byte_rules_agree_with_char_rules() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            assert_eq!(
                b <= b' ' || b == 0x7f,
                c.is_whitespace() || c.is_control(),
                "{b:#x}"
            );
            assert_eq!(
                label_chars_ok(&[b]),
                c.is_alphanumeric() || c == '-',
                "{b:#x}"
            );
        }
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let space_or_control = c.is_whitespace() || c.is_control();
            // The local part decodes every character that may be one.
            let lead = c.encode_utf8(&mut [0; 4]).as_bytes()[0];
            if space_or_control && !c.is_ascii() {
                assert!(may_be_space_or_control(lead), "{:#x}", c as u32);
            }
            // The domain's label check refuses every one.
            assert!(
                !(space_or_control && c.is_alphanumeric()),
                "{:#x}",
                c as u32
            );
        }
    }

    #[test]
    fn normalized_values() {
        let n = Normalized::from_ascii(&[b"+", b"47", b"99999999"]);
        assert_eq!(n, "+4799999999");
        assert_eq!(String::from(n.clone()), "+4799999999");
        assert_eq!(format!("{n} {n:?}"), "+4799999999 \"+4799999999\"");
        let long = Normalized::from_ascii(&[b"+", b"1234567890", b"1234567890"]);
        assert_eq!(long, "+12345678901234567890");
        assert_eq!(String::from(long), "+12345678901234567890");
    }

    fn country() -> impl Strategy<Value = Country> {
        prop_oneof![Just(Country::NO), Just(Country::SE), Just(Country::FI)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn email_agrees_with_reference(
            s in prop_oneof![
                any::<String>(),
                "[ \t]{0,2}[a-zA-Z0-9æøåÅ._+\\-]{0,8}@{1,2}[a-zA-Z0-9æøå\\-]{0,6}(\\.[a-zA-Z0-9æøå\\-]{0,4}){0,3}[ \t\u{a0}\u{85}\u{2003}]{0,2}",
                "[a-zæ. \u{7f}\u{1f}\u{85}\u{a0}\u{3000}@]{0,20}",
            ]
        ) {
            prop_assert_eq!(normalize_email(&s).map(str::to_string), reference::normalize_email(&s));
        }

        #[test]
        fn phone_agrees_with_reference(
            s in prop_oneof![
                any::<String>(),
                "[ \u{a0}\u{3000}]{0,2}\\+?[0-9 ()./\\-\u{a0}]{0,24}[a ]?",
                "(\\+|00)?(47|46|358|1)?0?[0-9]{0,14}",
                "[0-9]{20,40}",
            ],
            c in country(),
        ) {
            prop_assert_eq!(
                normalize_phone(&s, c).map(String::from),
                reference::normalize_phone(&s, c)
            );
        }
    }
}
