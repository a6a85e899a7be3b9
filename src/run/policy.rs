//! The one request policy: how every command talks to Dintero.
//!
//! Why one: the import, its duplicate check, `status`, `void`, `capture` and `download`
//! used to have a retry loop each, and they drifted apart (one gave up on the first 401,
//! another on the sixth 429). [`Policy`] is the only place that paces requests, sleeps
//! between attempts, counts attempts and reads `Retry-After`; callers say what a request
//! is ([`Kind`]) and get its answer or the failure to act on.
//!
//! The decision, from the classified [`Outcome`] and whether the request is idempotent:
//!
//! | outcome | idempotent (GET) | not idempotent (pay, void, capture, session) |
//! |---|---|---|
//! | 401 | the client refreshed the token once and resent; if it is still 401, the policy resends up to [`MAX_UNAUTHORIZED`] times more, each with a new token | same (a 401 was not processed) |
//! | 429 | wait `Retry-After` (the pool briefly too), cut the rate, resend; never gives up while answers keep coming | same |
//! | not sent (connection refused, token request failed) | resend with backoff, up to [`MAX_ATTEMPTS`] | same |
//! | unknown (timeout, reset, 5xx, unreadable 2xx) | resend with backoff, up to [`MAX_ATTEMPTS`] | returned: the caller looks the outcome up before anything is resent |
//! | rejected (other 4xx) | returned | returned |
//!
//! A 429 never ends a command. Only a stretch of [`STALL`] without a single answer other
//! than 429 does ([`Ended::Stalled`]: exit 5, the same command resumes). Once the stop
//! flag is raised (Ctrl-C), no request starts ([`Ended::Stopped`]).

use super::pacing::{Pacer, StopFlag, Stopped};
use crate::dintero::client::Client;
use crate::dintero::error::{ApiError, Outcome};
use std::future::Future;
use std::time::Duration;

/// Sends of one request on failures that may be retried (429s not counted).
pub const MAX_ATTEMPTS: u32 = 6;
/// Extra sends of one request answered 401 with a fresh token.
pub const MAX_UNAUTHORIZED: u32 = 3;
/// No answer but 429 for this long ends the command (resumable).
pub const STALL: Duration = Duration::from_secs(300);
/// A 429 without `Retry-After` delays the refused request this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest a 429 holds the whole pool (the refused request waits its full
/// `Retry-After`): the rate cut does the rest.
const POOL_HOLD: Duration = Duration::from_millis(50);
/// First backoff between attempts; doubles per attempt (at most 32 x), with jitter.
const BACKOFF: Duration = Duration::from_millis(200);

/// What a request is, for the retry decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Safe to send again whatever happened (GETs).
    Idempotent,
    /// May create or change something (pay, void, capture, session): resent only when
    /// it provably was not processed.
    Once,
}

/// Why a request under the policy has no answer.
#[derive(Debug)]
pub enum Ended {
    /// The failure to act on (see the table in the module doc).
    Failed(ApiError),
    /// The stop flag was raised before the request (or its next attempt) left.
    Stopped,
    /// Only 429s for [`STALL`]: the last one.
    Stalled(ApiError),
}

impl Ended {
    /// As an [`ApiError`] (stopped and stalled are "not sent").
    pub fn into_api_error(self) -> ApiError {
        match self {
            Ended::Failed(e) => e,
            Ended::Stalled(mut e) => {
                e.message = format!(
                    "{}; the server answered nothing but 429 for a long time",
                    e.message
                );
                e
            }
            Ended::Stopped => ApiError {
                outcome: Outcome::NotSent,
                status: None,
                code: None,
                message: "not sent: the run was interrupted".into(),
                request: String::new(),
                source: None,
            },
        }
    }
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Failed(e) => write!(f, "{e}"),
            Ended::Stopped => f.write_str("not sent: the run was interrupted"),
            Ended::Stalled(e) => write!(
                f,
                "the server answered nothing but 429 for a long time (last: {e})"
            ),
        }
    }
}

/// The client with the command's pacing and retry policy. Cheap to clone.
#[derive(Clone)]
pub struct Policy {
    pub client: Client,
    pacer: Pacer,
    /// Requests in flight at once (also the number of workers callers start).
    pub concurrency: usize,
    /// Only 429s for this long ends the command ([`STALL`] unless set).
    stall: Duration,
}

impl Policy {
    /// `rate` requests per second at most, `concurrency` at once; `stop` ends sending.
    pub fn new(client: Client, rate: u32, concurrency: usize, stop: StopFlag) -> Policy {
        Policy {
            client,
            pacer: Pacer::new(rate, concurrency, stop),
            concurrency: concurrency.max(1),
            stall: STALL,
        }
    }

    /// Ends a command after `stall` of nothing but 429 (default [`STALL`]); for
    /// rehearsals and tests of the stall itself.
    pub fn with_stall(mut self, stall: Duration) -> Policy {
        self.stall = stall;
        self
    }

    /// The stop flag (raise it on Ctrl-C).
    pub fn stop_flag(&self) -> StopFlag {
        self.pacer.stop_flag()
    }

    /// Whether the stop flag is raised.
    pub fn stopped(&self) -> bool {
        self.pacer.stopped()
    }

    /// How many 429 answers this command received.
    pub fn rate_limited_count(&self) -> u64 {
        self.pacer.rate_limited_count()
    }

    /// The rate requests leave at now (after any adaptation), per second.
    pub fn settled_rate(&self) -> f64 {
        self.pacer.current_rate()
    }

    /// Sends a request under the policy: `call` is invoked once per attempt, each
    /// attempt paced.
    pub async fn send<T, F, Fut>(&self, kind: Kind, mut call: F) -> Result<T, Ended>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let (mut attempts, mut unauthorized) = (0u32, 0u32);
        loop {
            let permit = self
                .pacer
                .acquire()
                .await
                .map_err(|Stopped| Ended::Stopped)?;
            let sent_at = permit.sent_at;
            let result = call().await;
            drop(permit);
            let e = match result {
                Ok(v) => {
                    self.pacer.answered(true);
                    return Ok(v);
                }
                Err(e) => e,
            };
            match e.outcome {
                Outcome::RateLimited { retry_after } => {
                    let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                    self.pacer.rate_limited(sent_at, wait.min(POOL_HOLD));
                    if self.pacer.since_progress() >= self.stall {
                        return Err(Ended::Stalled(e));
                    }
                    self.sleep(wait).await?;
                    continue;
                }
                Outcome::Unauthorized => {
                    self.pacer.answered(false);
                    unauthorized += 1;
                    if unauthorized > MAX_UNAUTHORIZED {
                        return Err(Ended::Failed(e));
                    }
                    continue;
                }
                Outcome::NotSent => {}
                Outcome::Unknown | Outcome::Decode if kind == Kind::Idempotent => {
                    self.pacer.answered(false);
                }
                Outcome::Unknown | Outcome::Decode | Outcome::Rejected => {
                    self.pacer.answered(false);
                    return Err(Ended::Failed(e));
                }
            }
            attempts += 1;
            if attempts >= MAX_ATTEMPTS {
                return Err(Ended::Failed(e));
            }
            self.backoff(attempts).await?;
        }
    }

    /// A GET: [`Kind::Idempotent`], failures as [`ApiError`].
    pub async fn safe<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.send(Kind::Idempotent, call)
            .await
            .map_err(Ended::into_api_error)
    }

    /// A change (void, capture): [`Kind::Once`], failures as [`ApiError`].
    pub async fn once<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.send(Kind::Once, call)
            .await
            .map_err(Ended::into_api_error)
    }

    /// `GET /v1/transactions/{id}` under the policy.
    pub async fn transaction(
        &self,
        id: &str,
    ) -> Result<crate::dintero::types::Transaction, ApiError> {
        self.safe(|| self.client.transaction(id)).await
    }

    /// Before resending a request whose earlier attempt had an unclear outcome that a
    /// look-up has since settled as "not processed": waits the backoff of `attempt` and
    /// says whether another attempt is allowed (at most [`MAX_ATTEMPTS`]).
    pub async fn again(&self, attempt: u32) -> Result<bool, Ended> {
        if attempt >= MAX_ATTEMPTS {
            return Ok(false);
        }
        self.backoff(attempt).await?;
        Ok(true)
    }

    /// Waits before polling something the server processes later (a 202): the backoff
    /// of `attempt`.
    pub async fn poll_pause(&self, attempt: u32) -> Result<(), Ended> {
        self.backoff(attempt.saturating_add(1)).await
    }

    /// 200 ms, 400 ms, ... (at most 32 x), plus up to half again of jitter.
    async fn backoff(&self, attempt: u32) -> Result<(), Ended> {
        let base = BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(5));
        self.sleep(base + base.mul_f64(fastrand::f64() * 0.5)).await
    }

    /// Sleeps, but wakes up early (stopped) when the stop flag is raised.
    async fn sleep(&self, d: Duration) -> Result<(), Ended> {
        let until = tokio::time::Instant::now() + d;
        loop {
            if self.stopped() {
                return Err(Ended::Stopped);
            }
            let now = tokio::time::Instant::now();
            if now >= until {
                return Ok(());
            }
            tokio::time::sleep((until - now).min(Duration::from_millis(100))).await;
        }
    }
}
