//! Headers to fields: resolved once per file, then rows are read by column index.
//!
//! A missing required column is found here, before a single row is read, so a wrong
//! export fails in a second with the headers it has and the nearest match, rather than
//! with a million row errors.

mod field;
mod file;

pub use field::{Field, normalize_header};
pub use file::{Defaults, MappingFile, MappingFileError};

use std::collections::HashMap;

/// The result of matching a file's headers: which column holds which field.
#[derive(Clone, Debug)]
pub struct ColumnMap {
    by_field: [Option<usize>; Field::COUNT],
    /// The headers as written in the file.
    pub headers: Vec<String>,
    /// Column indexes whose header matched no field (ignored, listed once).
    pub unknown: Vec<usize>,
    /// Values for invoice-level fields the file lacks or leaves blank.
    pub defaults: Defaults,
}

/// A required column that is not in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingColumn {
    /// What is missing, in words: `email`, or `amount, unit_price or net_amount`.
    pub what: String,
    /// The file's header that looks most like it, if any does.
    pub nearest: Option<String>,
}

/// Why the headers cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{}", missing_message(.missing, .headers))]
    Missing {
        missing: Vec<MissingColumn>,
        headers: Vec<String>,
    },
    #[error(
        "columns '{first}' and '{second}' both mean {field}: remove one, or map them with --mapping"
    )]
    Duplicate {
        field: Field,
        first: String,
        second: String,
    },
}

fn missing_message(missing: &[MissingColumn], headers: &[String]) -> String {
    let mut s = String::new();
    for m in missing {
        s.push_str(&format!("required column missing: {}", m.what));
        if let Some(n) = &m.nearest {
            s.push_str(&format!(" (nearest header in the file: '{n}')"));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "headers found: {}\n",
        headers
            .iter()
            .map(|h| format!("'{h}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.push_str(
        "rename the column in the export, or map it with --mapping FILE (see docs/input-format.md)",
    );
    s
}

impl ColumnMap {
    /// Matches headers against the mapping file (first) and the built-in names and aliases.
    pub fn resolve(
        headers: &[String],
        mapping: Option<&MappingFile>,
    ) -> Result<ColumnMap, MappingError> {
        let mut lookup: HashMap<String, Field> = HashMap::new();
        for f in Field::ALL {
            lookup.insert(normalize_header(f.name()), f);
            for a in f.aliases() {
                lookup.insert(normalize_header(a), f);
            }
        }
        let explicit: HashMap<String, Field> = mapping
            .map(|m| {
                m.columns
                    .iter()
                    .map(|(h, f)| (normalize_header(h), *f))
                    .collect()
            })
            .unwrap_or_default();
        let mut by_field: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
        let mut unknown = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let n = normalize_header(h);
            if n.is_empty() {
                unknown.push(i);
                continue;
            }
            let field = explicit.get(&n).or_else(|| lookup.get(&n)).copied();
            match field {
                Some(f) => {
                    if let Some(prev) = by_field[f.index()] {
                        return Err(MappingError::Duplicate {
                            field: f,
                            first: headers[prev].clone(),
                            second: h.clone(),
                        });
                    }
                    by_field[f.index()] = Some(i);
                }
                None => unknown.push(i),
            }
        }
        let defaults = mapping.map(|m| m.defaults.clone()).unwrap_or_default();
        let map = ColumnMap {
            by_field,
            headers: headers.to_vec(),
            unknown,
            defaults,
        };
        map.check_required()?;
        Ok(map)
    }

    /// The column index of a field, if the file has it.
    pub fn column(&self, f: Field) -> Option<usize> {
        self.by_field[f.index()]
    }

    /// The header as written for a column index.
    pub fn header(&self, col: usize) -> &str {
        self.headers.get(col).map(String::as_str).unwrap_or("")
    }

    /// The mapped columns, as (field, column) pairs.
    pub fn mapped(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.column(f).map(|c| (f, c)))
    }

    fn check_required(&self) -> Result<(), MappingError> {
        let mut missing = Vec::new();
        let has = |f: Field| self.column(f).is_some();
        let mut need = |ok: bool, what: String, candidates: &[Field]| {
            if !ok {
                missing.push(MissingColumn {
                    what,
                    nearest: self.nearest(candidates),
                });
            }
        };
        need(
            has(Field::MerchantReference),
            "merchant_reference".into(),
            &[Field::MerchantReference],
        );
        need(
            has(Field::CustomerType)
                || has(Field::PaymentProductType)
                || self.defaults.customer_type.is_some()
                || self.defaults.payment_product_type.is_some(),
            "customer_type or payment_product_type".into(),
            &[Field::CustomerType, Field::PaymentProductType],
        );
        for f in [
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::PhoneNumber,
            Field::AddressLine,
            Field::PostalCode,
            Field::PostalPlace,
            Field::Description,
            Field::Vat,
        ] {
            need(has(f), f.name().into(), &[f]);
        }
        need(
            has(Field::Amount) || has(Field::UnitPrice) || has(Field::NetAmount),
            "amount, unit_price or net_amount".into(),
            &[Field::Amount, Field::UnitPrice, Field::NetAmount],
        );
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MappingError::Missing {
                missing,
                headers: self.headers.clone(),
            })
        }
    }

    /// The unmatched header most like one of the missing fields' own names or aliases,
    /// if any is alike enough (see [`similarity`]): no suggestion beats a misleading one.
    fn nearest(&self, fields: &[Field]) -> Option<String> {
        let mut best: Option<(f64, usize)> = None;
        for &col in &self.unknown {
            let h = normalize_header(self.header(col));
            if h.is_empty() {
                continue;
            }
            for f in fields {
                for name in std::iter::once(f.name()).chain(f.aliases().iter().copied()) {
                    let score = similarity(&h, &normalize_header(name));
                    if score >= SUGGEST_THRESHOLD && best.is_none_or(|(b, _)| score > b) {
                        best = Some((score, col));
                    }
                }
            }
        }
        best.map(|(_, col)| self.header(col).to_string())
    }
}

/// How alike two normalized headers must be for a suggestion.
pub const SUGGEST_THRESHOLD: f64 = 0.7;

/// How alike a header and a field's name are, 0 to 1, separators ignored: the
/// normalized Damerau-Levenshtein similarity (typos, a swapped letter), or 0.9 when one
/// holds the other whole and the shorter has at least four letters (`Epostadresse` and
/// `epost`). Jaro-Winkler was used before and rewarded a shared prefix alone (`Kunde
/// e-post` looked like `kundetype`, `Firma` like `first_name`).
pub fn similarity(a: &str, b: &str) -> f64 {
    let a: String = a.chars().filter(|c| *c != '_').collect();
    let b: String = b.chars().filter(|c| *c != '_').collect();
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let contained = short.chars().count() >= 4 && long.contains(short.as_str());
    let edits = strsim::normalized_damerau_levenshtein(&a, &b);
    if contained { edits.max(0.9) } else { edits }
}

/// The Excel column letter of a column (defined with the problems that name columns).
pub use crate::problem::column_letter;

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    const FULL: &[&str] = &[
        "Fakturanummer",
        "Kundetype",
        "Fornavn",
        "Etternavn",
        "E-post",
        "Telefon",
        "Adresse",
        "Postnummer",
        "Poststed",
        "Beskrivelse",
        "Beløp",
        "MVA",
        "Ukjent",
    ];

    #[test]
    fn norwegian_aliases() {
        let m = ColumnMap::resolve(&headers(FULL), None).unwrap();
        assert_eq!(m.column(Field::Email), Some(4));
        assert_eq!(m.column(Field::Amount), Some(10));
        assert_eq!(m.unknown, vec![12]);
    }

    #[test]
    fn missing_column_names_nearest() {
        let mut h = headers(FULL);
        h[4] = "Epostadresse".into();
        let err = ColumnMap::resolve(&h, None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("required column missing: email"), "{text}");
        assert!(text.contains("'Epostadresse'"), "{text}");
    }

    #[test]
    fn suggestions_only_when_alike() {
        // A missing customer_type must not suggest an e-mail column, nor a missing
        // first_name a company column.
        let mut h = headers(FULL);
        h[1] = "Kunde e-post".into();
        let err = ColumnMap::resolve(&h, None).unwrap_err().to_string();
        assert!(
            err.contains("customer_type or payment_product_type"),
            "{err}"
        );
        assert!(
            !err.contains("nearest header in the file: 'Kunde e-post'"),
            "{err}"
        );
        let mut h = headers(FULL);
        h[2] = "Firma".into();
        let err = ColumnMap::resolve(&h, None).unwrap_err().to_string();
        assert!(!err.contains("'Firma')"), "{err}");
        // A typo still gets its suggestion.
        let mut h = headers(FULL);
        h[2] = "Forname".into();
        let err = ColumnMap::resolve(&h, None).unwrap_err().to_string();
        assert!(
            err.contains("(nearest header in the file: 'Forname')"),
            "{err}"
        );
        assert!(similarity("kundetype", "kunde_e_post") < SUGGEST_THRESHOLD);
        assert!(similarity("first_name", "firma") < SUGGEST_THRESHOLD);
    }

    #[test]
    fn duplicate_meaning() {
        let mut h = headers(FULL);
        h[12] = "sum".into();
        assert!(matches!(
            ColumnMap::resolve(&h, None),
            Err(MappingError::Duplicate { .. })
        ));
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
