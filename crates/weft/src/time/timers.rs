//! [`Timers`]: the handle on one timeline, shared by everything that
//! schedules work on it.

use std::fmt;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::{Callback, DelayedCall, Interval, Scheduler, Sleep, StartAt, TimedOut, TimerTable};
use crate::task::{Executor, Task};

/// A cheap, cloneable handle on a timeline and the tasks that run on it:
/// the reactor's (system clock) or a [`crate::testing::Clock`]'s (moved
/// by hand).
///
/// It is what code that schedules work keeps, so that the same code runs
/// on the reactor in production and on the test clock in tests, without
/// being generic over either. Every [`Scheduler`] hands one out
/// ([`Scheduler::timers`]), and `Timers` is itself a [`Scheduler`].
///
/// Besides callbacks ([`call_later`](Scheduler::call_later),
/// [`LoopingCall`](super::LoopingCall)) it gives futures on the same
/// timeline — [`sleep`](Self::sleep), [`timeout`](Self::timeout),
/// [`interval`](Self::interval) — and runs tasks
/// ([`spawn`](Self::spawn)): on the test clock, advancing time by hand
/// moves them along with no real waiting.
///
/// A handle does not keep its reactor alive: when the reactor stops, its
/// pending calls and tasks are cancelled, and calls scheduled later never
/// run.
#[derive(Clone)]
pub struct Timers {
    pub(super) table: Rc<TimerTable>,
    tasks: Rc<Executor>,
}

impl Timers {
    pub(crate) fn new(table: Rc<TimerTable>, tasks: Rc<Executor>) -> Self {
        Timers { table, tasks }
    }

    /// A reference that does not keep the timeline alive.
    pub(super) fn downgrade(&self) -> WeakTimers {
        WeakTimers {
            table: Rc::downgrade(&self.table),
            tasks: Rc::downgrade(&self.tasks),
        }
    }

    pub(super) fn schedule(&self, when: Instant, callback: Callback) -> DelayedCall {
        self.table.schedule(when, callback)
    }

    /// Runs `future` as a task on this timeline's thread: the reactor's
    /// loop, or the test clock's [`advance`](crate::testing::Clock::advance).
    /// See [`Task`] for awaiting, cancelling and detaching it.
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        self.tasks.spawn(future)
    }

    /// A future that completes once `delay` has passed on this timeline.
    pub fn sleep(&self, delay: Duration) -> Sleep {
        Sleep::new(self.clone(), self.now() + delay)
    }

    /// A future that completes once this timeline reaches `deadline` (at
    /// once if it already did).
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep::new(self.clone(), deadline)
    }

    /// Awaits `future` for at most `limit` from now (asyncio's
    /// `wait_for`): its output, or [`TimedOut`] once the limit passed, in
    /// which case `future` is dropped (which cancels it, if it is a task
    /// handle or a [`Deferred`](crate::deferred::Deferred)). If both are
    /// ready in the same poll, the output wins.
    pub fn timeout<F: Future>(
        &self,
        limit: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, TimedOut>> + use<F> {
        let mut sleep = self.sleep(limit);
        async move {
            let mut future = std::pin::pin!(future);
            std::future::poll_fn(|cx| {
                if let std::task::Poll::Ready(output) = future.as_mut().poll(cx) {
                    return std::task::Poll::Ready(Ok(output));
                }
                std::pin::Pin::new(&mut sleep)
                    .poll(cx)
                    .map(|()| Err(TimedOut { after: limit }))
            })
            .await
        }
    }

    /// Ticks every `period`, on a fixed grid of times from now (see
    /// [`Interval`]).
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    pub fn interval(&self, period: Duration, start_at: StartAt) -> Interval {
        Interval::new(self.clone(), period, start_at)
    }
}

/// A [`Timers`] that does not keep its timeline alive.
pub(super) struct WeakTimers {
    table: Weak<TimerTable>,
    tasks: Weak<Executor>,
}

impl WeakTimers {
    /// The handle, while the timeline exists.
    pub(super) fn upgrade(&self) -> Option<Timers> {
        Some(Timers::new(self.table.upgrade()?, self.tasks.upgrade()?))
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
            .field("tasks", &self.tasks.len())
            .finish()
    }
}
