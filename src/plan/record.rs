//! The plan file: what `validate --plan` approved, built from a validation, and
//! its JSON with a format name and version.
//!
//! Kept apart from the comparison so that the file format (what a plan on disk
//! holds, and which versions this code reads) is in one place; a change here is
//! a change of the format and must bump [`VERSION`].

use crate::mapping::ColumnMap;
use crate::model::Invoice;
use crate::validate::Validation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `format` of a plan file.
pub const FORMAT: &str = "kravia-batch-plan";
/// The plan version this code writes and reads.
pub const VERSION: u32 = 1;

/// An approved file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// When the plan was made (RFC 3339, UTC).
    pub created_at: String,
    /// The kravia-batch version that made it.
    pub tool_version: String,
    pub input: FileRef,
    pub mapping: Mapping,
    /// Every valid invoice, by reference.
    pub invoices: BTreeMap<String, Planned>,
    /// Control totals per currency (ISO code), as `validation.totals`.
    pub totals: BTreeMap<String, Total>,
}

/// A file and its SHA-256 (lowercase hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
}

/// How the file was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The mapping file, if one was used.
    pub file: Option<FileRef>,
    /// Field -> the header it was read from.
    pub columns: BTreeMap<String, String>,
    /// Defaults for invoices that do not say (mapping file, command line): name -> value.
    pub defaults: BTreeMap<String, String>,
}

/// One approved invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// SHA-256 of the exact request body.
    pub content_hash: String,
    pub currency: String,
    /// Minor units, including VAT.
    pub amount: i64,
}

/// Control totals of one currency; amounts in minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Total {
    pub invoices: u64,
    pub amount: i64,
    pub vat_amount: i64,
}

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("not a kravia-batch plan (make one with `kravia-batch validate FILE --plan PLAN`)")]
    NotAPlan,
    #[error(
        "plan format version {found}; this version of kravia-batch reads {VERSION}: make the plan again with this version"
    )]
    Version { found: u64 },
    #[error("the plan is damaged: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot read the plan: {0}")]
    Read(std::io::Error),
}

/// Where a plan's file facts come from (the caller reads the files).
#[derive(Clone, Debug)]
pub struct Source {
    pub input: FileRef,
    pub mapping_file: Option<FileRef>,
    pub defaults: BTreeMap<String, String>,
    pub created_at: String,
}

impl Plan {
    /// The plan of a validated file; `hash` is the content hash of an invoice
    /// (`crate::dintero::content_hash`: one definition for the plan and the journal).
    pub fn build(
        v: &Validation,
        map: &ColumnMap,
        source: Source,
        hash: impl Fn(&Invoice) -> String,
    ) -> Plan {
        let invoices = v
            .invoices
            .iter()
            .map(|i| {
                (
                    i.merchant_reference.clone(),
                    Planned {
                        content_hash: hash(i),
                        currency: i.currency.code().to_string(),
                        amount: i.amount,
                    },
                )
            })
            .collect();
        let totals = v
            .totals
            .by_currency
            .iter()
            .map(|(c, t)| {
                (
                    c.code().to_string(),
                    Total {
                        invoices: t.invoices,
                        amount: t.amount,
                        vat_amount: t.vat_amount,
                    },
                )
            })
            .collect();
        let columns = map
            .mapped()
            .map(|(f, col)| (f.name().to_string(), map.header(col).to_string()))
            .collect();
        Plan {
            format: FORMAT.to_string(),
            version: VERSION,
            created_at: source.created_at,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: source.input,
            mapping: Mapping {
                file: source.mapping_file,
                columns,
                defaults: source.defaults,
            },
            invoices,
            totals,
        }
    }

    /// Reads the plan file at `path`, refusing more than
    /// [`crate::input::limits::MAX_PLAN_BYTES`] (so that `--plan /dev/zero` fails at
    /// once instead of filling memory).
    pub fn load(path: &std::path::Path) -> Result<Plan, PlanError> {
        let text = crate::input::limits::read_capped(path, crate::input::limits::MAX_PLAN_BYTES)
            .map_err(PlanError::Read)?;
        Plan::from_json(&text)
    }

    /// Reads a plan, checking its format name and version first.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(PlanError::NotAPlan);
        }
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => Ok(serde_json::from_value(value)?),
            Some(found) => Err(PlanError::Version { found }),
            None => Err(PlanError::NotAPlan),
        }
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        // Maps with string keys, strings and integers: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
