//! Pacing of the live run: one component owns how fast requests leave.
//!
//! Three limits stack: a rate (governor's GCRA, with an explicit small burst so requests
//! leave evenly rather than in a burst of a whole second's worth), a concurrency cap (a
//! semaphore), and a shared slow-down that every worker obeys when the server answers
//! 429: all workers pause for `Retry-After`, then the rate recovers gradually.

use governor::clock::{Clock, DefaultClock};
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How a 429 changes the pace: the rate drops to this share, then recovers by
/// `RECOVERY` per successful request.
const SLOW_FACTOR: f64 = 0.5;
const RECOVERY: f64 = 1.02;
/// Pause when a 429 carries no `Retry-After`.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

/// Shared pacing for all workers of a run.
#[derive(Clone)]
pub struct Pacer {
    inner: Arc<Inner>,
}

struct Inner {
    rate: u32,
    limiter: RateLimiter<NotKeyed, InMemoryState, DefaultClock>,
    /// One waiter at a time on the limiter, the rest queue here in order: hundreds of
    /// workers each re-checking the limiter on every tick would burn a core.
    gate: tokio::sync::Mutex<()>,
    slots: Arc<Semaphore>,
    slow: Mutex<Slow>,
}

struct Slow {
    paused_until: Option<Instant>,
    /// Share of the nominal rate currently allowed (0 < factor <= 1).
    factor: f64,
    rate_limited: u64,
}

/// Permission to send one request; holds a concurrency slot until dropped.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
}

impl Pacer {
    /// `rate` requests per second, at most `concurrency` at once.
    pub fn new(rate: u32, concurrency: usize) -> Pacer {
        let rate = rate.max(1);
        // A burst of 1/10 s worth of requests: smooth at high rates, lets the pace catch
        // up after a late timer wake-up, and never more than a server with a one-second
        // bucket of `rate` tolerates.
        let burst = NonZeroU32::new((rate / 10).max(1)).unwrap_or(NonZeroU32::MIN);
        let per_second = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst));
        Pacer {
            inner: Arc::new(Inner {
                rate,
                limiter,
                gate: tokio::sync::Mutex::new(()),
                slots: Arc::new(Semaphore::new(concurrency.max(1))),
                slow: Mutex::new(Slow {
                    paused_until: None,
                    factor: 1.0,
                    rate_limited: 0,
                }),
            }),
        }
    }

    /// Waits for a concurrency slot, any shared pause, and the rate.
    pub async fn acquire(&self) -> Permit {
        let slot = match self.inner.slots.clone().acquire_owned().await {
            Ok(s) => s,
            // The semaphore is never closed; if it were, fall back to a fresh slot.
            Err(_) => {
                let fallback = Arc::new(Semaphore::new(1));
                loop {
                    if let Ok(s) = fallback.clone().acquire_owned().await {
                        break s;
                    }
                }
            }
        };
        loop {
            let (pause, factor) = {
                let s = self.lock();
                (s.paused_until, s.factor)
            };
            if let Some(until) = pause
                && until > Instant::now()
            {
                tokio::time::sleep_until(until).await;
                continue;
            }
            {
                let _turn = self.inner.gate.lock().await;
                // On tokio's own timer: governor's `until_ready` sleeps on futures-timer,
                // whose extra thread costs a cross-thread wake-up per request.
                let limiter = &self.inner.limiter;
                while let Err(not_until) = limiter.check() {
                    let wait = not_until.wait_time_from(limiter.clock().now());
                    tokio::time::sleep(wait).await;
                }
            }
            if factor < 1.0 {
                // Slowed down: spread requests further apart than the nominal rate.
                let extra = (1.0 / factor - 1.0) / f64::from(self.inner.rate);
                tokio::time::sleep(Duration::from_secs_f64(extra)).await;
            }
            return Permit { _slot: slot };
        }
    }

    /// The server said 429: every worker pauses, and the rate drops.
    pub fn rate_limited(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let until = Instant::now() + retry_after.unwrap_or(DEFAULT_PAUSE);
        s.paused_until = Some(s.paused_until.map_or(until, |u| u.max(until)));
        s.factor = (s.factor * SLOW_FACTOR).max(0.05);
        s.rate_limited += 1;
    }

    /// A request went through: the rate recovers a little.
    pub fn succeeded(&self) {
        let mut s = self.lock();
        if s.factor < 1.0 {
            s.factor = (s.factor * RECOVERY).min(1.0);
        }
    }

    /// How many 429 answers the run received.
    pub fn rate_limited_count(&self) -> u64 {
        self.lock().rate_limited
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slow> {
        self.inner.slow.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn paces_at_the_rate() {
        let p = Pacer::new(200, 8);
        let start = Instant::now();
        for _ in 0..60 {
            drop(p.acquire().await);
        }
        // 60 requests at 200/s with a burst of 20: at least 40/200 s (a lower bound:
        // pacing can only be late, never early).
        assert!(
            start.elapsed() >= Duration::from_millis(195),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_429_pauses_everyone() {
        let p = Pacer::new(1000, 8);
        p.rate_limited(Some(Duration::from_millis(300)));
        let start = Instant::now();
        drop(p.acquire().await);
        assert!(start.elapsed() >= Duration::from_millis(290));
        assert_eq!(p.rate_limited_count(), 1);
    }
}
