//! One invoice as a whole: the checks that need all of its rows.
//!
//! Customer type, billing address, currency and due days are invoice-level: they may
//! stand on any of the invoice's rows, so they are checked once the whole file has been
//! read, here, in parallel over invoices.
//!
//! Every invoice is checked, but in a dry run none is kept: the checks borrow the
//! invoice's cells and allocate only for problems (and line ids, when the file has
//! them), and an [`Invoice`] with owned text is built only when `settings.keep` asks
//! for it.

use super::Settings;
use super::head::HeadValue;
use super::shard::{InvoiceAcc, Store};
use super::totals::{Customer, InvoiceFacts};
use crate::mapping::Field;
use crate::model::{
    BillingAddress, Country, Currency, CustomerType, Invoice, InvoiceChannel, Line, ProductType,
    normalize_email, normalize_org_number, normalize_phone, normalize_postcode,
};
use crate::problem::Problem;
use std::borrow::Cow;

/// An invoice that will not be sent because of errors.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub merchant_reference: String,
    pub first_row: u32,
    pub lines: u32,
    /// The first error's message, for results files.
    pub error: String,
}

/// The outcome for one invoice.
pub struct Finalized<'a> {
    pub problems: Vec<Problem>,
    /// What a valid invoice adds to the totals.
    pub facts: Option<InvoiceFacts<'a>>,
    pub invoice: Option<Invoice>,
    pub rejected: Option<Rejected>,
}

/// `'a`: the invoice's cells; `'s`: the settings.
struct Ctx<'a, 's> {
    values: [Option<HeadValue<'a>>; Field::COUNT],
    first_row: u32,
    reference: &'a str,
    settings: &'s Settings<'s>,
    problems: Vec<Problem>,
}

impl<'a> Ctx<'a, '_> {
    fn value(&self, f: Field) -> Option<HeadValue<'a>> {
        self.values[f.index()]
    }

    fn problem(&mut self, f: Field, value: Option<&str>, message: String, warning: bool) {
        let row = self.value(f).map_or(self.first_row, |v| v.row);
        let col = self.settings.map.column(f);
        let p = if warning {
            Problem::warning(row, col, value.map(str::to_string), message)
        } else {
            Problem::error(row, col, value.map(str::to_string), message)
        };
        self.problems.push(p.with_reference(self.reference));
    }

    fn error(&mut self, f: Field, value: Option<&str>, message: String) {
        self.problem(f, value, message, false);
    }

    /// A required text field.
    fn required(&mut self, f: Field) -> Option<&'a str> {
        match self.value(f) {
            Some(v) => Some(v.text),
            None => {
                let r = self.reference;
                self.error(
                    f,
                    None,
                    format!("{f} is missing for invoice {r}: fill it on at least one of its rows"),
                );
                None
            }
        }
    }

    fn optional(&self, f: Field) -> Option<&'a str> {
        self.value(f).map(|v| v.text)
    }
}

/// Checks one invoice. Its facts borrow from `acc` and its shard's `store`; its line
/// data is taken when kept.
pub fn finalize<'a>(
    acc: &'a mut InvoiceAcc,
    store: &'a Store,
    settings: &Settings<'_>,
) -> Finalized<'a> {
    let extra = acc.extra.take();
    let acc: &'a InvoiceAcc = acc;
    let first_row = acc.first_row;
    // The cells are decoded straight into the context: it is large enough that moving
    // it in costs a copy per invoice.
    let mut c = Ctx {
        values: [None; Field::COUNT],
        first_row,
        reference: "",
        settings,
        problems: Vec::new(),
    };
    for v in store.head(acc).iter(first_row) {
        c.values[v.field.index()] = Some(v);
    }
    let reference = store.reference(acc);
    c.reference = reference;
    let d = &settings.defaults;

    let product = resolve_product(&mut c);
    let currency = match c.value(Field::Currency) {
        Some(v) => Currency::parse(v.text)
            .map_err(|e| c.error(Field::Currency, Some(v.text), format!("currency {e}")))
            .ok(),
        None => Some(d.currency),
    };
    let country = match c.value(Field::Country) {
        Some(v) => Country::parse(v.text)
            .map_err(|e| c.error(Field::Country, Some(v.text), format!("country {e}")))
            .ok(),
        None => Some(d.country),
    };
    let days_until_due = match c.value(Field::DaysUntilDue) {
        Some(v) => parse_days(v.text)
            .map_err(|m| c.error(Field::DaysUntilDue, Some(v.text), m))
            .ok(),
        None => Some(d.days_until_due),
    };
    let invoice_channel = match c.value(Field::InvoiceChannel) {
        Some(v) => InvoiceChannel::parse(v.text)
            .ok_or_else(|| {
                c.error(
                    Field::InvoiceChannel,
                    Some(v.text),
                    "invoice_channel must be kravia or merchant".into(),
                )
            })
            .map(Some)
            .unwrap_or(None),
        None => d.invoice_channel,
    };

    let address_line_2 = c.optional(Field::AddressLine2);
    let co_address = c.optional(Field::CoAddress);
    let customer_reference = c.optional(Field::CustomerReference);
    let first_name = c.required(Field::FirstName);
    let last_name = c.required(Field::LastName);
    let address_line = c.required(Field::AddressLine);
    let postal_place = c.required(Field::PostalPlace);
    let email = c.required(Field::Email).and_then(|e| {
        let n = normalize_email(e);
        if n.is_none() {
            c.error(
                Field::Email,
                Some(e),
                "is not a valid e-mail address (name@domain.no)".into(),
            );
        }
        n
    });
    let phone_number = match (c.required(Field::PhoneNumber), country) {
        (Some(p), Some(country)) => normalize_phone(p, country)
            .map_err(|e| c.error(Field::PhoneNumber, Some(p), format!("phone number {e}")))
            .ok(),
        _ => None,
    };
    let postal_code = match (c.value(Field::PostalCode), country) {
        (Some(v), Some(country)) => normalize_postcode(v.text, country, v.from_number)
            .map_err(|e| c.error(Field::PostalCode, Some(v.text), format!("postcode {e}")))
            .ok(),
        (None, _) => {
            c.required(Field::PostalCode);
            None
        }
        _ => None,
    };
    let is_b2b = product.map(|p| p.customer_type() == CustomerType::B2b);
    let (business_name, organization_number) = match is_b2b {
        Some(true) => {
            let b = c.value(Field::BusinessName).map(|v| v.text);
            if b.is_none() {
                let r = c.reference;
                c.error(
                    Field::BusinessName,
                    None,
                    format!("business_name is required for B2B invoice {r}"),
                );
            }
            let o = match (c.value(Field::OrganizationNumber), country) {
                (Some(v), Some(country)) => normalize_org_number(v.text, country)
                    .map_err(|e| {
                        c.error(
                            Field::OrganizationNumber,
                            Some(v.text),
                            format!("organization number {e}"),
                        )
                    })
                    .ok(),
                (None, _) => {
                    let r = c.reference;
                    c.error(
                        Field::OrganizationNumber,
                        None,
                        format!("organization_number is required for B2B invoice {r}"),
                    );
                    None
                }
                _ => None,
            };
            (b, o)
        }
        Some(false) => {
            for f in [Field::BusinessName, Field::OrganizationNumber] {
                if let Some(v) = c.value(f) {
                    c.error(f, Some(v.text), format!("{f} must be empty for a B2C (private) customer; if this is a business, set the type to B2B"));
                }
            }
            (None, None)
        }
        None => (None, None),
    };
    if let (Some(cur), Some(country)) = (currency, country)
        && cur != country.usual_currency()
        && c.value(Field::Currency).is_some()
    {
        c.problem(
            Field::Currency,
            Some(cur.code()),
            format!("{cur} is not the usual currency for a customer in {country} ({}); check that it is intended", country.usual_currency()),
            true,
        );
    }
    if acc.lines > 100 {
        let r = c.reference;
        let n = acc.lines;
        c.problems.push(
            Problem::warning(
                first_row,
                None,
                None,
                format!("invoice {r} has {n} lines; Kravia is reported to accept at most 100"),
            )
            .with_reference(r),
        );
    }

    let mut lines: Vec<Line> = Vec::new();
    let mut ids_ok = true;
    if let Some(extra) = extra {
        lines = extra.lines;
        ids_ok = check_line_ids(&extra.line_ids, settings, reference, &mut c.problems);
        for (line, (id, _)) in lines.iter_mut().zip(extra.line_ids.iter()) {
            if let Some(id) = id {
                line.line_id = id.to_string();
            }
        }
    }

    // The sums saturate (see `Store::add_line`); only complete invoices are checked, as
    // an invoice with a line in error lacks that line's amount.
    let rates = store.rates(acc);
    let amount = rates.iter().fold(0i64, |s, r| s.saturating_add(r.gross));
    let vat_amount = rates.iter().fold(0i64, |s, r| s.saturating_add(r.vat));
    if !acc.invalid
        && let Some(cur) = currency
        && let Err(message) = check_invoice_total(reference, amount, cur)
    {
        let map = settings.map;
        let col = map
            .column(Field::Amount)
            .or(map.column(Field::UnitPrice))
            .or(map.column(Field::NetAmount));
        c.problems
            .push(Problem::error(first_row, col, None, message).with_reference(reference));
    }

    let ok = !acc.invalid && c.problems.iter().all(|p| !p.is_error()) && ids_ok;
    let mut problems = c.problems;
    if !ok {
        let error = problems
            .iter()
            .find(|p| p.is_error())
            .map(|p| p.message.clone())
            .unwrap_or_else(|| "has errors on its rows".into());
        return Finalized {
            problems,
            facts: None,
            invoice: None,
            rejected: Some(Rejected {
                merchant_reference: reference.to_string(),
                first_row,
                lines: acc.lines,
                error,
            }),
        };
    }
    // Every Option below is Some when no error was recorded.
    let (Some(product), Some(currency), Some(country), Some(days_until_due)) =
        (product, currency, country, days_until_due)
    else {
        problems.push(
            Problem::error(first_row, None, None, "internal: incomplete invoice")
                .with_reference(reference),
        );
        return Finalized {
            problems,
            facts: None,
            invoice: None,
            rejected: None,
        };
    };
    let (first_name, last_name) = (
        first_name.unwrap_or_default(),
        last_name.unwrap_or_default(),
    );
    let facts = InvoiceFacts {
        reference,
        customer: match business_name {
            Some(b) => Customer::Business(b),
            None => Customer::Person {
                first_name,
                last_name,
            },
        },
        product,
        currency,
        amount,
        lines: u64::from(acc.lines),
        rates,
    };
    let invoice = settings.keep.then(|| Invoice {
        merchant_reference: reference.to_string(),
        rows: lines.iter().map(|l| l.row).collect(),
        product,
        currency,
        country,
        days_until_due,
        invoice_channel,
        billing_address: BillingAddress {
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            business_name: business_name.map(str::to_string),
            organization_number: organization_number.map(String::from),
            email: email.unwrap_or_default().to_string(),
            phone_number: phone_number.map(String::from).unwrap_or_default(),
            address_line: address_line.unwrap_or_default().to_string(),
            address_line_2: address_line_2.map(str::to_string),
            co_address: co_address.map(str::to_string),
            postal_code: postal_code.map(Cow::into_owned).unwrap_or_default(),
            postal_place: postal_place.unwrap_or_default().to_string(),
            country: country.code().to_string(),
            customer_reference: customer_reference.map(str::to_string),
        },
        lines,
        amount,
        vat_amount,
    });
    Finalized {
        problems,
        facts: Some(facts),
        invoice,
        rejected: None,
    }
}

/// An invoice must total more than zero and at most `MAX_AMOUNT_MAJOR` (the bound of
/// one line holds for their sum too: no real invoice comes near it).
fn check_invoice_total(reference: &str, amount: i64, currency: Currency) -> Result<(), String> {
    use crate::model::money::{format_minor_nordic, max_amount_minor};
    let exp = currency.exponent();
    let max = max_amount_minor(exp);
    let bound = || {
        format!(
            "at most {} {currency} per invoice",
            format_minor_nordic(max, exp)
        )
    };
    if amount == i64::MAX {
        // Saturated: the true sum is larger still.
        Err(format!(
            "the lines of invoice {reference} add up to more than {} {currency}, too large: {}; check the amounts, or split it into several invoices",
            format_minor_nordic(amount, exp),
            bound()
        ))
    } else if amount > max {
        Err(format!(
            "the lines of invoice {reference} add up to {} {currency}, too large: {}; check the amounts, or split it into several invoices",
            format_minor_nordic(amount, exp),
            bound()
        ))
    } else if amount <= 0 {
        Err(format!(
            "invoice {reference} totals {} {currency}: an invoice must total more than zero (free invoices and credit notes are not supported)",
            format_minor_nordic(amount, exp)
        ))
    } else {
        Ok(())
    }
}

fn resolve_product(c: &mut Ctx<'_, '_>) -> Option<ProductType> {
    let settings = c.settings;
    let d = &settings.defaults;
    let ct = match c.value(Field::CustomerType) {
        Some(v) => match CustomerType::parse(v.text) {
            Some(t) => Some(t),
            None => {
                c.error(
                    Field::CustomerType,
                    Some(v.text),
                    "customer_type must be B2B or B2C (also bedrift or privat)".into(),
                );
                return None;
            }
        },
        None => None,
    };
    let pt = match c.value(Field::PaymentProductType) {
        Some(v) => match ProductType::parse(v.text) {
            Some(p) => Some(p),
            None => {
                c.error(
                    Field::PaymentProductType,
                    Some(v.text),
                    "payment_product_type must be kravia.invoice_b2b, kravia.invoice_b2b_grouped or kravia.invoice_b2c (or b2b, b2b_grouped, b2c)".into(),
                );
                return None;
            }
        },
        None => None,
    };
    match (ct, pt) {
        (Some(t), Some(p)) if p.customer_type() != t => {
            let shown = c
                .value(Field::PaymentProductType)
                .map(|v| v.text.to_string());
            let ct_text = c
                .value(Field::CustomerType)
                .map_or(String::new(), |v| v.text.to_string());
            c.error(
                Field::PaymentProductType,
                shown.as_deref(),
                format!("disagrees with customer_type '{ct_text}': a B2C customer needs kravia.invoice_b2c, a B2B customer kravia.invoice_b2b or kravia.invoice_b2b_grouped"),
            );
            None
        }
        (_, Some(p)) => Some(p),
        (Some(t), None) => Some(match d.product {
            Some(p) if p.customer_type() == t => p,
            _ => match t {
                CustomerType::B2b => ProductType::B2b,
                CustomerType::B2c => ProductType::B2c,
            },
        }),
        (None, None) => match (d.product, d.customer_type) {
            (Some(p), _) => Some(p),
            (None, Some(CustomerType::B2b)) => Some(ProductType::B2b),
            (None, Some(CustomerType::B2c)) => Some(ProductType::B2c),
            (None, None) => {
                let r = c.reference;
                c.error(
                    Field::CustomerType,
                    None,
                    format!("invoice {r} has no customer_type or payment_product_type: fill one of them (B2B or B2C)"),
                );
                None
            }
        },
    }
}

fn parse_days(text: &str) -> Result<u16, String> {
    // The usual cell (`14`) without decimal arithmetic: plain digits are read as the
    // general path below reads them (a test compares the two).
    if (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        let d = text.bytes().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
        return days_in_range(Some(d));
    }
    parse_days_general(text)
}

fn parse_days_general(text: &str) -> Result<u16, String> {
    let n = crate::model::money::parse_number(text, crate::model::DecimalConvention::Unknown)
        .ok()
        .filter(|p| p.currency_word.is_none() && p.value.fract().is_zero())
        .and_then(|p| u16::try_from(p.value.mantissa() / 10i128.pow(p.value.scale())).ok());
    days_in_range(n)
}

fn days_in_range(n: Option<u16>) -> Result<u16, String> {
    match n {
        Some(d) if d <= 365 => Ok(d),
        Some(_) => Err("days_until_due must be 0 to 365".into()),
        None => Err("days_until_due must be a whole number of days, 0 to 365".into()),
    }
}

/// Line ids must be unique within an invoice; blank ones become the line's position.
fn check_line_ids(
    ids: &[(Option<Box<str>>, u32)],
    settings: &Settings<'_>,
    reference: &str,
    problems: &mut Vec<Problem>,
) -> bool {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut ok = true;
    for (i, (id, row)) in ids.iter().enumerate() {
        let id = id
            .as_deref()
            .map_or_else(|| (i + 1).to_string(), str::to_string);
        if let Some(first) = seen.get(&id) {
            problems.push(
                Problem::error(
                    *row,
                    settings.map.column(Field::LineId),
                    Some(id.clone()),
                    format!("line_id is used twice in invoice {reference} (rows {first} and {row}; blank ids count 1, 2, 3...): line ids must be unique within an invoice"),
                )
                .with_reference(reference),
            );
            ok = false;
        } else {
            seen.insert(id, *row);
        }
    }
    ok
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
