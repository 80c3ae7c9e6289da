//! [`LoopingCall`]: call a function at a fixed interval.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::grid::{Grid, StartAt};
use super::{DelayedCall, Scheduler, Timers};
use crate::panic_guard::catch_panic;

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
    grid: Grid,
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
        let grid = Grid::new(scheduler.now(), interval, start_at);
        let first = grid.first();
        let state = Rc::new(RefCell::new(LoopState {
            function: Some(Box::new(function)),
            grid,
            pending: None,
            running: true,
        }));
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
        self.state.borrow().grid.interval()
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
        let count = st.grid.tick(now);
        match st.function.take() {
            Some(function) if st.running => (function, count),
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
    match st.grid.next_deadline(now) {
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
