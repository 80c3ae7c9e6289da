//! [`Clock`]: a scheduler whose time is moved by hand.

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::time::{Callback, DelayedCall, Scheduler, TimerTable};

/// A [`Scheduler`] for tests: time stands still until
/// [`advance`](Self::advance) moves it (Twisted's `task.Clock`).
///
/// It keeps the same timer semantics as the reactor (deadline order, ties in
/// scheduling order, callbacks may schedule and cancel). Advancing runs every
/// call that becomes due, including calls that earlier calls of the same
/// advance schedule for a time already reached; a callback that keeps
/// rescheduling itself with zero delay therefore never lets `advance` return.
/// Clones share one clock.
#[derive(Clone)]
pub struct Clock {
    table: Rc<TimerTable>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock that starts at an arbitrary instant and stands still.
    pub fn new() -> Self {
        Clock {
            table: TimerTable::manual(Instant::now()),
        }
    }

    /// Moves time forward by `by` and runs every call now due.
    pub fn advance(&self, by: Duration) {
        let now = self.table.now() + by;
        self.table.set_now(now);
        while self.table.run_due(now) > 0 {}
    }

    /// Advances by each step in turn (Twisted's `Clock.pump`).
    pub fn pump(&self, steps: &[Duration]) {
        for step in steps {
            self.advance(*step);
        }
    }

    /// How many calls are waiting to run.
    pub fn pending_calls(&self) -> usize {
        self.table.len()
    }
}

impl Scheduler for Clock {
    fn now(&self) -> Instant {
        self.table.now()
    }

    fn call_at(&self, when: Instant, callback: Callback) -> DelayedCall {
        self.table.schedule(when, callback)
    }
}
