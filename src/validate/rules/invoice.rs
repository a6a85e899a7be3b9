//! The rules of an invoice's fields: what each invoice-level value must be, one function
//! per field.
//!
//! Customer, address, currency and due days are invoice-level: they may stand on any of
//! the invoice's rows (the first non-blank value wins, see [`super::agree`]), so they are
//! checked once the whole file has been read, with every value of the invoice at hand
//! ([`Ctx`]). Each rule records its problems at the row the value came from and returns
//! the checked value, or `None` after recording why there is none. The order the rules
//! run in, and what the invoice becomes, is [`super::finalize`]'s.
//!
//! | field | rule |
//! |---|---|
//! | customer_type, payment_product_type | [`super::product::product`] |
//! | currency | [`currency`], [`usual_currency`] |
//! | country | [`country`] |
//! | days_until_due | [`days_until_due`] |
//! | invoice_channel | [`invoice_channel`] |
//! | first_name, last_name, address_line, postal_place | [`Ctx::required`] |
//! | email | [`email`] |
//! | phone_number | [`phone_number`] |
//! | postal_code | [`postal_code`] |
//! | business_name, organization_number | [`business`] |
//! | (number of lines) | [`line_count`] |

use super::HeadValue;
use crate::i18n::Message;
use crate::mapping::Field;
use crate::model::{
    Country, Currency, InvoiceChannel, Normalized, normalize_email, normalize_org_number,
    normalize_phone, normalize_postcode,
};
use crate::problem::Problem;
use crate::validate::settings::Settings;
use std::borrow::Cow;

/// One invoice's values while its rules run, and the problems they found. `'a`: the
/// invoice's cells; `'s`: the settings.
pub struct Ctx<'a, 's> {
    values: [Option<HeadValue<'a>>; Field::COUNT],
    pub first_row: u32,
    pub reference: &'a str,
    pub settings: &'s Settings<'s>,
    pub problems: Vec<Problem>,
}

impl<'a, 's> Ctx<'a, 's> {
    /// The values come from `values` (each field at most once).
    pub fn new(
        reference: &'a str,
        first_row: u32,
        values: impl Iterator<Item = HeadValue<'a>>,
        settings: &'s Settings<'s>,
    ) -> Self {
        // The values are decoded straight into the context: it is large enough that
        // moving a filled array in would cost a copy per invoice.
        let mut c = Ctx {
            values: [None; Field::COUNT],
            first_row,
            reference,
            settings,
            problems: Vec::new(),
        };
        for v in values {
            c.values[v.field.index()] = Some(v);
        }
        c
    }

    pub fn value(&self, f: Field) -> Option<HeadValue<'a>> {
        self.values[f.index()]
    }

    /// A problem of field `f`, at the row its value came from (else the first row).
    pub fn problem(&mut self, f: Field, value: Option<&str>, message: Message, warning: bool) {
        let row = self.value(f).map_or(self.first_row, |v| v.row);
        let col = self.settings.map.column(f);
        let p = if warning {
            Problem::warning(row, col, value.map(str::to_string), message)
        } else {
            Problem::error(row, col, value.map(str::to_string), message)
        };
        self.problems.push(p.with_reference(self.reference));
    }

    pub fn error(&mut self, f: Field, value: Option<&str>, message: Message) {
        self.problem(f, value, message, false);
    }

    /// A required text field: first_name, last_name, address_line, postal_place (and
    /// the missing case of email, phone_number, postal_code).
    pub fn required(&mut self, f: Field) -> Option<&'a str> {
        match self.value(f) {
            Some(v) => Some(v.text),
            None => {
                let r = self.reference;
                self.error(
                    f,
                    None,
                    Message::new("problem-field-missing")
                        .arg("field", f.name())
                        .arg("reference", r),
                );
                None
            }
        }
    }

    /// An optional text field: address_line_2, co_address, customer_reference.
    pub fn optional(&self, f: Field) -> Option<&'a str> {
        self.value(f).map(|v| v.text)
    }
}

/// currency: NOK, SEK, EUR or DKK; the default when absent.
pub fn currency(c: &mut Ctx<'_, '_>) -> Option<Currency> {
    match c.value(Field::Currency) {
        Some(v) => Currency::parse(v.text)
            .map_err(|e| {
                c.error(
                    Field::Currency,
                    Some(v.text),
                    Message::new("problem-currency-invalid").arg("reason", e.message()),
                )
            })
            .ok(),
        None => Some(c.settings.defaults.currency),
    }
}

/// country: NO, SE or FI (or their names); the default when absent.
pub fn country(c: &mut Ctx<'_, '_>) -> Option<Country> {
    match c.value(Field::Country) {
        Some(v) => Country::parse(v.text)
            .map_err(|e| {
                c.error(
                    Field::Country,
                    Some(v.text),
                    Message::new("problem-country-invalid").arg("reason", e.message()),
                )
            })
            .ok(),
        None => Some(c.settings.defaults.country),
    }
}

/// days_until_due: a whole number, 0 to 365; the default when absent.
pub fn days_until_due(c: &mut Ctx<'_, '_>) -> Option<u16> {
    match c.value(Field::DaysUntilDue) {
        Some(v) => parse_days(v.text)
            .map_err(|m| c.error(Field::DaysUntilDue, Some(v.text), m))
            .ok(),
        None => Some(c.settings.defaults.days_until_due),
    }
}

/// invoice_channel: kravia or merchant; the default (or none) when absent. An invalid
/// one is an error, and the invoice has no channel.
pub fn invoice_channel(c: &mut Ctx<'_, '_>) -> Option<InvoiceChannel> {
    match c.value(Field::InvoiceChannel) {
        Some(v) => InvoiceChannel::parse(v.text).or_else(|| {
            c.error(
                Field::InvoiceChannel,
                Some(v.text),
                Message::new("problem-invoice-channel"),
            );
            None
        }),
        None => c.settings.defaults.invoice_channel,
    }
}

/// email: required, one address (`name@domain.no`), sent lower-cased where it may be.
pub fn email<'a>(c: &mut Ctx<'a, '_>) -> Option<&'a str> {
    let e = c.required(Field::Email)?;
    let n = normalize_email(e);
    if n.is_none() {
        c.error(Field::Email, Some(e), Message::new("problem-email-invalid"));
    }
    n
}

/// phone_number: required, a number of the customer's country, sent as E.164.
pub fn phone_number(c: &mut Ctx<'_, '_>, country: Option<Country>) -> Option<Normalized> {
    let p = c.required(Field::PhoneNumber);
    let (p, country) = (p?, country?);
    normalize_phone(p, country)
        .map_err(|e| {
            c.error(
                Field::PhoneNumber,
                Some(p),
                Message::new("problem-phone-invalid").arg("reason", e.message()),
            )
        })
        .ok()
}

/// postal_code: required, the country's form (a NO code stored by Excel as a number gets
/// its leading zero back).
pub fn postal_code<'a>(c: &mut Ctx<'a, '_>, country: Option<Country>) -> Option<Cow<'a, str>> {
    let Some(v) = c.value(Field::PostalCode) else {
        c.required(Field::PostalCode);
        return None;
    };
    normalize_postcode(v.text, country?, v.from_number)
        .map_err(|e| {
            c.error(
                Field::PostalCode,
                Some(v.text),
                Message::new("problem-postcode-invalid").arg("reason", e.message()),
            )
        })
        .ok()
}

/// business_name and organization_number: both required for a B2B invoice (the number
/// checked for the customer's country), both empty for a B2C one.
pub fn business<'a>(
    c: &mut Ctx<'a, '_>,
    is_b2b: Option<bool>,
    country: Option<Country>,
) -> (Option<&'a str>, Option<Normalized>) {
    match is_b2b {
        Some(true) => {
            let r = c.reference;
            let b = c.value(Field::BusinessName).map(|v| v.text);
            if b.is_none() {
                let message = Message::new("problem-business-name-required").arg("reference", r);
                c.error(Field::BusinessName, None, message);
            }
            let o = match (c.value(Field::OrganizationNumber), country) {
                (Some(v), Some(country)) => normalize_org_number(v.text, country)
                    .map_err(|e| {
                        let message =
                            Message::new("problem-orgnr-invalid").arg("reason", e.message());
                        c.error(Field::OrganizationNumber, Some(v.text), message)
                    })
                    .ok(),
                (None, _) => {
                    let message = Message::new("problem-orgnr-required").arg("reference", r);
                    c.error(Field::OrganizationNumber, None, message);
                    None
                }
                _ => None,
            };
            (b, o)
        }
        Some(false) => {
            for f in [Field::BusinessName, Field::OrganizationNumber] {
                if let Some(v) = c.value(f) {
                    let message =
                        Message::new("problem-b2c-field-not-empty").arg("field", f.name());
                    c.error(f, Some(v.text), message);
                }
            }
            (None, None)
        }
        None => (None, None),
    }
}

/// A warning when the invoice names a currency that is not its country's usual one.
pub fn usual_currency(c: &mut Ctx<'_, '_>, currency: Option<Currency>, country: Option<Country>) {
    if let (Some(cur), Some(country)) = (currency, country)
        && cur != country.usual_currency()
        && c.value(Field::Currency).is_some()
    {
        c.problem(
            Field::Currency,
            Some(cur.code()),
            Message::new("problem-currency-unusual")
                .arg("currency", cur.code())
                .arg("country", country.code())
                .arg("usual", country.usual_currency().code()),
            true,
        );
    }
}

/// A warning for an invoice of more than 100 lines.
pub fn line_count(c: &mut Ctx<'_, '_>, lines: u32) {
    if lines > 100 {
        let r = c.reference;
        c.problems.push(
            Problem::warning(
                c.first_row,
                None,
                None,
                Message::new("problem-too-many-lines")
                    .arg("reference", r)
                    .arg("lines", lines),
            )
            .with_reference(r),
        );
    }
}

fn parse_days(text: &str) -> Result<u16, Message> {
    // The usual cell (`14`) without decimal arithmetic: plain digits are read as the
    // general path below reads them (a test compares the two).
    if (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        let d = text.bytes().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
        return days_in_range(Some(d));
    }
    parse_days_general(text)
}

fn parse_days_general(text: &str) -> Result<u16, Message> {
    let n = crate::model::money::parse_number(text, crate::model::DecimalConvention::Unknown)
        .ok()
        .filter(|p| p.currency_word.is_none() && p.value.fract().is_zero())
        .and_then(|p| u16::try_from(p.value.mantissa() / 10i128.pow(p.value.scale())).ok());
    days_in_range(n)
}

fn days_in_range(n: Option<u16>) -> Result<u16, Message> {
    match n {
        Some(d) if d <= 365 => Ok(d),
        Some(_) => Err(Message::new("problem-days-range")),
        None => Err(Message::new("problem-days-whole")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_fast_path_agrees_with_general() {
        for n in 0..=10_000u32 {
            for s in [n.to_string(), format!("{n:04}"), format!("{n:03}")] {
                assert_eq!(parse_days(&s), parse_days_general(&s), "{s}");
            }
        }
        for s in ["", " 14", "14 ", "1,5", "-1", "+14", "14.0", "366", "99999"] {
            assert_eq!(parse_days(s), parse_days_general(s), "{s}");
        }
    }
}
