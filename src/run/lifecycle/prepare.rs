//! Preparing a void or capture: every selected row's transaction fetched and judged by
//! the rules of [`super::plan`], before anything is confirmed or sent. What the person
//! is asked to confirm is exactly what [`super::execute`] will send.

use super::actions_log::{Action, ActionLog, ActionRecord, ActionState, blocking};
use super::error::LifecycleError;
use super::fetch::{Fetch, Paced, fetch_rows};
use super::observe::{observe, paid_amount};
use super::plan::{CapturePlan, VoidPlan, plan_capture, plan_void};
use super::results_file::ResultsFile;
use crate::dintero::types::Transaction;
use crate::output::actions::{ActionItem, ActionOutcome};
use crate::output::results::ResultRow;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The selected invoices with what will be done to each, before confirmation.
#[derive(Debug)]
pub struct Prepared {
    pub items: Vec<ActionItem>,
    /// The latest transaction known for each item.
    pub(super) transactions: Vec<Option<Transaction>>,
    /// Capture amounts.
    pub(super) amounts: Vec<Option<i64>>,
}

impl Prepared {
    /// How many are planned.
    pub fn planned(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.outcome == ActionOutcome::Planned)
            .count()
    }

    /// The user said no: nothing planned is sent.
    pub fn decline(&mut self) {
        for i in &mut self.items {
            if i.outcome == ActionOutcome::Planned {
                i.outcome = ActionOutcome::NotConfirmed;
            }
        }
    }

    /// Records every transaction learned in the results rows.
    pub fn apply(&self, file: &mut ResultsFile, now: DateTime<Utc>) {
        for (item, tx) in self.items.iter().zip(&self.transactions) {
            if let (Some(tx), Some(row)) = (tx, file.rows.get_mut(item.row)) {
                observe(row, tx, now);
            }
        }
    }
}

fn item_for(row_index: usize, row: &ResultRow, tx: Option<&Transaction>) -> ActionItem {
    ActionItem {
        row: row_index,
        reference: row.merchant_reference.clone(),
        transaction_id: row.transaction_id.clone(),
        invoice_number: tx
            .and_then(|t| t.invoice_number().map(str::to_string))
            .or_else(|| row.invoice_number.clone()),
        customer: row.customer.clone(),
        currency: tx
            .and_then(|t| t.currency.clone())
            .unwrap_or_else(|| row.currency.clone()),
        amount: tx.and_then(|t| t.amount).unwrap_or(row.amount),
        paid: tx.and_then(paid_amount),
        transaction_status: tx
            .map(|t| t.status.as_str().to_string())
            .or_else(|| row.transaction_status.clone()),
        outcome: ActionOutcome::Planned,
        download: None,
    }
}

/// Why a row without a transaction id cannot be acted on.
fn no_transaction(row: &ResultRow) -> String {
    let hint = match row.status {
        crate::output::results::ResultStatus::Unknown => {
            ": the import does not know whether it was created; run the same import again to settle it"
        }
        _ => ": no invoice was created",
    };
    format!(
        "the results file has no transaction for it (import status {}){hint}",
        row.status
    )
}

/// Which command prepares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Void,
    Capture,
    /// `capture --download-only`: no collection, only the PDFs.
    DownloadOnly,
}

/// Fetches every selected row's current transaction and decides, for each, what the
/// command will do. `explicit`: the rows were named with `--ref` (an invoice the command
/// cannot act on is then *refused*; otherwise it is *left alone*).
#[allow(clippy::too_many_arguments)]
pub async fn prepare(
    mode: Mode,
    paced: &Paced,
    log: Option<&Arc<ActionLog>>,
    file: &ResultsFile,
    selected: &[usize],
    explicit: bool,
    now: DateTime<Utc>,
    quiet: bool,
) -> Result<Prepared, LifecycleError> {
    let fetched = fetch_rows(paced, &file.rows, selected, quiet).await;
    let judge = Judge {
        mode,
        log,
        explicit,
        now,
    };
    let mut prepared = Prepared {
        items: Vec::new(),
        transactions: Vec::new(),
        amounts: Vec::new(),
    };
    for (&i, f) in selected.iter().zip(fetched) {
        let Some(row) = file.rows.get(i) else {
            continue;
        };
        let tx = match &f {
            Fetch::Fetched(t) => Some(t.as_ref().clone()),
            _ => None,
        };
        let mut item = item_for(i, row, tx.as_ref());
        let (outcome, amount) = judge.row(row, &f).await?;
        item.outcome = outcome;
        prepared.items.push(item);
        prepared.transactions.push(tx);
        prepared.amounts.push(amount);
    }
    Ok(prepared)
}

/// What [`prepare`] decides with: the same for every row.
struct Judge<'a> {
    mode: Mode,
    log: Option<&'a Arc<ActionLog>>,
    explicit: bool,
    now: DateTime<Utc>,
}

impl Judge<'_> {
    /// The outcome planned for one row, and the amount to capture when a capture is.
    async fn row(
        &self,
        row: &ResultRow,
        f: &Fetch,
    ) -> Result<(ActionOutcome, Option<i64>), LifecycleError> {
        Ok(match (f, self.mode) {
            (Fetch::NoInvoice, _) => (self.not_for_us(no_transaction(row)), None),
            (Fetch::Failed(e), _) => (
                ActionOutcome::Incomplete(format!("could not be checked: {e}")),
                None,
            ),
            (Fetch::Fetched(_), Mode::DownloadOnly) => {
                (ActionOutcome::Skipped("download only".into()), None)
            }
            (Fetch::Fetched(t), Mode::Void) => (self.void(t).await?, None),
            (Fetch::Fetched(t), Mode::Capture) => self.capture(t).await?,
        })
    }

    /// An invoice the command cannot act on: refused when named, else left alone.
    fn not_for_us(&self, reason: String) -> ActionOutcome {
        if self.explicit {
            ActionOutcome::Refused(reason)
        } else {
            ActionOutcome::Skipped(reason)
        }
    }

    /// Our own record of `action` on `t` (none without a journal).
    async fn history(
        &self,
        action: Action,
        t: &Transaction,
    ) -> Result<Vec<ActionRecord>, LifecycleError> {
        match self.log {
            Some(log) => {
                let id = t.id.clone();
                blocking(log, move |l| l.history(action, &id)).await
            }
            None => Ok(Vec::new()),
        }
    }

    async fn void(&self, t: &Transaction) -> Result<ActionOutcome, LifecycleError> {
        let history = self.history(Action::Void, t).await?;
        Ok(match plan_void(t, &history, self.now) {
            VoidPlan::Send => ActionOutcome::Planned,
            VoidPlan::AlreadyVoided { by_us: Some(r) } => {
                if r.state != ActionState::Done
                    && let Some(log) = self.log
                {
                    // Our void shows now: its record says so from here on.
                    let id = r.id;
                    blocking(log, move |l| {
                        l.outcome(
                            id,
                            ActionState::Done,
                            Some("AUTHORIZATION_VOIDED"),
                            Some("confirmed by a later look-up"),
                        )
                    })
                    .await?;
                }
                ActionOutcome::AlreadyDone(format!(
                    "AUTHORIZATION_VOIDED: cancelled by an earlier run (void sent {})",
                    r.started_at
                ))
            }
            VoidPlan::AlreadyVoided { by_us: None } => self
                .not_for_us("already cancelled (AUTHORIZATION_VOIDED), not by kravia-batch".into()),
            VoidPlan::Pending { accepted_at } => ActionOutcome::Pending(format!(
                "Dintero accepted the void at {accepted_at} (202) and has not applied it yet; run the same command again later"
            )),
            VoidPlan::Refuse(reason) => self.not_for_us(reason),
        })
    }

    async fn capture(
        &self,
        t: &Transaction,
    ) -> Result<(ActionOutcome, Option<i64>), LifecycleError> {
        let history = self.history(Action::Capture, t).await?;
        let explicit = self.explicit;
        Ok(match plan_capture(t, &history) {
            CapturePlan::Send { amount } => (ActionOutcome::Planned, Some(amount)),
            CapturePlan::AlreadyStarted { by_us: true } => (
                ActionOutcome::AlreadyDone(
                    "collection started by an earlier run (INITIATE_CAPTURE)".into(),
                ),
                None,
            ),
            CapturePlan::AlreadyStarted { by_us: false } if explicit => (
                ActionOutcome::AlreadyDone("collection already started (INITIATE_CAPTURE)".into()),
                None,
            ),
            CapturePlan::AlreadyStarted { by_us: false } => (
                ActionOutcome::Skipped("collection already started".into()),
                None,
            ),
            CapturePlan::AlreadyPaid if explicit => (
                ActionOutcome::AlreadyDone(format!("already paid ({})", t.status.as_str())),
                None,
            ),
            CapturePlan::AlreadyPaid => (ActionOutcome::Skipped("already paid".into()), None),
            CapturePlan::Refuse(reason) => (self.not_for_us(reason), None),
        })
    }
}
