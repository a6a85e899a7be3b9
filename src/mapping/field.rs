//! The canonical fields and their built-in aliases, from the input contract.

use std::fmt;

/// A canonical column of the input contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Field {
    MerchantReference,
    CustomerType,
    PaymentProductType,
    DaysUntilDue,
    Currency,
    InvoiceChannel,
    FirstName,
    LastName,
    BusinessName,
    OrganizationNumber,
    Email,
    PhoneNumber,
    AddressLine,
    AddressLine2,
    CoAddress,
    PostalCode,
    PostalPlace,
    Country,
    CustomerReference,
    Description,
    Quantity,
    Amount,
    UnitPrice,
    NetAmount,
    Vat,
    VatAmount,
    LineId,
    ItemId,
}

impl Field {
    pub const COUNT: usize = 28;

    pub const ALL: [Field; Field::COUNT] = [
        Field::MerchantReference,
        Field::CustomerType,
        Field::PaymentProductType,
        Field::DaysUntilDue,
        Field::Currency,
        Field::InvoiceChannel,
        Field::FirstName,
        Field::LastName,
        Field::BusinessName,
        Field::OrganizationNumber,
        Field::Email,
        Field::PhoneNumber,
        Field::AddressLine,
        Field::AddressLine2,
        Field::CoAddress,
        Field::PostalCode,
        Field::PostalPlace,
        Field::Country,
        Field::CustomerReference,
        Field::Description,
        Field::Quantity,
        Field::Amount,
        Field::UnitPrice,
        Field::NetAmount,
        Field::Vat,
        Field::VatAmount,
        Field::LineId,
        Field::ItemId,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Field> {
        Field::ALL.get(i).copied()
    }

    /// The canonical column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::MerchantReference => "merchant_reference",
            Field::CustomerType => "customer_type",
            Field::PaymentProductType => "payment_product_type",
            Field::DaysUntilDue => "days_until_due",
            Field::Currency => "currency",
            Field::InvoiceChannel => "invoice_channel",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::BusinessName => "business_name",
            Field::OrganizationNumber => "organization_number",
            Field::Email => "email",
            Field::PhoneNumber => "phone_number",
            Field::AddressLine => "address_line",
            Field::AddressLine2 => "address_line_2",
            Field::CoAddress => "co_address",
            Field::PostalCode => "postal_code",
            Field::PostalPlace => "postal_place",
            Field::Country => "country",
            Field::CustomerReference => "customer_reference",
            Field::Description => "description",
            Field::Quantity => "quantity",
            Field::Amount => "amount",
            Field::UnitPrice => "unit_price",
            Field::NetAmount => "net_amount",
            Field::Vat => "vat",
            Field::VatAmount => "vat_amount",
            Field::LineId => "line_id",
            Field::ItemId => "item_id",
        }
    }

    /// The built-in Norwegian and English aliases.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::MerchantReference => &[
                "invoice_number",
                "invoice_no",
                "fakturanummer",
                "fakturanr",
                "reference",
                "referanse",
            ],
            Field::CustomerType => &["type", "kundetype"],
            Field::PaymentProductType => &["product", "produkt"],
            Field::DaysUntilDue => &["due_days", "forfallsdager", "betalingsfrist"],
            Field::Currency => &["valuta"],
            Field::InvoiceChannel => &["channel", "kanal"],
            Field::FirstName => &["fornavn"],
            Field::LastName => &["etternavn"],
            Field::BusinessName => &["company", "company_name", "firmanavn", "bedriftsnavn"],
            Field::OrganizationNumber => &["org_number", "orgnr", "org_nr", "organisasjonsnummer"],
            Field::Email => &["e-mail", "epost", "e_post"],
            Field::PhoneNumber => &["phone", "telefon", "mobil", "mobile", "tlf"],
            Field::AddressLine => &["address", "adresse", "gateadresse"],
            Field::AddressLine2 => &["address2", "adresse2"],
            Field::CoAddress => &["c/o", "co"],
            Field::PostalCode => &["postcode", "zip", "postnummer", "postnr"],
            Field::PostalPlace => &["city", "town", "poststed", "sted"],
            Field::Country => &["land", "country_code"],
            Field::CustomerReference => &["deres_ref", "your_reference"],
            Field::Description => &["text", "tekst", "beskrivelse", "varetekst"],
            Field::Quantity => &["qty", "antall"],
            Field::Amount => &["line_total", "total", "belop", "beløp", "sum"],
            Field::UnitPrice => &["price", "pris", "enhetspris"],
            Field::NetAmount => &["amount_excl_vat", "netto", "belop_eks_mva"],
            Field::Vat => &["vat_rate", "mva", "mva_sats", "vat_percent"],
            Field::VatAmount => &["mva_belop", "mva_beløp"],
            Field::LineId => &["linje", "linjenr"],
            Field::ItemId => &["sku", "varenr", "article"],
        }
    }

    /// Whether the field belongs to the invoice (inherited across its rows) rather than to
    /// one line.
    pub fn is_invoice_level(self) -> bool {
        self.index() <= Field::CustomerReference.index()
    }

    /// Parses a canonical name (used by mapping files).
    pub fn from_name(name: &str) -> Option<Field> {
        let n = normalize_header(name);
        Field::ALL
            .into_iter()
            .find(|f| normalize_header(f.name()) == n)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Normalizes a header for matching: case, surrounding spaces, and the difference between
/// space, `-`, `_` and `.` are ignored.
pub fn normalize_header(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut pending_sep = false;
    for c in h
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .flat_map(char::to_lowercase)
    {
        if matches!(c, ' ' | '-' | '_' | '.' | '\u{a0}') {
            pending_sep = !out.is_empty();
        } else {
            if pending_sep {
                out.push('_');
                pending_sep = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_index_order() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_header("  Merchant Reference "),
            "merchant_reference"
        );
        assert_eq!(normalize_header("E-Mail"), "e_mail");
        assert_eq!(normalize_header("e_post"), normalize_header("E-post"));
        assert_eq!(normalize_header("Beløp"), "beløp");
        assert_eq!(normalize_header("address.line..2"), "address_line_2");
    }
}
