//! [`LoopingCall`]: call a function at a fixed interval.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{DelayedCall, Scheduler, Timers};
use crate::panic_guard::catch_panic;

/// When a [`LoopingCall`] makes its first call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    /// At once (on the scheduler's next pass), then every interval.
    Now,
    /// One interval after starting, then every interval.
    AfterInterval,
}

/// Calls a function every `interval`, on a fixed grid of times measured from
/// the start (Twisted's `LoopingCall.withCount`).
///
/// The function receives the number of intervals that elapsed since its
/// previous call (1 when on time, more when the scheduler fell behind, for
/// example after a long blocking callback): a game can advance its state by
/// that many ticks. Missed intervals are not called one by one.
///
/// The loop runs until [`stop`](Self::stop) (callable from inside the
/// function), until the function panics (a panic is logged and ends the
/// loop), or until its scheduler is gone (a reactor that stopped). Dropping
/// the handle does not stop the loop; clones share it.
#[derive(Clone)]
pub struct LoopingCall {
    state: Rc<RefCell<LoopState>>,
}

struct LoopState {
    /// `None` while the function is running (it is taken out of the state so
    /// that it may call back into this handle).
    function: Option<Box<dyn FnMut(u64)>>,
    interval: Duration,
    started: Instant,
    /// Index of the interval of the previous call; -1 before the first.
    last_interval: i64,
    pending: Option<DelayedCall>,
    running: bool,
}

impl LoopingCall {
    /// Starts calling `function` every `interval` on `scheduler`.
    ///
    /// A zero `interval` calls the function once per scheduler pass, with a
    /// count of 1.
    pub fn start<F>(
        scheduler: &dyn Scheduler,
        interval: Duration,
        start_at: StartAt,
        function: F,
    ) -> Self
    where
        F: FnMut(u64) + 'static,
    {
        let started = scheduler.now();
        let state = Rc::new(RefCell::new(LoopState {
            function: Some(Box::new(function)),
            interval,
            started,
            last_interval: if start_at == StartAt::Now { -1 } else { 0 },
            pending: None,
            running: true,
        }));
        let first = match start_at {
            StartAt::Now => started,
            StartAt::AfterInterval => started + interval,
        };
        schedule_tick(scheduler.timers(), &state, first);
        LoopingCall { state }
    }

    /// Stops the loop: the function is not called again. Returns `false` if
    /// it was already stopped.
    pub fn stop(&self) -> bool {
        let mut state = self.state.borrow_mut();
        let was_running = std::mem::replace(&mut state.running, false);
        if let Some(pending) = state.pending.take() {
            pending.cancel();
        }
        was_running
    }

    /// Whether the loop is still running.
    pub fn running(&self) -> bool {
        self.state.borrow().running
    }

    /// The loop's interval.
    pub fn interval(&self) -> Duration {
        self.state.borrow().interval
    }
}

impl LoopState {
    fn interval_index(&self, at: Instant) -> i64 {
        let nanos = self.interval.as_nanos().max(1);
        let elapsed = at.saturating_duration_since(self.started).as_nanos();
        i64::try_from(elapsed / nanos).unwrap_or(i64::MAX)
    }

    /// The start of the interval after the one `now` falls in, always
    /// later than `now`; `None` past what an [`Instant`] can hold.
    fn next_deadline(&self, now: Instant) -> Option<Instant> {
        if self.interval.is_zero() {
            return Some(now);
        }
        let intervals = u128::try_from(self.interval_index(now)).ok()? + 1;
        let nanos = self.interval.as_nanos().checked_mul(intervals)?;
        let offset = Duration::new(
            u64::try_from(nanos / 1_000_000_000).ok()?,
            u32::try_from(nanos % 1_000_000_000).ok()?,
        );
        self.started.checked_add(offset)
    }
}

/// Schedules the next tick. The scheduled call owns the loop's state (so
/// the loop runs on with no handle left) and only a weak reference to its
/// timeline (so the loop does not keep its own scheduler alive).
fn schedule_tick(scheduler: Timers, state: &Rc<RefCell<LoopState>>, when: Instant) {
    let looping = state.clone();
    let timeline = scheduler.downgrade();
    let call = scheduler.call_at(
        when,
        Box::new(move || {
            if let Some(scheduler) = timeline.upgrade() {
                tick(scheduler, &looping);
            }
        }),
    );
    state.borrow_mut().pending = Some(call);
}

fn tick(scheduler: Timers, state: &Rc<RefCell<LoopState>>) {
    let now = scheduler.now();
    let (mut function, count) = {
        let mut st = state.borrow_mut();
        st.pending = None;
        let this_interval = st.interval_index(now);
        let count = if st.interval.is_zero() {
            1
        } else {
            (this_interval - st.last_interval).max(1)
        };
        st.last_interval = this_interval;
        match st.function.take() {
            Some(function) if st.running => (function, count.unsigned_abs()),
            _ => return,
        }
    };
    let outcome = catch_panic("looping call", || function(count));
    let mut st = state.borrow_mut();
    st.function = Some(function);
    if outcome.is_err() {
        st.running = false;
    }
    if !st.running {
        return;
    }
    match st.next_deadline(now) {
        Some(next) => {
            drop(st);
            schedule_tick(scheduler, state, next);
        }
        None => {
            tracing::warn!("a looping call reached the end of representable time; it stops");
            st.running = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;
    use crate::testing::Clock;

    #[test]
    fn a_loop_past_four_billion_intervals_waits_for_the_next_one() {
        let clock = Clock::new();
        let calls = Rc::new(Cell::new(0_u32));
        let c = calls.clone();
        let looping =
            LoopingCall::start(&clock, Duration::from_nanos(1), StartAt::Now, move |_| {
                c.set(c.get() + 1);
                // A loop that spins would call again and again within one
                // advance; stop it here rather than hang the test.
                assert!(c.get() < 10, "called again without time passing");
            });
        clock.advance(Duration::ZERO);
        // More intervals than a u32 counts.
        clock.advance(Duration::from_secs(5));
        clock.advance(Duration::ZERO);
        assert_eq!(calls.get(), 2);
        assert!(looping.running());
        clock.advance(Duration::from_nanos(1));
        assert_eq!(calls.get(), 3);
    }
}
