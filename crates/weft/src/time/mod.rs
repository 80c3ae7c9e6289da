//! Time: scheduling work for later, without I/O.
//!
//! - [`Scheduler`] is what anything that schedules work takes: the reactor
//!   implements it with the system clock, [`crate::testing::Clock`] with a
//!   clock moved by hand, so the same code runs in production and in tests.
//!   [`Timers`] is the concrete handle both give out, to keep in a struct
//!   without being generic over where time comes from.
//! - [`DelayedCall`] is the handle of one scheduled call: cancel, reset,
//!   delay, ask whether it is still pending (Twisted's `IDelayedCall`).
//! - [`LoopingCall`] calls a function at a fixed interval and says how many
//!   intervals went by when it fell behind (Twisted's `LoopingCall.withCount`).
//! - Futures on the same timeline, for async code: [`Sleep`]
//!   ([`Timers::sleep`]), [`Timers::timeout`] (asyncio's `wait_for`) and
//!   [`Interval`] (the async `LoopingCall`). On the test clock they
//!   complete as [`advance`](crate::testing::Clock::advance) moves time,
//!   with no real waiting.
//! - [`Alarms`] and [`Timed`]: timers owned by a protocol, whose calls
//!   get the protocol itself (`&mut self`), like Twisted's
//!   `callLater(1, self.sendNext)`.
//! - [`TimerQueue`] is the plain data structure underneath, usable on its own
//!   (the game keeps its timeline in one).

mod alarms;
mod delayed_call;
mod grid;
mod interval;
mod looping_call;
mod queue;
mod sleep;
mod timer_table;
mod timers;

use std::time::{Duration, Instant};

pub use alarms::{Alarms, Timed};
pub use delayed_call::DelayedCall;
pub use grid::StartAt;
pub use interval::Interval;
pub use looping_call::LoopingCall;
pub use queue::{ScheduleMark, TimerId, TimerQueue};
pub use sleep::Sleep;
pub(crate) use timer_table::TimerTable;
pub use timers::Timers;

/// A [`Timers::timeout`] whose limit passed before its future completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {after:?}")]
pub struct TimedOut {
    /// The limit.
    pub after: Duration,
}

/// A callback a [`Scheduler`] runs once at its deadline.
pub type Callback = Box<dyn FnOnce() + 'static>;

/// Something that runs callbacks at given times: the reactor, a test clock,
/// or the [`Timers`] handle either gives out.
///
/// Contract shared by every implementation (they all schedule on the same
/// kind of timeline, so the contract holds by construction):
/// - a callback runs once, no earlier than its deadline, on the scheduler's
///   thread; callbacks due at the same time run in the order they were
///   scheduled;
/// - a callback may schedule, cancel and reset any call, its own included;
/// - a call scheduled from inside a callback never runs in the same pass as
///   that callback, even with a zero delay (no starvation of I/O);
/// - a panicking callback is logged and does not stop the scheduler.
///
/// The trait is object-safe: `&dyn Scheduler` works, with
/// [`call_at`](Self::call_at) (and [`timers`](Self::timers)`().call_later`).
pub trait Scheduler {
    /// The handle on this scheduler's timeline.
    fn timers(&self) -> Timers;

    /// The scheduler's current time.
    fn now(&self) -> Instant {
        self.timers().table.now()
    }

    /// Schedules `callback` to run at `when` (at once, on the next pass, if
    /// `when` is already past).
    fn call_at(&self, when: Instant, callback: Callback) -> DelayedCall {
        self.timers().schedule(when, callback)
    }

    /// Schedules `callback` to run `delay` from now.
    fn call_later<F: FnOnce() + 'static>(&self, delay: Duration, callback: F) -> DelayedCall
    where
        Self: Sized,
    {
        self.call_at(self.now() + delay, Box::new(callback))
    }
}
