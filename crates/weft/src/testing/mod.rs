//! Test doubles: drive protocols and timers without sockets or wall-clock
//! time.
//!
//! - [`Clock`]: a [`Scheduler`](crate::time::Scheduler) whose time moves only
//!   when the test says so.

mod clock;

pub use clock::Clock;
