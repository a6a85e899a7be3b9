//! Plan and apply: what `validate --plan` approved, and whether the file `import --plan`
//! is about to send is still exactly that. Pure: no IO, no clock.
//!
//! A [`Plan`] holds the input file's SHA-256, the mapping used (the mapping file's path
//! and SHA-256, the resolved column map, the defaults given), every invoice's content
//! hash (SHA-256 of the exact request body, keyed by reference, with its currency and
//! amount so a refusal can show old and new amounts) and the control totals per currency.
//! It is written as JSON with a format name and version.
//!
//! [`diff`] compares the approved plan with the plan of the file as it is now. What is
//! *sent* decides: any invoice added, removed, changed or invalid now, any change of the
//! mapping, or of the totals, refuses the run ([`Diff::refuses`]). A different file
//! SHA-256 alone (the file re-saved with other line endings, a column nobody maps
//! edited) does not: every request body is byte-identical to what was approved, so it
//! is a notice ([`Diff::notices`]).

use crate::mapping::ColumnMap;
use crate::model::Invoice;
use crate::model::money::format_minor_nordic;
use crate::validate::Validation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `format` of a plan file.
pub const FORMAT: &str = "kravia-batch-plan";
/// The plan version this code writes and reads.
pub const VERSION: u32 = 1;

/// How many entries of one kind a refusal lists before "and N more".
const LISTED: usize = 20;

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

/// An invoice that differs from the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub reference: String,
    pub old: Planned,
    /// `None` when the invoice is invalid now.
    pub new: Option<Planned>,
    /// Why it is invalid now.
    pub invalid: Option<String>,
}

/// An invoice in the file now that the plan does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    pub reference: String,
    /// `None` when the invoice is invalid.
    pub new: Option<Planned>,
    pub invalid: Option<String>,
}

/// Old and new value of something compared (`None`: absent on that side).
pub type Change<T> = (Option<T>, Option<T>);

/// What differs between an approved plan and the file now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: Vec<Added>,
    /// In the plan, not in the file now.
    pub removed: Vec<(String, Planned)>,
    pub changed: Vec<Changed>,
    /// Currencies whose totals differ.
    pub totals: BTreeMap<String, Change<Total>>,
    /// The mapping file (absent, added, or another content).
    pub mapping_file: Option<Change<FileRef>>,
    /// Columns read from another header (field -> old, new).
    pub columns: BTreeMap<String, Change<String>>,
    /// Defaults that differ (name -> old, new).
    pub defaults: BTreeMap<String, Change<String>>,
    /// The input's SHA-256 differs (old, new).
    pub input_sha256: Option<(String, String)>,
    /// The input's path differs (old, new): a notice only.
    pub input_path: Option<(String, String)>,
    /// The mapping file's path differs, its content does not: a notice only.
    pub mapping_path: Option<(String, String)>,
}

/// Compares the approved plan `old` with the plan of the file now, `new`; `invalid_now`
/// holds the references that are invalid in the file now, with their first error.
pub fn diff(old: &Plan, new: &Plan, invalid_now: &BTreeMap<String, String>) -> Diff {
    let mut d = Diff::default();
    for (reference, o) in &old.invoices {
        match new.invoices.get(reference) {
            Some(n) if n == o => {}
            Some(n) => d.changed.push(Changed {
                reference: reference.clone(),
                old: o.clone(),
                new: Some(n.clone()),
                invalid: None,
            }),
            None => match invalid_now.get(reference) {
                Some(e) => d.changed.push(Changed {
                    reference: reference.clone(),
                    old: o.clone(),
                    new: None,
                    invalid: Some(e.clone()),
                }),
                None => d.removed.push((reference.clone(), o.clone())),
            },
        }
    }
    for (reference, n) in &new.invoices {
        if !old.invoices.contains_key(reference) {
            d.added.push(Added {
                reference: reference.clone(),
                new: Some(n.clone()),
                invalid: None,
            });
        }
    }
    for (reference, e) in invalid_now {
        if !old.invoices.contains_key(reference) && !new.invoices.contains_key(reference) {
            d.added.push(Added {
                reference: reference.clone(),
                new: None,
                invalid: Some(e.clone()),
            });
        }
    }
    d.added.sort_by(|a, b| a.reference.cmp(&b.reference));
    d.totals = changes(&old.totals, &new.totals);
    d.columns = changes(&old.mapping.columns, &new.mapping.columns);
    d.defaults = changes(&old.mapping.defaults, &new.mapping.defaults);
    match (&old.mapping.file, &new.mapping.file) {
        (Some(o), Some(n)) if o.sha256 == n.sha256 => {
            if o.path != n.path {
                d.mapping_path = Some((o.path.clone(), n.path.clone()));
            }
        }
        (None, None) => {}
        (o, n) => d.mapping_file = Some((o.clone(), n.clone())),
    }
    if old.input.sha256 != new.input.sha256 {
        d.input_sha256 = Some((old.input.sha256.clone(), new.input.sha256.clone()));
    }
    if old.input.path != new.input.path {
        d.input_path = Some((old.input.path.clone(), new.input.path.clone()));
    }
    d
}

/// The keys whose values differ between two maps.
fn changes<V: Clone + PartialEq>(
    old: &BTreeMap<String, V>,
    new: &BTreeMap<String, V>,
) -> BTreeMap<String, Change<V>> {
    old.keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| (k.clone(), (old.get(k).cloned(), new.get(k).cloned())))
        .collect()
}

impl Diff {
    /// Whether what would be sent, or how the file is read, differs from the plan.
    pub fn refuses(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || !self.changed.is_empty()
            || !self.totals.is_empty()
            || self.mapping_file.is_some()
            || !self.columns.is_empty()
            || !self.defaults.is_empty()
    }

    /// What differs without changing anything sent (shown, not refused).
    pub fn notices(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some((old, new)) = &self.input_sha256 {
            v.push(format!(
                "the file's SHA-256 differs from the plan's ({} now, {} in the plan), but every invoice is byte-identical to the approved one",
                short(new),
                short(old)
            ));
        }
        if let Some((old, new)) = &self.input_path {
            v.push(format!("the plan was made from {old}; this is {new}"));
        }
        if let Some((old, new)) = &self.mapping_path {
            v.push(format!(
                "the mapping file is {new} now ({old} in the plan), with the same content"
            ));
        }
        v
    }

    /// What changed, one line each (lists longer than 20 end with "and N more").
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let changed: Vec<String> = self
            .changed
            .iter()
            .map(|c| match &c.new {
                Some(n) if n.amount == c.old.amount && n.currency == c.old.currency => {
                    format!(
                        "changed: {} (amount {} unchanged; other content differs)",
                        c.reference,
                        money(&c.old)
                    )
                }
                Some(n) => format!(
                    "changed: {} amount {} -> {}",
                    c.reference,
                    money(&c.old),
                    money(n)
                ),
                None => format!(
                    "invalid now: {} ({} in the plan): {}",
                    c.reference,
                    money(&c.old),
                    c.invalid.as_deref().unwrap_or("invalid")
                ),
            })
            .collect();
        listed(&mut out, changed);
        let added: Vec<String> = self
            .added
            .iter()
            .map(|a| match (&a.new, &a.invalid) {
                (Some(n), _) => format!("added: {} ({})", a.reference, money(n)),
                (None, e) => format!(
                    "added: {} (invalid: {})",
                    a.reference,
                    e.as_deref().unwrap_or("invalid")
                ),
            })
            .collect();
        listed(&mut out, added);
        let removed: Vec<String> = self
            .removed
            .iter()
            .map(|(r, o)| format!("removed: {r} ({})", money(o)))
            .collect();
        listed(&mut out, removed);
        for (cur, (old, new)) in &self.totals {
            out.push(format!(
                "totals {cur}: {} -> {}",
                total(old.as_ref()),
                total(new.as_ref())
            ));
        }
        if let Some((old, new)) = &self.mapping_file {
            let show = |f: &Option<FileRef>| {
                f.as_ref().map_or("no mapping file".to_string(), |f| {
                    format!("{} (SHA-256 {})", f.path, short(&f.sha256))
                })
            };
            out.push(format!(
                "the mapping differs: {} -> {}",
                show(old),
                show(new)
            ));
        }
        for (field, (old, new)) in &self.columns {
            let show = |h: &Option<String>| {
                h.as_ref()
                    .map_or("not read".to_string(), |h| format!("read from '{h}'"))
            };
            out.push(format!("column {field}: {} -> {}", show(old), show(new)));
        }
        for (name, (old, new)) in &self.defaults {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
            out.push(format!("default {name}: {} -> {}", show(old), show(new)));
        }
        if let Some((old, new)) = &self.input_sha256 {
            out.push(format!(
                "the file's SHA-256 differs ({} in the plan, {} now)",
                short(old),
                short(new)
            ));
        }
        out
    }
}

fn listed(out: &mut Vec<String>, items: Vec<String>) {
    let n = items.len();
    out.extend(items.into_iter().take(LISTED));
    if n > LISTED {
        out.push(format!("... and {} more", n - LISTED));
    }
}

/// `NOK 1 250,00`
fn money(p: &Planned) -> String {
    format!("{} {}", p.currency, format_minor_nordic(p.amount, 2))
}

fn total(t: Option<&Total>) -> String {
    match t {
        None => "none".to_string(),
        Some(t) => format!(
            "{} invoices, {} (VAT {})",
            t.invoices,
            format_minor_nordic(t.amount, 2),
            format_minor_nordic(t.vat_amount, 2)
        ),
    }
}

/// The first 12 hex digits of a hash: enough to tell two apart.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn planned(hash: &str, amount: i64) -> Planned {
        Planned {
            content_hash: hash.to_string(),
            currency: "NOK".to_string(),
            amount,
        }
    }

    fn plan(invoices: &[(&str, &str, i64)]) -> Plan {
        let invoices: BTreeMap<String, Planned> = invoices
            .iter()
            .map(|(r, h, a)| (r.to_string(), planned(h, *a)))
            .collect();
        let mut totals: BTreeMap<String, Total> = BTreeMap::new();
        for p in invoices.values() {
            let t = totals.entry(p.currency.clone()).or_default();
            t.invoices += 1;
            t.amount += p.amount;
        }
        Plan {
            format: FORMAT.to_string(),
            version: VERSION,
            created_at: "2026-12-01T09:00:00.000Z".to_string(),
            tool_version: "0.1.0".to_string(),
            input: FileRef {
                path: "november.csv".to_string(),
                sha256: "a".repeat(64),
            },
            mapping: Mapping {
                file: None,
                columns: [("amount".to_string(), "Beløp".to_string())].into(),
                defaults: [("currency".to_string(), "NOK".to_string())].into(),
            },
            invoices,
            totals,
        }
    }

    fn none() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    #[test]
    fn identical_plans_have_no_differences() {
        let p = plan(&[("A", "h1", 100), ("B", "h2", 200)]);
        let d = diff(&p, &p.clone(), &none());
        assert_eq!(d, Diff::default());
        assert!(!d.refuses());
        assert!(d.lines().is_empty());
    }

    #[test]
    fn a_changed_amount_is_refused_with_old_and_new_amounts_and_totals() {
        let old = plan(&[("A", "h1", 125_000), ("B", "h2", 200)]);
        let mut new = plan(&[("A", "h1x", 135_000), ("B", "h2", 200)]);
        new.input.sha256 = "b".repeat(64);
        let d = diff(&old, &new, &none());
        assert!(d.refuses());
        let lines = d.lines();
        assert_eq!(lines[0], "changed: A amount NOK 1 250,00 -> NOK 1 350,00");
        assert_eq!(
            lines[1],
            "totals NOK: 2 invoices, 1 252,00 (VAT 0,00) -> 2 invoices, 1 352,00 (VAT 0,00)"
        );
        assert!(lines[2].starts_with("the file's SHA-256 differs (aaaaaaaaaaaa in the plan"));
    }

    #[test]
    fn only_the_file_hash_differs_is_a_notice_not_a_refusal() {
        let old = plan(&[("A", "h1", 100)]);
        let mut new = old.clone();
        new.input.sha256 = "c".repeat(64);
        let d = diff(&old, &new, &none());
        assert!(!d.refuses());
        assert_eq!(d.notices().len(), 1);
        assert!(d.notices()[0].contains("byte-identical"));
    }

    #[test]
    fn added_removed_and_invalid_now_are_told_apart() {
        let old = plan(&[("A", "h1", 100), ("B", "h2", 200), ("C", "h3", 300)]);
        let new = plan(&[("A", "h1", 100), ("D", "h4", 400)]);
        let invalid: BTreeMap<String, String> = [
            ("B".to_string(), "bad email".to_string()),
            ("E".to_string(), "no amount".to_string()),
        ]
        .into();
        let d = diff(&old, &new, &invalid);
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].0, "C");
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].invalid.as_deref(), Some("bad email"));
        let added: Vec<&str> = d.added.iter().map(|a| a.reference.as_str()).collect();
        assert_eq!(added, ["D", "E"]);
        assert!(d.refuses());
    }

    #[test]
    fn a_mapping_change_is_refused_and_a_moved_mapping_file_is_not() {
        let mut old = plan(&[("A", "h1", 100)]);
        old.mapping.file = Some(FileRef {
            path: "map.toml".to_string(),
            sha256: "m".repeat(64),
        });
        let mut moved = old.clone();
        if let Some(f) = moved.mapping.file.as_mut() {
            f.path = "elsewhere/map.toml".to_string();
        }
        let d = diff(&old, &moved, &none());
        assert!(!d.refuses());
        assert_eq!(d.notices().len(), 1);

        let mut edited = old.clone();
        if let Some(f) = edited.mapping.file.as_mut() {
            f.sha256 = "n".repeat(64);
        }
        assert!(diff(&old, &edited, &none()).refuses());

        let mut defaults = old.clone();
        defaults
            .mapping
            .defaults
            .insert("currency".to_string(), "SEK".to_string());
        let d = diff(&old, &defaults, &none());
        assert!(d.refuses());
        assert_eq!(d.lines(), ["default currency: NOK -> SEK"]);

        let mut columns = old.clone();
        columns.mapping.columns.clear();
        assert!(diff(&old, &columns, &none()).refuses());
    }

    #[test]
    fn long_lists_are_cut() {
        let old = plan(&[]);
        let many: Vec<(String, String, i64)> = (0..25)
            .map(|i| (format!("R{i:02}"), format!("h{i}"), 100))
            .collect();
        let many: Vec<(&str, &str, i64)> = many
            .iter()
            .map(|(r, h, a)| (r.as_str(), h.as_str(), *a))
            .collect();
        let new = plan(&many);
        let lines = diff(&old, &new, &none()).lines();
        assert_eq!(lines[LISTED], "... and 5 more");
    }

    #[test]
    fn json_round_trips_and_versions_are_checked() {
        let p = plan(&[("A", "h1", 100)]);
        assert_eq!(Plan::from_json(&p.to_json()).ok(), Some(p.clone()));
        let mut v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap_or_default();
        v["version"] = 2.into();
        assert!(matches!(
            Plan::from_json(&v.to_string()),
            Err(PlanError::Version { found: 2 })
        ));
        assert!(matches!(
            Plan::from_json("{\"a\": 1}"),
            Err(PlanError::NotAPlan)
        ));
        assert!(matches!(Plan::from_json("{"), Err(PlanError::Json(_))));
    }

    #[cfg(unix)]
    #[test]
    fn load_refuses_an_endless_file() {
        let e = Plan::load(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("a device, not a file"), "{e}");
    }

    proptest! {
        /// The diff is exactly the set difference: an invoice is reported once, as
        /// added, removed or changed, iff it differs; and a diff refuses iff any
        /// invoice differs (file facts being equal).
        #[test]
        fn diff_reports_exactly_the_differing_invoices(
            old in prop::collection::btree_map("[A-F]", (0u8..3, 1i64..1000), 0..6),
            new in prop::collection::btree_map("[A-F]", (0u8..3, 1i64..1000), 0..6),
        ) {
            let to_plan = |m: &BTreeMap<String, (u8, i64)>| {
                let v: Vec<(String, String, i64)> = m
                    .iter()
                    .map(|(r, (h, a))| (r.clone(), format!("h{h}-{a}"), *a))
                    .collect();
                let v: Vec<(&str, &str, i64)> =
                    v.iter().map(|(r, h, a)| (r.as_str(), h.as_str(), *a)).collect();
                plan(&v)
            };
            let (po, pn) = (to_plan(&old), to_plan(&new));
            let d = diff(&po, &pn, &BTreeMap::new());
            let mut reported: Vec<String> = d.added.iter().map(|a| a.reference.clone())
                .chain(d.removed.iter().map(|r| r.0.clone()))
                .chain(d.changed.iter().map(|c| c.reference.clone()))
                .collect();
            reported.sort();
            let mut expected: Vec<String> = old.keys().chain(new.keys())
                .filter(|k| old.get(*k) != new.get(*k))
                .cloned()
                .collect();
            expected.sort();
            expected.dedup();
            prop_assert_eq!(&reported, &expected);
            prop_assert_eq!(d.refuses(), !expected.is_empty());
            // Symmetry: swapping the sides swaps added and removed.
            let back = diff(&pn, &po, &BTreeMap::new());
            prop_assert_eq!(back.added.len(), d.removed.len());
            prop_assert_eq!(back.removed.len(), d.added.len());
            prop_assert_eq!(back.changed.len(), d.changed.len());
        }
    }
}
