//! [`Remote`]: the `Send` handle through which other threads run code on a
//! reactor (Twisted's `callFromThread`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mio::{Registry, Token, Waker};

use crate::Reactor;
use crate::panic_guard::catch_panic;
use crate::task::Notify;

type RemoteCall = Box<dyn FnOnce(&Reactor) + Send>;

/// The reactor's end: a queue of calls and the waker that interrupts its
/// wait.
pub(crate) struct RemoteShared {
    /// `None` once the reactor stopped or is gone: calls are refused.
    calls: Mutex<Option<Vec<RemoteCall>>>,
    waker: Waker,
    /// The reactor waits in its poller (or is about to): only then does
    /// a woken task need the waker's system call.
    asleep: AtomicBool,
    /// Connections open on the reactor, kept by its table of sources.
    pub(crate) connections: AtomicUsize,
}

impl RemoteShared {
    pub(crate) fn new(registry: &Registry, token: Token) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(RemoteShared {
            calls: Mutex::new(Some(Vec::new())),
            waker: Waker::new(registry, token)?,
            asleep: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        }))
    }

    fn calls(&self) -> MutexGuard<'_, Option<Vec<RemoteCall>>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs every queued call, in the order they were queued.
    pub(crate) fn run_calls(&self, reactor: &Reactor) {
        let calls = self.calls().as_mut().map(std::mem::take);
        for call in calls.into_iter().flatten() {
            let _ = catch_panic("call_from_thread", || call(reactor));
            reactor.inner.service_touched();
        }
    }

    /// The reactor is about to wait in its poller (`true`) or is done
    /// waiting (`false`). After marking itself asleep the reactor must
    /// look for woken tasks once more before it waits: a task woken just
    /// before the mark skipped the waker.
    pub(crate) fn set_asleep(&self, asleep: bool) {
        self.asleep.store(asleep, Ordering::SeqCst);
    }

    /// Marks the reactor gone: queued calls are dropped (on this thread)
    /// and later ones refused.
    pub(crate) fn close(&self) {
        let dropped = self.calls().take();
        drop(dropped);
    }
}

/// A task woken on another thread interrupts the reactor's wait the way
/// a cross-thread call does; while the reactor is awake it finds the task
/// before it next waits, so the wake costs no system call.
impl Notify for RemoteShared {
    fn notify(&self) {
        if self.asleep.load(Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }
}

/// A handle to a reactor usable from any thread (`Send + Sync + Clone`).
#[derive(Clone)]
pub struct Remote {
    shared: Arc<RemoteShared>,
}

/// The reactor a [`Remote`] points to has stopped or no longer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reactor is gone")]
pub struct ReactorGone;

impl Remote {
    pub(crate) fn new(shared: Arc<RemoteShared>) -> Self {
        Remote { shared }
    }

    /// Runs `call` on the reactor's thread, during its next loop iteration
    /// (Twisted's `callFromThread`).
    ///
    /// Who may call it: any thread, the reactor's own included (there,
    /// [`Reactor::call_soon`] is cheaper); `call` must be `Send`, and it
    /// receives the reactor to reach everything that is not. Calls from
    /// one thread run in the order they were made, each inside the
    /// reactor's panic guard; writes they make are flushed when each
    /// returns. If the reactor is not running yet, the calls wait for
    /// `run`. Fails, and drops `call`, once the reactor stopped or is
    /// gone.
    ///
    /// What it costs: the boxed closure, one uncontended lock, and when
    /// the queue was empty one system call (a write to the reactor's
    /// waker, which interrupts its wait); calls made while earlier ones
    /// still wait add no system call. To hand a result to async code
    /// instead, wake a task's waker from the other thread (see
    /// [`crate::task`]) or use [`Reactor::defer_to_thread`].
    pub fn call_from_thread(
        &self,
        call: impl FnOnce(&Reactor) + Send + 'static,
    ) -> Result<(), ReactorGone> {
        let first = match self.shared.calls().as_mut() {
            Some(calls) => {
                calls.push(Box::new(call));
                calls.len() == 1
            }
            None => return Err(ReactorGone),
        };
        if first {
            self.shared.waker.wake().map_err(|_| ReactorGone)?;
        }
        Ok(())
    }

    /// How many connections the reactor has open (as of its last change;
    /// for spreading load, not for exact accounting).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Asks the reactor to stop gracefully (see [`Reactor::stop`]).
    pub fn stop(&self) -> Result<(), ReactorGone> {
        self.call_from_thread(|reactor| reactor.stop())
    }
}
