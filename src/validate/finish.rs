//! After the file: every invoice checked as a whole, in parallel, and folded into the
//! outcome (valid invoices, rejected ones, problems, control totals).
//!
//! The invoice rules are [`super::rules::finalize`]'s; here is what only the whole file
//! knows: which invoices lost a row the reader could not read, which have no readable
//! row at all, and whether a currency's total still fits the control totals.

use super::engine::blocks::Blocks;
use super::engine::store::{InvoiceAcc, Store};
use super::rules::finalize::{Rejected, finalize};
use super::{Settings, Totals, Validation, Validator};
use crate::i18n::Message;
use crate::model::Invoice;
use crate::problem::{Problem, Severity};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// References of invoices with a row the reader could not read: the first such row,
/// and how many there are.
type Unreadable = HashMap<String, (u32, u32)>;

/// What the invoices of a part of the file add up to.
struct Part {
    totals: Totals,
    problems: Vec<Problem>,
    invoices: Vec<(u32, Invoice)>,
    rejected: Vec<Rejected>,
}

impl Part {
    fn empty() -> Part {
        Part {
            totals: Totals::default(),
            problems: Vec::new(),
            invoices: Vec::new(),
            rejected: Vec::new(),
        }
    }

    fn merge(mut self, b: Part) -> Part {
        self.totals = self.totals.merge(b.totals);
        self.problems.extend(b.problems);
        self.invoices.extend(b.invoices);
        self.rejected.extend(b.rejected);
        self
    }

    /// Checks one invoice and adds its outcome.
    fn add(mut self, store: &Store, mut acc: InvoiceAcc, s: &Settings<'_>, u: &Unreadable) -> Part {
        let (parts, values) = store.invoice(&mut acc);
        let (reference, first_row, lines) = (parts.reference, parts.first_row, parts.lines);
        let tainted = u.contains_key(reference);
        let mut f = finalize(parts, values, s);
        if tainted && f.rejected.is_none() {
            // Valid as far as its readable rows go, but a row of it is missing.
            f.facts = None;
            f.invoice = None;
            f.rejected = Some(Rejected {
                merchant_reference: reference.to_string(),
                first_row,
                lines,
                error: "a row of this invoice could not be read (see its error); it is incomplete without it".into(),
            });
        }
        self.problems.extend(f.problems);
        if let Some(facts) = &f.facts {
            self.totals.add(facts);
        }
        if let Some(inv) = f.invoice {
            self.invoices.push((first_row, inv));
        }
        if let Some(r) = f.rejected {
            self.rejected.push(r);
        }
        self
    }
}

impl Validator<'_> {
    /// Checks every invoice as a whole and returns the outcome.
    pub fn finish(self) -> Validation {
        let Validator {
            settings,
            mut problems,
            engine,
            mut lines,
            convention,
            unreadable,
            ..
        } = self;
        let merged = engine.into_merged();
        problems.extend(merged.problems);
        lines += merged.lines;
        let mut invoice_count: u64 = merged.accs.iter().map(|a| a.len() as u64).sum();
        let part = check_all(merged.accs, &merged.stores, &settings, &unreadable);
        problems.extend(part.problems);
        problems.extend(part.totals.too_large.iter().map(|cur| too_large(*cur)));
        problems.sort_by_key(Problem::sort_key);
        let mut invoices = part.invoices;
        invoices.sort_by_key(|(r, _)| *r);
        let mut rejected = part.rejected;
        // An invoice none of whose rows could be read has no accumulator: it is still an
        // invoice of the file, invalid, and must be counted and listed as such.
        let mut missing = unread_invoices(&unreadable, &invoices, &rejected);
        invoice_count += missing.len() as u64;
        rejected.append(&mut missing);
        rejected.sort_by_key(|r| r.first_row);
        Validation {
            invoices: invoices.into_iter().map(|(_, i)| i).collect(),
            rejected,
            problems,
            totals: part.totals,
            lines,
            invoice_count,
            decimal: convention.unwrap_or_default(),
        }
    }
}

/// Every invoice checked, in parallel, each with the store of its shard (which its
/// accumulator points into); the store's data for an invoice is asked for sixteen
/// invoices ahead.
fn check_all(
    accs: Vec<Blocks<InvoiceAcc>>,
    stores: &[Store],
    settings: &Settings<'_>,
    unreadable: &Unreadable,
) -> Part {
    accs.into_par_iter()
        .zip(stores)
        .flat_map(|(a, store)| {
            a.into_par_iter(|acc| store.prefetch(acc))
                .map(move |acc| (store, acc))
        })
        .fold(Part::empty, |p, (store, acc)| {
            p.add(store, acc, settings, unreadable)
        })
        .reduce(Part::empty, Part::merge)
}

/// The error of a currency whose valid invoices add up to more than the control totals
/// can hold.
fn too_large(cur: crate::model::Currency) -> Problem {
    Problem {
        severity: Severity::Error,
        row: None,
        column: None,
        value: None,
        reference: None,
        message: Message::new("problem-totals-too-large")
            .arg("currency", cur.code())
            .arg(
                "max",
                crate::model::money::format_minor_nordic(i64::MAX, cur.exponent()),
            ),
    }
}

/// The invoices none of whose rows could be read.
fn unread_invoices(
    unreadable: &Unreadable,
    invoices: &[(u32, Invoice)],
    rejected: &[Rejected],
) -> Vec<Rejected> {
    let seen: HashSet<&str> = invoices
        .iter()
        .map(|(_, i)| i.merchant_reference.as_str())
        .chain(rejected.iter().map(|r| r.merchant_reference.as_str()))
        .collect();
    unreadable
        .iter()
        .filter(|(r, _)| !seen.contains(r.as_str()))
        .map(|(r, (row, lines))| Rejected {
            merchant_reference: r.clone(),
            first_row: *row,
            lines: *lines,
            error: "no row of this invoice could be read (see the errors of its rows)".into(),
        })
        .collect()
}
