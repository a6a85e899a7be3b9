//! Pacing: when the next request may leave, and how fast requests may leave at all.
//!
//! Why it looks like this:
//! - **No burst, ever.** Requests leave one at a time, `1 / rate` apart. A server whose
//!   token bucket is small (a bucket of 1 or 10 at 150/s is common) refuses any burst, so
//!   the pacer keeps no credit: after an idle moment or a pause the next request leaves at
//!   once and the one after it a full interval later. (A GCRA limiter with a burst, as
//!   this module used before, refilled its burst during every 429 pause and fired it into
//!   an empty bucket, which collapsed throughput against such servers.)
//! - **The rate finds the server's limit (AIMD).** Neither the server's rate nor its
//!   bucket is assumed. A 429 cuts the rate (multiplicative decrease): to just under the
//!   rate the server was measured to admit over the last second, and at least by 3 %,
//!   at most by half. Only a 429 for a request sent after the last cut counts (the
//!   others were sent at the old rate). Answers that succeed raise the rate again
//!   (additive increase): quickly while far below the rate of the last 429, by 1 % of it
//!   per second near it, never above the rate asked for. The run settles just under the
//!   server's real limit.
//! - **Precise spacing.** Tokio's timer has a 1 ms resolution, too coarse to space 600
//!   requests a second evenly against a server with a bucket of 1. Slots are handed out
//!   by one small thread that sleeps with the OS's timer (tens of microseconds), one
//!   wake-up per request.
//! - **A concurrency cap** (a semaphore) bounds requests in flight.
//! - **A stop flag** (Ctrl-C): no slot is handed out once it is raised, so no request
//!   starts after it.
//!
//! Only [`crate::run::policy::Policy`] uses the pacer; nothing else sleeps or counts.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// The floor of the adaptive rate, requests per second.
const MIN_RATE: f64 = 0.2;
/// The largest and the smallest share of the rate one cut keeps.
const CUT_AT_MOST: f64 = 0.5;
const CUT_AT_LEAST: f64 = 0.97;
/// The share of the measured admitted rate a cut goes to.
const BELOW_MEASURED: f64 = 0.97;
/// The window over which the admitted rate is measured.
const WINDOW: Duration = Duration::from_secs(1);
/// Below this share of the last 429's rate, the rate recovers fast (10 % of that rate
/// per second); above it, slowly (1 % per second), probing for the limit.
const NEAR: f64 = 0.9;

/// A stop flag the operator (Ctrl-C) raises: no request starts after it.
pub type StopFlag = Arc<AtomicBool>;

/// Shared pacing for every request of a command.
#[derive(Clone)]
pub struct Pacer {
    inner: Arc<Inner>,
}

struct Inner {
    nominal: f64,
    slots: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
    stop: StopFlag,
    /// Waiters for a slot, served in order by the pacing thread.
    queue: Mutex<mpsc::Sender<oneshot::Sender<Instant>>>,
}

struct State {
    rate: f64,
    /// The earliest time the next request may leave.
    next: Instant,
    /// The rate at the last cut, if any.
    ceiling: Option<f64>,
    last_cut: Option<Instant>,
    last_change: Instant,
    /// Times of recent successful answers (at most [`WINDOW`] old).
    admitted: VecDeque<Instant>,
    rate_limited: u64,
    /// The last answer that was not a 429.
    last_progress: Instant,
}

/// Permission to send one request; holds a concurrency slot until dropped.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    /// When the request was allowed to leave.
    pub sent_at: Instant,
}

/// The stop flag was raised: nothing may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Pacer {
    /// At most `rate` requests per second and `concurrency` at once; `stop` ends pacing.
    pub fn new(rate: u32, concurrency: usize, stop: StopFlag) -> Pacer {
        let nominal = f64::from(rate.max(1));
        let now = Instant::now();
        let state = Arc::new(Mutex::new(State {
            rate: nominal,
            next: now,
            ceiling: None,
            last_cut: None,
            last_change: now,
            admitted: VecDeque::new(),
            rate_limited: 0,
            last_progress: now,
        }));
        let (tx, rx) = mpsc::channel::<oneshot::Sender<Instant>>();
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        // The thread ends when every Pacer clone is gone (the channel closes). If it
        // cannot be started, waiters see the channel closed and are told `Stopped`.
        let _ = std::thread::Builder::new()
            .name("pacer".into())
            .spawn(move || hand_out_slots(&rx, &thread_state, &thread_stop));
        Pacer {
            inner: Arc::new(Inner {
                nominal,
                slots: Arc::new(Semaphore::new(concurrency.max(1))),
                state,
                stop,
                queue: Mutex::new(tx),
            }),
        }
    }

    /// The stop flag of this pacer.
    pub fn stop_flag(&self) -> StopFlag {
        self.inner.stop.clone()
    }

    /// Whether the stop flag is raised.
    pub fn stopped(&self) -> bool {
        self.inner.stop.load(Ordering::SeqCst)
    }

    /// Waits for a concurrency slot and the next time slot. `Err(Stopped)` once the stop
    /// flag is raised: the request must not be sent.
    pub async fn acquire(&self) -> Result<Permit, Stopped> {
        if self.stopped() {
            return Err(Stopped);
        }
        let slot = self
            .inner
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Stopped)?;
        if self.stopped() {
            return Err(Stopped);
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.inner.queue).send(tx).map_err(|_| Stopped)?;
        let sent_at = rx.await.map_err(|_| Stopped)?;
        if self.stopped() {
            return Err(Stopped);
        }
        Ok(Permit {
            _slot: slot,
            sent_at,
        })
    }

    /// An answer that is not a 429 arrived: progress, and the rate may rise.
    pub fn answered(&self, ok: bool) {
        let now = Instant::now();
        let mut s = self.state();
        s.last_progress = now;
        if !ok {
            return;
        }
        s.admitted.push_back(now);
        while s.admitted.front().is_some_and(|t| now - *t > WINDOW) {
            s.admitted.pop_front();
        }
        let elapsed = (now - s.last_change).as_secs_f64().min(1.0);
        s.last_change = now;
        if s.rate >= self.inner.nominal {
            return;
        }
        let per_second = match s.ceiling {
            Some(c) if s.rate < c * NEAR => 0.1 * c,
            Some(c) if s.rate < c => 0.01 * c,
            // Above the last limit seen, or none seen: probe upward steadily.
            _ => 0.05 * self.inner.nominal,
        };
        s.rate = (s.rate + per_second.max(0.05) * elapsed).min(self.inner.nominal);
    }

    /// The server answered 429 to a request sent at `sent_at`. Cuts the rate once per
    /// overshoot; `hold` delays the whole pool briefly (the refused request itself waits
    /// its `Retry-After` in the policy).
    pub fn rate_limited(&self, sent_at: Instant, hold: Duration) {
        let now = Instant::now();
        let mut s = self.state();
        s.rate_limited += 1;
        if s.last_cut.is_some_and(|cut| sent_at <= cut) {
            return;
        }
        while s.admitted.front().is_some_and(|t| now - *t > WINDOW) {
            s.admitted.pop_front();
        }
        // The rate the server admitted lately (since the last cut, over at most a
        // second, from the first answer on): the best guess at its limit.
        let from = match (s.admitted.front(), s.last_cut) {
            (Some(first), Some(cut)) => (*first).max(cut),
            (Some(first), None) => *first,
            (None, _) => now,
        };
        let since = now - from;
        let measured = (since >= Duration::from_millis(200)).then(|| {
            let n = s.admitted.iter().filter(|t| **t >= from).count();
            n as f64 / since.as_secs_f64()
        });
        let new = match measured {
            // The server admitted about all that was sent: the 429 came from a small
            // bucket and an uneven moment, not from too high a rate. A small step down;
            // the ceiling stays.
            Some(m) if m >= s.rate * 0.95 => s.rate * CUT_AT_LEAST,
            // Over the limit: to just under what the server admitted.
            Some(m) => {
                s.ceiling = Some(m.max(MIN_RATE));
                (m * BELOW_MEASURED).clamp(s.rate * CUT_AT_MOST, s.rate * CUT_AT_LEAST)
            }
            None => {
                s.ceiling = Some(s.ceiling.map_or(s.rate, |c| c.min(s.rate)));
                s.rate * CUT_AT_MOST
            }
        }
        .max(MIN_RATE);
        s.rate = new;
        s.last_cut = Some(now);
        s.last_change = now;
        let hold_until = now + hold;
        if s.next < hold_until {
            s.next = hold_until;
        }
    }

    /// How many 429 answers were received.
    pub fn rate_limited_count(&self) -> u64 {
        self.state().rate_limited
    }

    /// The rate requests currently leave at (requests per second).
    pub fn current_rate(&self) -> f64 {
        self.state().rate
    }

    /// How long ago an answer other than 429 last arrived.
    pub fn since_progress(&self) -> Duration {
        self.state().last_progress.elapsed()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The pacing thread: one waiter at a time gets the next slot, `1 / rate` after the
/// previous one (or now, if that is past: no credit is kept).
fn hand_out_slots(
    rx: &mpsc::Receiver<oneshot::Sender<Instant>>,
    state: &Mutex<State>,
    stop: &AtomicBool,
) {
    while let Ok(waiter) = rx.recv() {
        loop {
            if stop.load(Ordering::SeqCst) {
                // Dropping the sender tells the waiter: stopped.
                break;
            }
            let slot = {
                let s = lock(state);
                s.next
            };
            let now = Instant::now();
            if slot > now {
                // Short naps, so that a cut, a hold or the stop flag takes effect soon.
                std::thread::sleep((slot - now).min(Duration::from_millis(50)));
                continue;
            }
            let mut s = lock(state);
            if s.next > now {
                continue; // a hold arrived meanwhile
            }
            // On schedule (a late wake-up does not slow the pace down), but never closer
            // than 3/4 of an interval to the previous request: no catch-up burst.
            let interval = Duration::from_secs_f64(1.0 / s.rate.max(MIN_RATE));
            s.next = slot.max(now.checked_sub(interval / 4).unwrap_or(now)) + interval;
            drop(s);
            // A waiter that went away leaves its slot to the next one.
            if waiter.send(now).is_err() {
                let mut s = lock(state);
                s.next = now;
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: u32) -> Pacer {
        Pacer::new(rate, 8, Arc::new(AtomicBool::new(false)))
    }

    #[tokio::test]
    async fn paces_at_the_rate_without_a_burst() {
        let p = pacer(200);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..41 {
            times.push(p.acquire().await.unwrap().sent_at);
        }
        // 41 requests at 200/s, no burst: 40 intervals of 5 ms (a late wake-up is made
        // up, but no two requests leave closer than 3/4 of an interval).
        assert!(start.elapsed() >= Duration::from_millis(195));
        for w in times.windows(2) {
            assert!(
                w[1] - w[0] >= Duration::from_micros(3700),
                "{:?}",
                w[1] - w[0]
            );
        }
    }

    #[tokio::test]
    async fn a_429_cuts_the_rate_once_per_overshoot_and_holds_the_pool() {
        let p = pacer(100);
        let sent = p.acquire().await.unwrap().sent_at;
        p.rate_limited(sent, Duration::from_millis(100));
        let after_one = p.current_rate();
        assert!((50.0..=97.0).contains(&after_one), "{after_one}");
        // Another 429 of a request sent before the cut does not cut again.
        p.rate_limited(sent, Duration::ZERO);
        assert_eq!(p.current_rate(), after_one);
        assert_eq!(p.rate_limited_count(), 2);
        let start = Instant::now();
        drop(p.acquire().await.unwrap());
        assert!(start.elapsed() >= Duration::from_millis(90));
    }

    #[tokio::test]
    async fn successes_recover_the_rate_but_never_above_the_nominal() {
        let p = pacer(100);
        let sent = p.acquire().await.unwrap().sent_at;
        p.rate_limited(sent, Duration::ZERO);
        let cut = p.current_rate();
        std::thread::sleep(Duration::from_millis(300));
        p.answered(true);
        assert!(p.current_rate() > cut);
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(20));
            p.answered(true);
        }
        assert!(p.current_rate() <= 100.0);
    }

    #[tokio::test]
    async fn nothing_is_handed_out_after_stop() {
        let stop = Arc::new(AtomicBool::new(false));
        let p = Pacer::new(1, 8, stop.clone());
        drop(p.acquire().await.unwrap());
        let waiting = {
            let p = p.clone();
            tokio::spawn(async move { p.acquire().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.store(true, Ordering::SeqCst);
        assert_eq!(waiting.await.unwrap(), Err(Stopped));
        assert!(p.acquire().await.is_err());
    }
}
