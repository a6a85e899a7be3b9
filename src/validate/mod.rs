//! Validation: rows in, typed invoices (or located problems) out. Pure: no IO.
//!
//! Rows arrive in chunks in file order. A chunk's rows are parsed in parallel (row-level
//! checks), then merged into per-invoice accumulators, wherever the invoice's rows stand
//! in the file: invoices are split into shards by a hash of `merchant_reference`, and
//! the shards merge in parallel, each its own rows in file order. When the file
//! has been read, every invoice is checked as a whole, in parallel, and the valid ones
//! become [`Invoice`]s and control totals.
//!
//! Memory follows the number of invoices, not lines: unless the caller asks to keep the
//! invoices (to send them or emit payloads), a line is folded into its invoice's
//! per-VAT-rate sums as soon as it is parsed.

mod blocks;
mod head;
mod invoice;
mod row;
mod shard;
mod table;
pub mod totals;

pub use invoice::Rejected;
pub use totals::{CurrencyTotal, Largest, RateSum, RateTotal, Totals};

use crate::input::{ChunkSink, RowCells};
use crate::mapping::{ColumnMap, Defaults, Field};
use crate::model::{
    Country, Currency, CustomerType, DecimalConvention, Evidence, Invoice, InvoiceChannel,
    ProductType,
};
use crate::problem::Problem;
use rayon::prelude::*;
use row::{RowContext, evidence_of, parse_row, reference_of};
use shard::{Common, Shard, shard_of};
use std::hash::BuildHasher;

/// Values used for invoice-level fields the file leaves out.
#[derive(Clone, Debug)]
pub struct EffectiveDefaults {
    pub currency: Currency,
    pub country: Country,
    pub days_until_due: u16,
    pub customer_type: Option<CustomerType>,
    pub product: Option<ProductType>,
    pub invoice_channel: Option<InvoiceChannel>,
}

impl EffectiveDefaults {
    /// Built-in defaults (NOK, NO, 14 days) overridden by a mapping file's.
    pub fn from_mapping(d: &Defaults) -> EffectiveDefaults {
        EffectiveDefaults {
            currency: d.currency.unwrap_or(Currency::NOK),
            country: d.country.unwrap_or(Country::NO),
            days_until_due: d.days_until_due.unwrap_or(14),
            customer_type: d.customer_type.as_deref().and_then(CustomerType::parse),
            product: d.payment_product_type,
            invoice_channel: d.invoice_channel,
        }
    }
}

/// How to validate.
pub struct Settings<'m> {
    pub map: &'m ColumnMap,
    pub defaults: EffectiveDefaults,
    /// Forced decimal convention; `None` detects it from the first chunk.
    pub decimal: Option<DecimalConvention>,
    /// Keep the typed invoices (to send them or write their payloads).
    pub keep: bool,
}

/// The outcome of validating a whole file.
#[derive(Debug, Default)]
pub struct Validation {
    /// Valid invoices in order of first appearance (only when `keep` was set).
    pub invoices: Vec<Invoice>,
    /// Invoices with errors, in order of first appearance.
    pub rejected: Vec<Rejected>,
    /// Every problem, sorted by row and column.
    pub problems: Vec<Problem>,
    pub totals: Totals,
    /// Invoice lines (non-blank data rows) read.
    pub lines: u64,
    /// Distinct merchant references.
    pub invoice_count: u64,
    pub decimal: DecimalConvention,
}

impl Validation {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// The streaming validator; feed it with [`crate::input::Table::read_all`].
pub struct Validator<'m> {
    settings: Settings<'m>,
    convention: Option<DecimalConvention>,
    hasher: foldhash::fast::FixedState,
    shards: Vec<Shard>,
    /// Problems of rows the reader could not read.
    problems: Vec<Problem>,
    /// Lines the reader could not read.
    lines: u64,
    has_line_ids: bool,
    /// Invoice-level fields present in the file (other than the reference), with columns.
    invoice_cols: Vec<(Field, usize)>,
    /// The columns a CSV row's fingerprint hashes (see [`row::fingerprint_runs`]).
    runs: Vec<std::ops::Range<usize>>,
    progress: Option<Box<dyn FnMut(u64, u64) + 'm>>,
    /// References of invoices with a row the reader could not read: the first such row,
    /// and how many there are.
    unreadable: std::collections::HashMap<String, (u32, u32)>,
}

impl<'m> Validator<'m> {
    pub fn new(settings: Settings<'m>) -> Validator<'m> {
        let has_line_ids = settings.map.column(Field::LineId).is_some();
        let invoice_cols: Vec<(Field, usize)> = settings
            .map
            .mapped()
            .filter(|(f, _)| f.is_invoice_level() && *f != Field::MerchantReference)
            .collect();
        let runs = row::fingerprint_runs(settings.map, &invoice_cols);
        // More shards than threads, so that a thread slowed by the reader still gets
        // its share: shards are handed out to whichever thread is free.
        let shards = (rayon::current_num_threads() * 4).clamp(1, 64);
        Validator {
            invoice_cols,
            runs,
            unreadable: Default::default(),
            convention: settings.decimal,
            settings,
            hasher: foldhash::fast::FixedState::with_seed(0x6b72_6176_6961),
            shards: (0..shards).map(|_| Shard::default()).collect(),
            problems: Vec::new(),
            lines: 0,
            has_line_ids,
            progress: None,
        }
    }

    /// Calls `f(done, total)` after each chunk.
    pub fn on_progress(&mut self, f: impl FnMut(u64, u64) + 'm) {
        self.progress = Some(Box::new(f));
    }

    /// Detects the decimal convention from the numeric cells of the first chunk.
    fn detect_convention<R: RowCells>(&self, rows: &[R]) -> DecimalConvention {
        let cols: Vec<usize> = [
            Field::Amount,
            Field::UnitPrice,
            Field::NetAmount,
            Field::Quantity,
            Field::Vat,
            Field::VatAmount,
        ]
        .into_iter()
        .filter_map(|f| self.settings.map.column(f))
        .collect();
        let (mut comma, mut point) = (0u64, 0u64);
        for r in rows {
            for &c in &cols {
                match evidence_of(&r.cell(c)) {
                    Evidence::Comma => comma += 1,
                    Evidence::Point => point += 1,
                    Evidence::None => {}
                }
            }
        }
        match (comma > 0, point > 0) {
            (true, false) => DecimalConvention::Comma,
            (false, true) => DecimalConvention::Point,
            _ => DecimalConvention::Unknown,
        }
    }

    /// Checks every invoice as a whole and returns the outcome.
    pub fn finish(self) -> Validation {
        let Validator {
            settings,
            mut problems,
            shards,
            mut lines,
            convention,
            unreadable,
            ..
        } = self;
        let mut parts = Vec::with_capacity(shards.len());
        let mut stores = Vec::with_capacity(shards.len());
        for shard in shards {
            problems.extend(shard.problems);
            lines += shard.lines;
            parts.push(shard.accs);
            stores.push(shard.store);
        }
        let invoice_count = parts.iter().map(|a| a.len() as u64).sum();
        // Each invoice with the store of its shard, which its accumulator points into.
        let accs = parts.into_par_iter().zip(&stores).flat_map(|(a, store)| {
            a.into_par_iter(|acc| store.prefetch(acc))
                .map(move |acc| (store, acc))
        });
        struct Part {
            totals: Totals,
            problems: Vec<Problem>,
            invoices: Vec<(u32, Invoice)>,
            rejected: Vec<Rejected>,
        }
        let empty = || Part {
            totals: Totals::default(),
            problems: Vec::new(),
            invoices: Vec::new(),
            rejected: Vec::new(),
        };
        let part = accs
            .into_par_iter()
            .fold(empty, |mut p, (store, mut acc)| {
                let first_row = acc.first_row;
                let tainted = unreadable.contains_key(store.reference(&acc));
                let lines = acc.lines;
                let reference = tainted.then(|| store.reference(&acc).to_string());
                let mut f = invoice::finalize(&mut acc, store, &settings);
                if let Some(reference) = reference
                    && f.rejected.is_none()
                {
                    // Valid as far as its readable rows go, but a row of it is missing.
                    f.facts = None;
                    f.invoice = None;
                    f.rejected = Some(invoice::Rejected {
                        merchant_reference: reference,
                        first_row,
                        lines,
                        error: "a row of this invoice could not be read (see its error); it is incomplete without it".into(),
                    });
                }
                p.problems.extend(f.problems);
                if let Some(facts) = &f.facts {
                    p.totals.add(facts);
                }
                if let Some(inv) = f.invoice {
                    p.invoices.push((first_row, inv));
                }
                if let Some(r) = f.rejected {
                    p.rejected.push(r);
                }
                p
            })
            .reduce(empty, |mut a, b| {
                a.totals = a.totals.merge(b.totals);
                a.problems.extend(b.problems);
                a.invoices.extend(b.invoices);
                a.rejected.extend(b.rejected);
                a
            });
        problems.extend(part.problems);
        for cur in &part.totals.too_large {
            problems.push(Problem {
                severity: crate::problem::Severity::Error,
                row: None,
                column: None,
                value: None,
                reference: None,
                message: format!(
                    "the valid {cur} invoices add up to more than {} {cur}, more than the control totals can hold: check the amounts, or split the file into smaller files",
                    crate::model::money::format_minor_nordic(i64::MAX, cur.exponent())
                ),
            });
        }
        problems.sort_by_key(Problem::sort_key);
        let mut invoices = part.invoices;
        invoices.sort_by_key(|(r, _)| *r);
        let mut rejected = part.rejected;
        // An invoice none of whose rows could be read has no accumulator: it is still an
        // invoice of the file, invalid, and must be counted and listed as such.
        let mut invoice_count = invoice_count;
        {
            let seen: std::collections::HashSet<&str> = invoices
                .iter()
                .map(|(_, i)| i.merchant_reference.as_str())
                .chain(rejected.iter().map(|r| r.merchant_reference.as_str()))
                .collect();
            let mut missing: Vec<Rejected> = unreadable
                .iter()
                .filter(|(r, _)| !seen.contains(r.as_str()))
                .map(|(r, (row, lines))| Rejected {
                    merchant_reference: r.clone(),
                    first_row: *row,
                    lines: *lines,
                    error: "no row of this invoice could be read (see the errors of its rows)"
                        .into(),
                })
                .collect();
            invoice_count += missing.len() as u64;
            rejected.append(&mut missing);
        }
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

impl ChunkSink for Validator<'_> {
    fn reference_column(&self) -> Option<usize> {
        self.settings.map.column(Field::MerchantReference)
    }

    fn chunk<R: RowCells>(&mut self, rows: &[R], problems: Vec<Problem>) {
        // Rows the reader could not read still count as lines with errors, and their
        // invoices are incomplete: never valid, whatever their other rows say.
        self.lines += problems.iter().filter(|p| p.row.is_some()).count() as u64;
        for p in problems.iter().filter(|p| p.is_error()) {
            if let (Some(r), Some(row)) = (&p.reference, p.row) {
                let seen = self.unreadable.entry(r.clone()).or_insert((row, 0));
                seen.0 = seen.0.min(row);
                seen.1 += 1;
            }
        }
        self.problems.extend(problems);
        let convention = match self.convention {
            Some(c) => c,
            None => {
                let c = self.detect_convention(rows);
                self.convention = Some(c);
                c
            }
        };
        let ctx = RowContext::new(
            self.settings.map,
            &self.invoice_cols,
            &self.runs,
            self.hasher.clone(),
            convention,
            self.settings.defaults.currency,
        );
        // Every row is parsed once, in parallel over runs of neighbouring rows (each
        // thread reads the chunk front to back), then handed to the shard of its
        // invoice, which merges its rows in file order.
        let drafts: Vec<_> = rows
            .par_iter()
            .with_min_len(512)
            .map(|r| {
                let reference = reference_of(r, &ctx);
                let hash = ctx.hasher.hash_one(reference.as_ref());
                parse_row(r, &ctx, reference, hash)
            })
            .collect();
        let count = self.shards.len();
        let mut buckets: Vec<Vec<(u32, u32)>> = (0..count)
            .map(|_| Vec::with_capacity(rows.len() / count + 64))
            .collect();
        for (i, d) in drafts.iter().enumerate() {
            buckets[shard_of(d.hash, count)].push((i as u32, d.hash as u32));
        }
        let common = Common {
            row: &ctx,
            has_line_ids: self.has_line_ids,
            keep: self.settings.keep,
        };
        self.shards
            .par_iter_mut()
            .zip(buckets)
            .for_each(|(shard, bucket)| shard.merge_all(rows, &drafts, &bucket, &common));
    }

    fn progress(&mut self, done: u64, total: u64) {
        if let Some(p) = self.progress.as_mut() {
            p(done, total);
        }
    }
}
