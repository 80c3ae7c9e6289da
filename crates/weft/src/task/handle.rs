//! [`Task`]: the handle of a spawned future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::cell::Joinable;

/// Why a task gave no output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The task was cancelled: by [`Task::cancel`], by dropping its
    /// handle, or because its reactor stopped.
    #[error("the task was cancelled")]
    Cancelled,
    /// The task's future panicked, with this message; the panic went no
    /// further than the task.
    #[error("the task panicked: {0}")]
    Panicked(String),
}

/// The handle of a future spawned on a reactor or a test clock
/// ([`Reactor::spawn`](crate::Reactor::spawn),
/// [`Timers::spawn`](crate::time::Timers::spawn),
/// [`Clock::spawn`](crate::testing::Clock::spawn)).
///
/// Awaiting it gives the future's output, or a [`TaskError`] if the task
/// was cancelled or panicked.
///
/// **Dropping the handle cancels the task** (its future is dropped at
/// once, or, if the task is dropping its own handle while it runs, as
/// soon as that poll returns), as `async-task`'s `Task` does. Call
/// [`detach`](Self::detach) to let a task run on by itself.
#[must_use = "dropping a Task cancels it; call `.detach()` to let it run on"]
pub struct Task<T> {
    /// `None` once detached.
    cell: Option<Rc<dyn Joinable<T>>>,
}

impl<T> Task<T> {
    pub(crate) fn new(cell: Rc<dyn Joinable<T>>) -> Self {
        Task { cell: Some(cell) }
    }

    fn cell(&self) -> &Rc<dyn Joinable<T>> {
        self.cell
            .as_ref()
            .expect("only `detach` takes the cell, and it consumes the handle")
    }

    /// Lets the task run to completion with no handle; its output is
    /// dropped (a panic is still logged).
    pub fn detach(mut self) {
        self.cell = None;
    }

    /// Cancels the task: its future is dropped and will not be polled
    /// again; awaiting the handle gives [`TaskError::Cancelled`]. Returns
    /// `false` if the task was already over (its outcome stands).
    pub fn cancel(&self) -> bool {
        self.cell().cancel()
    }

    /// Whether the task is over: completed, panicked or cancelled.
    pub fn is_finished(&self) -> bool {
        self.cell().is_finished()
    }

    /// The task's outcome if it is over and was not taken yet, without
    /// waiting: what tests use after driving a clock.
    pub fn try_take(&self) -> Option<Result<T, TaskError>> {
        self.cell().try_take()
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    /// # Panics
    ///
    /// When polled again after it completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.cell().poll_join(cx)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            cell.cancel();
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("finished", &self.is_finished())
            .finish()
    }
}
