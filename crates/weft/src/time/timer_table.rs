//! The timer storage shared by a scheduler and the [`DelayedCall`] handles
//! it gives out.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;
use std::time::Instant;

use super::{Callback, DelayedCall, TimerId, TimerQueue};
use crate::panic_guard::catch_panic;

/// Where a [`TimerTable`] reads the time.
#[derive(Debug)]
enum TimeSource {
    /// The monotonic system clock (the reactor).
    System,
    /// A clock moved by hand ([`crate::testing::Clock`]).
    Manual(Cell<Instant>),
}

/// What a timer does when due: run a callback, or wake a future (a
/// [`Sleep`](super::Sleep) registers its waker directly, with no boxed
/// closure).
pub(crate) enum Due {
    Call(Callback),
    Wake(Waker),
}

/// Timers plus the clock they are measured against.
///
/// No borrow of the queue is held while a callback runs, so callbacks may
/// schedule, cancel and reset freely.
pub(crate) struct TimerTable {
    queue: RefCell<TimerQueue<Due>>,
    time: TimeSource,
    /// The scheduler is gone for good (its reactor stopped): nothing
    /// scheduled runs, and new calls are dropped at once.
    closed: Cell<bool>,
}

impl TimerTable {
    /// A table measured against the system's monotonic clock.
    pub(crate) fn system() -> Rc<Self> {
        Rc::new(TimerTable {
            queue: RefCell::new(TimerQueue::new()),
            time: TimeSource::System,
            closed: Cell::new(false),
        })
    }

    /// A table whose time only moves through [`set_now`](Self::set_now).
    pub(crate) fn manual(start: Instant) -> Rc<Self> {
        Rc::new(TimerTable {
            queue: RefCell::new(TimerQueue::new()),
            time: TimeSource::Manual(Cell::new(start)),
            closed: Cell::new(false),
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

    /// Schedules `callback`; on a closed table the callback is dropped at
    /// once and the handle is inactive from the start.
    pub(crate) fn schedule(self: &Rc<Self>, when: Instant, callback: Callback) -> DelayedCall {
        let id = self.schedule_due(when, Due::Call(callback));
        DelayedCall::new(Rc::downgrade(self), id)
    }

    /// Schedules `due`; on a closed table it is dropped at once and the
    /// id is inactive from the start.
    pub(crate) fn schedule_due(&self, when: Instant, due: Due) -> TimerId {
        let id = self.queue.borrow_mut().schedule(when, due);
        if self.closed.get() {
            // Dropped after the borrow ends: its captures may own handles
            // to this table.
            let dropped = self.queue.borrow_mut().cancel(id);
            drop(dropped);
        }
        id
    }

    /// Whether the table was closed (its reactor stopped).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Cancels every pending call and refuses new ones: the scheduler is
    /// gone. Dropping the callbacks also drops what they captured (often
    /// handles to the reactor), so nothing keeps a stopped reactor alive.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        let pending = self.queue.replace(TimerQueue::new());
        drop(pending);
    }

    pub(crate) fn queue(&self) -> &RefCell<TimerQueue<Due>> {
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
            let Some((_, due)) = due else {
                return ran;
            };
            ran += 1;
            match due {
                Due::Call(callback) => {
                    let _ = catch_panic("timed call", callback);
                }
                Due::Wake(waker) => waker.wake(),
            }
        }
    }
}
