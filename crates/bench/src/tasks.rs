//! Async on the reactor against tokio's current-thread runtime with a
//! `LocalSet` (tasks that need not be `Send`, as weft's):
//!
//! - **tasks spawned and completed per second**: batches of [`BATCH`]
//!   tasks that complete on their first poll, each awaited by the
//!   spawning future (weft `Reactor::spawn` under `block_on`; tokio
//!   `spawn_local` under `LocalSet::block_on`);
//! - **timeouts set and cancelled per second**: a timeout around a future
//!   that is pending once, then ready — the timeout's timer is registered
//!   by the first poll and cancelled when the output wins (weft
//!   `Timers::timeout`, tokio `tokio::time::timeout`; both over a
//!   `yield_now`), on a runtime entered but not run, as the timer
//!   benchmark does;
//! - **cross-thread wake-to-run latency**: another thread wakes a task
//!   parked on the runtime's thread and spins until the task has run
//!   (a round trip: wake, the runtime leaves its wait, polls the task,
//!   which acknowledges).

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use weft::Reactor;
use weft::time::Scheduler;

/// Tasks per batch of the spawn measure, and timeouts per batch of the
/// timeout measure.
pub const BATCH: usize = 10_000;

/// The runtimes compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// weft's reactor.
    Weft,
    /// tokio's current-thread runtime with a `LocalSet`.
    Tokio,
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Tasks spawned and completed per second, measured for about `duration`.
pub fn spawn_rate(runtime: Runtime, duration: Duration) -> f64 {
    match runtime {
        Runtime::Weft => {
            let reactor = Reactor::new().expect("a weft reactor");
            let spawner = reactor.clone();
            reactor
                .block_on(per_second(duration, async move || {
                    let tasks: Vec<_> = (0..BATCH)
                        .map(|i| spawner.spawn(async move { i }))
                        .collect();
                    for task in tasks {
                        task.await.expect("the task completed");
                    }
                }))
                .expect("the reactor ran")
        }
        Runtime::Tokio => {
            let rt = tokio_runtime();
            tokio::task::LocalSet::new().block_on(
                &rt,
                per_second(duration, async || {
                    let tasks: Vec<_> = (0..BATCH)
                        .map(|i| tokio::task::spawn_local(async move { i }))
                        .collect();
                    for task in tasks {
                        task.await.expect("the task completed");
                    }
                }),
            )
        }
    }
}

/// Runs `batch` (of [`BATCH`] items) until `duration` passed; items per
/// second.
async fn per_second(duration: Duration, mut batch: impl AsyncFnMut()) -> f64 {
    let started = Instant::now();
    let mut count = 0;
    while started.elapsed() < duration {
        batch().await;
        count += BATCH;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// The `i`-th timeout: between 1 s and 61 s, unsorted, so that nothing
/// fires.
fn limit(i: usize) -> Duration {
    Duration::from_millis(1_000 + (i as u64).wrapping_mul(7_919) % 60_000)
}

/// Polls `future` twice: pending (timer registered), then ready.
fn pending_then_ready<F: Future>(future: F) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert!(future.as_mut().poll(&mut cx).is_ready());
}

/// Timeouts set and cancelled per second, measured for about `duration`.
pub fn timeout_rate(runtime: Runtime, duration: Duration) -> f64 {
    let started = Instant::now();
    let mut count = 0;
    match runtime {
        Runtime::Weft => {
            let reactor = Reactor::new().expect("a weft reactor");
            let timers = reactor.timers();
            while started.elapsed() < duration {
                for i in 0..BATCH {
                    pending_then_ready(timers.timeout(limit(i), weft::task::yield_now()));
                }
                count += BATCH;
            }
        }
        Runtime::Tokio => {
            let rt = tokio_runtime();
            let _context = rt.enter();
            while started.elapsed() < duration {
                for i in 0..BATCH {
                    pending_then_ready(tokio::time::timeout(limit(i), tokio::task::yield_now()));
                }
                count += BATCH;
            }
        }
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// What the waking thread and the woken task share.
#[derive(Default)]
struct Ping {
    /// The last round sent; [`u64::MAX`] ends the task.
    sent: AtomicU64,
    /// The last round the task saw.
    acked: AtomicU64,
    waker: Mutex<Option<Waker>>,
}

/// The woken task: acknowledges each round it is polled for.
struct Pong(Arc<Ping>);

impl Future for Pong {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.0.waker.lock().expect("unpoisoned") = Some(cx.waker().clone());
        let sent = self.0.sent.load(Ordering::Acquire);
        if sent == u64::MAX {
            return Poll::Ready(());
        }
        self.0.acked.store(sent, Ordering::Release);
        Poll::Pending
    }
}

/// Mean microseconds from waking a task on another thread to that task
/// having run, measured for about `duration`; the runtime's thread is
/// pinned to `runtime_core`, the waking one to `waker_core`.
pub fn wake_latency(
    runtime: Runtime,
    duration: Duration,
    runtime_core: usize,
    waker_core: usize,
) -> f64 {
    let ping = Arc::new(Ping::default());
    let task = Pong(ping.clone());
    let thread = std::thread::spawn(move || {
        let _ = crate::pin_to_core(runtime_core);
        match runtime {
            Runtime::Weft => {
                let reactor = Reactor::new().expect("a weft reactor");
                let task = reactor.spawn(task);
                reactor.block_on(task).expect("ran").expect("completed");
            }
            Runtime::Tokio => {
                let rt = tokio_runtime();
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    tokio::task::spawn_local(task).await.expect("completed");
                });
            }
        }
    });
    let waking = std::thread::spawn(move || {
        let _ = crate::pin_to_core(waker_core);
        let wake = || {
            let waker = ping.waker.lock().expect("unpoisoned").take();
            if let Some(waker) = waker {
                waker.wake();
            }
        };
        while ping.waker.lock().expect("unpoisoned").is_none() {
            std::thread::yield_now();
        }
        let started = Instant::now();
        let mut rounds = 0;
        while started.elapsed() < duration {
            rounds += 1;
            ping.sent.store(rounds, Ordering::Release);
            wake();
            while ping.acked.load(Ordering::Acquire) != rounds {
                std::hint::spin_loop();
            }
        }
        let elapsed = started.elapsed();
        ping.sent.store(u64::MAX, Ordering::Release);
        wake();
        (elapsed, rounds)
    });
    let (elapsed, rounds) = waking.join().expect("the waking thread");
    thread.join().expect("the runtime's thread");
    elapsed.as_secs_f64() * 1e6 / rounds as f64
}
