//! Countries, currencies and postcodes: the parts of an address that have a fixed form.

use crate::i18n::Message;
use std::borrow::Cow;
use std::fmt;

/// An ISO 3166-1 alpha-2 country code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

/// Every assigned ISO 3166-1 alpha-2 code, to tell a typo (`XX`) from a real country
/// that Kravia does not serve (`DE`).
const ISO_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Why a country is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountryError {
    Unknown,
    NotServed,
}

impl CountryError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            CountryError::Unknown => Message::new("problem-country-unknown"),
            CountryError::NotServed => Message::new("problem-country-not-served"),
        }
    }
}

crate::message_error!(CountryError);

impl Country {
    pub const NO: Country = Country(*b"NO");
    pub const SE: Country = Country(*b"SE");
    pub const FI: Country = Country(*b"FI");

    /// Reads a country code, or a Nordic country's name in Norwegian, Swedish, Finnish or
    /// English, and checks that Kravia serves it.
    pub fn parse(raw: &str) -> Result<Country, CountryError> {
        let raw = raw.trim();
        for c in [Country::NO, Country::SE, Country::FI] {
            if raw.as_bytes().eq_ignore_ascii_case(&c.0) {
                return Ok(c);
            }
        }
        let s = raw.to_lowercase();
        let by_name = match s.as_str() {
            "norge" | "norway" | "noreg" | "norja" => Some(Country::NO),
            "sverige" | "sweden" | "ruotsi" => Some(Country::SE),
            "finland" | "suomi" => Some(Country::FI),
            _ => None,
        };
        let c = match by_name {
            Some(c) => c,
            None => {
                let up = s.to_ascii_uppercase();
                if up.len() != 2 || !ISO_CODES.split(' ').any(|c| c == up) {
                    return Err(CountryError::Unknown);
                }
                let b = up.as_bytes();
                Country([b[0], b[1]])
            }
        };
        if ![Country::NO, Country::SE, Country::FI].contains(&c) {
            return Err(CountryError::NotServed);
        }
        Ok(c)
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The currency customers in this country are normally invoiced in.
    pub fn usual_currency(&self) -> Currency {
        match *self {
            Country::SE => Currency::SEK,
            Country::FI => Currency::EUR,
            _ => Currency::NOK,
        }
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A currency Kravia can invoice in, with its minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Currency {
    NOK,
    SEK,
    EUR,
    DKK,
}

/// Why a currency is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyError;

impl CurrencyError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            CurrencyError => Message::new("problem-currency-unknown"),
        }
    }
}

crate::message_error!(CurrencyError);

impl Currency {
    pub fn parse(raw: &str) -> Result<Currency, CurrencyError> {
        // Compared in place: this runs for every row and every invoice.
        const CODES: [(&str, Currency); 5] = [
            ("NOK", Currency::NOK),
            ("KR", Currency::NOK),
            ("SEK", Currency::SEK),
            ("EUR", Currency::EUR),
            ("DKK", Currency::DKK),
        ];
        let raw = raw.trim();
        CODES
            .iter()
            .find(|(code, _)| raw.eq_ignore_ascii_case(code))
            .map(|&(_, c)| c)
            .ok_or(CurrencyError)
    }

    /// Digits after the decimal point (2 for every currency Kravia uses).
    pub fn exponent(&self) -> u32 {
        2
    }

    pub fn code(&self) -> &'static str {
        match self {
            Currency::NOK => "NOK",
            Currency::SEK => "SEK",
            Currency::EUR => "EUR",
            Currency::DKK => "DKK",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a postcode is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostcodeError {
    No,
    Se,
    Fi,
}

impl PostcodeError {
    /// What is wrong, as a catalogue message (the `Display` text is its English).
    pub fn message(&self) -> Message {
        match self {
            PostcodeError::No => Message::new("problem-postcode-no"),
            PostcodeError::Se => Message::new("problem-postcode-se"),
            PostcodeError::Fi => Message::new("problem-postcode-fi"),
        }
    }
}

crate::message_error!(PostcodeError);

/// Checks and normalizes a postcode. `from_number` says the cell was numeric (Excel),
/// in which case a leading zero that Excel dropped is restored.
pub fn normalize_postcode(
    raw: &str,
    country: Country,
    from_number: bool,
) -> Result<Cow<'_, str>, PostcodeError> {
    // The usual cell is already the form sent; the general path below returns it as is.
    if raw.len() == postcode_len(country) && raw.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Cow::Borrowed(raw));
    }
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let all_digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
    let len = postcode_len(country);
    let err = match country {
        Country::SE => PostcodeError::Se,
        Country::FI => PostcodeError::Fi,
        _ => PostcodeError::No,
    };
    if !all_digits {
        return Err(err);
    }
    // A space is only allowed in the Swedish `123 45` form.
    if compact.len() != raw.trim().len() && !(country == Country::SE && raw.trim().len() == 6) {
        return Err(err);
    }
    if compact.len() == len {
        return Ok(Cow::Owned(compact));
    }
    if from_number && compact.len() < len {
        return Ok(Cow::Owned(format!("{compact:0>len$}")));
    }
    Err(err)
}

fn postcode_len(country: Country) -> usize {
    match country {
        Country::SE | Country::FI => 5,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        assert_eq!(Country::parse("no"), Ok(Country::NO));
        assert_eq!(Country::parse("Sverige"), Ok(Country::SE));
        assert_eq!(Country::parse("DE"), Err(CountryError::NotServed));
        assert_eq!(Country::parse("XX"), Err(CountryError::Unknown));
    }

    #[test]
    fn postcodes() {
        assert_eq!(
            normalize_postcode("0151", Country::NO, false).unwrap(),
            "0151"
        );
        assert_eq!(
            normalize_postcode("151", Country::NO, true).unwrap(),
            "0151"
        );
        assert!(normalize_postcode("151", Country::NO, false).is_err());
        assert_eq!(
            normalize_postcode("123 45", Country::SE, false).unwrap(),
            "12345"
        );
        assert!(normalize_postcode("1234", Country::SE, false).is_err());
        assert_eq!(
            normalize_postcode("00100", Country::FI, false).unwrap(),
            "00100"
        );
        assert!(normalize_postcode("01 51", Country::NO, false).is_err());
        assert!(normalize_postcode("O151", Country::NO, false).is_err());
    }

    /// The allocating version of `normalize_postcode` and `Currency::parse`, before their
    /// fast paths: the reference the properties below compare them with.
    fn reference_postcode(
        raw: &str,
        country: Country,
        from_number: bool,
    ) -> Result<String, PostcodeError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        let all_digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
        let (len, err) = match country {
            Country::SE => (5, PostcodeError::Se),
            Country::FI => (5, PostcodeError::Fi),
            _ => (4, PostcodeError::No),
        };
        if !all_digits {
            return Err(err);
        }
        if compact.len() != raw.trim().len() && !(country == Country::SE && raw.trim().len() == 6) {
            return Err(err);
        }
        if compact.len() == len {
            return Ok(compact);
        }
        if from_number && compact.len() < len {
            return Ok(format!("{compact:0>len$}"));
        }
        Err(err)
    }

    fn reference_currency(raw: &str) -> Result<Currency, CurrencyError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "NOK" | "KR" => Ok(Currency::NOK),
            "SEK" => Ok(Currency::SEK),
            "EUR" => Ok(Currency::EUR),
            "DKK" => Ok(Currency::DKK),
            _ => Err(CurrencyError),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn postcode_agrees_with_reference(
            raw in "[ \u{a0}]?[0-9O]{0,6}[ \u{a0}]?[0-9]{0,2}",
            c in proptest::prop_oneof![
                proptest::strategy::Just(Country::NO),
                proptest::strategy::Just(Country::SE),
                proptest::strategy::Just(Country::FI),
            ],
            from_number: bool,
        ) {
            proptest::prop_assert_eq!(
                normalize_postcode(&raw, c, from_number).map(Cow::into_owned),
                reference_postcode(&raw, c, from_number)
            );
        }

        #[test]
        fn currency_agrees_with_reference(
            raw in "[ ]?(nok|NOK|Nok|kr|KR|sek|EUR|eur|dkk|DKK|Kr|x|ß|ﬀ)?[ ]?[a-z]?",
        ) {
            proptest::prop_assert_eq!(Currency::parse(&raw), reference_currency(&raw));
        }
    }
}
