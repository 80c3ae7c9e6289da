//! [`DelayedCall`]: the handle of one scheduled call.

use std::fmt;
use std::rc::Weak;
use std::time::{Duration, Instant};

use super::{TimerId, TimerTable};

/// The handle of a call scheduled with [`Scheduler::call_at`] or
/// [`Scheduler::call_later`] (Twisted's `IDelayedCall`).
///
/// The call is *active* from scheduling until it runs or is cancelled.
/// Dropping the handle does not cancel the call. Every method is safe to use
/// at any time, from inside the call itself too: on a call that already ran
/// or was cancelled (or whose scheduler is gone) they change nothing and
/// return `false` / `None`.
///
/// [`Scheduler::call_at`]: super::Scheduler::call_at
/// [`Scheduler::call_later`]: super::Scheduler::call_later
#[derive(Clone)]
pub struct DelayedCall {
    table: Weak<TimerTable>,
    id: TimerId,
}

impl DelayedCall {
    pub(crate) fn new(table: Weak<TimerTable>, id: TimerId) -> Self {
        DelayedCall { table, id }
    }

    /// Whether the call is still waiting to run.
    pub fn active(&self) -> bool {
        self.table
            .upgrade()
            .is_some_and(|table| table.queue().borrow().contains(self.id))
    }

    /// When the call is due, while it is active.
    pub fn when(&self) -> Option<Instant> {
        let table = self.table.upgrade()?;
        table.queue().borrow().deadline(self.id)
    }

    /// Cancels the call. Returns `true` if it was active (it will now never
    /// run), `false` if it had already run or been cancelled.
    pub fn cancel(&self) -> bool {
        let Some(table) = self.table.upgrade() else {
            return false;
        };
        // Bind the callback so it is dropped after the borrow ends: its
        // captures may own other handles to this table.
        let cancelled = table.queue().borrow_mut().cancel(self.id);
        cancelled.is_some()
    }

    /// Makes the active call due `delay` from now, whatever its deadline was.
    /// Returns `false` (and does nothing) if it is no longer active.
    pub fn reset(&self, delay: Duration) -> bool {
        let Some(table) = self.table.upgrade() else {
            return false;
        };
        let deadline = table.now() + delay;
        table.queue().borrow_mut().reset(self.id, deadline)
    }

    /// Pushes the active call's deadline `extra` later. Returns `false` (and
    /// does nothing) if it is no longer active.
    pub fn delay(&self, extra: Duration) -> bool {
        let Some(table) = self.table.upgrade() else {
            return false;
        };
        let mut queue = table.queue().borrow_mut();
        match queue.deadline(self.id) {
            Some(deadline) => queue.reset(self.id, deadline + extra),
            None => false,
        }
    }
}

impl fmt::Debug for DelayedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayedCall")
            .field("when", &self.when())
            .finish()
    }
}
