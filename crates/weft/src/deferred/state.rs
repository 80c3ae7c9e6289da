//! [`State`]: the outcome a [`Deferred`](super::Deferred) and its
//! [`Resolver`](super::Resolver)s share.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::{DeferredError, Resolver};

/// What cancelling runs: the producer's canceller.
pub(super) type Canceller<T, E> = Box<dyn FnOnce(&Resolver<T, E>)>;

enum Outcome<T, E> {
    Pending,
    Ready(Result<T, DeferredError<E>>),
    Taken,
}

struct Inner<T, E> {
    outcome: Outcome<T, E>,
    waiter: Option<Waker>,
    canceller: Option<Canceller<T, E>>,
    resolvers: usize,
}

/// The shared cell. No borrow is held while a canceller or a waker runs.
pub(super) struct State<T, E> {
    inner: RefCell<Inner<T, E>>,
}

impl<T, E> State<T, E> {
    pub(super) fn new() -> Rc<Self> {
        Rc::new(State {
            inner: RefCell::new(Inner {
                outcome: Outcome::Pending,
                waiter: None,
                canceller: None,
                resolvers: 0,
            }),
        })
    }

    pub(super) fn set_canceller(&self, canceller: Canceller<T, E>) {
        self.inner.borrow_mut().canceller = Some(canceller);
    }

    pub(super) fn is_pending(&self) -> bool {
        matches!(self.inner.borrow().outcome, Outcome::Pending)
    }

    /// Records `outcome` if none is recorded yet, and wakes the waiter;
    /// returns whether it was recorded.
    pub(super) fn settle(&self, outcome: Result<T, DeferredError<E>>) -> bool {
        let mut inner = self.inner.borrow_mut();
        if !matches!(inner.outcome, Outcome::Pending) {
            return false;
        }
        inner.outcome = Outcome::Ready(outcome);
        let canceller = inner.canceller.take();
        let waiter = inner.waiter.take();
        drop(inner);
        drop(canceller);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        true
    }

    /// Takes the canceller if the outcome is still pending.
    pub(super) fn take_canceller(&self) -> Option<Option<Canceller<T, E>>> {
        let mut inner = self.inner.borrow_mut();
        match inner.outcome {
            Outcome::Pending => Some(inner.canceller.take()),
            _ => None,
        }
    }

    pub(super) fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<T, DeferredError<E>>> {
        let mut inner = self.inner.borrow_mut();
        match std::mem::replace(&mut inner.outcome, Outcome::Taken) {
            Outcome::Ready(outcome) => Poll::Ready(outcome),
            Outcome::Pending => {
                inner.outcome = Outcome::Pending;
                match &mut inner.waiter {
                    Some(waiter) if waiter.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Outcome::Taken => panic!("a Deferred was polled after it completed"),
        }
    }

    pub(super) fn add_resolver(&self) {
        self.inner.borrow_mut().resolvers += 1;
    }

    /// A resolver went; the last one leaving with no outcome abandons the
    /// deferred.
    pub(super) fn drop_resolver(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.resolvers -= 1;
        let abandoned = inner.resolvers == 0;
        drop(inner);
        if abandoned {
            self.settle(Err(DeferredError::Abandoned));
        }
    }
}
