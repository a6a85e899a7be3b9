//! The TOML mapping file: any header to a canonical field, plus defaults for columns the
//! export lacks.

use super::Field;
use crate::model::{Country, Currency, CustomerType, InvoiceChannel, ProductType};
use std::collections::BTreeMap;
use std::path::Path;

/// A parsed and checked mapping file.
#[derive(Clone, Debug, Default)]
pub struct MappingFile {
    /// Header as written (left) to canonical field (right).
    pub columns: Vec<(String, Field)>,
    pub defaults: Defaults,
}

/// Values used when a column is absent or a cell is blank on every row of an invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Defaults {
    pub currency: Option<Currency>,
    pub country: Option<Country>,
    pub days_until_due: Option<u16>,
    pub customer_type: Option<String>,
    pub payment_product_type: Option<ProductType>,
    pub invoice_channel: Option<InvoiceChannel>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    defaults: RawDefaults,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    currency: Option<String>,
    country: Option<String>,
    days_until_due: Option<i64>,
    customer_type: Option<String>,
    payment_product_type: Option<String>,
    invoice_channel: Option<String>,
}

/// Why a mapping file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MappingFileError {
    #[error("cannot read mapping file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("mapping file {path} is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error(
        "mapping file {path}: '{header}' maps to '{target}', which is not a column kravia-batch knows (see docs/input-format.md for the canonical names)"
    )]
    UnknownField {
        path: String,
        header: String,
        target: String,
    },
    #[error("mapping file {path}: default {key} = '{value}' {problem}")]
    BadDefault {
        path: String,
        key: &'static str,
        value: String,
        problem: String,
    },
}

impl MappingFile {
    pub fn load(path: &Path) -> Result<MappingFile, MappingFileError> {
        let p = path.display().to_string();
        // Capped: `--mapping /dev/zero` (or a wrong path to a large file) must fail at
        // once, not fill memory. A pipe is fine: it is read once.
        let text = crate::input::limits::read_capped(path, crate::input::limits::MAX_MAPPING_BYTES)
            .map_err(|source| MappingFileError::Read {
                path: p.clone(),
                source,
            })?;
        Self::parse(&text, &p)
    }

    pub fn parse(text: &str, path: &str) -> Result<MappingFile, MappingFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| MappingFileError::Toml {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        let mut columns = Vec::new();
        for (header, target) in raw.columns {
            let field =
                Field::from_name(&target).ok_or_else(|| MappingFileError::UnknownField {
                    path: path.to_string(),
                    header: header.clone(),
                    target: target.clone(),
                })?;
            columns.push((header, field));
        }
        let bad = |key: &'static str, value: &str, problem: String| MappingFileError::BadDefault {
            path: path.to_string(),
            key,
            value: value.to_string(),
            problem,
        };
        let d = raw.defaults;
        let currency = d
            .currency
            .as_deref()
            .map(|v| Currency::parse(v).map_err(|e| bad("currency", v, e.to_string())))
            .transpose()?;
        let country = d
            .country
            .as_deref()
            .map(|v| Country::parse(v).map_err(|e| bad("country", v, e.to_string())))
            .transpose()?;
        let days_until_due =
            d.days_until_due
                .map(|v| {
                    u16::try_from(v).ok().filter(|n| *n <= 365).ok_or_else(|| {
                        bad("days_until_due", &v.to_string(), "must be 0 to 365".into())
                    })
                })
                .transpose()?;
        if let Some(v) = &d.customer_type {
            CustomerType::parse(v)
                .ok_or_else(|| bad("customer_type", v, "must be B2B or B2C".into()))?;
        }
        let payment_product_type = d
            .payment_product_type
            .as_deref()
            .map(|v| {
                ProductType::parse(v)
                    .ok_or_else(|| bad("payment_product_type", v, "must be kravia.invoice_b2b, kravia.invoice_b2b_grouped or kravia.invoice_b2c".into()))
            })
            .transpose()?;
        let invoice_channel = d
            .invoice_channel
            .as_deref()
            .map(|v| {
                InvoiceChannel::parse(v)
                    .ok_or_else(|| bad("invoice_channel", v, "must be kravia or merchant".into()))
            })
            .transpose()?;
        Ok(MappingFile {
            columns,
            defaults: Defaults {
                currency,
                country,
                days_until_due,
                customer_type: d.customer_type,
                payment_product_type,
                invoice_channel,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_columns_and_defaults() {
        let m = MappingFile::parse(
            "[columns]\n\"Fakt. nr\" = \"merchant_reference\"\n[defaults]\ncurrency = \"NOK\"\ndays_until_due = 30\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(
            m.columns,
            vec![("Fakt. nr".to_string(), Field::MerchantReference)]
        );
        assert_eq!(m.defaults.days_until_due, Some(30));
    }

    #[test]
    fn refuses_unknown_target() {
        let e = MappingFile::parse("[columns]\n\"X\" = \"amount_total\"\n", "m.toml").unwrap_err();
        assert!(e.to_string().contains("'amount_total'"));
    }
}
