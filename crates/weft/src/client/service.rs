//! [`ClientService`]: keeps one connection up, reconnecting with back-off
//! (Twisted's `ClientService`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::attempts::Failures;
use super::{Backoff, Connected, NextFailure, report_failure};
use crate::deferred::{Deferred, Resolver};
use crate::endpoints::{ClientEndpoint, ToClientEndpoint};
use crate::task::Task;
use crate::time::Scheduler;
use crate::{Error, Protocol, Reactor};

/// Keeps one connection to an endpoint up: connects, and whenever the
/// connection is lost or an attempt fails, tries again after a
/// [`Backoff`] wait (jittered, growing with each failure in a row, back
/// to the initial wait once a connection was made).
///
/// Each attempt gets a new protocol from `make_protocol`. Code that wants
/// to use the connection awaits [`when_connected`](Self::when_connected);
/// [`stop`](Self::stop) ends it all cleanly. Every failed attempt is
/// logged as a warning (and written to standard error when no `tracing`
/// subscriber is installed): a service that cannot connect is never
/// silent. Code can also watch the attempts fail:
/// [`failed_attempts`](Self::failed_attempts) counts them and
/// [`next_failure`](Self::next_failure) waits for the next one (what
/// Twisted's `whenConnected(failAfterFailures=n)` is built on), so a test
/// or a supervisor waits for "three refused attempts" instead of a
/// guessed time.
///
/// The service runs as a task on the reactor; the reactor's stop stops
/// it too.
pub struct ClientService<P> {
    shared: Rc<Shared<P>>,
    task: RefCell<Option<Task<()>>>,
}

/// The service's state, shared with its task.
struct Shared<P> {
    current: RefCell<Option<Connected<P>>>,
    waiters: RefCell<Vec<Resolver<Connected<P>, ServiceStopped>>>,
    failures: Failures,
    stopped: Cell<bool>,
}

/// [`ClientService::when_connected`] after the service was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the client service was stopped")]
pub struct ServiceStopped;

impl<P: Protocol> ClientService<P> {
    /// Starts keeping a connection to `endpoint` up, with protocols from
    /// `make_protocol` and the default [`Backoff`]. Fails at once if
    /// `endpoint` does not parse.
    pub fn start(
        reactor: &Reactor,
        endpoint: &(impl ToClientEndpoint + ?Sized),
        make_protocol: impl FnMut() -> P + 'static,
    ) -> Result<Self, Error> {
        Self::start_with(reactor, endpoint, Backoff::default(), make_protocol)
    }

    /// [`start`](Self::start) with the waits of `backoff`.
    pub fn start_with(
        reactor: &Reactor,
        endpoint: &(impl ToClientEndpoint + ?Sized),
        backoff: Backoff,
        make_protocol: impl FnMut() -> P + 'static,
    ) -> Result<Self, Error> {
        let endpoint = endpoint.to_client_endpoint()?;
        let shared = Rc::new(Shared {
            current: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
            failures: Failures::default(),
            stopped: Cell::new(false),
        });
        let task = reactor.spawn(keep_connected(
            reactor.clone(),
            endpoint,
            backoff,
            make_protocol,
            shared.clone(),
        ));
        Ok(ClientService {
            shared,
            task: RefCell::new(Some(task)),
        })
    }

    /// The connection: at once if one is up, otherwise when the next
    /// attempt succeeds; [`ServiceStopped`] if the service stops first.
    pub fn when_connected(&self) -> WhenConnected<P> {
        let (deferred, resolver) = Deferred::new();
        if self.shared.stopped.get() {
            resolver.fail(ServiceStopped);
        } else if let Some(connected) = self.current() {
            resolver.resolve(connected);
        } else {
            self.shared.waiters.borrow_mut().push(resolver);
        }
        WhenConnected { deferred }
    }

    /// How many connection attempts failed since the service started.
    pub fn failed_attempts(&self) -> u64 {
        self.shared.failures.count()
    }

    /// The next attempt that fails, with why and how many failed so far;
    /// [`ServiceStopped`] if the service stops first. Attempts that
    /// failed before the call do not count: each call waits for a new
    /// failure.
    pub fn next_failure(&self) -> NextFailure {
        self.shared.failures.next(self.shared.stopped.get())
    }

    /// The connection, if one is up now.
    pub fn current(&self) -> Option<Connected<P>> {
        let current = self.shared.current.borrow();
        current.as_ref().filter(|c| !c.is_closed()).cloned()
    }

    /// Stops for good: no more attempts (one in progress is abandoned),
    /// waiters (of a connection or of a failure) get [`ServiceStopped`],
    /// and the connection, if one is up,
    /// is closed after flushing. The returned future completes once it
    /// is closed (Twisted's `stopService`).
    pub fn stop(&self) -> impl Future<Output = ()> + use<P> {
        self.shared.stopped.set(true);
        let task = self.task.borrow_mut().take();
        drop(task);
        let waiters = std::mem::take(&mut *self.shared.waiters.borrow_mut());
        for waiter in waiters {
            waiter.fail(ServiceStopped);
        }
        self.shared.failures.stop();
        let current = self.shared.current.borrow_mut().take();
        let closed = current.map(|connected| {
            connected.transport().lose_connection();
            connected.closed()
        });
        async move {
            if let Some(closed) = closed {
                closed.await;
            }
        }
    }
}

impl<P> Shared<P> {
    fn connected(&self, connected: &Connected<P>) {
        *self.current.borrow_mut() = Some(connected.clone());
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters {
            waiter.resolve(connected.clone());
        }
    }
}

/// The loop of a service's task: connect, wait for the end, wait the
/// back-off, again.
async fn keep_connected<P: Protocol>(
    reactor: Reactor,
    endpoint: ClientEndpoint,
    backoff: Backoff,
    mut make_protocol: impl FnMut() -> P,
    shared: Rc<Shared<P>>,
) {
    let timers = reactor.timers();
    let mut failures = 0;
    loop {
        let attempt = reactor
            .connect_protocol(&endpoint, make_protocol())
            .expect("a parsed endpoint connects without parsing again");
        match attempt.await {
            Ok(connected) => {
                failures = 0;
                shared.connected(&connected);
                let reason = connected.closed().await;
                shared.current.borrow_mut().take();
                tracing::info!(%reason, "connection lost; connecting again");
            }
            Err(error) => {
                report_failure(&error);
                failures += 1;
                shared.failures.record(error);
            }
        }
        timers.sleep(backoff.delay(failures)).await;
    }
}

impl<P> Drop for ClientService<P> {
    /// Dropping the service stops its attempts; a connection that is up
    /// stays up (call [`stop`](Self::stop) to close it).
    fn drop(&mut self) {
        self.shared.stopped.set(true);
    }
}

impl<P> fmt::Debug for ClientService<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientService")
            .field("connected", &self.shared.current.borrow().is_some())
            .field("stopped", &self.shared.stopped.get())
            .finish()
    }
}

/// The future of [`ClientService::when_connected`].
#[must_use = "futures do nothing unless awaited"]
pub struct WhenConnected<P> {
    deferred: Deferred<Connected<P>, ServiceStopped>,
}

impl<P> Future for WhenConnected<P> {
    type Output = Result<Connected<P>, ServiceStopped>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.deferred)
            .poll(cx)
            .map_err(|_| ServiceStopped)
    }
}

impl<P> fmt::Debug for WhenConnected<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhenConnected").finish_non_exhaustive()
    }
}
