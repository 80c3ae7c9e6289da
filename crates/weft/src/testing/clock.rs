//! [`Clock`]: a scheduler whose time is moved by hand.

use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::task::{Executor, Task};
use crate::time::{Scheduler, TimerTable, Timers};

/// A [`Scheduler`] for tests: time stands still until
/// [`advance`](Self::advance) moves it (Twisted's `task.Clock`).
///
/// It keeps the same timer semantics as the reactor (deadline order, ties in
/// scheduling order, callbacks may schedule and cancel). Advancing runs every
/// call that becomes due, including calls that earlier calls of the same
/// advance schedule for a time already reached; a callback that keeps
/// rescheduling itself with zero delay therefore never lets `advance` return.
/// Clones share one clock.
///
/// It runs tasks too ([`spawn`](Self::spawn), or [`Timers::spawn`] on its
/// handle): `advance` polls every task that is ready, after the due
/// calls, again and again until nothing is due and no task is ready. So
/// async code that sleeps, times out or awaits a
/// [`Deferred`](crate::deferred::Deferred) moves forward exactly as far
/// as the test moves time, with no real waiting. (Time jumps: a task that
/// sleeps one second in a loop runs once for `advance(5 s)` and five times
/// for [`pump`](Self::pump) with five one-second steps, as chained
/// `call_later`s do.)
///
/// ```
/// use std::time::Duration;
/// use weft::testing::Clock;
/// use weft::time::Scheduler;
///
/// let clock = Clock::new();
/// let timers = clock.timers();
/// let task = clock.spawn(async move {
///     timers.sleep(Duration::from_secs(30)).await;
///     "awake"
/// });
/// clock.advance(Duration::ZERO); // the task starts, and sleeps
/// clock.advance(Duration::from_secs(29));
/// assert!(!task.is_finished());
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(task.try_take(), Some(Ok("awake")));
/// ```
#[derive(Clone)]
pub struct Clock {
    table: Rc<TimerTable>,
    tasks: Rc<Executor>,
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
            tasks: Executor::new(None),
        }
    }

    /// Moves time forward by `by`, then runs every call now due and every
    /// ready task until none is left (`advance(Duration::ZERO)` just runs
    /// what is ready).
    pub fn advance(&self, by: Duration) {
        let now = self.table.now() + by;
        self.table.set_now(now);
        while self.table.run_due(now) + self.tasks.run_ready(usize::MAX, || {}) > 0 {}
    }

    /// Runs `future` as a task on this clock; it is first polled by the
    /// next [`advance`](Self::advance).
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        self.tasks.spawn(future)
    }

    /// How many tasks are alive (spawned, not over).
    pub fn pending_tasks(&self) -> usize {
        self.tasks.len()
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
    fn timers(&self) -> Timers {
        Timers::new(self.table.clone(), self.tasks.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::time::{LoopingCall, StartAt};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn calls_run_when_time_reaches_them() {
        let clock = Clock::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        for (name, at) in [("b", 2), ("a", 1), ("c", 2)] {
            let log = log.clone();
            clock.call_later(secs(at), move || log.borrow_mut().push(name));
        }
        clock.advance(Duration::from_millis(999));
        assert!(log.borrow().is_empty());
        clock.pump(&[Duration::from_millis(1), secs(1)]);
        assert_eq!(*log.borrow(), ["a", "b", "c"]);
        assert_eq!(clock.pending_calls(), 0);
    }

    #[test]
    fn delayed_call_handles_cancel_reset_and_delay() {
        let clock = Clock::new();
        let ran = Rc::new(RefCell::new(0));
        let r = ran.clone();
        let call = clock.call_later(secs(5), move || *r.borrow_mut() += 1);
        let start = clock.now();
        assert!(call.active());
        assert!(call.delay(secs(1)));
        assert_eq!(call.when(), Some(start + secs(6)));
        clock.advance(secs(4));
        assert!(call.reset(secs(1)));
        assert_eq!(call.when(), Some(start + secs(5)));
        clock.advance(secs(1));
        assert_eq!(*ran.borrow(), 1);
        assert!(!call.active());
        assert!(!call.cancel());
        assert!(!call.reset(secs(1)));
        assert_eq!(call.when(), None);
    }

    #[test]
    fn a_looping_call_counts_the_intervals_it_missed() {
        let clock = Clock::new();
        let counts = Rc::new(RefCell::new(Vec::new()));
        let c = counts.clone();
        let looping = LoopingCall::start(&clock, secs(1), StartAt::Now, move |n| {
            c.borrow_mut().push(n)
        });
        clock.advance(Duration::ZERO);
        clock.advance(secs(1));
        // Fall behind by 3.5 intervals: one call, told 3 intervals passed.
        clock.advance(Duration::from_millis(3500));
        clock.advance(Duration::from_millis(500));
        assert_eq!(*counts.borrow(), [1, 1, 3, 1]);
        assert!(looping.stop());
        clock.advance(secs(10));
        assert_eq!(counts.borrow().len(), 4);
        assert!(!looping.running());
    }

    #[test]
    fn a_looping_call_may_start_after_one_interval() {
        let clock = Clock::new();
        let counts = Rc::new(RefCell::new(0));
        let c = counts.clone();
        let _looping = LoopingCall::start(&clock, secs(2), StartAt::AfterInterval, move |n| {
            *c.borrow_mut() += n;
        });
        clock.advance(secs(1));
        assert_eq!(*counts.borrow(), 0);
        clock.advance(secs(1));
        assert_eq!(*counts.borrow(), 1);
    }

    #[test]
    fn a_panicking_looping_call_stops() {
        let clock = Clock::new();
        let looping = LoopingCall::start(&clock, secs(1), StartAt::Now, |_| panic!("boom"));
        clock.advance(Duration::ZERO);
        assert!(!looping.running());
        assert_eq!(clock.pending_calls(), 0);
    }
}
