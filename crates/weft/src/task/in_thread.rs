//! [`InThread`]: the future of a blocking function run on a thread pool
//! ([`Reactor::defer_to_thread`](crate::Reactor::defer_to_thread)).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::panic_guard::catch_panic;
use crate::reactor::ThreadPool;

/// Why a function given to a thread gave no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadError {
    /// The function panicked, with this message.
    #[error("the function run in a thread panicked: {0}")]
    Panicked(String),
    /// The function never ran: the reactor stopped first (or, rarely,
    /// no thread could be started for it; that is logged).
    #[error("the function never ran: the reactor stopped first")]
    ShutDown,
}

/// What the pool thread and the future share.
struct Slot<T> {
    outcome: Option<Result<T, ThreadError>>,
    waker: Option<Waker>,
    /// The future was dropped: the function need not run.
    abandoned: bool,
}

type SharedSlot<T> = Arc<Mutex<Slot<T>>>;

fn lock<T>(slot: &SharedSlot<T>) -> MutexGuard<'_, Slot<T>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The pool's end: delivers the outcome, or [`ThreadError::ShutDown`] if
/// it is dropped unrun (the pool closed).
struct Delivery<T> {
    slot: SharedSlot<T>,
}

impl<T> Delivery<T> {
    fn deliver(&self, outcome: Result<T, ThreadError>) {
        let waker = {
            let mut slot = lock(&self.slot);
            if slot.outcome.is_some() {
                return;
            }
            slot.outcome = Some(outcome);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Delivery<T> {
    fn drop(&mut self) {
        self.deliver(Err(ThreadError::ShutDown));
    }
}

/// Completes with what a function run on the reactor's thread pool
/// returned. Dropping it before the function started means it never
/// starts; a function already running finishes, and its value is
/// dropped.
#[must_use = "futures do nothing unless awaited"]
pub struct InThread<T> {
    slot: SharedSlot<T>,
}

impl<T: Send + 'static> InThread<T> {
    /// Queues `function` on `pool`.
    pub(crate) fn start(pool: &ThreadPool, function: impl FnOnce() -> T + Send + 'static) -> Self {
        let slot: SharedSlot<T> = Arc::new(Mutex::new(Slot {
            outcome: None,
            waker: None,
            abandoned: false,
        }));
        let delivery = Delivery { slot: slot.clone() };
        let submitted = pool.submit(Box::new(move || {
            if lock(&delivery.slot).abandoned {
                return;
            }
            let outcome = catch_panic("a function run in a thread", function);
            delivery.deliver(outcome.map_err(ThreadError::Panicked));
        }));
        if let Err(error) = submitted {
            tracing::error!(%error, "cannot start a thread for defer_to_thread");
        }
        InThread { slot }
    }
}

impl<T> Future for InThread<T> {
    type Output = Result<T, ThreadError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = lock(&self.slot);
        match slot.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for InThread<T> {
    fn drop(&mut self) {
        lock(&self.slot).abandoned = true;
    }
}

impl<T> fmt::Debug for InThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InThread").finish_non_exhaustive()
    }
}
