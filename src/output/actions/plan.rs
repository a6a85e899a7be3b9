//! The plan `void` and `capture` show before anything is sent, for the user to
//! confirm: what will be cancelled or collected, and the totals per currency.

use super::item::{ActionItem, ActionOutcome, Command, EXPONENT, clip};
use crate::model::money::format_minor_nordic;
use std::collections::BTreeMap;

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
