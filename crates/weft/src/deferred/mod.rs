//! [`Deferred`]: a one-shot result that callback code resolves and async
//! code awaits (Twisted's `Deferred`, asyncio's `Future`).
//!
//! The producer — a protocol, a timer callback, a factory — keeps the
//! [`Resolver`] and calls [`resolve`](Resolver::resolve) or
//! [`fail`](Resolver::fail) once it knows the outcome; the consumer awaits
//! the [`Deferred`] and gets `Result<T, DeferredError<E>>`:
//!
//! ```
//! use std::time::Duration;
//! use weft::deferred::{Deferred, DeferredError};
//! use weft::testing::Clock;
//! use weft::time::Scheduler;
//!
//! let clock = Clock::new();
//! let (answer, resolver) = Deferred::<u32, String>::new();
//! // Callback code resolves it, here a timer a second from now:
//! clock.call_later(Duration::from_secs(1), move || {
//!     resolver.resolve(42);
//! });
//! // Async code awaits it:
//! let task = clock.spawn(async move { answer.await });
//! clock.advance(Duration::from_secs(1));
//! assert_eq!(task.try_take(), Some(Ok(Ok(42))));
//! ```
//!
//! Contract, after Twisted's:
//! - The first outcome counts; later ones are ignored and
//!   [`resolve`](Resolver::resolve) says so by returning `false`
//!   (Twisted raises `AlreadyCalledError`, except after a cancel).
//! - A failure reaches the awaiting code as [`DeferredError::Failed`];
//!   `?` carries it on from there.
//! - [`cancel`](Deferred::cancel) (or dropping the `Deferred` before its
//!   outcome) runs the producer's canceller, given with
//!   [`with_canceller`](Deferred::with_canceller). The canceller may
//!   resolve or fail the deferred itself; if it does not (or there is no
//!   canceller), the outcome is [`DeferredError::Cancelled`]. Cancelling
//!   after the outcome changes nothing. A result that arrives after a
//!   cancel is dropped.
//! - If every [`Resolver`] is dropped with no outcome, the awaiting code
//!   gets [`DeferredError::Abandoned`] instead of waiting forever.
//! - [`Deferred::timeout`] cancels it once a limit passes (Twisted's
//!   `addTimeout`); [`gather`] and [`gather_ok`] await several
//!   (`DeferredList`, asyncio's `gather`).
//!
//! A deferred lives on one thread (the reactor's), like the callback code
//! that resolves it.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `state.rs` | the outcome the two ends share |
//! | `future.rs` | [`Deferred`], the awaiting end, its cancel and timeout |
//! | `resolver.rs` | [`Resolver`], the producing end |
//! | `error.rs` | [`DeferredError`] |
//! | `gather.rs` | [`gather`], [`gather_ok`]: awaiting several |

mod error;
mod future;
mod gather;
mod resolver;
mod state;

pub use error::DeferredError;
pub use future::Deferred;
pub use gather::{Gather, GatherOk, gather, gather_ok};
pub use resolver::Resolver;
