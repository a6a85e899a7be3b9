//! Comparing the approved plan with the plan of the file as it is now, and the
//! one decision the import takes from it: [`Diff::refuses`].
//!
//! Pure data and set arithmetic, apart from the words (report.rs), so that what
//! refuses a run can be read, and tested, on its own: anything *sent* that
//! differs, or anything that changes how the file is read, refuses; a new file
//! SHA-256 or path alone does not.

use std::collections::BTreeMap;

use super::record::{FileRef, Plan, Planned, Total};

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
    compare_invoices(&mut d, old, new, invalid_now);
    d.totals = changes(&old.totals, &new.totals);
    d.columns = changes(&old.mapping.columns, &new.mapping.columns);
    d.defaults = changes(&old.mapping.defaults, &new.mapping.defaults);
    compare_files(&mut d, old, new);
    d
}

/// The invoices: changed (or invalid now), removed, and added (valid or not),
/// `added` sorted by reference.
fn compare_invoices(d: &mut Diff, old: &Plan, new: &Plan, invalid_now: &BTreeMap<String, String>) {
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
}

/// The file facts: the mapping file (content, or only its path), the input's
/// SHA-256 and path.
fn compare_files(d: &mut Diff, old: &Plan, new: &Plan) {
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
}
