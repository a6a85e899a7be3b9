//! Typed values and the typed invoice. Pure: no IO, no knowledge of files or HTTP.
//!
//! Each value is parsed once from spreadsheet text into a type that cannot hold an
//! invalid value (money in integer minor units, checked organization numbers, E.164
//! phones), so everything downstream works on facts rather than strings.

mod address;
mod contact;
mod invoice;
pub mod money;
mod orgnr;
mod vat;

pub use address::{
    Country, CountryError, Currency, CurrencyError, PostcodeError, normalize_postcode,
};
pub use contact::{Normalized, PhoneError, normalize_email, normalize_phone};
pub use invoice::{BillingAddress, CustomerType, Invoice, InvoiceChannel, Line, ProductType};
pub use money::{DecimalConvention, Evidence, NumberError, ParsedNumber};
pub use orgnr::{OrgNumberError, normalize_org_number};
pub use vat::{VatError, VatRate};
