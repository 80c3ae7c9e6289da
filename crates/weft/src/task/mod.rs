//! Tasks: futures run on the reactor's own thread.
//!
//! Callbacks stay weft's core; futures sit on top of them, on the same
//! thread. [`Reactor::spawn`](crate::Reactor::spawn) (or
//! [`Timers::spawn`](crate::time::Timers::spawn), which works the same on
//! the reactor and on the test clock) runs a future that need not be
//! `Send` and gives back a [`Task`]: await it for the output, drop it or
//! [`cancel`](Task::cancel) it to stop the future,
//! [`detach`](Task::detach) it to let the future run on alone. A panic
//! inside a task ends that task only; whoever awaits it gets
//! [`TaskError::Panicked`].
//!
//! How it runs:
//! - A woken task is queued. A wake on the reactor's thread (a timer
//!   firing, a protocol resolving a [`Deferred`](crate::deferred::Deferred),
//!   another task) pushes onto a local queue: no lock, no system call. A
//!   wake from another thread goes to a locked inbox and, once per batch,
//!   through the reactor's cross-thread waker (the one
//!   [`Remote::call_from_thread`](crate::Remote::call_from_thread) uses).
//! - Each loop iteration, after I/O and due timers, the reactor polls the
//!   tasks that were ready when the turn began, each once, at most 256 of
//!   them; the rest wait for the next iteration, which does not wait for
//!   readiness. So a busy task cannot starve connections or timers, and
//!   writes a task makes are flushed when its poll returns.
//! - The tasks a connection's read wakes (a stream's reader) are polled
//!   right after that read, before the next connection is read, as a
//!   callback protocol's `data_received` answers at once; a connection's
//!   read turn is bounded, so these polls are too.
//! - When the reactor stops, its tasks are cancelled (their futures
//!   dropped), like its timers; a task spawned on a stopped reactor is
//!   cancelled at once.
//! - [`Reactor::block_on`](crate::Reactor::block_on) and
//!   [`react`](crate::react) run a future to completion from `main`.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `handle.rs` | [`Task`], the handle, and [`TaskError`] |
//! | `cell.rs` | one task's storage: its future, then its output |
//! | `executor.rs` | the table of tasks and the batch that polls them |
//! | `waker.rs` | waking: the local queue, the inbox for other threads |
//! | `in_thread.rs` | [`InThread`]: a blocking function's value, from a pool thread |
//! | `yield_now.rs` | giving way to the others |

mod cell;
mod executor;
mod handle;
mod in_thread;
mod waker;
mod yield_now;

pub(crate) use executor::Executor;
pub use handle::{Task, TaskError};
pub use in_thread::{InThread, ThreadError};
pub(crate) use waker::Notify;
pub use yield_now::{YieldNow, yield_now};
