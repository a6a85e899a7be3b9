//! The validation rules: what each field must be, one small function per field, with
//! the message an accountant reads when it is not.
//!
//! A newcomer looking for the rule of a field finds it by the field's name:
//!
//! | level | fields | file |
//! |---|---|---|
//! | line | description, quantity, vat, each money cell, currency of the amounts, line_id, item_id | [`line`] |
//! | line | amount against unit_price x quantity and net_amount + VAT, vat_amount against the total | [`amount`] |
//! | invoice | merchant_reference; rows of one invoice agreeing | [`agree`] |
//! | invoice | customer_type, payment_product_type | [`product`] |
//! | invoice | currency, country, days_until_due, invoice_channel, names, address, email, phone_number, postal_code, business_name, organization_number, number of lines | [`invoice`] |
//! | invoice | line_id unique, the invoice total; the order of the invoice rules | [`finalize`] |
//! | cell | how a cell reads as text, number, currency | [`cells`] |
//!
//! The rules know nothing of how rows are stored, sharded or prefetched: that is the
//! engine's ([`super::engine`]), which calls them. They are pure, and their order is
//! the order of the problems they report.

pub mod agree;
pub mod amount;
pub mod cells;
pub mod finalize;
pub mod invoice;
pub mod line;
pub mod product;

pub use cells::text_of;

use crate::mapping::Field;
use crate::model::Line;

/// One invoice-level value with the row it was first given on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadValue<'a> {
    pub field: Field,
    pub text: &'a str,
    /// The spreadsheet row it was first given on.
    pub row: u32,
    /// It came from a numeric spreadsheet cell.
    pub from_number: bool,
}

/// Per-line data of an invoice, kept only when needed: its lines (when the invoices are
/// kept), and its line ids with their rows (when the file has a line_id column).
#[derive(Default)]
pub struct Extra {
    pub lines: Vec<Line>,
    pub line_ids: Vec<(Option<Box<str>>, u32)>,
}
