//! What `kravia-batch status` prints: per currency, how many invoices are paid, partly
//! paid, unpaid, voided (or something else), and for how much.
//!
//! Amounts are the invoices' totals as the transactions state them (the results file's
//! when a transaction does not say). The paid part of a partly paid invoice is the sum of
//! its successful CAPTURE events' amounts; when an event does not state its amount, that
//! invoice's paid part is unknown, left out of the paid column and counted in a note —
//! never guessed.
//!
//! The outcome is plain facts ([`StatusCounts`], from [`StatusReport::counts`]); the
//! text and [`StatusReport::exit`] are derived from them, so exit codes can be decided
//! in one place without reading this module's wording.

use crate::exit::Exit;
use crate::model::money::{format_minor, format_minor_nordic};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Digits after the decimal point of every amount shown (the results file's).
const EXPONENT: u32 = 2;

/// What a transaction status means to an accountant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// `CAPTURED`
    Paid,
    /// `PARTIALLY_CAPTURED`
    PartlyPaid,
    /// `AUTHORIZED`
    Unpaid,
    /// `AUTHORIZATION_VOIDED`
    Voided,
    /// Anything else (`FAILED`, `REFUNDED`, `ON_HOLD`, an unknown value, ...).
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Paid,
        Category::PartlyPaid,
        Category::Unpaid,
        Category::Voided,
        Category::Other,
    ];

    /// The category of a status as the API spells it (case and spaces forgiven).
    pub fn of(status: &str) -> Category {
        match status.trim().to_ascii_uppercase().as_str() {
            "CAPTURED" => Category::Paid,
            "PARTIALLY_CAPTURED" => Category::PartlyPaid,
            "AUTHORIZED" => Category::Unpaid,
            "AUTHORIZATION_VOIDED" => Category::Voided,
            _ => Category::Other,
        }
    }

    /// JSON key: `paid`, `partly_paid`, `unpaid`, `voided`, `other`.
    pub fn key(self) -> &'static str {
        match self {
            Category::Paid => "paid",
            Category::PartlyPaid => "partly_paid",
            Category::Unpaid => "unpaid",
            Category::Voided => "voided",
            Category::Other => "other",
        }
    }

    /// For people: `partly paid`.
    pub fn label(self) -> &'static str {
        match self {
            Category::PartlyPaid => "partly paid",
            other => other.key(),
        }
    }
}

/// Whether a row's status is fresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Fetched from Dintero in this run.
    Now,
    /// The transaction could not be fetched (the reason); the file keeps its old values.
    Failed(String),
    /// The row has no transaction (the import did not create an invoice).
    NoInvoice,
}

/// One invoice of the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceStatus {
    pub reference: String,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    pub customer: String,
    pub currency: String,
    /// Invoice total, minor units.
    pub amount: i64,
    /// Paid so far, minor units; `None` when the transaction does not say.
    pub paid: Option<i64>,
    /// As the API spells it (the file's old value when not checked now).
    pub transaction_status: Option<String>,
    pub status_changed_at: Option<String>,
    pub checked: Checked,
}

impl InvoiceStatus {
    pub fn category(&self) -> Option<Category> {
        self.transaction_status.as_deref().map(Category::of)
    }
}

/// Count and amounts of one category in one currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub invoices: u64,
    pub amount: i64,
    /// Sum of the known paid parts.
    pub paid: i64,
    /// Invoices whose paid part is unknown.
    pub paid_unknown: u64,
}

impl Tally {
    fn add(&mut self, i: &InvoiceStatus) {
        self.invoices += 1;
        self.amount += i.amount;
        match i.paid {
            Some(p) => self.paid += p,
            None => self.paid_unknown += 1,
        }
    }

    /// Still owed in this category: unpaid in full, the unpaid rest of partly paid ones
    /// (when every paid part is known), nothing for paid and voided; `None` for other
    /// statuses (refunded, failed, ...), where it is not this tool's to say.
    pub fn outstanding(&self, category: Category) -> Option<i64> {
        match category {
            Category::Unpaid => Some(self.amount),
            Category::PartlyPaid if self.paid_unknown == 0 => Some(self.amount - self.paid),
            Category::Paid | Category::Voided => Some(0),
            _ => None,
        }
    }

    fn json(&self, category: Category) -> Value {
        let outstanding = self.outstanding(category);
        json!({
            "outstanding": outstanding.map(|o| format_minor(o, EXPONENT)),
            "outstanding_minor": outstanding,
            "invoices": self.invoices,
            "amount": format_minor(self.amount, EXPONENT),
            "amount_minor": self.amount,
            "paid": format_minor(self.paid, EXPONENT),
            "paid_minor": self.paid,
            "paid_unknown": self.paid_unknown,
        })
    }
}

/// The outcome of `kravia-batch status`.
#[derive(Clone, Debug)]
pub struct StatusReport {
    pub results_file: PathBuf,
    pub account: String,
    /// The selected rows, in file order.
    pub invoices: Vec<InvoiceStatus>,
    /// How many 429 answers the run received.
    pub rate_limited: u64,
}

impl StatusReport {
    fn count(&self, f: impl Fn(&Checked) -> bool) -> usize {
        self.invoices.iter().filter(|i| f(&i.checked)).count()
    }

    /// Per currency, per category, the invoices checked now.
    pub fn totals(&self) -> BTreeMap<String, BTreeMap<Category, Tally>> {
        let mut t: BTreeMap<String, BTreeMap<Category, Tally>> = BTreeMap::new();
        for i in &self.invoices {
            if i.checked != Checked::Now {
                continue;
            }
            let Some(c) = i.category() else { continue };
            t.entry(i.currency.clone())
                .or_default()
                .entry(c)
                .or_default()
                .add(i);
        }
        t
    }

    /// The statuses counted as `other`, with their counts.
    fn other_statuses(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for i in &self.invoices {
            if i.checked == Checked::Now && i.category() == Some(Category::Other) {
                let s = i.transaction_status.clone().unwrap_or_default();
                *m.entry(s).or_default() += 1;
            }
        }
        m
    }

    /// How the selected invoices were checked: the facts the exit code and the text
    /// are derived from.
    pub fn counts(&self) -> StatusCounts {
        StatusCounts {
            selected: self.invoices.len(),
            checked: self.count(|c| *c == Checked::Now),
            not_checked: self.count(|c| matches!(c, Checked::Failed(_))),
            without_transaction: self.count(|c| *c == Checked::NoInvoice),
        }
    }

    /// 0 when every selected invoice was checked, 5 when some could not be.
    pub fn exit(&self) -> Exit {
        if self.counts().complete() {
            Exit::Ok
        } else {
            Exit::Incomplete
        }
    }

    /// The human summary.
    pub fn text(&self) -> String {
        let counts = self.counts();
        let mut s = String::new();
        s.push_str(&format!(
            "{}\n  checked at Dintero account {}\n\n",
            self.results_file.display(),
            self.account
        ));
        s.push_str(&format!(
            "Invoices  {} selected: {} checked now, {} could not be checked, {} without a transaction\n\n",
            counts.selected, counts.checked, counts.not_checked, counts.without_transaction
        ));
        let totals = self.totals();
        if !totals.is_empty() {
            self.totals_text(&mut s, &totals);
        }
        if counts.not_checked > 0 {
            s.push_str("Could not be checked (the results file keeps their earlier status)\n");
            for i in &self.invoices {
                if let Checked::Failed(e) = &i.checked {
                    s.push_str(&format!("  {}  {e}\n", i.reference));
                }
            }
            s.push('\n');
        }
        if self.rate_limited > 0 {
            s.push_str(&format!(
                "Dintero asked to slow down {} times (429); the run paced itself.\n",
                self.rate_limited
            ));
        }
        s.push_str(&format!(
            "Results: {} (transaction_status, status_checked_at, status_changed_at)\n",
            self.results_file.display()
        ));
        if counts.complete() {
            s.push_str("Result: every selected invoice was checked.\n");
        } else {
            s.push_str(&format!(
                "Result: {} invoice(s) could not be checked. Run the same command again.\n",
                counts.not_checked
            ));
        }
        s
    }

    /// The "Per currency" table, with the statuses counted as `other` and the
    /// invoices whose paid part is unknown noted under it.
    fn totals_text(&self, s: &mut String, totals: &BTreeMap<String, BTreeMap<Category, Tally>>) {
        s.push_str("Per currency\n");
        s.push_str(&format!(
            "  {:<9} {:<12} {:>8} {:>16} {:>16} {:>16}\n",
            "currency", "state", "invoices", "amount", "paid", "outstanding"
        ));
        let mut unknown = 0;
        for (cur, by_cat) in totals {
            unknown += currency_text(s, cur, by_cat);
            s.push('\n');
        }
        let others = self.other_statuses();
        if !others.is_empty() {
            let list: Vec<String> = others.iter().map(|(k, n)| format!("{k} {n}")).collect();
            s.push_str(&format!("  other: {}\n", list.join(", ")));
        }
        if unknown > 0 {
            s.push_str(&format!(
                "  +? {unknown} invoice(s) do not say how much was paid; their paid part is not included\n"
            ));
        }
        if !others.is_empty() || unknown > 0 {
            s.push('\n');
        }
    }

    /// `--format json` (without `exit_code`, which the caller adds).
    pub fn json(&self) -> Value {
        let counts = self.counts();
        let totals: serde_json::Map<String, Value> = self
            .totals()
            .iter()
            .map(|(cur, by_cat)| {
                let cats: serde_json::Map<String, Value> = Category::ALL
                    .iter()
                    .map(|c| {
                        (
                            c.key().to_string(),
                            by_cat.get(c).copied().unwrap_or_default().json(*c),
                        )
                    })
                    .collect();
                (cur.clone(), Value::Object(cats))
            })
            .collect();
        let invoices: Vec<Value> = self
            .invoices
            .iter()
            .map(|i| {
                let (checked, error) = match &i.checked {
                    Checked::Now => ("now", None),
                    Checked::Failed(e) => ("failed", Some(e.as_str())),
                    Checked::NoInvoice => ("no_invoice", None),
                };
                json!({
                    "merchant_reference": i.reference,
                    "transaction_id": i.transaction_id,
                    "invoice_number": i.invoice_number,
                    "customer": i.customer,
                    "currency": i.currency,
                    "amount": format_minor(i.amount, EXPONENT),
                    "amount_minor": i.amount,
                    "paid_minor": i.paid,
                    "transaction_status": i.transaction_status,
                    "category": i.category().map(Category::key),
                    "status_changed_at": i.status_changed_at,
                    "checked": checked,
                    "error": error,
                })
            })
            .collect();
        json!({
            "command": "status",
            "results_file": self.results_file.display().to_string(),
            "account": self.account,
            "counts": {
                "selected": counts.selected,
                "checked": counts.checked,
                "not_checked": counts.not_checked,
                "without_transaction": counts.without_transaction,
            },
            "totals": totals,
            "invoices": invoices,
            "rate_limited": self.rate_limited,
        })
    }
}

/// One currency's rows of the "Per currency" table (a row per category, and an `all`
/// row when there are several); returns how many invoices' paid part is unknown.
fn currency_text(s: &mut String, cur: &str, by_cat: &BTreeMap<Category, Tally>) -> u64 {
    let mut unknown = 0;
    for (cat, t) in by_cat {
        let paid = if t.paid_unknown > 0 {
            format!("{} +?", format_minor_nordic(t.paid, EXPONENT))
        } else {
            format_minor_nordic(t.paid, EXPONENT)
        };
        unknown += t.paid_unknown;
        let outstanding = t
            .outstanding(*cat)
            .map_or_else(|| "-".to_string(), |o| format_minor_nordic(o, EXPONENT));
        s.push_str(&format!(
            "  {:<9} {:<12} {:>8} {:>16} {:>16} {:>16}\n",
            cur,
            cat.label(),
            t.invoices,
            format_minor_nordic(t.amount, EXPONENT),
            paid,
            outstanding
        ));
    }
    let owed: Vec<i64> = by_cat
        .iter()
        .filter_map(|(c, t)| t.outstanding(*c))
        .collect();
    let all_known = by_cat.iter().all(|(c, t)| t.outstanding(*c).is_some());
    if by_cat.len() > 1 {
        let total: i64 = by_cat.values().map(|t| t.amount).sum();
        let paid: i64 = by_cat.values().map(|t| t.paid).sum();
        let owed_text = if all_known {
            format_minor_nordic(owed.iter().sum(), EXPONENT)
        } else {
            format!("{} +?", format_minor_nordic(owed.iter().sum(), EXPONENT))
        };
        s.push_str(&format!(
            "  {:<9} {:<12} {:>8} {:>16} {:>16} {:>16}\n",
            cur,
            "all",
            by_cat.values().map(|t| t.invoices).sum::<u64>(),
            format_minor_nordic(total, EXPONENT),
            format_minor_nordic(paid, EXPONENT),
            owed_text
        ));
    }
    unknown
}

/// How the selected invoices of a `status` run were checked, counted: plain facts,
/// so that whoever derives the exit code (or words the outcome) needs nothing else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// The invoices selected in the results file.
    pub selected: usize,
    /// Fetched from Dintero in this run.
    pub checked: usize,
    /// Could not be fetched: the file keeps their earlier status (run again).
    pub not_checked: usize,
    /// Without a transaction (the import did not create an invoice).
    pub without_transaction: usize,
}

impl StatusCounts {
    /// Whether every selected invoice that has a transaction was checked now.
    pub fn complete(&self) -> bool {
        self.not_checked == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(r: &str, cur: &str, amount: i64, paid: Option<i64>, status: &str) -> InvoiceStatus {
        InvoiceStatus {
            reference: r.into(),
            transaction_id: Some(format!("T1.{r}")),
            invoice_number: None,
            customer: "C".into(),
            currency: cur.into(),
            amount,
            paid,
            transaction_status: Some(status.into()),
            status_changed_at: None,
            checked: Checked::Now,
        }
    }

    #[test]
    fn categories() {
        assert_eq!(Category::of("CAPTURED"), Category::Paid);
        assert_eq!(Category::of(" partially_captured "), Category::PartlyPaid);
        assert_eq!(Category::of("AUTHORIZED"), Category::Unpaid);
        assert_eq!(Category::of("AUTHORIZATION_VOIDED"), Category::Voided);
        assert_eq!(Category::of("REFUNDED"), Category::Other);
        assert_eq!(Category::of(""), Category::Other);
    }

    #[test]
    fn totals_per_currency_and_unknown_paid_parts() {
        let mut failed = inv("E", "NOK", 7, None, "AUTHORIZED");
        failed.checked = Checked::Failed("HTTP 503".into());
        let r = StatusReport {
            results_file: "r.csv".into(),
            account: "T12345678".into(),
            invoices: vec![
                inv("A", "NOK", 10_000, Some(10_000), "CAPTURED"),
                inv("B", "NOK", 5_000, Some(2_000), "PARTIALLY_CAPTURED"),
                inv("C", "NOK", 4_000, None, "PARTIALLY_CAPTURED"),
                inv("D", "SEK", 300, Some(0), "AUTHORIZED"),
                failed,
            ],
            rate_limited: 0,
        };
        let t = r.totals();
        let nok = &t["NOK"];
        assert_eq!(nok[&Category::Paid].amount, 10_000);
        assert_eq!(
            nok[&Category::PartlyPaid],
            Tally {
                invoices: 2,
                amount: 9_000,
                paid: 2_000,
                paid_unknown: 1
            }
        );
        assert_eq!(t["SEK"][&Category::Unpaid].invoices, 1);
        assert!(!nok.contains_key(&Category::Unpaid), "E was not checked");
        assert_eq!(r.exit(), Exit::Incomplete);
        let text = r.text();
        assert!(text.contains("20,00 +?"), "{text}");
        assert!(text.contains("E  HTTP 503"), "{text}");
        let j = r.json();
        assert_eq!(j["totals"]["NOK"]["partly_paid"]["paid_minor"], 2_000);
        assert_eq!(j["totals"]["SEK"]["voided"]["invoices"], 0);
        assert_eq!(j["totals"]["SEK"]["unpaid"]["outstanding_minor"], 300);
        assert_eq!(
            j["totals"]["NOK"]["partly_paid"]["outstanding_minor"],
            Value::Null,
            "unknown while a paid part is unknown"
        );
        assert_eq!(j["counts"]["not_checked"], 1);
    }
}
