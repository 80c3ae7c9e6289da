//! [`WhenClosed`]: a future of a connection's end.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::CloseReason;

/// Why a connection ended, once it did, and who waits for it.
#[derive(Default)]
pub(crate) struct Closed {
    reason: RefCell<Option<CloseReason>>,
    waiters: RefCell<Vec<Waker>>,
}

impl Closed {
    /// Records the end and wakes every waiter.
    pub(crate) fn close(&self, reason: &CloseReason) {
        *self.reason.borrow_mut() = Some(reason.clone());
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters {
            waiter.wake();
        }
    }

    pub(crate) fn reason(&self) -> Option<CloseReason> {
        self.reason.borrow().clone()
    }
}

/// Completes with why the connection ended
/// ([`Connected::closed`](super::Connected::closed)); at once if it
/// already did. Any number may wait.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct WhenClosed {
    closed: Rc<Closed>,
}

impl WhenClosed {
    pub(crate) fn new(closed: Rc<Closed>) -> Self {
        WhenClosed { closed }
    }
}

impl Future for WhenClosed {
    type Output = CloseReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CloseReason> {
        match self.closed.reason() {
            Some(reason) => Poll::Ready(reason),
            None => {
                let mut waiters = self.closed.waiters.borrow_mut();
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl std::fmt::Debug for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Closed")
            .field("reason", &self.reason.borrow())
            .finish()
    }
}
