//! [`FailedAttempt`] and [`NextFailure`]: a [`ClientService`]'s failed
//! connection attempts, counted and awaitable.
//!
//! [`ClientService`]: super::ClientService

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::ServiceStopped;
use crate::ConnectError;
use crate::deferred::{Deferred, Resolver};

/// One failed connection attempt of a
/// [`ClientService`](super::ClientService).
#[derive(Clone, Debug)]
pub struct FailedAttempt {
    /// How many attempts had failed since the service started, this one
    /// included.
    pub count: u64,
    /// Why it failed; shared by everyone who awaited it.
    pub error: Rc<ConnectError>,
}

/// The failed attempts so far, and who waits for the next one.
#[derive(Default)]
pub(super) struct Failures {
    count: Cell<u64>,
    waiters: RefCell<Vec<Resolver<FailedAttempt, ServiceStopped>>>,
}

impl Failures {
    pub(super) fn count(&self) -> u64 {
        self.count.get()
    }

    /// The next failure; [`ServiceStopped`] at once if `stopped`, or
    /// when the service stops first.
    pub(super) fn next(&self, stopped: bool) -> NextFailure {
        let (deferred, resolver) = Deferred::new();
        if stopped {
            resolver.fail(ServiceStopped);
        } else {
            self.waiters.borrow_mut().push(resolver);
        }
        NextFailure { deferred }
    }

    /// An attempt failed: counts it and tells the waiters.
    pub(super) fn record(&self, error: ConnectError) {
        let count = self.count.get() + 1;
        self.count.set(count);
        let failed = FailedAttempt {
            count,
            error: Rc::new(error),
        };
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters {
            waiter.resolve(failed.clone());
        }
    }

    /// The service stopped: the waiters get [`ServiceStopped`].
    pub(super) fn stop(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters {
            waiter.fail(ServiceStopped);
        }
    }
}

/// The future of [`ClientService::next_failure`](super::ClientService::next_failure).
#[must_use = "futures do nothing unless awaited"]
pub struct NextFailure {
    deferred: Deferred<FailedAttempt, ServiceStopped>,
}

impl Future for NextFailure {
    type Output = Result<FailedAttempt, ServiceStopped>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.deferred)
            .poll(cx)
            .map_err(|_| ServiceStopped)
    }
}

impl fmt::Debug for NextFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextFailure").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::testing::Clock;

    fn refused() -> ConnectError {
        ConnectError::Refused {
            target: "127.0.0.1:1".into(),
        }
    }

    #[test]
    fn each_waiter_gets_the_next_failure_with_its_count() {
        let clock = Clock::new();
        let failures = Rc::new(Failures::default());
        let first = failures.next(false);
        let second = failures.next(false);
        let both = clock.spawn(async move { (first.await, second.await) });
        clock.advance(Duration::ZERO);
        assert!(!both.is_finished(), "no attempt failed yet");
        failures.record(refused());
        clock.advance(Duration::ZERO);
        let (first, second) = both.try_take().unwrap().unwrap();
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!((first.count, second.count), (1, 1));
        assert!(Rc::ptr_eq(&first.error, &second.error));
        assert!(matches!(*first.error, ConnectError::Refused { .. }));
        let later = failures.next(false);
        failures.record(refused());
        let later = clock.spawn(later);
        clock.advance(Duration::ZERO);
        assert_eq!(later.try_take().unwrap().unwrap().unwrap().count, 2);
        assert_eq!(failures.count(), 2);
    }

    #[test]
    fn a_stop_ends_the_wait_and_a_stopped_service_gives_no_failure() {
        let clock = Clock::new();
        let failures = Failures::default();
        let waiting = clock.spawn(failures.next(false));
        failures.stop();
        let after = clock.spawn(failures.next(true));
        clock.advance(Duration::ZERO);
        assert_eq!(
            waiting.try_take().unwrap().unwrap().unwrap_err(),
            ServiceStopped
        );
        assert_eq!(
            after.try_take().unwrap().unwrap().unwrap_err(),
            ServiceStopped
        );
        assert_eq!(failures.count(), 0);
    }
}
