//! A [`Diff`] in words: the notices shown when nothing sent differs, and one line
//! per change when the run is refused.
//!
//! Kept apart from the comparison because these sentences are what an accountant
//! reads and acts on (and what snapshots pin down), while what refuses a run is
//! decided in compare.rs. Amounts are written as the ledger writes them
//! (`NOK 1 250,00`); long lists end with "and N more".

use super::compare::Diff;
use super::record::{FileRef, Planned, Total};
use crate::model::money::format_minor_nordic;

/// How many entries of one kind a refusal lists before "and N more".
pub(super) const LISTED: usize = 20;

impl Diff {
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
        listed(&mut out, self.changed_lines());
        listed(&mut out, self.added_lines());
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
        self.mapping_lines(&mut out);
        if let Some((old, new)) = &self.input_sha256 {
            out.push(format!(
                "the file's SHA-256 differs ({} in the plan, {} now)",
                short(old),
                short(new)
            ));
        }
        out
    }

    /// One line per changed (or now invalid) invoice.
    fn changed_lines(&self) -> Vec<String> {
        self.changed
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
            .collect()
    }

    /// One line per added invoice, valid or not.
    fn added_lines(&self) -> Vec<String> {
        self.added
            .iter()
            .map(|a| match (&a.new, &a.invalid) {
                (Some(n), _) => format!("added: {} ({})", a.reference, money(n)),
                (None, e) => format!(
                    "added: {} (invalid: {})",
                    a.reference,
                    e.as_deref().unwrap_or("invalid")
                ),
            })
            .collect()
    }

    /// How the file is read: the mapping file, then each column, then each default.
    fn mapping_lines(&self, out: &mut Vec<String>) {
        if let Some((old, new)) = &self.mapping_file {
            out.push(format!(
                "the mapping differs: {} -> {}",
                mapping_file(old),
                mapping_file(new)
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
    }
}

/// One side of a change of the mapping file: its path and short SHA-256, or none.
fn mapping_file(f: &Option<FileRef>) -> String {
    f.as_ref().map_or("no mapping file".to_string(), |f| {
        format!("{} (SHA-256 {})", f.path, short(&f.sha256))
    })
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
