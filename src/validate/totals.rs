//! Control totals: the numbers an accountant checks against the ledger.
//!
//! Computed from the same checked values the payloads are built from, so that the dry
//! run's totals are by construction the totals of what would be sent.

use crate::model::{Currency, ProductType, VatRate};
use smallvec::SmallVec;
use std::collections::BTreeMap;

/// Totals of one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CurrencyTotal {
    pub invoices: u64,
    pub lines: u64,
    /// Including VAT, minor units.
    pub amount: i64,
    pub vat_amount: i64,
    pub largest: Option<Largest>,
}

impl CurrencyTotal {
    pub fn net_amount(&self) -> i64 {
        self.amount - self.vat_amount
    }
}

/// The largest invoice of a currency.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Largest {
    pub merchant_reference: String,
    pub customer: String,
    pub amount: i64,
}

/// Base (excluding VAT) and VAT of one rate in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RateTotal {
    pub lines: u64,
    pub base: i64,
    pub vat_amount: i64,
}

/// The invoices of one type in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TypeTotal {
    pub invoices: u64,
    pub amount: i64,
}

/// All control totals of the valid invoices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub by_type: BTreeMap<ProductType, u64>,
    /// Invoices and amount (incl. VAT, minor units) per invoice type and currency.
    pub by_type_amount: BTreeMap<(ProductType, Currency), TypeTotal>,
    pub by_currency: BTreeMap<Currency, CurrencyTotal>,
    pub by_rate: BTreeMap<(Currency, VatRate), RateTotal>,
}

/// What one valid invoice adds to the totals, borrowed from the invoice's cells.
#[derive(Clone, Debug)]
pub struct InvoiceFacts<'a> {
    pub reference: &'a str,
    pub customer: Customer<'a>,
    pub product: ProductType,
    pub currency: Currency,
    pub amount: i64,
    pub lines: u64,
    pub rates: SmallVec<[RateSum; 4]>,
}

/// The customer label of summaries: the business name, or the person's name for B2C.
/// Only the largest invoice's is ever written out, so it is built only for a new largest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Customer<'a> {
    Business(&'a str),
    Person {
        first_name: &'a str,
        last_name: &'a str,
    },
}

impl std::fmt::Display for Customer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Customer::Business(b) => f.write_str(b),
            Customer::Person {
                first_name,
                last_name,
            } => write!(f, "{first_name} {last_name}"),
        }
    }
}

/// The lines of one invoice at one VAT rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSum {
    pub rate: VatRate,
    pub lines: u32,
    /// Including VAT.
    pub gross: i64,
    pub vat: i64,
}

impl Totals {
    pub fn add(&mut self, f: &InvoiceFacts<'_>) {
        *self.by_type.entry(f.product).or_default() += 1;
        let t = self
            .by_type_amount
            .entry((f.product, f.currency))
            .or_default();
        t.invoices += 1;
        t.amount += f.amount;
        let c = self.by_currency.entry(f.currency).or_default();
        c.invoices += 1;
        c.lines += f.lines;
        c.amount += f.amount;
        let is_larger = c.largest.as_ref().is_none_or(|l| {
            f.amount > l.amount
                || (f.amount == l.amount && f.reference < l.merchant_reference.as_str())
        });
        if is_larger {
            c.largest = Some(Largest {
                merchant_reference: f.reference.to_string(),
                customer: f.customer.to_string(),
                amount: f.amount,
            });
        }
        for s in &f.rates {
            c.vat_amount += s.vat;
            let r = self.by_rate.entry((f.currency, s.rate)).or_default();
            r.lines += u64::from(s.lines);
            r.base += s.gross - s.vat;
            r.vat_amount += s.vat;
        }
    }

    pub fn merge(mut self, other: Totals) -> Totals {
        for (k, v) in other.by_type {
            *self.by_type.entry(k).or_default() += v;
        }
        for (k, v) in other.by_type_amount {
            let t = self.by_type_amount.entry(k).or_default();
            t.invoices += v.invoices;
            t.amount += v.amount;
        }
        for (k, v) in other.by_currency {
            let c = self.by_currency.entry(k).or_default();
            c.invoices += v.invoices;
            c.lines += v.lines;
            c.amount += v.amount;
            c.vat_amount += v.vat_amount;
            c.largest = match (c.largest.take(), v.largest) {
                (Some(a), Some(b)) => Some(
                    if b.amount > a.amount
                        || (b.amount == a.amount && b.merchant_reference < a.merchant_reference)
                    {
                        b
                    } else {
                        a
                    },
                ),
                (a, b) => a.or(b),
            };
        }
        for (k, v) in other.by_rate {
            let r = self.by_rate.entry(k).or_default();
            r.lines += v.lines;
            r.base += v.base;
            r.vat_amount += v.vat_amount;
        }
        self
    }

    pub fn invoices(&self) -> u64 {
        self.by_currency.values().map(|c| c.invoices).sum()
    }
}
