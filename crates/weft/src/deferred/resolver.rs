//! [`Resolver`]: the producing end of a [`Deferred`](super::Deferred).

use std::fmt;
use std::rc::Rc;

use super::DeferredError;
use super::state::State;

/// Gives a [`Deferred`](super::Deferred) its outcome (Twisted's
/// `callback` and `errback`).
///
/// Clones resolve the same deferred; the first outcome counts. When the
/// last clone is dropped with no outcome given, the deferred fails with
/// [`DeferredError::Abandoned`].
pub struct Resolver<T, E> {
    state: Rc<State<T, E>>,
}

impl<T, E> Resolver<T, E> {
    pub(super) fn new(state: Rc<State<T, E>>) -> Self {
        state.add_resolver();
        Resolver { state }
    }

    /// Gives the deferred its value. Returns `false`, dropping `value`,
    /// if it already has an outcome (it was cancelled, say).
    pub fn resolve(&self, value: T) -> bool {
        self.state.settle(Ok(value))
    }

    /// Fails the deferred with `error`. Returns `false` if it already has
    /// an outcome.
    pub fn fail(&self, error: E) -> bool {
        self.state.settle(Err(DeferredError::Failed(error)))
    }

    /// Gives the deferred `outcome`: a value or a failure.
    pub fn settle(&self, outcome: Result<T, E>) -> bool {
        match outcome {
            Ok(value) => self.resolve(value),
            Err(error) => self.fail(error),
        }
    }

    /// Whether the deferred still waits for its outcome (it has none, and
    /// was neither cancelled nor dropped): the producer can stop working
    /// for it once this is `false`.
    pub fn is_waiting(&self) -> bool {
        self.state.is_pending()
    }
}

impl<T, E> Clone for Resolver<T, E> {
    fn clone(&self) -> Self {
        Resolver::new(self.state.clone())
    }
}

impl<T, E> Drop for Resolver<T, E> {
    fn drop(&mut self) {
        self.state.drop_resolver();
    }
}

impl<T, E> fmt::Debug for Resolver<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("waiting", &self.is_waiting())
            .finish()
    }
}
