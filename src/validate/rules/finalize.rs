//! One invoice as a whole, after the file: its field rules in order, the rules that need
//! all of its lines (line ids, the invoice total), and what it becomes: a rejected
//! invoice, or the facts the control totals add (and, when kept, a typed [`Invoice`]).
//!
//! Every invoice is checked, but in a dry run none is kept: the checks borrow the
//! invoice's cells and allocate only for problems (and line ids, when the file has
//! them), and an [`Invoice`] with owned text is built only when `settings.keep` asks
//! for it. The order of the rules is the order of the problems, and the first error
//! is the one a rejected invoice names: keep it when adding a rule.

use super::invoice::{self as rule, Ctx};
use super::product::product;
use super::{Extra, HeadValue};
use crate::i18n::Message;
use crate::mapping::Field;
use crate::model::money::{format_minor_nordic, max_amount_minor};
use crate::model::{
    BillingAddress, Country, Currency, CustomerType, Invoice, InvoiceChannel, Line, ProductType,
};
use crate::problem::Problem;
use crate::validate::settings::Settings;
use crate::validate::totals::{Customer, InvoiceFacts, RateSum};
use smallvec::SmallVec;
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

/// What the merge step learnt of one invoice, besides its invoice-level values.
pub struct InvoiceParts<'a> {
    pub reference: &'a str,
    pub first_row: u32,
    pub lines: u32,
    /// A row of it had an error, or disagreed with an earlier row.
    pub invalid: bool,
    /// Its lines by VAT rate, in the order the rates first appear.
    pub rates: SmallVec<[RateSum; 4]>,
    /// Its lines and line ids, when they were kept.
    pub extra: Option<Box<Extra>>,
}

/// The field rules' values, for building the invoice.
struct Checked<'a> {
    product: Option<ProductType>,
    currency: Option<Currency>,
    country: Option<Country>,
    days_until_due: Option<u16>,
    invoice_channel: Option<InvoiceChannel>,
    address: Address<'a>,
    business_name: Option<&'a str>,
    organization_number: Option<crate::model::Normalized>,
}

/// The billing address's values as checked.
struct Address<'a> {
    address_line_2: Option<&'a str>,
    co_address: Option<&'a str>,
    customer_reference: Option<&'a str>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    address_line: Option<&'a str>,
    postal_place: Option<&'a str>,
    email: Option<&'a str>,
    phone_number: Option<crate::model::Normalized>,
    postal_code: Option<Cow<'a, str>>,
}

/// Checks one invoice whose invoice-level values are `values`.
pub fn finalize<'a>(
    mut inv: InvoiceParts<'a>,
    values: impl Iterator<Item = HeadValue<'a>>,
    settings: &Settings<'_>,
) -> Finalized<'a> {
    let mut c = Ctx::new(inv.reference, inv.first_row, values, settings);
    let checked = field_rules(&mut c);
    rule::line_count(&mut c, inv.lines);
    let mut lines: Vec<Line> = Vec::new();
    let mut ids_ok = true;
    if let Some(extra) = inv.extra.take() {
        lines = extra.lines;
        ids_ok = check_line_ids(&extra.line_ids, settings, inv.reference, &mut c.problems);
        for (line, (id, _)) in lines.iter_mut().zip(extra.line_ids.iter()) {
            if let Some(id) = id {
                line.line_id = id.to_string();
            }
        }
    }
    // The sums saturate (see `Store::add_line`); only complete invoices are checked, as
    // an invoice with a line in error lacks that line's amount.
    let amount = inv
        .rates
        .iter()
        .fold(0i64, |s, r| s.saturating_add(r.gross));
    if !inv.invalid
        && let Some(cur) = checked.currency
        && let Err(message) = check_invoice_total(inv.reference, amount, cur)
    {
        let map = settings.map;
        let col = map
            .column(Field::Amount)
            .or(map.column(Field::UnitPrice))
            .or(map.column(Field::NetAmount));
        c.problems
            .push(Problem::error(inv.first_row, col, None, message).with_reference(inv.reference));
    }
    let ok = !inv.invalid && c.problems.iter().all(|p| !p.is_error()) && ids_ok;
    if !ok {
        return rejected(&inv, c.problems);
    }
    outcome(inv, checked, lines, amount, c.problems, settings)
}

/// The field rules, in the order their problems are listed.
fn field_rules<'a>(c: &mut Ctx<'a, '_>) -> Checked<'a> {
    let product = product(c);
    let currency = rule::currency(c);
    let country = rule::country(c);
    let days_until_due = rule::days_until_due(c);
    let invoice_channel = rule::invoice_channel(c);
    let address = Address {
        address_line_2: c.optional(Field::AddressLine2),
        co_address: c.optional(Field::CoAddress),
        customer_reference: c.optional(Field::CustomerReference),
        first_name: c.required(Field::FirstName),
        last_name: c.required(Field::LastName),
        address_line: c.required(Field::AddressLine),
        postal_place: c.required(Field::PostalPlace),
        email: rule::email(c),
        phone_number: rule::phone_number(c, country),
        postal_code: rule::postal_code(c, country),
    };
    let is_b2b = product.map(|p| p.customer_type() == CustomerType::B2b);
    let (business_name, organization_number) = rule::business(c, is_b2b, country);
    rule::usual_currency(c, currency, country);
    Checked {
        product,
        currency,
        country,
        days_until_due,
        invoice_channel,
        address,
        business_name,
        organization_number,
    }
}

/// The outcome of an invoice with errors: the first one names why it is not sent.
fn rejected<'a>(inv: &InvoiceParts<'a>, problems: Vec<Problem>) -> Finalized<'a> {
    let error = problems
        .iter()
        .find(|p| p.is_error())
        .map(|p| p.message.to_string())
        .unwrap_or_else(|| "has errors on its rows".into());
    Finalized {
        problems,
        facts: None,
        invoice: None,
        rejected: Some(Rejected {
            merchant_reference: inv.reference.to_string(),
            first_row: inv.first_row,
            lines: inv.lines,
            error,
        }),
    }
}

/// The outcome of a valid invoice: its facts, and the invoice itself when kept.
fn outcome<'a>(
    inv: InvoiceParts<'a>,
    checked: Checked<'a>,
    lines: Vec<Line>,
    amount: i64,
    problems: Vec<Problem>,
    settings: &Settings<'_>,
) -> Finalized<'a> {
    // Every Option below is Some when no error was recorded.
    let (Some(product), Some(currency), Some(country), Some(days_until_due)) = (
        checked.product,
        checked.currency,
        checked.country,
        checked.days_until_due,
    ) else {
        return incomplete(&inv, problems);
    };
    let a = &checked.address;
    let (first_name, last_name) = (
        a.first_name.unwrap_or_default(),
        a.last_name.unwrap_or_default(),
    );
    let vat_amount = inv.rates.iter().fold(0i64, |s, r| s.saturating_add(r.vat));
    let facts = InvoiceFacts {
        reference: inv.reference,
        customer: match checked.business_name {
            Some(b) => Customer::Business(b),
            None => Customer::Person {
                first_name,
                last_name,
            },
        },
        product,
        currency,
        amount,
        lines: u64::from(inv.lines),
        rates: inv.rates,
    };
    let invoice = settings.keep.then(|| Invoice {
        merchant_reference: inv.reference.to_string(),
        rows: lines.iter().map(|l| l.row).collect(),
        product,
        currency,
        country,
        days_until_due,
        invoice_channel: checked.invoice_channel,
        billing_address: billing_address(checked, country),
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

/// An invoice without errors that still lacks a value: a bug, reported as such.
fn incomplete<'a>(inv: &InvoiceParts<'a>, mut problems: Vec<Problem>) -> Finalized<'a> {
    problems.push(
        Problem::error(
            inv.first_row,
            None,
            None,
            Message::new("problem-internal-incomplete"),
        )
        .with_reference(inv.reference),
    );
    Finalized {
        problems,
        facts: None,
        invoice: None,
        rejected: None,
    }
}

/// The billing address of a valid invoice, as Kravia wants it.
fn billing_address(checked: Checked<'_>, country: Country) -> BillingAddress {
    let a = checked.address;
    BillingAddress {
        first_name: a.first_name.unwrap_or_default().to_string(),
        last_name: a.last_name.unwrap_or_default().to_string(),
        business_name: checked.business_name.map(str::to_string),
        organization_number: checked.organization_number.map(String::from),
        email: a.email.unwrap_or_default().to_string(),
        phone_number: a.phone_number.map(String::from).unwrap_or_default(),
        address_line: a.address_line.unwrap_or_default().to_string(),
        address_line_2: a.address_line_2.map(str::to_string),
        co_address: a.co_address.map(str::to_string),
        postal_code: a.postal_code.map(Cow::into_owned).unwrap_or_default(),
        postal_place: a.postal_place.unwrap_or_default().to_string(),
        country: country.code().to_string(),
        customer_reference: a.customer_reference.map(str::to_string),
    }
}

/// An invoice must total more than zero and at most `MAX_AMOUNT_MAJOR` (the bound of
/// one line holds for their sum too: no real invoice comes near it).
fn check_invoice_total(reference: &str, amount: i64, currency: Currency) -> Result<(), Message> {
    let exp = currency.exponent();
    let max = max_amount_minor(exp);
    let total = |key: &'static str| {
        Message::new(key)
            .arg("reference", reference)
            .arg("total", format_minor_nordic(amount, exp))
            .arg("currency", currency.code())
    };
    let bound = || {
        Message::new("problem-invoice-bound")
            .arg("max", format_minor_nordic(max, exp))
            .arg("currency", currency.code())
    };
    if amount == i64::MAX {
        // Saturated: the true sum is larger still.
        Err(total("problem-invoice-more-than").arg("bound", bound()))
    } else if amount > max {
        Err(total("problem-invoice-too-large").arg("bound", bound()))
    } else if amount <= 0 {
        Err(total("problem-invoice-not-positive"))
    } else {
        Ok(())
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
                    Message::new("problem-line-id-twice")
                        .arg("reference", reference)
                        .arg("first", first.to_string())
                        .arg("row", row.to_string()),
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
