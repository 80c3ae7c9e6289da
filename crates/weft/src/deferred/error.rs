//! [`DeferredError`]: why a [`Deferred`](super::Deferred) gave no value.

use std::time::Duration;

/// Why a [`Deferred`](super::Deferred) gave no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeferredError<E> {
    /// The producer failed with this error ([`Resolver::fail`](super::Resolver::fail)).
    #[error("{0}")]
    Failed(E),
    /// The deferred was cancelled and its canceller gave no outcome.
    #[error("the deferred was cancelled")]
    Cancelled,
    /// [`Deferred::timeout`](super::Deferred::timeout)'s limit passed
    /// first; the deferred was cancelled.
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    /// Every resolver was dropped without an outcome: the producer went
    /// away.
    #[error("the producer went away without a result")]
    Abandoned,
}

impl<E> DeferredError<E> {
    /// The producer's error, if that is why.
    pub fn failure(&self) -> Option<&E> {
        match self {
            DeferredError::Failed(error) => Some(error),
            _ => None,
        }
    }
}
