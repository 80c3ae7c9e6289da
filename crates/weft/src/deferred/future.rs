//! [`Deferred`]: the awaiting end of a one-shot result.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::state::State;
use super::{DeferredError, Resolver};
use crate::panic_guard::catch_panic;
use crate::time::Timers;

/// A result that callback code will give through its [`Resolver`]:
/// await it for `Result<T, DeferredError<E>>`. See [the module](super)
/// for the contract.
///
/// Dropping it before its outcome cancels it, as [`cancel`](Self::cancel)
/// does.
#[must_use = "dropping a Deferred cancels it"]
pub struct Deferred<T, E> {
    state: Rc<State<T, E>>,
}

impl<T, E> Deferred<T, E> {
    /// A deferred with no canceller, and its resolver.
    pub fn new() -> (Self, Resolver<T, E>) {
        let state = State::new();
        (
            Deferred {
                state: state.clone(),
            },
            Resolver::new(state),
        )
    }

    /// A deferred whose [`cancel`](Self::cancel) runs `canceller` first
    /// (Twisted's `Deferred(canceller)`): it stops the work and may give
    /// the deferred an outcome through the resolver it receives; if it
    /// gives none, the outcome is [`DeferredError::Cancelled`].
    pub fn with_canceller(
        canceller: impl FnOnce(&Resolver<T, E>) + 'static,
    ) -> (Self, Resolver<T, E>)
    where
        T: 'static,
        E: 'static,
    {
        let (deferred, resolver) = Self::new();
        deferred.state.set_canceller(Box::new(canceller));
        (deferred, resolver)
    }

    /// A deferred that already has its value (Twisted's `succeed`).
    pub fn resolved(value: T) -> Self {
        let (deferred, resolver) = Self::new();
        resolver.resolve(value);
        deferred
    }

    /// A deferred that already failed (Twisted's `fail`).
    pub fn failed(error: E) -> Self {
        let (deferred, resolver) = Self::new();
        resolver.fail(error);
        deferred
    }

    /// Whether the outcome is known (awaiting gives it at once).
    pub fn is_settled(&self) -> bool {
        !self.state.is_pending()
    }

    /// Cancels the deferred: runs its canceller, if any, and unless the
    /// canceller gave an outcome, makes the outcome
    /// [`DeferredError::Cancelled`]. Does nothing once there is an
    /// outcome. A panicking canceller is logged and counts as giving
    /// none.
    pub fn cancel(&self) {
        let Some(canceller) = self.state.take_canceller() else {
            return;
        };
        let resolver = Resolver::new(self.state.clone());
        if let Some(canceller) = canceller {
            let _ = catch_panic("a deferred's canceller", || canceller(&resolver));
        }
        self.state.settle(Err(DeferredError::Cancelled));
    }

    /// Awaits the deferred for at most `limit` on `timers`' timeline
    /// (Twisted's `addTimeout`): when the limit passes first, the deferred
    /// is cancelled, and unless its canceller gave another outcome, the
    /// result is [`DeferredError::TimedOut`].
    pub async fn timeout(self, timers: &Timers, limit: Duration) -> Result<T, DeferredError<E>> {
        let mut sleep = std::pin::pin!(timers.sleep(limit));
        let mut this = self;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(outcome) = Pin::new(&mut this).poll(cx) {
                return Poll::Ready(outcome);
            }
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.cancel();
            Poll::Ready(match this.state.poll_outcome(cx) {
                Poll::Ready(Err(DeferredError::Cancelled)) | Poll::Pending => {
                    Err(DeferredError::TimedOut(limit))
                }
                Poll::Ready(outcome) => outcome,
            })
        })
        .await
    }
}

impl<T, E> Future for Deferred<T, E> {
    type Output = Result<T, DeferredError<E>>;

    /// # Panics
    ///
    /// When polled again after it completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.state.poll_outcome(cx)
    }
}

impl<T, E> Drop for Deferred<T, E> {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl<T, E> fmt::Debug for Deferred<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred")
            .field("settled", &self.is_settled())
            .finish()
    }
}
