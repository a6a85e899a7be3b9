//! The typed invoice: what a group of valid spreadsheet rows becomes.
//!
//! Everything here has been checked; the payload builder and the live run trust these
//! types and never re-parse text.

use super::address::{Country, Currency};
use super::vat::VatRate;
use rust_decimal::Decimal;
use std::fmt;

/// Kravia's three invoice products.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ProductType {
    #[serde(rename = "kravia.invoice_b2b")]
    B2b,
    #[serde(rename = "kravia.invoice_b2b_grouped")]
    B2bGrouped,
    #[serde(rename = "kravia.invoice_b2c")]
    B2c,
}

impl ProductType {
    pub const ALL: [ProductType; 3] = [ProductType::B2b, ProductType::B2bGrouped, ProductType::B2c];

    /// Reads `kravia.invoice_b2b` or the short forms `b2b`, `b2b_grouped`, `b2c`.
    pub fn parse(raw: &str) -> Option<ProductType> {
        let s = raw.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let s = s.strip_prefix("kravia.").unwrap_or(&s);
        let s = s.strip_prefix("invoice_").unwrap_or(s);
        match s {
            "b2b" => Some(ProductType::B2b),
            "b2b_grouped" => Some(ProductType::B2bGrouped),
            "b2c" => Some(ProductType::B2c),
            _ => None,
        }
    }

    pub fn api_name(&self) -> &'static str {
        match self {
            ProductType::B2b => "kravia.invoice_b2b",
            ProductType::B2bGrouped => "kravia.invoice_b2b_grouped",
            ProductType::B2c => "kravia.invoice_b2c",
        }
    }

    /// The short label used in summaries: `B2B`, `B2B grouped`, `B2C`.
    pub fn label(&self) -> &'static str {
        match self {
            ProductType::B2b => "B2B",
            ProductType::B2bGrouped => "B2B grouped",
            ProductType::B2c => "B2C",
        }
    }

    pub fn customer_type(&self) -> CustomerType {
        match self {
            ProductType::B2c => CustomerType::B2c,
            _ => CustomerType::B2b,
        }
    }
}

impl fmt::Display for ProductType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// Business or private customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerType {
    B2b,
    B2c,
}

impl CustomerType {
    /// Reads `B2B`/`B2C` (any case) or the Norwegian `bedrift`/`privat`.
    pub fn parse(raw: &str) -> Option<CustomerType> {
        const WORDS: [(&str, CustomerType); 8] = [
            ("b2b", CustomerType::B2b),
            ("bedrift", CustomerType::B2b),
            ("business", CustomerType::B2b),
            ("firma", CustomerType::B2b),
            ("b2c", CustomerType::B2c),
            ("privat", CustomerType::B2c),
            ("private", CustomerType::B2c),
            ("person", CustomerType::B2c),
        ];
        let raw = raw.trim();
        if raw.is_ascii() {
            // Without allocating: for ASCII, `to_lowercase` is `to_ascii_lowercase`.
            return WORDS
                .iter()
                .find(|(w, _)| raw.eq_ignore_ascii_case(w))
                .map(|&(_, t)| t);
        }
        // Unicode lower-casing can turn a non-ASCII letter into an ASCII one (K, the
        // Kelvin sign, becomes k).
        let lower = raw.to_lowercase();
        WORDS.iter().find(|(w, _)| lower == *w).map(|&(_, t)| t)
    }
}

/// Who delivers the invoice to the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceChannel {
    Kravia,
    Merchant,
}

impl InvoiceChannel {
    pub fn parse(raw: &str) -> Option<InvoiceChannel> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("kravia") {
            Some(InvoiceChannel::Kravia)
        } else if raw.eq_ignore_ascii_case("merchant") {
            Some(InvoiceChannel::Merchant)
        } else {
            None
        }
    }
}

/// The customer's billing address, in the form Kravia wants it.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct BillingAddress {
    pub first_name: String,
    pub last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_number: Option<String>,
    pub email: String,
    pub phone_number: String,
    pub address_line: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_address: Option<String>,
    pub postal_code: String,
    pub postal_place: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
}

/// One invoice line, amounts in minor units including VAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The spreadsheet row it came from (header = row 1).
    pub row: u32,
    pub line_id: String,
    pub item_id: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    /// The line total including VAT.
    pub amount: i64,
    pub vat: VatRate,
    pub vat_amount: i64,
}

/// A validated invoice, ready to become a request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub merchant_reference: String,
    /// The spreadsheet rows of its lines, in file order.
    pub rows: Vec<u32>,
    pub product: ProductType,
    pub currency: Currency,
    pub country: Country,
    pub days_until_due: u16,
    pub invoice_channel: Option<InvoiceChannel>,
    pub billing_address: BillingAddress,
    pub lines: Vec<Line>,
    /// Sum of the lines' amounts.
    pub amount: i64,
    /// Sum of the lines' VAT amounts.
    pub vat_amount: i64,
}

impl Invoice {
    /// A short customer label for results and summaries: the business name, or the
    /// person's name for B2C.
    pub fn customer(&self) -> String {
        match &self.billing_address.business_name {
            Some(b) => b.clone(),
            None => format!(
                "{} {}",
                self.billing_address.first_name, self.billing_address.last_name
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The allocating versions, before comparing in place.
    fn reference_customer_type(raw: &str) -> Option<CustomerType> {
        match raw.trim().to_lowercase().as_str() {
            "b2b" | "bedrift" | "business" | "firma" => Some(CustomerType::B2b),
            "b2c" | "privat" | "private" | "person" => Some(CustomerType::B2c),
            _ => None,
        }
    }

    fn reference_channel(raw: &str) -> Option<InvoiceChannel> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "kravia" => Some(InvoiceChannel::Kravia),
            "merchant" => Some(InvoiceChannel::Merchant),
            _ => None,
        }
    }

    #[test]
    fn customer_types() {
        assert_eq!(CustomerType::parse(" B2B "), Some(CustomerType::B2b));
        assert_eq!(CustomerType::parse("Privat"), Some(CustomerType::B2c));
        assert_eq!(CustomerType::parse("b2x"), None);
        assert_eq!(
            CustomerType::parse("PRİVAT"),
            reference_customer_type("PRİVAT")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn customer_type_agrees_with_reference(
            raw in "[ \u{a0}]?(b2b|B2C|Bedrift|BUSINESS|firma|privat|Private|person|b2|K|\u{212a}|İ|ß)?[a-z]?[ ]?",
        ) {
            prop_assert_eq!(CustomerType::parse(&raw), reference_customer_type(&raw));
        }

        #[test]
        fn channel_agrees_with_reference(
            raw in "[ \u{a0}]?(kravia|KRAVIA|Merchant|merchan|\u{212a}ravia)?[a-z]?[ ]?",
        ) {
            prop_assert_eq!(InvoiceChannel::parse(&raw), reference_channel(&raw));
        }
    }
}
