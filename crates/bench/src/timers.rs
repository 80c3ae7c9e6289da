//! Timers scheduled and cancelled per second: weft's reactor
//! (`call_later` + [`DelayedCall::cancel`](weft::time::DelayedCall::cancel))
//! against tokio's `sleep` (registered by a first poll, then dropped) and
//! `tokio_util::time::DelayQueue` (`insert` + `remove`).
//!
//! Two patterns, both with deadlines spread over a minute so that nothing
//! fires:
//! - **batch**: schedule [`LIVE`] timers, then cancel them all;
//! - **churn**: keep [`LIVE`] timers pending and repeatedly cancel the
//!   oldest and schedule a new one (an idle timeout renewed per request).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use tokio::time::Sleep;
use tokio_util::time::DelayQueue;
use weft::Reactor;
use weft::time::{DelayedCall, Scheduler};

/// Timers pending at once.
pub const LIVE: usize = 10_000;

/// The timer implementations compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    /// weft's reactor: `call_later` then `DelayedCall::cancel`.
    Weft,
    /// `tokio::time::sleep`, polled once (which registers it) then dropped.
    TokioSleep,
    /// `tokio_util::time::DelayQueue::insert` then `remove`.
    TokioDelayQueue,
}

/// The access patterns measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Schedule [`LIVE`] timers, cancel them all, repeat.
    Batch,
    /// Keep [`LIVE`] timers; cancel the oldest and schedule one, repeat.
    Churn,
}

/// The `i`-th deadline offset: spread between 1 s and 61 s, in an order
/// that is not sorted.
fn delay(i: usize) -> Duration {
    Duration::from_millis(1_000 + (i as u64).wrapping_mul(7_919) % 60_000)
}

/// Timers scheduled and cancelled per second by `implementation` under
/// `pattern`, measured for about `duration`.
pub fn rate(implementation: Implementation, pattern: Pattern, duration: Duration) -> f64 {
    match implementation {
        Implementation::Weft => measure(duration, pattern, WeftTimers::new()),
        Implementation::TokioSleep | Implementation::TokioDelayQueue => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("a tokio runtime");
            // Entered, not run: the timers register with the runtime's
            // timer wheel, and no cooperative budget applies.
            let _context = runtime.enter();
            if implementation == Implementation::TokioSleep {
                measure(duration, pattern, SleepTimers::default())
            } else {
                measure(duration, pattern, QueueTimers::default())
            }
        }
    }
}

/// One timer implementation as the measuring loop drives it: slots
/// `0..LIVE`, each holding at most one pending timer.
trait Timers {
    fn schedule(&mut self, slot: usize, after: Duration);
    fn cancel(&mut self, slot: usize);
}

fn measure(duration: Duration, pattern: Pattern, mut timers: impl Timers) -> f64 {
    let started = Instant::now();
    let mut count = 0u64;
    let mut n = 0usize;
    if pattern == Pattern::Churn {
        for slot in 0..LIVE {
            timers.schedule(slot, delay(n));
            n += 1;
        }
    }
    while started.elapsed() < duration {
        match pattern {
            Pattern::Batch => {
                for slot in 0..LIVE {
                    timers.schedule(slot, delay(n));
                    n += 1;
                }
                for slot in 0..LIVE {
                    timers.cancel(slot);
                }
            }
            Pattern::Churn => {
                for _ in 0..LIVE {
                    let slot = n % LIVE;
                    timers.cancel(slot);
                    timers.schedule(slot, delay(n));
                    n += 1;
                }
            }
        }
        count += LIVE as u64;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

struct WeftTimers {
    reactor: Reactor,
    calls: Vec<Option<DelayedCall>>,
}

impl WeftTimers {
    fn new() -> Self {
        WeftTimers {
            reactor: Reactor::new().expect("a weft reactor"),
            calls: (0..LIVE).map(|_| None).collect(),
        }
    }
}

impl Timers for WeftTimers {
    fn schedule(&mut self, slot: usize, after: Duration) {
        self.calls[slot] = Some(self.reactor.call_later(after, || {}));
    }

    fn cancel(&mut self, slot: usize) {
        if let Some(call) = self.calls[slot].take() {
            call.cancel();
        }
    }
}

#[derive(Default)]
struct SleepTimers {
    sleeps: Vec<Option<Pin<Box<Sleep>>>>,
}

impl Timers for SleepTimers {
    fn schedule(&mut self, slot: usize, after: Duration) {
        if self.sleeps.len() < LIVE {
            self.sleeps.resize_with(LIVE, || None);
        }
        let mut sleep = Box::pin(tokio::time::sleep(after));
        let mut context = Context::from_waker(Waker::noop());
        assert!(sleep.as_mut().poll(&mut context).is_pending());
        self.sleeps[slot] = Some(sleep);
    }

    fn cancel(&mut self, slot: usize) {
        self.sleeps[slot] = None;
    }
}

#[derive(Default)]
struct QueueTimers {
    queue: DelayQueue<()>,
    keys: Vec<Option<tokio_util::time::delay_queue::Key>>,
}

impl Timers for QueueTimers {
    fn schedule(&mut self, slot: usize, after: Duration) {
        if self.keys.len() < LIVE {
            self.keys.resize_with(LIVE, || None);
        }
        self.keys[slot] = Some(self.queue.insert((), after));
    }

    fn cancel(&mut self, slot: usize) {
        if let Some(key) = self.keys[slot].take() {
            self.queue.remove(&key);
        }
    }
}
