//! Starting and stopping the loop, and the graceful shutdown between.

use std::rc::Rc;
use std::time::Instant;

use super::connection_io::guarded;
use super::{Inner, Source};
use crate::{CloseReason, ConnectError};

/// Where the loop is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    /// Not running; `stop` was called if `stop_requested`.
    Idle { stop_requested: bool },
    /// Running; a stop begins at the next iteration if `stop_requested`.
    Running { stop_requested: bool },
    /// Shutting down; connections still flushing are aborted at `deadline`.
    Stopping { deadline: Instant },
}

impl RunState {
    pub(crate) const IDLE: RunState = RunState::Idle {
        stop_requested: false,
    };

    pub(crate) fn is_running(self) -> bool {
        !matches!(self, RunState::Idle { .. })
    }

    pub(crate) fn is_stopping(self) -> bool {
        matches!(self, RunState::Stopping { .. })
    }

    pub(crate) fn started(self) -> RunState {
        match self {
            RunState::Idle { stop_requested } => RunState::Running { stop_requested },
            other => other,
        }
    }

    /// The end of the shutdown grace period, while stopping.
    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            RunState::Stopping { deadline } => Some(deadline),
            _ => None,
        }
    }
}

impl Inner {
    pub(crate) fn stop(&self) {
        let next = match self.run_state.get() {
            RunState::Idle { .. } => RunState::Idle {
                stop_requested: true,
            },
            RunState::Running { .. } => RunState::Running {
                stop_requested: true,
            },
            stopping @ RunState::Stopping { .. } => stopping,
        };
        self.run_state.set(next);
    }

    pub(crate) fn end_grace_now(&self) {
        if self.run_state.get().is_stopping() {
            self.run_state.set(RunState::Stopping {
                deadline: Instant::now(),
            });
        }
    }

    /// Advances a requested stop; returns `true` when the loop must end.
    pub(crate) fn shutdown_step(self: &Rc<Self>) -> bool {
        match self.run_state.get() {
            RunState::Running {
                stop_requested: true,
            } => {
                self.run_state.set(RunState::Stopping {
                    deadline: Instant::now() + self.shutdown_grace.get(),
                });
                self.begin_shutdown();
                self.shutdown_finished()
            }
            RunState::Stopping { .. } => self.shutdown_finished(),
            _ => false,
        }
    }

    fn begin_shutdown(self: &Rc<Self>) {
        tracing::info!("reactor stopping");
        for (key, id) in self.listeners() {
            self.close_listener(key, id);
        }
        for (key, id) in self.attempts() {
            self.fail_connect(key, id, |target| ConnectError::Cancelled { target });
        }
        let hooks = std::mem::take(&mut *self.shutdown_hooks.borrow_mut());
        for hook in hooks {
            guarded("shutdown hook", hook);
            self.service_touched();
        }
        for (key, id) in self.connections() {
            if let Some(shared) = self.shared(key, id) {
                shared.request_close(false, CloseReason::Shutdown);
            }
        }
        self.service_touched();
    }

    /// Whether every connection closed, aborting the rest once the grace
    /// period is over.
    fn shutdown_finished(self: &Rc<Self>) -> bool {
        let connections = self.connections();
        if connections.is_empty() {
            return true;
        }
        let deadline = self.run_state.get().deadline();
        if deadline.is_some_and(|d| Instant::now() < d) {
            return false;
        }
        tracing::warn!(
            count = connections.len(),
            "shutdown grace period over; aborting connections that did not flush"
        );
        for (key, id) in connections {
            self.finish(key, id, CloseReason::Aborted);
        }
        self.service_touched();
        true
    }

    /// Keys and ids of every established connection.
    pub(crate) fn connections(&self) -> Vec<(usize, u64)> {
        self.sources
            .borrow()
            .iter()
            .filter_map(|(key, source)| match source {
                Source::Connection(c) => Some((key, c.shared.id)),
                _ => None,
            })
            .collect()
    }
}
