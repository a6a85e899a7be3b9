//! What `kravia-batch void` and `kravia-batch capture` show: the plan to confirm before
//! anything is sent, and the outcome of each invoice afterwards.

use crate::exit::Exit;
use crate::model::money::{format_minor, format_minor_nordic};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Digits after the decimal point of every amount shown.
const EXPONENT: u32 = 2;

/// Which command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Void,
    Capture,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::Void => "void",
            Command::Capture => "capture",
        }
    }

    /// What "done" means, for people.
    fn done_label(self) -> &'static str {
        match self {
            Command::Void => "Cancelled now",
            Command::Capture => "Collection started now",
        }
    }

    fn already_label(self) -> &'static str {
        match self {
            Command::Void => "Already cancelled by an earlier run",
            Command::Capture => "Collection already started",
        }
    }
}

/// What happened to one selected invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// To be done, once confirmed (the plan).
    Planned,
    /// Done in this run.
    Done,
    /// Already done (by an earlier run, or for capture: collection already under way);
    /// the reason says which.
    AlreadyDone(String),
    /// Dintero accepted it (202) and has not applied it yet.
    Pending(String),
    /// Not for this command and not asked for by reference (e.g. a paid invoice under
    /// `--all-unpaid`): left alone, not an error.
    Skipped(String),
    /// Asked for, but not allowed in the invoice's current status, or refused by Dintero.
    Refused(String),
    /// Could not be checked, or the answer was lost and a look-up did not settle it:
    /// run the same command again.
    Incomplete(String),
    /// The user did not confirm.
    NotConfirmed,
}

impl ActionOutcome {
    pub fn key(&self) -> &'static str {
        match self {
            ActionOutcome::Planned => "planned",
            ActionOutcome::Done => "done",
            ActionOutcome::AlreadyDone(_) => "already_done",
            ActionOutcome::Pending(_) => "pending",
            ActionOutcome::Skipped(_) => "skipped",
            ActionOutcome::Refused(_) => "refused",
            ActionOutcome::Incomplete(_) => "incomplete",
            ActionOutcome::NotConfirmed => "not_confirmed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ActionOutcome::AlreadyDone(r)
            | ActionOutcome::Pending(r)
            | ActionOutcome::Skipped(r)
            | ActionOutcome::Refused(r)
            | ActionOutcome::Incomplete(r) => Some(r),
            _ => None,
        }
    }
}

/// What happened to one invoice's PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadOutcome {
    /// Written (new or replaced a missing file).
    Written(PathBuf),
    /// The same file was there already.
    Unchanged(PathBuf),
    /// Not downloaded, on purpose (no URL, a cancelled invoice, ...).
    Skipped(String),
    /// Tried and failed, or refused (a URL on another host).
    Failed(String),
}

impl DownloadOutcome {
    fn key(&self) -> &'static str {
        match self {
            DownloadOutcome::Written(_) => "written",
            DownloadOutcome::Unchanged(_) => "unchanged",
            DownloadOutcome::Skipped(_) => "skipped",
            DownloadOutcome::Failed(_) => "failed",
        }
    }
}

/// One selected invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionItem {
    /// Row index in the results file.
    pub row: usize,
    pub reference: String,
    pub transaction_id: Option<String>,
    pub invoice_number: Option<String>,
    pub customer: String,
    pub currency: String,
    /// Invoice total, minor units.
    pub amount: i64,
    /// Paid so far, when known (void of a partly paid invoice cancels the rest).
    pub paid: Option<i64>,
    /// The current status, as the API spells it.
    pub transaction_status: Option<String>,
    pub outcome: ActionOutcome,
    pub download: Option<DownloadOutcome>,
}

/// The plan shown before confirmation: the items with [`ActionOutcome::Planned`].
pub fn render_plan(command: Command, account: &str, items: &[ActionItem]) -> String {
    let planned: Vec<&ActionItem> = items
        .iter()
        .filter(|i| i.outcome == ActionOutcome::Planned)
        .collect();
    let what = match command {
        Command::Void => "CANCEL (void)",
        Command::Capture => "START COLLECTION of (capture)",
    };
    let mut s = format!(
        "About to {what} {} invoice(s) at Dintero account {account}:\n",
        planned.len()
    );
    s.push_str(&format!(
        "  {:<16} {:<16} {:<28} {:>18}\n",
        "reference", "invoice", "customer", "amount"
    ));
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for i in &planned {
        let note = match (command, i.transaction_status.as_deref(), i.paid) {
            (Command::Void, Some("PARTIALLY_CAPTURED"), Some(p)) => format!(
                "  partly paid: cancels the unpaid {}",
                format_minor_nordic(i.amount - p, EXPONENT)
            ),
            (Command::Void, Some("PARTIALLY_CAPTURED"), None) => {
                "  partly paid: cancels the unpaid rest".to_string()
            }
            _ => String::new(),
        };
        s.push_str(&format!(
            "  {:<16} {:<16} {:<28} {:>18}{note}\n",
            i.reference,
            i.invoice_number.as_deref().unwrap_or("-"),
            clip(&i.customer, 28),
            format!("{} {}", i.currency, format_minor_nordic(i.amount, EXPONENT)),
        ));
        let t = totals.entry(i.currency.as_str()).or_default();
        *t = t.saturating_add(i.amount);
    }
    for (cur, total) in totals {
        s.push_str(&format!(
            "  {:<16} {:<16} {:<28} {:>18}\n",
            "total",
            "",
            "",
            format!("{cur} {}", format_minor_nordic(total, EXPONENT))
        ));
    }
    s
}

/// At most `n` characters.
fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.pop();
        out.push('…');
    }
    out
}

/// The outcome of `void` or `capture`.
#[derive(Clone, Debug)]
pub struct ActionReport {
    pub command: Command,
    pub results_file: PathBuf,
    pub journal: PathBuf,
    pub account: String,
    pub items: Vec<ActionItem>,
    /// Where PDFs went (`capture --download-invoices`).
    pub download_dir: Option<PathBuf>,
    /// `capture --download-only`: only the downloads are reported.
    pub download_only: bool,
    pub rate_limited: u64,
}

impl ActionReport {
    fn count(&self, key: &str) -> usize {
        self.items.iter().filter(|i| i.outcome.key() == key).count()
    }

    fn downloads(&self, key: &str) -> usize {
        self.items
            .iter()
            .filter(|i| i.download.as_ref().is_some_and(|d| d.key() == key))
            .count()
    }

    /// 2 when the user did not confirm (nothing was sent, like a refused command line);
    /// 5 when anything is incomplete or pending (run again); 4 when something was refused
    /// or failed; 0 otherwise.
    pub fn exit(&self) -> Exit {
        if self.count("not_confirmed") > 0 {
            Exit::Usage
        } else if self.count("incomplete") > 0 || self.count("pending") > 0 {
            Exit::Incomplete
        } else if self.count("refused") > 0 || self.downloads("failed") > 0 {
            Exit::SomeFailed
        } else {
            Exit::Ok
        }
    }

    fn line(i: &ActionItem) -> String {
        format!(
            "  {:<16} {:<16} {:>18}  {}",
            i.reference,
            i.invoice_number.as_deref().unwrap_or("-"),
            format!("{} {}", i.currency, format_minor_nordic(i.amount, EXPONENT)),
            clip(&i.customer, 40)
        )
    }

    /// The human report.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}: {}\n  Dintero account {}\n\n",
            self.command.name(),
            self.results_file.display(),
            self.account
        );
        let groups: [(&str, &str); 7] = [
            ("done", self.command.done_label()),
            ("already_done", self.command.already_label()),
            ("pending", "Accepted by Dintero, not applied yet"),
            ("refused", "Refused"),
            ("incomplete", "Incomplete (run the same command again)"),
            ("not_confirmed", "Not confirmed (nothing sent)"),
            ("skipped", "Left alone"),
        ];
        for (key, label) in groups {
            let items: Vec<&ActionItem> = self
                .items
                .iter()
                .filter(|i| i.outcome.key() == key)
                .collect();
            if items.is_empty() || (self.download_only && key == "skipped") {
                continue;
            }
            s.push_str(&format!("{label}: {}\n", items.len()));
            // A long "left alone" list says little: group it by reason.
            if key == "skipped" {
                let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
                for i in &items {
                    *reasons.entry(i.outcome.reason().unwrap_or("")).or_default() += 1;
                }
                for (r, n) in reasons {
                    s.push_str(&format!("  {n} × {r}\n"));
                }
                continue;
            }
            for i in items {
                s.push_str(&Self::line(i));
                if let Some(r) = i.outcome.reason() {
                    s.push_str(&format!("\n      {r}"));
                }
                if self.command == Command::Void
                    && i.outcome == ActionOutcome::Done
                    && let Some(p) = i.paid.filter(|p| *p > 0)
                {
                    s.push_str(&format!(
                        "\n      partly paid: {} paid stays paid, the unpaid {} was cancelled",
                        format_minor_nordic(p, EXPONENT),
                        format_minor_nordic(i.amount - p, EXPONENT)
                    ));
                }
                s.push('\n');
            }
        }
        if let Some(dir) = &self.download_dir {
            if !s.ends_with("\n\n") {
                s.push('\n');
            }
            s.push_str(&format!(
                "Invoice PDFs in {}: {} written, {} unchanged, {} skipped, {} failed\n",
                dir.display(),
                self.downloads("written"),
                self.downloads("unchanged"),
                self.downloads("skipped"),
                self.downloads("failed"),
            ));
            let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
            for i in &self.items {
                match &i.download {
                    Some(DownloadOutcome::Failed(e)) => {
                        s.push_str(&format!("  {}  failed: {e}\n", i.reference));
                    }
                    Some(DownloadOutcome::Skipped(r)) => *skipped.entry(r).or_default() += 1,
                    _ => {}
                }
            }
            for (r, n) in skipped {
                s.push_str(&format!("  {n} skipped: {r}\n"));
            }
        }
        if self.rate_limited > 0 {
            s.push_str(&format!(
                "Dintero asked to slow down {} times (429); the run paced itself.\n",
                self.rate_limited
            ));
        }
        s.push_str(&format!("\nResults: {}\n", self.results_file.display()));
        if !self.download_only {
            s.push_str(&format!("Journal: {}\n", self.journal.display()));
        }
        s.push_str(match self.exit() {
            Exit::Ok => "Result: done.\n",
            Exit::Incomplete => {
                "Result: incomplete. Run the same command again: it looks at each invoice first and never sends twice blindly.\n"
            }
            Exit::Usage => "Result: not confirmed; nothing was sent.\n",
            _ => "Result: some invoices were refused or failed; see above.\n",
        });
        s
    }

    /// `--format json` (without `exit_code`, which the caller adds).
    pub fn json(&self) -> Value {
        let keys = [
            "done",
            "already_done",
            "pending",
            "skipped",
            "refused",
            "incomplete",
            "not_confirmed",
        ];
        let counts: serde_json::Map<String, Value> = keys
            .iter()
            .map(|k| (k.to_string(), json!(self.count(k))))
            .collect();
        let invoices: Vec<Value> = self
            .items
            .iter()
            .map(|i| {
                let download = i.download.as_ref().map(|d| {
                    let (file, error) = match d {
                        DownloadOutcome::Written(p) | DownloadOutcome::Unchanged(p) => {
                            (Some(p.display().to_string()), None)
                        }
                        DownloadOutcome::Skipped(r) | DownloadOutcome::Failed(r) => {
                            (None, Some(r.clone()))
                        }
                    };
                    json!({"outcome": d.key(), "file": file, "reason": error})
                });
                json!({
                    "merchant_reference": i.reference,
                    "transaction_id": i.transaction_id,
                    "invoice_number": i.invoice_number,
                    "customer": i.customer,
                    "currency": i.currency,
                    "amount": format_minor(i.amount, EXPONENT),
                    "amount_minor": i.amount,
                    "transaction_status": i.transaction_status,
                    "outcome": i.outcome.key(),
                    "reason": i.outcome.reason(),
                    "download": download,
                })
            })
            .collect();
        json!({
            "command": self.command.name(),
            "results_file": self.results_file.display().to_string(),
            "journal": self.journal.display().to_string(),
            "account": self.account,
            "counts": counts,
            "invoices": invoices,
            "download_dir": self.download_dir.as_ref().map(|d| d.display().to_string()),
            "download_only": self.download_only,
            "rate_limited": self.rate_limited,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(r: &str, outcome: ActionOutcome) -> ActionItem {
        ActionItem {
            row: 0,
            reference: r.into(),
            transaction_id: Some("T1.x".into()),
            invoice_number: Some("INV-1".into()),
            customer: "Blåbær AS".into(),
            currency: "NOK".into(),
            amount: 123_450,
            paid: Some(23_450),
            transaction_status: Some("PARTIALLY_CAPTURED".into()),
            outcome,
            download: None,
        }
    }

    #[test]
    fn plan_shows_what_a_void_cancels() {
        let plan = render_plan(
            Command::Void,
            "T12345678",
            &[
                item("A", ActionOutcome::Planned),
                item("B", ActionOutcome::Skipped("paid".into())),
            ],
        );
        assert!(
            plan.contains("About to CANCEL (void) 1 invoice(s)"),
            "{plan}"
        );
        assert!(plan.contains("cancels the unpaid 1 000,00"), "{plan}");
        assert!(plan.contains("NOK 1 234,50"), "{plan}");
        assert!(!plan.contains("  B "), "{plan}");
    }

    #[test]
    fn exit_codes() {
        let report = |items| ActionReport {
            command: Command::Void,
            results_file: "r.csv".into(),
            journal: "r.csv.journal.sqlite".into(),
            account: "T12345678".into(),
            items,
            download_dir: None,
            download_only: false,
            rate_limited: 0,
        };
        let ok = report(vec![
            item("A", ActionOutcome::Done),
            item("B", ActionOutcome::AlreadyDone("earlier".into())),
            item("C", ActionOutcome::Skipped("paid".into())),
        ]);
        assert_eq!(ok.exit(), Exit::Ok);
        let refused = report(vec![
            item("A", ActionOutcome::Done),
            item("B", ActionOutcome::Refused("paid".into())),
        ]);
        assert_eq!(refused.exit(), Exit::SomeFailed);
        let incomplete = report(vec![
            item("A", ActionOutcome::Refused("paid".into())),
            item("B", ActionOutcome::Pending("202".into())),
        ]);
        assert_eq!(incomplete.exit(), Exit::Incomplete);
        let j = incomplete.json();
        assert_eq!(j["counts"]["refused"], 1);
        assert_eq!(j["invoices"][1]["outcome"], "pending");
    }
}
