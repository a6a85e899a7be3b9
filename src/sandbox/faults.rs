//! Fault injection: which failures the sandbox simulates, and when.
//!
//! [`Faults`] is plain data set at start or at run time; [`FaultEngine`]
//! holds the deterministic bookkeeping (rule counters, which references a
//! rule already fired for, the rate-limit token bucket). Every rule except
//! [`FaultRule::Always`] fires at most once per `merchant_reference`, so a
//! well-behaved client that retries eventually succeeds.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Chooses which payment requests a fault applies to. Deterministic.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FaultRule {
    /// Never fires (default).
    #[default]
    Never,
    /// Fires on every request, retries included (the only rule not limited
    /// to once per reference).
    Always,
    /// Fires on every n-th evaluated request (n, 2n, ...; counting every
    /// request that reaches the fault's stage), unless it already fired for
    /// that reference.
    EveryNth(u32),
    /// Fires on the first n evaluated requests whose reference it has not
    /// fired for yet.
    FirstN(u32),
    /// Fires once for each listed merchant reference.
    References(Vec<String>),
    /// Fires with `percent` % probability, drawn from an RNG seeded with
    /// `seed` (same request order, same decisions), once per reference.
    Probability {
        /// 0..=100.
        percent: u8,
        /// RNG seed.
        seed: u64,
    },
}

/// The faults to inject. `Default` injects none.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Requests per second accepted on every token-protected endpoint
    /// (`/v1/sessions*`, `/v1/transactions*`, `/v1/files/*`; GETs count too),
    /// from a token bucket refilled at R per second; beyond it: 429 with
    /// `Retry-After: 1`. `Some(0)` refuses everything.
    pub rate_limit: Option<u32>,
    /// The bucket's capacity (default: R, a whole second of requests). Real
    /// servers often hold far less (1 or 10): a client bursting into such a
    /// bucket is refused although its average rate is within the limit.
    pub rate_burst: Option<u32>,
    /// Any token-protected request (GETs included) answered 401 although the
    /// token is valid, with this probability in percent (seeded by
    /// `spurious_401_seed`), independently per request.
    pub spurious_401_any: u8,
    /// Seed of `spurious_401_any`.
    pub spurious_401_seed: u64,
    /// Delay added before handling every `/v1/sessions*` and
    /// `/v1/transactions*` request.
    pub latency: Duration,
    /// Pay requests answered with `fail_before_commit_status` (500 or 503)
    /// without creating anything.
    pub fail_before_commit: FaultRule,
    /// Status used by `fail_before_commit` (default 503).
    pub fail_before_commit_status: u16,
    /// Pay requests that create the transaction, then lose the connection
    /// without any response.
    pub drop_after_commit: FaultRule,
    /// Pay requests that create the transaction, then wait this long before
    /// answering (set it longer than the client's timeout).
    pub slow_after_commit: Option<(FaultRule, Duration)>,
    /// Pay requests answered 401 although the token is valid.
    pub spurious_401: FaultRule,
    /// Pay requests answered 200 with `status: "FAILED"` and an event error
    /// marked `DO_NOT_RETRY`.
    pub fail_status: FaultRule,
    /// `POST /v1/sessions/{id}/pay` answers `{"success": true, "actions": []}`
    /// instead of the Transaction.
    pub two_step_pay_result_shape: bool,
    /// Merchant references whose `GET /v1/transactions/{id}` is answered 503, every
    /// time (a transaction that stays out of reach, unlike the once-per-reference rules).
    pub transaction_get_unavailable: Vec<String>,
    /// `POST /v1/transactions/{id}/void` answers 202 Accepted with no body
    /// (Dintero's asynchronous case). The void still takes effect at once.
    pub void_async: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            rate_limit: None,
            rate_burst: None,
            spurious_401_any: 0,
            spurious_401_seed: 0,
            latency: Duration::ZERO,
            fail_before_commit: FaultRule::Never,
            fail_before_commit_status: 503,
            drop_after_commit: FaultRule::Never,
            slow_after_commit: None,
            spurious_401: FaultRule::Never,
            fail_status: FaultRule::Never,
            two_step_pay_result_shape: false,
            transaction_get_unavailable: Vec::new(),
            void_async: false,
        }
    }
}

/// The rule-driven faults, in the order a pay request meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `spurious_401`
    Spurious401,
    /// `fail_before_commit`
    FailBeforeCommit,
    /// `fail_status`
    FailStatus,
    /// `drop_after_commit`
    DropAfterCommit,
    /// `slow_after_commit`
    SlowAfterCommit,
}

#[derive(Debug)]
struct RuleState {
    seen: u64,
    fired: u64,
    fired_refs: HashSet<String>,
    rng: fastrand::Rng,
}

#[derive(Debug)]
struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: u32, burst: Option<u32>, now: Instant) -> Self {
        let capacity = f64::from(burst.unwrap_or(rate).max(1).min(rate.max(1)));
        let capacity = if rate == 0 { 0.0 } else { capacity };
        Self {
            rate: f64::from(rate),
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    fn admit(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The run-time state of fault injection.
#[derive(Debug)]
pub struct FaultEngine {
    faults: Faults,
    rules: HashMap<FaultKind, RuleState>,
    bucket: Option<TokenBucket>,
    any_401: fastrand::Rng,
}

impl FaultEngine {
    /// Fresh counters for `faults`.
    pub fn new(faults: Faults, now: Instant) -> Self {
        let bucket = faults
            .rate_limit
            .map(|r| TokenBucket::new(r, faults.rate_burst, now));
        let any_401 = fastrand::Rng::with_seed(faults.spurious_401_seed);
        Self {
            faults,
            rules: HashMap::new(),
            bucket,
            any_401,
        }
    }

    /// The configured faults.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults; counters, fired references and the rate-limit
    /// bucket start afresh.
    pub fn set(&mut self, faults: Faults, now: Instant) {
        *self = Self::new(faults, now);
    }

    /// Takes a rate-limit token; `false` means answer 429.
    pub fn admit(&mut self, now: Instant) -> bool {
        match &mut self.bucket {
            Some(bucket) => bucket.admit(now),
            None => true,
        }
    }

    /// Whether this token-protected request gets a spurious 401 (`spurious_401_any`).
    pub fn spurious_401_any(&mut self) -> bool {
        let percent = self.faults.spurious_401_any;
        percent > 0 && self.any_401.u8(0..100) < percent
    }

    /// The configured latency.
    pub fn latency(&self) -> Duration {
        self.faults.latency
    }

    /// The delay of `slow_after_commit`.
    pub fn slow_delay(&self) -> Duration {
        self.faults
            .slow_after_commit
            .as_ref()
            .map_or(Duration::ZERO, |(_, d)| *d)
    }

    /// The 5xx status of `fail_before_commit`.
    pub fn fail_before_commit_status(&self) -> u16 {
        self.faults.fail_before_commit_status
    }

    /// Whether `two_step_pay_result_shape` is on.
    pub fn pay_result_shape(&self) -> bool {
        self.faults.two_step_pay_result_shape
    }

    /// Whether `GET /v1/transactions/{id}` of `reference` is to fail.
    pub fn transaction_unavailable(&self, reference: &str) -> bool {
        self.faults
            .transaction_get_unavailable
            .iter()
            .any(|r| r == reference)
    }

    /// Whether `void_async` is on.
    pub fn void_async(&self) -> bool {
        self.faults.void_async
    }

    fn rule(&self, kind: FaultKind) -> &FaultRule {
        match kind {
            FaultKind::Spurious401 => &self.faults.spurious_401,
            FaultKind::FailBeforeCommit => &self.faults.fail_before_commit,
            FaultKind::FailStatus => &self.faults.fail_status,
            FaultKind::DropAfterCommit => &self.faults.drop_after_commit,
            FaultKind::SlowAfterCommit => match &self.faults.slow_after_commit {
                Some((rule, _)) => rule,
                None => &FaultRule::Never,
            },
        }
    }

    /// Evaluates the rule of `kind` for one request about `reference`, and
    /// records the decision.
    pub fn fires(&mut self, kind: FaultKind, reference: &str) -> bool {
        let rule = self.rule(kind).clone();
        if rule == FaultRule::Never {
            return false;
        }
        let seed = match rule {
            FaultRule::Probability { seed, .. } => seed,
            _ => 0,
        };
        let st = self.rules.entry(kind).or_insert_with(|| RuleState {
            seen: 0,
            fired: 0,
            fired_refs: HashSet::new(),
            rng: fastrand::Rng::with_seed(seed),
        });
        st.seen += 1;
        let once_per_reference = rule != FaultRule::Always;
        if once_per_reference && st.fired_refs.contains(reference) {
            return false;
        }
        let hit = match &rule {
            FaultRule::Never => false,
            FaultRule::Always => true,
            FaultRule::EveryNth(n) => *n > 0 && st.seen.is_multiple_of(u64::from(*n)),
            FaultRule::FirstN(n) => st.fired < u64::from(*n),
            FaultRule::References(list) => list.iter().any(|r| r == reference),
            FaultRule::Probability { percent, .. } => st.rng.u8(0..100) < *percent,
        };
        if hit {
            st.fired += 1;
            st.fired_refs.insert(reference.to_owned());
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(f: impl FnOnce(&mut Faults)) -> FaultEngine {
        let mut faults = Faults::default();
        f(&mut faults);
        FaultEngine::new(faults, Instant::now())
    }

    #[test]
    fn every_nth_fires_once_per_reference() {
        let mut e = engine(|f| f.fail_status = FaultRule::EveryNth(2));
        let k = FaultKind::FailStatus;
        assert!(!e.fires(k, "a"));
        assert!(e.fires(k, "b"));
        assert!(!e.fires(k, "c"));
        assert!(!e.fires(k, "b"), "already fired for b");
        assert!(!e.fires(k, "d"));
        assert!(e.fires(k, "e"));
    }

    #[test]
    fn first_n_and_references() {
        let mut e = engine(|f| {
            f.spurious_401 = FaultRule::FirstN(1);
            f.drop_after_commit = FaultRule::References(vec!["x".into()]);
        });
        assert!(e.fires(FaultKind::Spurious401, "a"));
        assert!(!e.fires(FaultKind::Spurious401, "a"));
        assert!(!e.fires(FaultKind::Spurious401, "b"));
        assert!(!e.fires(FaultKind::DropAfterCommit, "y"));
        assert!(e.fires(FaultKind::DropAfterCommit, "x"));
        assert!(!e.fires(FaultKind::DropAfterCommit, "x"));
    }

    #[test]
    fn always_fires_every_time_and_never_never() {
        let mut e = engine(|f| f.fail_before_commit = FaultRule::Always);
        assert!(e.fires(FaultKind::FailBeforeCommit, "a"));
        assert!(e.fires(FaultKind::FailBeforeCommit, "a"));
        assert!(!e.fires(FaultKind::FailStatus, "a"));
    }

    #[test]
    fn probability_is_deterministic() {
        let run = || {
            let mut e = engine(|f| {
                f.fail_status = FaultRule::Probability {
                    percent: 50,
                    seed: 7,
                }
            });
            (0..40)
                .map(|i| e.fires(FaultKind::FailStatus, &format!("r{i}")))
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }

    #[test]
    fn token_bucket_admits_capacity_then_refills() {
        let start = Instant::now();
        let mut e = FaultEngine::new(
            Faults {
                rate_limit: Some(2),
                ..Faults::default()
            },
            start,
        );
        assert!(e.admit(start));
        assert!(e.admit(start));
        assert!(!e.admit(start));
        assert!(!e.admit(start + Duration::from_millis(400)));
        assert!(e.admit(start + Duration::from_millis(1000)));
    }

    #[test]
    fn a_bucket_of_one_refuses_any_burst() {
        let start = Instant::now();
        let mut e = FaultEngine::new(
            Faults {
                rate_limit: Some(100),
                rate_burst: Some(1),
                ..Faults::default()
            },
            start,
        );
        assert!(e.admit(start));
        assert!(!e.admit(start + Duration::from_millis(5)));
        assert!(e.admit(start + Duration::from_millis(11)));
        // Idle for a second: still only one request's worth saved up.
        assert!(e.admit(start + Duration::from_millis(1100)));
        assert!(!e.admit(start + Duration::from_millis(1101)));
    }
}
