//! E-mail addresses and phone numbers, the two ways Kravia reaches a customer.

use super::Country;

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

/// Why a phone number is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error(
        "contains characters other than digits, spaces, dashes, dots, parentheses and a leading +"
    )]
    Characters,
    #[error("has the wrong number of digits for {0}")]
    Length(&'static str),
    #[error("has too few or too many digits for an international number (E.164: 8 to 15)")]
    International,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" ola@nordmann.no ").as_deref(),
            Some("ola@nordmann.no")
        );
        assert_eq!(
            normalize_email("kari.nord@sub.example.com").as_deref(),
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
}
