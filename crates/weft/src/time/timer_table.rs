//! The timer storage shared by a scheduler and the [`DelayedCall`] handles
//! it gives out.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Instant;

use super::{Callback, DelayedCall, TimerQueue};

/// Where a [`TimerTable`] reads the time.
#[derive(Debug)]
enum TimeSource {
    /// The monotonic system clock (the reactor).
    System,
    /// A clock moved by hand ([`crate::testing::Clock`]).
    Manual(Cell<Instant>),
}

/// Timers plus the clock they are measured against.
///
/// No borrow of the queue is held while a callback runs, so callbacks may
/// schedule, cancel and reset freely.
pub(crate) struct TimerTable {
    queue: RefCell<TimerQueue<Callback>>,
    time: TimeSource,
}

impl TimerTable {
    /// A table measured against the system's monotonic clock.
    pub(crate) fn system() -> Rc<Self> {
        Rc::new(TimerTable {
            queue: RefCell::new(TimerQueue::new()),
            time: TimeSource::System,
        })
    }

    /// A table whose time only moves through [`set_now`](Self::set_now).
    pub(crate) fn manual(start: Instant) -> Rc<Self> {
        Rc::new(TimerTable {
            queue: RefCell::new(TimerQueue::new()),
            time: TimeSource::Manual(Cell::new(start)),
        })
    }

    pub(crate) fn now(&self) -> Instant {
        match &self.time {
            TimeSource::System => Instant::now(),
            TimeSource::Manual(now) => now.get(),
        }
    }

    /// Moves a manual clock; a no-op for the system clock.
    pub(crate) fn set_now(&self, now: Instant) {
        if let TimeSource::Manual(cell) = &self.time {
            cell.set(now);
        }
    }

    pub(crate) fn schedule(self: &Rc<Self>, when: Instant, callback: Callback) -> DelayedCall {
        let id = self.queue.borrow_mut().schedule(when, callback);
        DelayedCall::new(Rc::downgrade(self), id)
    }

    pub(crate) fn queue(&self) -> &RefCell<TimerQueue<Callback>> {
        &self.queue
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.queue.borrow_mut().next_deadline()
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.borrow().len()
    }

    /// Runs every call due at `now` that was scheduled before this pass
    /// began; returns how many ran.
    pub(crate) fn run_due(&self, now: Instant) -> usize {
        let mark = self.queue.borrow().mark();
        let mut ran = 0;
        loop {
            let due = self.queue.borrow_mut().pop_due_before_mark(now, mark);
            let Some((_, callback)) = due else {
                return ran;
            };
            ran += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(callback)) {
                tracing::error!(
                    panic = %crate::panic_message(panic.as_ref()),
                    "a timed call panicked; the scheduler goes on"
                );
            }
        }
    }
}
