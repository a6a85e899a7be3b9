//! Validation: rows in, typed invoices (or located problems) out. Pure: no IO.
//!
//! Rows arrive in chunks in file order. Each chunk is parsed in parallel (row-level
//! checks), then merged in order into per-invoice accumulators keyed by
//! `merchant_reference`, wherever the invoice's rows stand in the file. When the file
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
pub mod totals;

pub use invoice::Rejected;
pub use totals::{CurrencyTotal, Largest, RateSum, RateTotal, Totals};

use crate::input::{ChunkSink, RowCells};
use crate::mapping::{ColumnMap, Defaults, Field};
use crate::model::{
    Country, Currency, CustomerType, DecimalConvention, Evidence, Invoice, InvoiceChannel, Line,
    ProductType,
};
use crate::problem::Problem;
use blocks::Blocks;
use head::{HeadValue, PackedHead};
use rayon::prelude::*;
use row::{RowContext, RowDraft, evidence_of, parse_row, text_of};
use smallvec::SmallVec;
use std::borrow::Cow;
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

/// Everything known about one invoice while the file is being read.
pub struct InvoiceAcc {
    /// The fingerprint of the first row's invoice-level cells (two halves: a `u128`
    /// would pad the struct to 16-byte alignment).
    fingerprint: [u64; 2],
    first_row: u32,
    lines: u32,
    invalid: bool,
    head: PackedHead,
    rates: SmallVec<[RateSum; 1]>,
    extra: Option<Box<Extra>>,
}

/// Per-line data, kept only when needed.
#[derive(Default)]
struct Extra {
    lines: Vec<Line>,
    line_ids: Vec<(Option<Box<str>>, u32)>,
}

impl InvoiceAcc {
    fn reference(&self) -> &str {
        self.head.first().map_or("", |v| v.text)
    }
}

/// The streaming validator; feed it with [`crate::input::Table::read_all`].
pub struct Validator<'m> {
    settings: Settings<'m>,
    convention: Option<DecimalConvention>,
    hasher: foldhash::fast::FixedState,
    index: hashbrown::HashTable<u32>,
    accs: Blocks<InvoiceAcc>,
    problems: Vec<Problem>,
    lines: u64,
    has_line_ids: bool,
    /// Invoice-level fields present in the file (other than the reference), with columns.
    invoice_cols: Vec<(Field, usize)>,
    /// Reused buffer for assembling packed heads.
    scratch: Vec<u8>,
    progress: Option<Box<dyn FnMut(u64, u64) + 'm>>,
    /// References of invoices with a row the reader could not read.
    unreadable: std::collections::HashSet<String>,
}

impl<'m> Validator<'m> {
    pub fn new(settings: Settings<'m>) -> Validator<'m> {
        let has_line_ids = settings.map.column(Field::LineId).is_some();
        let invoice_cols = settings
            .map
            .mapped()
            .filter(|(f, _)| f.is_invoice_level() && *f != Field::MerchantReference)
            .collect();
        Validator {
            invoice_cols,
            unreadable: Default::default(),
            scratch: Vec::new(),
            convention: settings.decimal,
            settings,
            hasher: foldhash::fast::FixedState::with_seed(0x6b72_6176_6961),
            index: hashbrown::HashTable::new(),
            accs: Blocks::default(),
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

    /// Adds a row to its invoice, in file order: invoice-level cells are compared with
    /// what earlier rows of the invoice said, and the parsed line is folded in.
    fn merge<R: RowCells>(&mut self, r: &R, d: RowDraft<'_>) {
        let row = r.row();
        let map = self.settings.map;
        self.lines += 1;
        let RowDraft {
            reference,
            hash,
            fingerprint,
            line,
            problems,
        } = d;
        let row_failed = !problems.is_empty();
        self.problems
            .extend(problems.into_iter().map(|p| p.with_reference(&reference)));
        if reference.is_empty() {
            self.problems.push(Problem::error(
                row,
                map.column(Field::MerchantReference),
                None,
                "merchant_reference is empty: every line needs the reference of the invoice it belongs to",
            ));
            return;
        }
        let reference: &str = &reference;
        let invoice_cols = &self.invoice_cols;
        let cells = || -> SmallVec<[(Field, Cow<'_, str>, bool); 20]> {
            invoice_cols
                .iter()
                .filter_map(|&(f, col)| {
                    let c = r.cell(col);
                    (!c.is_blank()).then(|| {
                        let (t, n) = text_of(c);
                        (f, t, n)
                    })
                })
                .collect()
        };
        let accs = &mut self.accs;
        let found = self
            .index
            .find(hash, |&i| accs[i as usize].reference() == reference)
            .copied();
        let idx = match found {
            // Same cells as the invoice's first row: nothing to compare or add.
            Some(i) if accs[i as usize].fingerprint == split(fingerprint) => i as usize,
            Some(i) => {
                let acc = &mut accs[i as usize];
                let cells = cells();
                let slots = acc.head.slots(acc.first_row);
                let mut new_values: SmallVec<[HeadValue<'_>; 4]> = SmallVec::new();
                for (field, text, from_number) in &cells {
                    match slots[field.index()] {
                        Some(old) if !same_value(*field, old.text, text) => {
                            self.problems.push(
                                Problem::error(
                                    row,
                                    map.column(*field),
                                    Some(text.to_string()),
                                    format!(
                                        "{field} differs from '{}' on row {} of the same invoice {reference}: the rows of one invoice must agree (leave the cell blank to repeat the first value)",
                                        old.text, old.row
                                    ),
                                )
                                .with_reference(reference),
                            );
                            acc.invalid = true;
                        }
                        Some(_) => {}
                        None => new_values.push(HeadValue {
                            field: *field,
                            text,
                            row,
                            from_number: *from_number,
                        }),
                    }
                }
                if !new_values.is_empty() {
                    let first_row = acc.first_row;
                    acc.head.extend(first_row, new_values, &mut self.scratch);
                }
                i as usize
            }
            None => {
                let i = accs.len();
                let cells = cells();
                let mut head = PackedHead::default();
                head.extend(
                    row,
                    std::iter::once(HeadValue {
                        field: Field::MerchantReference,
                        text: reference,
                        row,
                        from_number: false,
                    })
                    .chain(cells.iter().map(|(field, text, from_number)| {
                        HeadValue {
                            field: *field,
                            text,
                            row,
                            from_number: *from_number,
                        }
                    })),
                    &mut self.scratch,
                );
                if reference.chars().count() > 35 {
                    self.problems.push(
                        Problem::warning(
                            row,
                            map.column(Field::MerchantReference),
                            Some(reference.to_string()),
                            "merchant_reference is longer than 35 characters; Kravia is reported to reject longer ones",
                        )
                        .with_reference(reference),
                    );
                }
                accs.push(InvoiceAcc {
                    fingerprint: split(fingerprint),
                    first_row: row,
                    lines: 0,
                    invalid: false,
                    head,
                    rates: SmallVec::new(),
                    extra: None,
                });
                let hasher = &self.hasher;
                self.index.insert_unique(hash, i as u32, |&j| {
                    hasher.hash_one(accs[j as usize].reference())
                });
                i
            }
        };
        let acc = &mut self.accs[idx];
        acc.lines += 1;
        if row_failed {
            acc.invalid = true;
        }
        let keep = self.settings.keep;
        if self.has_line_ids || keep {
            let extra = acc.extra.get_or_insert_with(Default::default);
            if self.has_line_ids {
                extra.line_ids.push((
                    line.as_ref()
                        .and_then(|l| l.line_id.as_deref())
                        .map(Box::from),
                    row,
                ));
            }
        }
        let Some(line) = line else {
            acc.invalid = true;
            return;
        };
        match acc.rates.iter_mut().find(|r| r.rate == line.vat) {
            Some(r) => {
                r.lines += 1;
                r.gross += line.amount;
                r.vat += line.vat_amount;
            }
            None => acc.rates.push(RateSum {
                rate: line.vat,
                lines: 1,
                gross: line.amount,
                vat: line.vat_amount,
            }),
        }
        if keep && !acc.invalid {
            let position = acc.lines;
            if let Some(extra) = acc.extra.as_mut() {
                extra.lines.push(Line {
                    row,
                    line_id: position.to_string(),
                    item_id: line.item_id.map(|s| s.into_owned()),
                    description: line.description.into_owned(),
                    quantity: line.quantity,
                    amount: line.amount,
                    vat: line.vat,
                    vat_amount: line.vat_amount,
                });
            }
        }
    }

    /// Checks every invoice as a whole and returns the outcome.
    pub fn finish(self) -> Validation {
        let Validator {
            settings,
            mut problems,
            accs,
            lines,
            convention,
            unreadable,
            ..
        } = self;
        let invoice_count = accs.len() as u64;
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
            .fold(empty, |mut p, acc| {
                let first_row = acc.first_row;
                let tainted = unreadable.contains(acc.reference());
                let lines = acc.lines;
                let reference = tainted.then(|| acc.reference().to_string());
                let mut f = invoice::finalize(acc, &settings);
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
                    p.totals.add(&totals::InvoiceFacts {
                        reference: &facts.reference,
                        customer: facts.customer.clone(),
                        product: facts.product,
                        currency: facts.currency,
                        amount: facts.amount,
                        lines: u64::from(facts.lines),
                        rates: &facts.rates,
                    });
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
        problems.sort_by_key(Problem::sort_key);
        let mut invoices = part.invoices;
        invoices.sort_by_key(|(r, _)| *r);
        let mut rejected = part.rejected;
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
            if let Some(r) = &p.reference {
                self.unreadable.insert(r.clone());
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
            self.hasher.clone(),
            convention,
            self.settings.defaults.currency,
        );
        let drafts: Vec<RowDraft<'_>> = rows
            .par_iter()
            .with_min_len(256)
            .map(|r| parse_row(r, &ctx))
            .collect();
        for (r, d) in rows.iter().zip(drafts) {
            self.merge(r, d);
        }
    }

    fn progress(&mut self, done: u64, total: u64) {
        if let Some(p) = self.progress.as_mut() {
            p(done, total);
        }
    }
}

fn split(f: u128) -> [u64; 2] {
    [(f >> 64) as u64, f as u64]
}

/// Whether two invoice-level values are the same, ignoring what does not change their
/// meaning (case for codes and e-mail, spaces in numbers).
fn same_value(field: Field, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match field {
        Field::CustomerType
        | Field::PaymentProductType
        | Field::Currency
        | Field::Country
        | Field::InvoiceChannel
        | Field::Email => a.eq_ignore_ascii_case(b),
        Field::OrganizationNumber | Field::PhoneNumber | Field::PostalCode => {
            let strip = |s: &str| {
                s.chars()
                    .filter(|c| c.is_alphanumeric() || *c == '+')
                    .collect::<String>()
            };
            strip(a) == strip(b)
        }
        _ => false,
    }
}
