//! The rules of merchant_reference, and of an invoice's rows among themselves: the rows
//! with one reference are one invoice, and its invoice-level cells must agree.
//!
//! These run in the merge step, in file order (see `engine::shard`): the first
//! non-blank value of a field wins, and a later row that says otherwise is an error
//! naming both rows. Everything else about a value is checked after the file
//! ([`super::invoice`]).

use super::HeadValue;
use crate::i18n::Message;
use crate::mapping::{ColumnMap, Field};
use crate::problem::Problem;

/// merchant_reference: every line needs one.
pub fn empty_reference(row: u32, map: &ColumnMap) -> Problem {
    Problem::error(
        row,
        map.column(Field::MerchantReference),
        None,
        Message::new("problem-reference-empty"),
    )
}

/// merchant_reference: a warning for one of more than 35 characters (checked on the
/// invoice's first row).
pub fn long_reference(row: u32, map: &ColumnMap, reference: &str) -> Option<Problem> {
    (reference.len() > 35 && reference.chars().count() > 35).then(|| {
        Problem::warning(
            row,
            map.column(Field::MerchantReference),
            Some(reference.to_string()),
            Message::new("problem-reference-long"),
        )
        .with_reference(reference)
    })
}

/// The error of a row whose `field` says `text` where an earlier row said `old`.
pub fn differs(
    row: u32,
    map: &ColumnMap,
    field: Field,
    text: &str,
    old: HeadValue<'_>,
    reference: &str,
) -> Problem {
    Problem::error(
        row,
        map.column(field),
        Some(text.to_string()),
        Message::new("problem-differs")
            .arg("field", field.name())
            .arg("first", old.text)
            .arg("first_row", old.row.to_string())
            .arg("reference", reference),
    )
    .with_reference(reference)
}

/// Whether two invoice-level values are the same, ignoring what does not change their
/// meaning (case for codes and e-mail, spaces in numbers).
pub fn same_value(field: Field, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match field {
        Field::CustomerType
        | Field::PaymentProductType
        | Field::Currency
        | Field::Country
        | Field::InvoiceChannel
        | Field::Email => a.eq_ignore_ascii_case(b),
        Field::OrganizationNumber | Field::PhoneNumber | Field::PostalCode => {
            let strip = |s: &str| {
                s.chars()
                    .filter(|c| c.is_alphanumeric() || *c == '+')
                    .collect::<String>()
            };
            strip(a) == strip(b)
        }
        _ => false,
    }
}
