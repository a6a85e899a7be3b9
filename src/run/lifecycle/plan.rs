//! The rules of void and capture: from a transaction's current state and our own record
//! of earlier actions, what to do. Pure (no request, no file), so every rule is tested
//! on its own; [`super::prepare`] applies them to the selected rows.

use super::actions_log::{ActionRecord, ActionState};
use super::observe::collection_started;
use super::time::parse_time;
use crate::dintero::types::{Transaction, TransactionStatus};
use chrono::{DateTime, Utc};

/// How long a void Dintero accepted with 202 is left to be applied before a re-run sends
/// it again (the transaction still shows AUTHORIZED or PARTIALLY_CAPTURED by then).
pub const ACCEPTED_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// What to do about a void, from the transaction's current state and our own record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoidPlan {
    Send,
    /// AUTHORIZATION_VOIDED; `by_us` is our own earlier record of it, if any.
    AlreadyVoided {
        by_us: Option<ActionRecord>,
    },
    /// Dintero accepted our void (202) less than [`ACCEPTED_GRACE`] ago.
    Pending {
        accepted_at: String,
    },
    Refuse(String),
}

/// Void is allowed on AUTHORIZED (cancels the invoice) and PARTIALLY_CAPTURED (cancels
/// the rest); the reason for anything else comes from the current status.
pub fn plan_void(tx: &Transaction, history: &[ActionRecord], now: DateTime<Utc>) -> VoidPlan {
    use TransactionStatus as S;
    let status = tx.status.as_str();
    match tx.status {
        S::AuthorizationVoided => VoidPlan::AlreadyVoided {
            by_us: history
                .iter()
                .rev()
                .find(|r| r.state.may_have_effect())
                .cloned(),
        },
        S::Authorized | S::PartiallyCaptured => match history.last() {
            Some(r)
                if r.state == ActionState::Accepted
                    && parse_time(&r.updated_at).is_some_and(|t| now - t < ACCEPTED_GRACE) =>
            {
                VoidPlan::Pending {
                    accepted_at: r.updated_at.clone(),
                }
            }
            _ => VoidPlan::Send,
        },
        S::Captured => VoidPlan::Refuse(
            "paid in full (CAPTURED); Kravia has no refunds, so it cannot be cancelled".into(),
        ),
        S::Refunded | S::PartiallyRefunded | S::PartiallyCapturedRefunded => {
            VoidPlan::Refuse(format!(
                "{status}: refunded; void is allowed only on AUTHORIZED and PARTIALLY_CAPTURED"
            ))
        }
        S::Failed | S::Declined => VoidPlan::Refuse(format!(
            "{status}: no invoice was created, nothing to cancel"
        )),
        _ => VoidPlan::Refuse(format!(
            "{status}: void is allowed only on AUTHORIZED (unpaid) and PARTIALLY_CAPTURED (partly paid)"
        )),
    }
}

/// What to do about a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapturePlan {
    /// Start collection of the full amount.
    Send {
        amount: i64,
    },
    /// INITIATE_CAPTURE is there; `by_us` when our record says we sent it.
    AlreadyStarted {
        by_us: bool,
    },
    /// CAPTURED or PARTIALLY_CAPTURED: the customer has paid (some).
    AlreadyPaid,
    Refuse(String),
}

/// Capture is for invoices the merchant delivers (`invoice_channel: merchant`): an
/// AUTHORIZED transaction without an INITIATE_CAPTURE event. Dintero documents that
/// collection of a Kravia-delivered invoice starts by itself (the INITIATE_CAPTURE event
/// is there from creation) and that a merchant-delivered one waits for the capture call;
/// so the event is the test. A transaction that states `kravia:invoice_channel: kravia`
/// (the sandbox does; Dintero's documented Transaction does not) is refused outright.
pub fn plan_capture(tx: &Transaction, history: &[ActionRecord]) -> CapturePlan {
    use TransactionStatus as S;
    match tx.invoice_channel() {
        None | Some("merchant") => {}
        Some("kravia") => {
            return CapturePlan::Refuse(
                "invoice_channel kravia: Kravia delivers this invoice and starts collection itself"
                    .into(),
            );
        }
        Some(other) => {
            return CapturePlan::Refuse(format!(
                "unknown invoice_channel {other:?}: capture is only for invoice_channel merchant"
            ));
        }
    }
    match tx.status {
        S::Authorized if collection_started(tx) => CapturePlan::AlreadyStarted {
            by_us: history.iter().any(|r| r.state.may_have_effect()),
        },
        S::Authorized => match tx.amount {
            Some(a) if a > 0 => CapturePlan::Send { amount: a },
            _ => CapturePlan::Refuse("the transaction does not state a positive amount".into()),
        },
        S::Captured | S::PartiallyCaptured => CapturePlan::AlreadyPaid,
        S::AuthorizationVoided => {
            CapturePlan::Refuse("cancelled (AUTHORIZATION_VOIDED): nothing to collect".into())
        }
        s => CapturePlan::Refuse(format!(
            "{}: capture is only for AUTHORIZED invoices",
            s.as_str()
        )),
    }
}
