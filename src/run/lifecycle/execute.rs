//! Sending the planned voids and captures. They change something at Dintero, so each
//! is journaled (intent before, outcome after) and resent only when it provably was not
//! processed; after any other failure the transaction is looked at again, and what
//! cannot be settled stays unknown for the next run to look at first.

use super::actions_log::{Action, ActionLog, ActionState, blocking};
use super::error::LifecycleError;
use super::fetch::{Paced, for_each};
use super::observe::collection_started;
use super::prepare::Prepared;
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::types::{Transaction, TransactionStatus, VoidOutcome};
use crate::output::actions::ActionOutcome;
use crate::output::progress::{SharedProgress, Units};
use std::sync::Arc;

/// Look-ups after a 202 before the void is reported as pending.
const ACCEPTED_POLLS: u32 = 3;

/// How one void or capture ended.
enum Ended {
    Done(Option<Transaction>),
    Pending(Option<Transaction>),
    Refused(String, Option<Transaction>),
    NotSent(String),
    Unknown(String, Option<Transaction>),
}

impl Ended {
    fn state(&self) -> ActionState {
        match self {
            Ended::Done(_) => ActionState::Done,
            Ended::Pending(_) => ActionState::Accepted,
            Ended::Refused(..) => ActionState::Refused,
            Ended::NotSent(_) => ActionState::NotSent,
            Ended::Unknown(..) => ActionState::Unknown,
        }
    }

    fn transaction(&self) -> Option<&Transaction> {
        match self {
            Ended::Done(t) | Ended::Pending(t) | Ended::Refused(_, t) | Ended::Unknown(_, t) => {
                t.as_ref()
            }
            Ended::NotSent(_) => None,
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Ended::Done(_) => None,
            Ended::Pending(_) => Some("202 Accepted; not applied yet".into()),
            Ended::Refused(e, _) | Ended::NotSent(e) | Ended::Unknown(e, _) => Some(e.clone()),
        }
    }

    fn outcome(self, action: Action) -> (ActionOutcome, Option<Transaction>) {
        match self {
            Ended::Done(t) => (ActionOutcome::Done, t),
            Ended::Pending(t) => (
                ActionOutcome::Pending(
                    "Dintero accepted the void (202) and has not applied it yet; run `status` or the same command again later".into(),
                ),
                t,
            ),
            Ended::Refused(e, t) => (ActionOutcome::Refused(format!("Dintero refused: {e}")), t),
            Ended::NotSent(e) => (
                ActionOutcome::Incomplete(format!(
                    "not sent ({e}); run the same command again"
                )),
                None,
            ),
            Ended::Unknown(e, t) => (
                ActionOutcome::Incomplete(format!(
                    "the answer was lost ({e}) and the transaction does not show the {} yet; run the same command again (it looks first)",
                    action.as_str()
                )),
                t,
            ),
        }
    }
}

/// Looks at the transaction after an unclear or refused answer: `Ok(tx)` if the change
/// shows, else the latest transaction (if it could be fetched).
async fn look(
    paced: &Paced,
    id: &str,
    shows: impl Fn(&Transaction) -> bool,
) -> Result<Transaction, Option<Transaction>> {
    match paced.transaction(id).await {
        Ok(t) if shows(&t) => Ok(t),
        Ok(t) => Err(Some(t)),
        Err(_) => Err(None),
    }
}

fn voided(t: &Transaction) -> bool {
    t.status == TransactionStatus::AuthorizationVoided
}

fn capture_shows(t: &Transaction) -> bool {
    collection_started(t)
        || matches!(
            t.status,
            TransactionStatus::Captured | TransactionStatus::PartiallyCaptured
        )
}

async fn void_one(paced: &Paced, id: &str) -> Ended {
    let result = paced.once(|| paced.client.void(id)).await;
    match result {
        Ok(VoidOutcome::Voided(t)) if voided(&t) => Ended::Done(Some(*t)),
        Ok(VoidOutcome::Voided(t)) => match look(paced, id, voided).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(latest) => Ended::Unknown(
                format!("answered 200 with status {}", t.status.as_str()),
                latest.or(Some(*t)),
            ),
        },
        Ok(VoidOutcome::Accepted) => {
            let mut latest = None;
            for attempt in 0..ACCEPTED_POLLS {
                if paced.poll_pause(attempt).await.is_err() {
                    break; // interrupted: the void stays pending, looked at next time
                }
                match look(paced, id, voided).await {
                    Ok(t) => return Ended::Done(Some(t)),
                    Err(t) => latest = t.or(latest),
                }
            }
            Ended::Pending(latest)
        }
        Err(e) => after_error(paced, id, e, voided).await,
    }
}

async fn capture_one(paced: &Paced, id: &str, amount: i64) -> Ended {
    match paced.once(|| paced.client.capture(id, amount)).await {
        Ok(t) => Ended::Done(Some(t)),
        Err(e) => after_error(paced, id, e, capture_shows).await,
    }
}

async fn after_error(
    paced: &Paced,
    id: &str,
    e: ApiError,
    shows: impl Fn(&Transaction) -> bool,
) -> Ended {
    match e.outcome {
        Outcome::NotSent | Outcome::RateLimited { .. } => Ended::NotSent(e.to_string()),
        Outcome::Rejected | Outcome::Unauthorized => match look(paced, id, shows).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(t) => Ended::Refused(e.to_string(), t),
        },
        Outcome::Unknown | Outcome::Decode => match look(paced, id, shows).await {
            Ok(t) => Ended::Done(Some(t)),
            Err(t) => Ended::Unknown(e.to_string(), t),
        },
    }
}

/// One planned void or capture: the item's index in [`Prepared::items`] and what to send.
struct Job {
    k: usize,
    reference: String,
    id: String,
    amount: Option<i64>,
}

/// Sends the planned voids or captures (journaled: intent before, outcome after).
pub async fn execute(
    action: Action,
    paced: &Paced,
    log: &Arc<ActionLog>,
    prepared: &mut Prepared,
    quiet: bool,
) -> Result<(), LifecycleError> {
    let jobs = planned(prepared);
    let ticker = SharedProgress::new(
        match action {
            Action::Void => "cancelling",
            Action::Capture => "capturing",
        },
        Units::Items("invoices"),
        jobs.len() as u64,
        quiet,
    );
    let (p, l, t) = (paced.clone(), log.clone(), ticker.clone());
    let results = for_each(jobs, paced.concurrency, move |job| {
        let (p, l, t) = (p.clone(), l.clone(), t.clone());
        async move {
            let k = job.k;
            let r = journaled(action, &p, &l, job).await;
            t.tick();
            (k, r)
        }
    })
    .await;
    ticker.finish();
    record_results(action, prepared, results)
}

/// The planned items that have a transaction to act on.
fn planned(prepared: &Prepared) -> Vec<Job> {
    prepared
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.outcome == ActionOutcome::Planned)
        .filter_map(|(k, i)| {
            let id = i.transaction_id.clone()?;
            Some(Job {
                k,
                reference: i.reference.clone(),
                id,
                amount: prepared.amounts[k],
            })
        })
        .collect()
}

/// Sends one void or capture between its intent and its outcome in the `actions` table:
/// the intent is on disk before the request leaves.
async fn journaled(
    action: Action,
    paced: &Paced,
    log: &Arc<ActionLog>,
    job: Job,
) -> Result<Ended, LifecycleError> {
    let Job {
        reference,
        id,
        amount,
        ..
    } = job;
    let (r2, id2) = (reference.clone(), id.clone());
    let record = blocking(log, move |l| l.intent(action, &r2, &id2, amount)).await?;
    let ended = match (action, amount) {
        (Action::Void, _) => void_one(paced, id.trim()).await,
        (Action::Capture, Some(a)) => capture_one(paced, id.trim(), a).await,
        (Action::Capture, None) => Ended::NotSent("no amount to capture (internal error)".into()),
    };
    let (state, status, detail) = (
        ended.state(),
        ended.transaction().map(|t| t.status.as_str().to_string()),
        ended.detail(),
    );
    blocking(log, move |l| {
        l.outcome(record, state, status.as_deref(), detail.as_deref())
    })
    .await?;
    Ok(ended)
}

/// Puts each result on its item (and the latest transaction beside it); the first
/// journal error is the command's error, after every item says how it ended.
fn record_results(
    action: Action,
    prepared: &mut Prepared,
    results: Vec<Option<(usize, Result<Ended, LifecycleError>)>>,
) -> Result<(), LifecycleError> {
    let mut first_error = None;
    for (k, r) in results.into_iter().flatten() {
        match r {
            Ok(ended) => {
                let (outcome, tx) = ended.outcome(action);
                if let Some(item) = prepared.items.get_mut(k) {
                    item.outcome = outcome;
                    if let Some(tx) = &tx {
                        item.transaction_status = Some(tx.status.as_str().to_string());
                    }
                }
                if tx.is_some() {
                    prepared.transactions[k] = tx;
                }
            }
            Err(e) => {
                if let Some(item) = prepared.items.get_mut(k) {
                    item.outcome = ActionOutcome::Incomplete(format!("journal: {e}"));
                }
                first_error.get_or_insert(e);
            }
        }
    }
    // A planned item without a result: its worker died; its journal says the rest.
    for item in &mut prepared.items {
        if item.outcome == ActionOutcome::Planned {
            item.outcome = ActionOutcome::Incomplete("the task stopped; see the journal".into());
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
