//! Control totals: the numbers an accountant checks against the ledger.
//!
//! Computed from the same checked values the payloads are built from, so that the dry
//! run's totals are by construction the totals of what would be sent.
//!
//! Every sum is checked: each invoice is at most `MAX_AMOUNT_MAJOR`, but a file may hold
//! enough of them to pass what an `i64` of minor units holds. A currency whose total
//! would not fit is listed in [`Totals::too_large`] and its amounts are dropped, so that
//! no wrapped (or clamped) number is ever shown as a control total; the validator turns
//! that into an error of the file.

use crate::model::{Currency, ProductType, VatRate};
use smallvec::SmallVec;
use std::collections::{BTreeMap, BTreeSet};

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
        // A line's VAT is at most its amount, so this never saturates in practice.
        self.amount.saturating_sub(self.vat_amount)
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
    /// Currencies whose total does not fit an `i64` of minor units: their entries in
    /// `by_currency` and `by_rate` are left out.
    pub too_large: BTreeSet<Currency>,
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
        // Counts cannot come near `u64::MAX` (a file has fewer than 2^32 rows).
        let t = self.by_type.entry(f.product).or_default();
        *t = t.saturating_add(1);
        // Per type: saturating, and left out of every report for a currency whose
        // total does not fit (`too_large`).
        let t = self
            .by_type_amount
            .entry((f.product, f.currency))
            .or_default();
        t.invoices = t.invoices.saturating_add(1);
        t.amount = t.amount.saturating_add(f.amount);
        if self.too_large.contains(&f.currency) {
            return;
        }
        if self.try_add(f).is_none() {
            self.overflowed(f.currency);
        }
    }

    /// [`Totals::add`] with every sum checked; `None` when one overflows (then the
    /// currency's totals are partly updated, and dropped by the caller).
    fn try_add(&mut self, f: &InvoiceFacts<'_>) -> Option<()> {
        let c = self.by_currency.entry(f.currency).or_default();
        let mut vat = 0i64;
        for s in &f.rates {
            vat = vat.checked_add(s.vat)?;
        }
        let amount = c.amount.checked_add(f.amount)?;
        let vat_amount = c.vat_amount.checked_add(vat)?;
        c.invoices = c.invoices.saturating_add(1);
        c.lines = c.lines.saturating_add(f.lines);
        c.amount = amount;
        c.vat_amount = vat_amount;
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
            let r = self.by_rate.entry((f.currency, s.rate)).or_default();
            r.lines = r.lines.saturating_add(u64::from(s.lines));
            r.base = r.base.checked_add(s.gross.checked_sub(s.vat)?)?;
            r.vat_amount = r.vat_amount.checked_add(s.vat)?;
        }
        Some(())
    }

    /// Marks `currency` as too large to total, dropping its partial sums.
    fn overflowed(&mut self, currency: Currency) {
        self.too_large.insert(currency);
        self.by_currency.remove(&currency);
        self.by_rate.retain(|(c, _), _| *c != currency);
    }

    pub fn merge(mut self, other: Totals) -> Totals {
        for (k, v) in other.by_type {
            let t = self.by_type.entry(k).or_default();
            *t = t.saturating_add(v);
        }
        let mut too_large = other.too_large;
        too_large.extend(self.too_large.iter().copied());
        for (k, v) in other.by_type_amount {
            let t = self.by_type_amount.entry(k).or_default();
            t.invoices = t.invoices.saturating_add(v.invoices);
            t.amount = t.amount.saturating_add(v.amount);
        }
        for (k, v) in other.by_currency {
            if too_large.contains(&k) {
                continue;
            }
            let c = self.by_currency.entry(k).or_default();
            let (Some(amount), Some(vat_amount)) = (
                c.amount.checked_add(v.amount),
                c.vat_amount.checked_add(v.vat_amount),
            ) else {
                too_large.insert(k);
                continue;
            };
            c.invoices = c.invoices.saturating_add(v.invoices);
            c.lines = c.lines.saturating_add(v.lines);
            c.amount = amount;
            c.vat_amount = vat_amount;
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
            if too_large.contains(&k.0) {
                continue;
            }
            let r = self.by_rate.entry(k).or_default();
            match (
                r.base.checked_add(v.base),
                r.vat_amount.checked_add(v.vat_amount),
            ) {
                (Some(base), Some(vat_amount)) => {
                    r.lines = r.lines.saturating_add(v.lines);
                    r.base = base;
                    r.vat_amount = vat_amount;
                }
                _ => {
                    too_large.insert(k.0);
                }
            }
        }
        for cur in too_large {
            self.overflowed(cur);
        }
        self
    }

    /// Valid invoices, of every currency (also those whose amounts are too large to
    /// total).
    pub fn invoices(&self) -> u64 {
        self.by_type
            .values()
            .fold(0u64, |s, n| s.saturating_add(*n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(reference: &str, currency: Currency, amount: i64) -> InvoiceFacts<'_> {
        let vat = VatRate::from_hundredths(2500).vat_of_gross(amount);
        InvoiceFacts {
            reference,
            customer: Customer::Business("AS"),
            product: ProductType::B2b,
            currency,
            amount,
            lines: 1,
            rates: SmallVec::from_slice(&[RateSum {
                rate: VatRate::from_hundredths(2500),
                lines: 1,
                gross: amount,
                vat,
            }]),
        }
    }

    #[test]
    fn sums_that_do_not_fit_drop_the_currency_instead_of_wrapping() {
        let mut t = Totals::default();
        t.add(&facts("a", Currency::NOK, i64::MAX - 10));
        t.add(&facts("b", Currency::SEK, 100));
        assert!(t.too_large.is_empty());
        t.add(&facts("c", Currency::NOK, 11));
        assert_eq!(t.too_large, BTreeSet::from([Currency::NOK]));
        assert!(!t.by_currency.contains_key(&Currency::NOK));
        assert!(t.by_rate.keys().all(|(c, _)| *c == Currency::SEK));
        assert_eq!(t.by_currency[&Currency::SEK].amount, 100);
        // Later invoices of that currency are still counted, never totalled.
        t.add(&facts("d", Currency::NOK, 1));
        assert!(!t.by_currency.contains_key(&Currency::NOK));
        assert_eq!(t.invoices(), 4);
    }

    #[test]
    fn merging_checks_the_sums_too() {
        let mut a = Totals::default();
        a.add(&facts("a", Currency::NOK, i64::MAX - 10));
        a.add(&facts("s", Currency::SEK, 5));
        let mut b = Totals::default();
        b.add(&facts("b", Currency::NOK, 11));
        b.add(&facts("t", Currency::SEK, 7));
        let m = a.merge(b);
        assert_eq!(m.too_large, BTreeSet::from([Currency::NOK]));
        assert!(!m.by_currency.contains_key(&Currency::NOK));
        assert_eq!(m.by_currency[&Currency::SEK].amount, 12);
        assert_eq!(m.by_currency[&Currency::SEK].invoices, 2);
        assert_eq!(m.invoices(), 4);
        // A currency too large on either side stays too large.
        let mut c = Totals::default();
        c.add(&facts("c", Currency::NOK, 1));
        let m = c.merge(m);
        assert!(m.too_large.contains(&Currency::NOK));
        assert!(!m.by_currency.contains_key(&Currency::NOK));
    }

    #[test]
    fn totals_in_range_are_exact() {
        let mut t = Totals::default();
        let amounts = [100_000_000_000_000i64, 29_900, 1, 99_999_999_999_999];
        for (i, a) in amounts.iter().enumerate() {
            t.add(&facts(["a", "b", "c", "d"][i], Currency::NOK, *a));
        }
        let c = &t.by_currency[&Currency::NOK];
        assert_eq!(c.amount, amounts.iter().sum::<i64>());
        assert_eq!(c.invoices, 4);
        assert_eq!(
            c.largest.as_ref().map(|l| l.amount),
            Some(100_000_000_000_000)
        );
        let r = &t.by_rate[&(Currency::NOK, VatRate::from_hundredths(2500))];
        assert_eq!(r.base + r.vat_amount, c.amount);
        assert_eq!(c.vat_amount, r.vat_amount);
    }
}
