//! The scheduler: sends each invoice exactly once, whatever the network, the server or
//! the operator does.
//!
//! Every attempt is journaled before it is sent. Requests go through the one request
//! policy ([`super::policy::Policy`]), which paces them and resends only what cannot
//! duplicate (a 429, a 401, a request that never left); after an outcome that may have created the invoice (timeout, reset, 5xx, a
//! 400 under the strict reference toggle) the invoice is looked up by
//! `merchant_reference` first, and only resent when nothing authorized exists. An
//! interrupted earlier run's `sending` records are reconciled the same way before
//! anything is sent.

use super::Flow;
use super::journal::{JournalError, JournalWriter, Recorded, Status};
use super::policy::{Ended, Kind, Policy};
use crate::dintero::error::{ApiError, Outcome};
use crate::dintero::payload::{
    PayRequest, SessionSettings, pay_request_with, session_pay_request, session_request_with,
};
use crate::dintero::types::Transaction;
use crate::model::Invoice;
use std::sync::{Arc, Mutex};

/// One invoice to bring to a final state, with what the journal knows of it.
pub struct Job {
    pub invoice: Arc<Invoice>,
    pub recorded: Recorded,
}

/// Tuning of a run (attempts and backoff belong to the request policy).
#[derive(Clone, Debug, Default)]
pub struct RunSettings {
    /// One-step (`sessions/pay`) or two-step (session, then pay).
    pub flow: Flow,
    /// The sessions' `url` and checkout profile.
    pub session: SessionSettings,
}

/// Why a run stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the journal cannot be written: {0}")]
    Journal(#[from] JournalError),
    #[error(
        "Dintero refused the credentials ({0}); check DINTERO_CLIENT_ID and DINTERO_CLIENT_SECRET"
    )]
    Unauthorized(String),
    #[error("{0}; run the same command again later: the journal keeps what was sent")]
    Stalled(String),
}

/// What happened to one invoice in this run, for progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// Already final before this run.
    Skipped,
    Final(Status),
}

type OnRecorded = Box<dyn Fn(&str, &Recorded) + Send + Sync>;

/// The shared state of a run.
pub struct Scheduler {
    policy: Policy,
    journal: JournalWriter,
    settings: RunSettings,
    on_recorded: Option<OnRecorded>,
}

impl Scheduler {
    /// Sends through `policy`; its stop flag (Ctrl-C) stops the run: no request starts
    /// after it is raised.
    pub fn new(policy: Policy, journal: JournalWriter, settings: RunSettings) -> Self {
        Scheduler {
            policy,
            journal,
            settings,
            on_recorded: None,
        }
    }

    /// Calls `f(reference, recorded)` with each outcome as it is handed to the journal
    /// (created, found existing, failed, unknown, given up): for records kept beside it.
    pub fn on_recorded(mut self, f: impl Fn(&str, &Recorded) + Send + Sync + 'static) -> Self {
        self.on_recorded = Some(Box::new(f));
        self
    }

    /// Runs all jobs with `concurrency` workers; `on_done` is called after each job.
    pub async fn run(
        self: Arc<Self>,
        jobs: Vec<Job>,
        concurrency: usize,
        on_done: impl Fn(&Invoice, Done) + Send + Sync + 'static,
    ) -> Result<(), RunError> {
        let queue = Arc::new(Mutex::new(
            jobs.into_iter()
                .collect::<std::collections::VecDeque<Job>>(),
        ));
        let on_done = Arc::new(on_done);
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..concurrency.max(1) {
            let (me, queue, on_done) = (self.clone(), queue.clone(), on_done.clone());
            workers.spawn(async move {
                loop {
                    if me.policy.stopped() {
                        return Ok(());
                    }
                    let (job, last) = {
                        let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
                        (queue.pop_front(), queue.is_empty())
                    };
                    if last {
                        // Nothing left to send: no batch is worth waiting for now.
                        me.journal.hurry();
                    }
                    let Some(job) = job else { return Ok(()) };
                    let done = me.handle(&job).await?;
                    on_done(&job.invoice, done);
                }
            });
        }
        let mut result = Ok(());
        while let Some(joined) = workers.join_next().await {
            match joined {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    // A fatal error: stop the others from starting new work.
                    self.policy
                        .stop_flag()
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
                Err(join) => {
                    self.policy
                        .stop_flag()
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    if result.is_ok() {
                        result = Err(RunError::Journal(JournalError::Corrupt(format!(
                            "a worker stopped: {join}"
                        ))));
                    }
                }
            }
        }
        result
    }

    /// Brings one invoice to a final state (or leaves it safely resumable).
    async fn handle(&self, job: &Job) -> Result<Done, RunError> {
        let reference = job.invoice.merchant_reference.as_str();
        match job.recorded.status {
            Status::Created | Status::AlreadyExists | Status::NotSent | Status::Failed => {
                return Ok(Done::Skipped);
            }
            Status::Sending | Status::Unknown => {
                // An earlier run may have created it: find out before sending anything.
                match self.lookup(reference).await? {
                    Lookup::Found(t) => {
                        let status = Status::Created;
                        self.record(
                            reference,
                            status,
                            Some(&t),
                            None,
                            "found by look-up after an interrupted run",
                        )
                        .await?;
                        return Ok(Done::Final(status));
                    }
                    Lookup::Absent => {}
                    // Interrupted: it stays as recorded, for the next run to look up.
                    Lookup::Stopped => return Ok(Done::Skipped),
                    Lookup::Failed(e) => {
                        self.record(
                            reference,
                            Status::Unknown,
                            None,
                            Some(e.to_string()),
                            "look-up failed",
                        )
                        .await?;
                        return Ok(Done::Final(Status::Unknown));
                    }
                }
            }
            // Never paid: a recorded session is paid (not recreated) by `send`.
            Status::Pending | Status::SessionCreated => {}
        }
        self.send(job).await
    }

    /// Sends an invoice no run has settled, until it is created, refused, or safe to leave
    /// for the next run. An unclear answer is looked up before anything is resent.
    async fn send(&self, job: &Job) -> Result<Done, RunError> {
        let invoice = &job.invoice;
        let reference = invoice.merchant_reference.as_str();
        let body = pay_request_with(invoice, &self.settings.session);
        // Sends after an unclear answer that a look-up settled as "not created".
        let mut resends = 0u32;
        // Two-step: the session an earlier attempt (or run) created and never paid
        // successfully. Lookups found nothing authorized before we get here, so paying it
        // again is safe, and the server refuses a second payment of one session.
        let mut session = match self.settings.flow {
            Flow::TwoStep => job.recorded.session_id.clone(),
            Flow::OneStep => None,
        };
        loop {
            let e = match self.attempt(invoice, &body, &mut session).await? {
                Ok(t) => return self.answered(reference, &t).await,
                Err(Ended::Stopped) => {
                    // Interrupted before the request left: nothing was sent.
                    return self
                        .pending(
                            reference,
                            "not sent: the run was interrupted",
                            "interrupted",
                        )
                        .await;
                }
                Err(Ended::Stalled(e)) => return Err(RunError::Stalled(e.to_string())),
                Err(Ended::Failed(e)) => e,
            };
            match e.outcome {
                Outcome::RateLimited { .. } | Outcome::NotSent => {
                    return self.not_sent(reference, &e).await;
                }
                Outcome::Unauthorized => return Err(RunError::Unauthorized(e.message.clone())),
                Outcome::Rejected => return self.rejected(reference, &e).await,
                Outcome::Unknown | Outcome::Decode => {
                    match self.unclear(reference, &e, &mut resends).await? {
                        Next::Resend => continue,
                        Next::Done(done) => return Ok(done),
                    }
                }
            }
        }
    }

    /// One attempt in the run's flow. One-step: the intent is journaled before the
    /// request can leave; the policy resends only what was provably not processed (429,
    /// 401, refused connection), so one intent covers those sends.
    async fn attempt(
        &self,
        invoice: &Invoice,
        body: &PayRequest<'_>,
        session: &mut Option<String>,
    ) -> Result<Result<Transaction, Ended>, RunError> {
        match self.settings.flow {
            Flow::OneStep => {
                self.journal
                    .intent(&invoice.merchant_reference, "POST /v1/sessions/pay")
                    .await?;
                Ok(self
                    .policy
                    .send(Kind::Once, || self.policy.client.pay(body))
                    .await)
            }
            Flow::TwoStep => self.two_step(invoice, session).await,
        }
    }

    /// Dintero answered with a transaction: created, or (a 200 with status FAILED)
    /// refused by Kravia. A refusal is never retried automatically (DO_NOT_RETRY or not:
    /// the reason needs a person).
    async fn answered(&self, reference: &str, t: &Transaction) -> Result<Done, RunError> {
        if t.is_success() {
            self.record(reference, Status::Created, Some(t), None, "created")
                .await?;
            return Ok(Done::Final(Status::Created));
        }
        let reason = t
            .failure_message()
            .unwrap_or("the transaction FAILED without a reason")
            .to_string();
        let reason = if t.do_not_retry() {
            format!("{reason} (DO_NOT_RETRY)")
        } else {
            reason
        };
        self.record(
            reference,
            Status::Failed,
            Some(t),
            Some(reason),
            "transaction FAILED",
        )
        .await?;
        Ok(Done::Final(Status::Failed))
    }

    /// The policy's attempts are used up, and nothing was processed: pending for the
    /// next run.
    async fn not_sent(&self, reference: &str, e: &ApiError) -> Result<Done, RunError> {
        self.journal
            .event(reference, "not_sent", &e.to_string())
            .await?;
        let msg = format!("not sent: {e}; run the same command again");
        self.pending(reference, &msg, "gave up for this run").await
    }

    /// A refusal (4xx). Under the strict reference toggle a 400 may mean "already
    /// created": look first.
    async fn rejected(&self, reference: &str, e: &ApiError) -> Result<Done, RunError> {
        match self.lookup(reference).await? {
            Lookup::Found(t) => {
                self.record(
                    reference,
                    Status::AlreadyExists,
                    Some(&t),
                    None,
                    "refused as a duplicate; found by look-up",
                )
                .await?;
                Ok(Done::Final(Status::AlreadyExists))
            }
            Lookup::Absent => {
                self.record(
                    reference,
                    Status::Failed,
                    None,
                    Some(e.message.clone()),
                    "rejected",
                )
                .await?;
                Ok(Done::Final(Status::Failed))
            }
            Lookup::Stopped => Ok(Done::Skipped),
            Lookup::Failed(le) => {
                self.unknown_after(reference, e, &le, "rejected, look-up failed")
                    .await
            }
        }
    }

    /// An answer that leaves open whether the invoice was created (timeout, reset, 5xx,
    /// an unreadable body): it may exist, so it is looked up, and resent only when the
    /// look-up finds nothing and the policy allows another send.
    async fn unclear(
        &self,
        reference: &str,
        e: &ApiError,
        resends: &mut u32,
    ) -> Result<Next, RunError> {
        self.journal
            .event(reference, "outcome_unknown", &e.to_string())
            .await?;
        let done = match self.lookup(reference).await? {
            Lookup::Found(t) => {
                self.record(
                    reference,
                    Status::Created,
                    Some(&t),
                    None,
                    "created (found by look-up after an unclear answer)",
                )
                .await?;
                Done::Final(Status::Created)
            }
            Lookup::Absent => {
                *resends += 1;
                match self.policy.again(*resends).await {
                    Ok(true) => return Ok(Next::Resend),
                    Ok(false) => {
                        // Every unclear answer was followed by a look-up that found
                        // nothing: it stays pending for the next run.
                        let msg = format!(
                            "not created after {resends} unclear answers: {e}; run the same command again"
                        );
                        self.pending(reference, &msg, "gave up for this run")
                            .await?
                    }
                    Err(_) => {
                        self.pending(
                            reference,
                            "not created (looked up); the run was interrupted",
                            "interrupted",
                        )
                        .await?
                    }
                }
            }
            Lookup::Stopped => Done::Skipped,
            Lookup::Failed(le) => {
                self.unknown_after(reference, e, &le, "outcome unknown")
                    .await?
            }
        };
        Ok(Next::Done(done))
    }

    /// Records an invoice that was not created in this run and is safe to send again.
    async fn pending(&self, reference: &str, msg: &str, detail: &str) -> Result<Done, RunError> {
        self.record(
            reference,
            Status::Pending,
            None,
            Some(msg.to_string()),
            detail,
        )
        .await?;
        Ok(Done::Final(Status::Pending))
    }

    /// One two-step attempt: creates a session unless one is known (journaling its id as
    /// `session_created` before paying it), then pays it. A session the server no longer
    /// knows (404: expired) is replaced once by a new one.
    async fn two_step(
        &self,
        invoice: &Invoice,
        session: &mut Option<String>,
    ) -> Result<Result<Transaction, Ended>, RunError> {
        let reference = invoice.merchant_reference.as_str();
        let mut renewed = false;
        loop {
            let id = match session.clone() {
                Some(id) => id,
                None => match self.new_session(invoice).await? {
                    Ok(id) => {
                        *session = Some(id.clone());
                        id
                    }
                    Err(e) => return Ok(Err(e)),
                },
            };
            self.journal
                .intent(reference, &format!("POST /v1/sessions/{id}/pay"))
                .await?;
            let body = session_pay_request(invoice);
            let result = self
                .policy
                .send(Kind::Once, || self.policy.client.pay_session(&id, &body))
                .await;
            match result {
                Err(Ended::Failed(e)) if e.status == Some(404) && !renewed => {
                    self.journal
                        .event(reference, "session_gone", &e.to_string())
                        .await?;
                    *session = None;
                    renewed = true;
                }
                other => return Ok(other),
            }
        }
    }

    /// Creates a session for `invoice` and journals its id (`session_created`) before
    /// anything pays it. Creating a session invoices nothing: no intent is journaled, and
    /// a session whose answer was lost is simply replaced by a new one.
    async fn new_session(&self, invoice: &Invoice) -> Result<Result<String, Ended>, RunError> {
        let request = session_request_with(invoice, &self.settings.session);
        let created = self
            .policy
            .send(Kind::Once, || async {
                match &self.settings.session.profile_id {
                    Some(_) => self.policy.client.create_profile_session(&request).await,
                    None => self.policy.client.create_session(&request).await,
                }
            })
            .await;
        let created = match created {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let recorded = Recorded {
            status: Status::SessionCreated,
            session_id: Some(created.id.clone()),
            ..Recorded::default()
        };
        self.journal
            .outcome(&invoice.merchant_reference, recorded, "session created")
            .await?;
        Ok(Ok(created.id))
    }

    /// Records an invoice whose outcome stays unknown: the answer was unclear and the
    /// look-up that should have settled it failed too.
    async fn unknown_after(
        &self,
        reference: &str,
        e: &ApiError,
        lookup: &ApiError,
        detail: &str,
    ) -> Result<Done, RunError> {
        let msg = format!(
            "{}; the look-up that followed failed: {}",
            e.message, lookup.message
        );
        self.record(reference, Status::Unknown, None, Some(msg), detail)
            .await?;
        Ok(Done::Final(Status::Unknown))
    }

    /// Looks an invoice up by reference under the policy (a GET: retried).
    async fn lookup(&self, reference: &str) -> Result<Lookup, RunError> {
        let result = self
            .policy
            .send(Kind::Idempotent, || {
                self.policy.client.transactions_by_reference(reference)
            })
            .await;
        match result {
            Ok(list) => {
                let found = list.into_iter().find(|t| t.is_success());
                let detail = found
                    .as_ref()
                    .map_or("nothing authorized".to_string(), |t| {
                        format!("found {}", t.id)
                    });
                self.journal.event(reference, "lookup", &detail).await?;
                Ok(found.map_or(Lookup::Absent, Lookup::Found))
            }
            Err(Ended::Stopped) => Ok(Lookup::Stopped),
            Err(Ended::Stalled(e)) => Err(RunError::Stalled(e.to_string())),
            Err(Ended::Failed(e)) if e.outcome == Outcome::Unauthorized => {
                Err(RunError::Unauthorized(e.message.clone()))
            }
            Err(Ended::Failed(e)) => Ok(Lookup::Failed(e)),
        }
    }

    async fn record(
        &self,
        reference: &str,
        status: Status,
        t: Option<&Transaction>,
        error: Option<String>,
        detail: &str,
    ) -> Result<(), RunError> {
        let recorded = Recorded {
            status,
            attempts: 0,
            session_id: t.and_then(|t| t.session_id.clone()),
            transaction_id: t.map(|t| t.id.clone()),
            invoice_number: t.and_then(|t| t.invoice_number().map(str::to_string)),
            invoice_url: t.and_then(|t| t.invoice_url().map(str::to_string)),
            transaction_status: t.map(|t| t.status.as_str().to_string()),
            error,
            invoice_date: t.and_then(|t| t.invoice_date().map(str::to_string)),
            due_date: t.and_then(|t| t.invoice_due_date().map(str::to_string)),
        };
        // What happened at Dintero is true whether or not the journal write below
        // succeeds (if it fails, the run stops), so the hook needs no copy made after it.
        if let Some(f) = &self.on_recorded {
            f(reference, &recorded);
        }
        self.journal.outcome(reference, recorded, detail).await?;
        Ok(())
    }
}

/// What follows an unclear answer.
enum Next {
    /// Looked up, not created: send again.
    Resend,
    Done(Done),
}

enum Lookup {
    Found(Transaction),
    Absent,
    /// Interrupted before the look-up was answered.
    Stopped,
    Failed(ApiError),
}
