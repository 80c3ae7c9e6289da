//! [`Remote`]: the `Send` handle through which other threads run code on a
//! reactor (Twisted's `callFromThread`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use mio::{Registry, Token, Waker};

use super::connection_io::guarded;
use crate::Reactor;

type RemoteCall = Box<dyn FnOnce(&Reactor) + Send>;

/// The reactor's end: a queue of calls and the waker that interrupts its
/// wait.
pub(crate) struct RemoteShared {
    calls: Mutex<Vec<RemoteCall>>,
    waker: Waker,
    alive: AtomicBool,
}

impl RemoteShared {
    pub(crate) fn new(registry: &Registry, token: Token) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(RemoteShared {
            calls: Mutex::new(Vec::new()),
            waker: Waker::new(registry, token)?,
            alive: AtomicBool::new(true),
        }))
    }

    /// Runs every queued call, in the order they were queued.
    pub(crate) fn run_calls(&self, reactor: &Reactor) {
        let calls = std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner));
        for call in calls {
            guarded("call_from_thread", || call(reactor));
            reactor.inner.service_touched();
        }
    }

    /// Marks the reactor gone: later calls are refused.
    pub(crate) fn close(&self) {
        self.alive.store(false, Ordering::Release);
    }
}

/// A handle to a reactor usable from any thread (`Send + Sync + Clone`).
#[derive(Clone)]
pub struct Remote {
    shared: Arc<RemoteShared>,
}

/// The reactor a [`Remote`] points to no longer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reactor is gone")]
pub struct ReactorGone;

impl Remote {
    pub(crate) fn new(shared: Arc<RemoteShared>) -> Self {
        Remote { shared }
    }

    /// Runs `call` on the reactor's thread, during its next loop iteration
    /// (calls from one thread run in the order they were made). If the
    /// reactor is not running yet, the call waits for `run`.
    pub fn call_from_thread(
        &self,
        call: impl FnOnce(&Reactor) + Send + 'static,
    ) -> Result<(), ReactorGone> {
        if !self.shared.alive.load(Ordering::Acquire) {
            return Err(ReactorGone);
        }
        self.shared
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(call));
        self.shared.waker.wake().map_err(|_| ReactorGone)
    }

    /// Asks the reactor to stop gracefully (see [`Reactor::stop`]).
    pub fn stop(&self) -> Result<(), ReactorGone> {
        self.call_from_thread(|reactor| reactor.stop())
    }
}
