//! [`Sleep`]: a future that completes at a deadline of a timeline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::timer_table::Due;
use super::{Scheduler, TimerId, Timers};

/// Completes once its timeline reaches its deadline
/// ([`Timers::sleep`], [`Timers::sleep_until`]).
///
/// The timer is registered on the first poll (a sleep never polled costs
/// nothing) and holds the waker itself, with no boxed callback; dropping
/// the sleep cancels it. On the test clock it completes when
/// [`advance`](crate::testing::Clock::advance) reaches the deadline. On a
/// reactor that stopped it never completes (the reactor drops its tasks).
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    timers: Timers,
    deadline: Instant,
    /// The registered timer, while pending.
    timer: Option<TimerId>,
    done: bool,
}

impl Sleep {
    pub(super) fn new(timers: Timers, deadline: Instant) -> Self {
        Sleep {
            timers,
            deadline,
            timer: None,
            done: false,
        }
    }

    pub(super) fn timers(&self) -> &Timers {
        &self.timers
    }

    /// When it completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether it completed.
    pub fn is_elapsed(&self) -> bool {
        self.done
    }

    /// Moves the deadline (earlier or later), even after the sleep
    /// completed: it then waits again.
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.done = false;
        if let Some(id) = self.timer {
            if !self.timers.table.queue().borrow_mut().reset(id, deadline) {
                self.timer = None;
            }
        }
    }

    /// Moves the deadline to `delay` from now.
    pub fn reset_after(&mut self, delay: Duration) {
        let deadline = self.timers.now() + delay;
        self.reset(deadline);
    }

    fn cancel_timer(&mut self) {
        if let Some(id) = self.timer.take() {
            let cancelled = self.timers.table.queue().borrow_mut().cancel(id);
            drop(cancelled);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let table = self.timers.table.clone();
        match self.timer {
            Some(id) => {
                let mut queue = table.queue().borrow_mut();
                match queue.get_mut(id) {
                    Some(Due::Wake(waker)) => {
                        if !waker.will_wake(cx.waker()) {
                            waker.clone_from(cx.waker());
                        }
                        return Poll::Pending;
                    }
                    Some(Due::Call(_)) => unreachable!("a sleep's timer holds a waker"),
                    None => {
                        drop(queue);
                        self.timer = None;
                        if table.is_closed() {
                            return Poll::Pending;
                        }
                    }
                }
            }
            None => {
                if table.now() < self.deadline {
                    let id = table.schedule_due(self.deadline, Due::Wake(cx.waker().clone()));
                    self.timer = Some(id);
                    return Poll::Pending;
                }
            }
        }
        self.done = true;
        Poll::Ready(())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("elapsed", &self.done)
            .finish()
    }
}
