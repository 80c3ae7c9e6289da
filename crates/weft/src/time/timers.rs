//! [`Timers`]: the handle on one timeline, shared by everything that
//! schedules work on it.

use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Instant;

use super::{Callback, DelayedCall, Scheduler, TimerTable};

/// A cheap, cloneable handle on a timeline: the reactor's (system clock)
/// or a [`crate::testing::Clock`]'s (moved by hand).
///
/// It is what code that schedules work keeps, so that the same code runs
/// on the reactor in production and on the test clock in tests, without
/// being generic over either. Every [`Scheduler`] hands one out
/// ([`Scheduler::timers`]), and `Timers` is itself a [`Scheduler`].
///
/// A handle does not keep its reactor alive: when the reactor stops, its
/// pending calls are cancelled, and calls scheduled later never run.
#[derive(Clone)]
pub struct Timers {
    pub(super) table: Rc<TimerTable>,
}

impl Timers {
    pub(crate) fn new(table: Rc<TimerTable>) -> Self {
        Timers { table }
    }

    /// A reference that does not keep the timeline alive.
    pub(super) fn downgrade(&self) -> WeakTimers {
        WeakTimers(Rc::downgrade(&self.table))
    }

    pub(super) fn schedule(&self, when: Instant, callback: Callback) -> DelayedCall {
        self.table.schedule(when, callback)
    }
}

/// A [`Timers`] that does not keep its timeline alive.
pub(super) struct WeakTimers(Weak<TimerTable>);

impl WeakTimers {
    /// The handle, while the timeline exists.
    pub(super) fn upgrade(&self) -> Option<Timers> {
        self.0.upgrade().map(Timers::new)
    }
}

impl Scheduler for Timers {
    fn timers(&self) -> Timers {
        self.clone()
    }
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers")
            .field("now", &self.table.now())
            .field("pending", &self.table.len())
            .finish()
    }
}
