//! How to validate: the column map, the defaults for invoice-level fields a file leaves
//! out, the decimal convention, and whether to keep the invoices.
//!
//! Its own file because both the rules and the validator read it, and neither should
//! have to import the other for it.

use crate::mapping::{ColumnMap, Defaults};
use crate::model::{
    Country, Currency, CustomerType, DecimalConvention, InvoiceChannel, ProductType,
};

/// Values used for invoice-level fields the file leaves out.
#[derive(Clone, Debug)]
pub struct EffectiveDefaults {
    pub currency: Currency,
    pub country: Country,
    pub days_until_due: u16,
    pub customer_type: Option<CustomerType>,
    pub product: Option<ProductType>,
    pub invoice_channel: Option<InvoiceChannel>,
}

impl EffectiveDefaults {
    /// Built-in defaults (NOK, NO, 14 days) overridden by a mapping file's.
    pub fn from_mapping(d: &Defaults) -> EffectiveDefaults {
        EffectiveDefaults {
            currency: d.currency.unwrap_or(Currency::NOK),
            country: d.country.unwrap_or(Country::NO),
            days_until_due: d.days_until_due.unwrap_or(14),
            customer_type: d.customer_type.as_deref().and_then(CustomerType::parse),
            product: d.payment_product_type,
            invoice_channel: d.invoice_channel,
        }
    }
}

/// How to validate.
pub struct Settings<'m> {
    pub map: &'m ColumnMap,
    pub defaults: EffectiveDefaults,
    /// Forced decimal convention; `None` detects it from the first chunk.
    pub decimal: Option<DecimalConvention>,
    /// Keep the typed invoices (to send them or write their payloads).
    pub keep: bool,
}
