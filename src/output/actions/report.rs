//! The outcome of a `void` or `capture` run: the facts ([`ActionCounts`], [`Overall`]),
//! the exit code derived from them, and the report for people and for scripts.

use super::item::{ActionItem, ActionOutcome, Command, DownloadOutcome, EXPONENT, clip};
use crate::exit::Exit;
use crate::model::money::{format_minor, format_minor_nordic};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many selected invoices of a `void` or `capture` run ended in each outcome, and
/// what became of their PDFs: plain facts, so that whoever derives the exit code (or
/// words the outcome) needs nothing else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActionCounts {
    pub planned: usize,
    pub done: usize,
    pub already_done: usize,
    pub pending: usize,
    pub skipped: usize,
    pub refused: usize,
    pub incomplete: usize,
    pub not_confirmed: usize,
    pub downloads: DownloadCounts,
}

/// What became of the invoice PDFs, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DownloadCounts {
    pub written: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// What a `void` or `capture` run came to as a whole, the first that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overall {
    /// The user did not confirm: nothing was sent.
    NotConfirmed,
    /// Something is incomplete or still pending at Dintero: run the same command again.
    Incomplete,
    /// Something was refused, or a PDF could not be downloaded.
    SomeFailed,
    /// Everything asked for is done (or was already).
    Done,
}

impl ActionCounts {
    /// The first of [`Overall`]'s cases that the counts show.
    pub fn overall(&self) -> Overall {
        if self.not_confirmed > 0 {
            Overall::NotConfirmed
        } else if self.incomplete > 0 || self.pending > 0 {
            Overall::Incomplete
        } else if self.refused > 0 || self.downloads.failed > 0 {
            Overall::SomeFailed
        } else {
            Overall::Done
        }
    }
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

    /// How many invoices ended in each outcome, and what happened to their PDFs.
    pub fn counts(&self) -> ActionCounts {
        ActionCounts {
            planned: self.count("planned"),
            done: self.count("done"),
            already_done: self.count("already_done"),
            pending: self.count("pending"),
            skipped: self.count("skipped"),
            refused: self.count("refused"),
            incomplete: self.count("incomplete"),
            not_confirmed: self.count("not_confirmed"),
            downloads: DownloadCounts {
                written: self.downloads("written"),
                unchanged: self.downloads("unchanged"),
                skipped: self.downloads("skipped"),
                failed: self.downloads("failed"),
            },
        }
    }

    /// What the run came to, as a whole (see [`ActionCounts::overall`]).
    pub fn overall(&self) -> Overall {
        self.counts().overall()
    }

    /// 2 when the user did not confirm (nothing was sent, like a refused command line);
    /// 5 when anything is incomplete or pending (run again); 4 when something was refused
    /// or failed; 0 otherwise.
    pub fn exit(&self) -> Exit {
        match self.overall() {
            Overall::NotConfirmed => Exit::Usage,
            Overall::Incomplete => Exit::Incomplete,
            Overall::SomeFailed => Exit::SomeFailed,
            Overall::Done => Exit::Ok,
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
        self.groups_text(&mut s);
        if let Some(dir) = &self.download_dir {
            self.downloads_text(&mut s, dir);
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
        s.push_str(match self.overall() {
            Overall::Done => "Result: done.\n",
            Overall::Incomplete => {
                "Result: incomplete. Run the same command again: it looks at each invoice first and never sends twice blindly.\n"
            }
            Overall::NotConfirmed => "Result: not confirmed; nothing was sent.\n",
            Overall::SomeFailed => "Result: some invoices were refused or failed; see above.\n",
        });
        s
    }

    /// The invoices grouped by outcome, each group under its label (invoices left
    /// alone only counted, by reason).
    fn groups_text(&self, s: &mut String) {
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
                self.item_text(s, i);
            }
        }
    }

    /// One invoice of a group, with its reason, and what a void left of a partly paid
    /// invoice.
    fn item_text(&self, s: &mut String, i: &ActionItem) {
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

    /// What became of the invoice PDFs (`--download-invoices`): counts, each failure,
    /// and the skipped ones by reason.
    fn downloads_text(&self, s: &mut String, dir: &Path) {
        if !s.ends_with("\n\n") {
            s.push('\n');
        }
        let d = self.counts().downloads;
        s.push_str(&format!(
            "Invoice PDFs in {}: {} written, {} unchanged, {} skipped, {} failed\n",
            dir.display(),
            d.written,
            d.unchanged,
            d.skipped,
            d.failed,
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
