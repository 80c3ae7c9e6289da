//! [`TaskCell`]: one spawned task's storage — its future while it runs,
//! then its output until the handle takes it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::TaskError;
use super::executor::Executor;
use super::waker::{TaskKey, TaskWaker};
use crate::panic_guard::catch_panic;

/// What the executor does with a task: poll it, or drop it when the
/// executor closes.
pub(crate) trait Runnable {
    /// Polls the task once; returns `true` once it is over (finished,
    /// panicked or cancelled), when the executor forgets it.
    fn run(&self) -> bool;

    /// Drops the future, if it is still there, and records the
    /// cancellation for the handle.
    fn cancel(&self) -> bool;
}

/// What a [`Task`](super::Task) handle does with its task.
pub(crate) trait Joinable<T> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>>;
    fn try_take(&self) -> Option<Result<T, TaskError>>;
    fn is_finished(&self) -> bool;
    fn cancel(&self) -> bool;
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    Taken,
}

/// A spawned future and, once it is over, its outcome.
///
/// The cell lives in an `Rc` shared by the executor's table and the
/// task's handle, and is never moved out of it: that is what lets the
/// future be polled in place (see `run`).
pub(crate) struct TaskCell<F: Future> {
    key: TaskKey,
    executor: Weak<Executor>,
    waker_state: Arc<TaskWaker>,
    waker: Waker,
    stage: RefCell<Stage<F>>,
    /// The outcome is known (the future is gone or going).
    over: Cell<bool>,
    /// A cancel arrived while the future was being polled or dropped; it
    /// is carried out when that ends.
    cancel_requested: Cell<bool>,
    /// Who awaits the handle.
    joiner: Cell<Option<Waker>>,
}

impl<F: Future + 'static> TaskCell<F> {
    pub(crate) fn new(
        future: F,
        key: TaskKey,
        executor: Weak<Executor>,
        waker_state: Arc<TaskWaker>,
    ) -> Rc<Self> {
        let waker = Waker::from(waker_state.clone());
        Rc::new(TaskCell {
            key,
            executor,
            waker_state,
            waker,
            stage: RefCell::new(Stage::Running(future)),
            over: Cell::new(false),
            cancel_requested: Cell::new(false),
            joiner: Cell::new(None),
        })
    }

    /// Ends the task with `outcome`, dropping the future in place (its
    /// destructor may use this task's handle: the stage is borrowed, so
    /// such calls see a task that is over or record a cancel).
    fn finish(&self, stage: &mut Stage<F>, outcome: Result<F::Output, TaskError>) {
        self.over.set(true);
        let _ = catch_panic("dropping a task's future", || {
            *stage = Stage::Finished(outcome);
        });
    }

    fn wake_joiner(&self) {
        if let Some(joiner) = self.joiner.take() {
            joiner.wake();
        }
    }
}

impl<F: Future + 'static> Runnable for TaskCell<F> {
    fn run(&self) -> bool {
        self.waker_state.clear();
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            return false;
        };
        let Stage::Running(future) = &mut *stage else {
            return true;
        };
        // SAFETY: the future is never moved. It lives inside this cell,
        // which is only ever reached through an `Rc` (it is created in
        // one and nothing takes it out), so its address is fixed for the
        // cell's life. The `Running` variant is only ever left by
        // assigning a new stage over it (`finish`), which drops the
        // future in place, so its memory is not reused before its
        // destructor runs: `Pin`'s drop guarantee holds.
        let future = unsafe { Pin::new_unchecked(future) };
        let mut cx = Context::from_waker(&self.waker);
        let outcome = match catch_panic("task", || future.poll(&mut cx)) {
            Ok(Poll::Pending) if !self.cancel_requested.get() => return false,
            Ok(Poll::Pending) => Err(TaskError::Cancelled),
            Ok(Poll::Ready(output)) => Ok(output),
            Err(message) => Err(TaskError::Panicked(message)),
        };
        self.finish(&mut stage, outcome);
        drop(stage);
        self.wake_joiner();
        true
    }

    fn cancel(&self) -> bool {
        if self.over.get() {
            return false;
        }
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            // Being polled or dropped right now: `run` finishes the job.
            self.cancel_requested.set(true);
            return true;
        };
        if !matches!(*stage, Stage::Running(_)) {
            return false;
        }
        self.finish(&mut stage, Err(TaskError::Cancelled));
        drop(stage);
        self.wake_joiner();
        true
    }
}

impl<F: Future + 'static> Joinable<F::Output> for TaskCell<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, TaskError>> {
        match self.try_take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                assert!(
                    !matches!(*self.stage.borrow(), Stage::Taken),
                    "a task's handle was polled after it completed"
                );
                self.joiner.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        }
    }

    fn try_take(&self) -> Option<Result<F::Output, TaskError>> {
        let mut stage = self.stage.try_borrow_mut().ok()?;
        if !matches!(*stage, Stage::Finished(_)) {
            return None;
        }
        match std::mem::replace(&mut *stage, Stage::Taken) {
            Stage::Finished(outcome) => Some(outcome),
            _ => None,
        }
    }

    fn is_finished(&self) -> bool {
        self.over.get()
    }

    fn cancel(&self) -> bool {
        let cancelled = Runnable::cancel(self);
        if cancelled && self.over.get() {
            if let Some(executor) = self.executor.upgrade() {
                executor.forget(self.key);
            }
        }
        cancelled
    }
}
