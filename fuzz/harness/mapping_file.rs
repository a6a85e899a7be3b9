//! `mapping_file`: arbitrary text as a mapping TOML (`--mapping FILE`), then resolved
//! against the canonical headers and the file's own headers, as the dry run does.

use kravia_batch::mapping::{ColumnMap, MappingFile};

/// The header of `samples/november-2026-canonical.csv`.
const CANONICAL: &[&str] = &[
    "merchant_reference",
    "customer_type",
    "payment_product_type",
    "days_until_due",
    "currency",
    "invoice_channel",
    "first_name",
    "last_name",
    "business_name",
    "organization_number",
    "email",
    "phone_number",
    "address_line",
    "address_line_2",
    "co_address",
    "postal_code",
    "postal_place",
    "country",
    "customer_reference",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "net_amount",
    "vat",
    "vat_amount",
    "line_id",
    "item_id",
];

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        // MappingFile::load reads with read_to_string: non-UTF-8 never reaches parse.
        return;
    };
    let Ok(m) = MappingFile::parse(text, "fuzz.toml") else {
        return;
    };
    let canonical: Vec<String> = CANONICAL.iter().map(|s| s.to_string()).collect();
    let _ = ColumnMap::resolve(&canonical, Some(&m));
    // The mapping's own headers, as an export made for it would have them.
    let own: Vec<String> = m.columns.iter().map(|(h, _)| h.clone()).collect();
    let _ = ColumnMap::resolve(&own, Some(&m));
}
