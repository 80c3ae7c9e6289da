//! A reactor's life: live, stopping (the graceful shutdown), stopped.

use std::rc::Rc;
use std::time::Instant;

use super::connection::Ending;
use super::event_loop::Inner;
use super::sources::Source;
use crate::panic_guard::catch_panic;
use crate::{CloseReason, ConnectError};

/// Where a reactor is in its life. A stopped reactor cannot run again
/// (Twisted's reactor is not restartable either): its timers, queued
/// calls and cross-thread calls are gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Serving; a stop begins at the next iteration if `stop_requested`.
    Live { stop_requested: bool },
    /// Shutting down; connections still flushing are aborted at `deadline`.
    Stopping { deadline: Instant },
    /// Done.
    Stopped,
}

impl Lifecycle {
    pub(crate) const LIVE: Lifecycle = Lifecycle::Live {
        stop_requested: false,
    };

    /// A stop was asked for and has not begun yet.
    pub(crate) fn stop_requested(self) -> bool {
        matches!(
            self,
            Lifecycle::Live {
                stop_requested: true
            }
        )
    }

    pub(crate) fn is_stopping(self) -> bool {
        matches!(self, Lifecycle::Stopping { .. })
    }

    pub(crate) fn is_stopped(self) -> bool {
        matches!(self, Lifecycle::Stopped)
    }

    /// The end of the shutdown grace period, while stopping.
    pub(crate) fn grace_deadline(self) -> Option<Instant> {
        match self {
            Lifecycle::Stopping { deadline } => Some(deadline),
            _ => None,
        }
    }
}

impl Inner {
    pub(crate) fn stop(&self) {
        if let Lifecycle::Live { .. } = self.lifecycle.get() {
            self.lifecycle.set(Lifecycle::Live {
                stop_requested: true,
            });
        }
    }

    pub(crate) fn end_grace_now(&self) {
        if self.lifecycle.get().is_stopping() {
            self.lifecycle.set(Lifecycle::Stopping {
                deadline: Instant::now(),
            });
        }
    }

    /// Advances a requested stop; returns `true` once the reactor stopped.
    pub(crate) fn shutdown_step(self: &Rc<Self>) -> bool {
        match self.lifecycle.get() {
            Lifecycle::Live {
                stop_requested: false,
            } => false,
            Lifecycle::Live {
                stop_requested: true,
            } => {
                self.lifecycle.set(Lifecycle::Stopping {
                    deadline: Instant::now() + self.shutdown_grace.get(),
                });
                self.begin_shutdown();
                self.finish_shutdown_if_done()
            }
            Lifecycle::Stopping { .. } => self.finish_shutdown_if_done(),
            Lifecycle::Stopped => true,
        }
    }

    fn begin_shutdown(self: &Rc<Self>) {
        tracing::info!("reactor stopping");
        for key in self.listener_keys() {
            self.close_listener(key);
        }
        for key in self.attempt_keys() {
            self.fail_connect(key, |target| ConnectError::Cancelled { target });
        }
        for socket in self.datagram_sockets() {
            socket.close_now();
        }
        let hooks = std::mem::take(&mut *self.shutdown_hooks.borrow_mut());
        for hook in hooks {
            let _ = catch_panic("shutdown hook", hook);
            self.service_touched();
        }
        for conn in self.connections() {
            conn.request_close(false, CloseReason::Shutdown);
        }
        self.service_touched();
    }

    /// Whether every connection closed, resetting the rest once the grace
    /// period is over; when done, the reactor is stopped for good.
    fn finish_shutdown_if_done(self: &Rc<Self>) -> bool {
        let connections = self.connections();
        if !connections.is_empty() {
            let deadline = self.lifecycle.get().grace_deadline();
            if deadline.is_some_and(|d| Instant::now() < d) {
                return false;
            }
            tracing::warn!(
                count = connections.len(),
                "shutdown grace period over; resetting connections that did not flush"
            );
            for conn in connections {
                self.finish(&conn, CloseReason::Aborted, Ending::Reset);
            }
            self.service_touched();
        }
        self.release_everything();
        true
    }

    /// The reactor stopped: cancel its timers and tasks, drop its queued
    /// and cross-thread calls, and refuse new ones. Dropping them drops what
    /// they captured (often handles to the reactor), so that nothing keeps
    /// a stopped reactor alive.
    fn release_everything(&self) {
        self.lifecycle.set(Lifecycle::Stopped);
        self.remote.close();
        self.timers.close();
        self.tasks.close();
        self.thread_pool.close();
        let soon = std::mem::take(&mut *self.soon.borrow_mut());
        drop(soon);
        self.read_again.borrow_mut().clear();
        self.accept_again.borrow_mut().clear();
        self.signals.borrow_mut().take();
        tracing::info!("reactor stopped");
    }

    /// Every established connection.
    pub(crate) fn connections(&self) -> Vec<Rc<super::connection::Connection>> {
        self.sources
            .borrow()
            .keys()
            .filter_map(|(_, source)| match source {
                Source::Connection(conn) => Some(conn.clone()),
                _ => None,
            })
            .collect()
    }
}
