//! [`gather`] and [`gather_ok`]: awaiting several futures at once
//! (Twisted's `DeferredList`, asyncio's `gather`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One future of a gathering, then its output.
enum Slot<F: Future> {
    Running(Pin<Box<F>>),
    Done(F::Output),
    Taken,
}

impl<F: Future> Slot<F> {
    /// Polls a running future; returns whether it (now) has its output.
    fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        if let Slot::Running(future) = self {
            match future.as_mut().poll(cx) {
                Poll::Ready(output) => *self = Slot::Done(output),
                Poll::Pending => return false,
            }
        }
        true
    }

    fn take(&mut self) -> Option<F::Output> {
        match std::mem::replace(self, Slot::Taken) {
            Slot::Done(output) => Some(output),
            _ => None,
        }
    }
}

fn slots<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<Slot<F>> {
    futures
        .into_iter()
        .map(|future| Slot::Running(Box::pin(future)))
        .collect()
}

/// Awaits every future and gives their outputs in the order the futures
/// were given, whatever order they complete in (Twisted's
/// `DeferredList`, asyncio's `gather(return_exceptions=True)`).
/// Dropping the gathering drops (so cancels) the futures still running.
pub fn gather<F: Future>(futures: impl IntoIterator<Item = F>) -> Gather<F> {
    Gather {
        slots: slots(futures),
    }
}

/// Awaits futures that give a `Result`: every value in order, or the
/// first error as soon as one fails, dropping (so cancelling) the others
/// (`DeferredList(fireOnOneErrback=True)`, asyncio's `gather`).
pub fn gather_ok<F, T, E>(futures: impl IntoIterator<Item = F>) -> GatherOk<F>
where
    F: Future<Output = Result<T, E>>,
{
    GatherOk {
        slots: slots(futures),
    }
}

/// The future of [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    slots: Vec<Slot<F>>,
}

// The futures are pinned in their boxes; nothing else is ever pinned.
impl<F: Future> Unpin for Gather<F> {}
impl<F: Future> Unpin for GatherOk<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut all_done = true;
        for slot in &mut self.slots {
            all_done &= slot.poll(cx);
        }
        if !all_done {
            return Poll::Pending;
        }
        Poll::Ready(self.slots.iter_mut().filter_map(Slot::take).collect())
    }
}

/// The future of [`gather_ok`].
#[must_use = "futures do nothing unless awaited"]
pub struct GatherOk<F: Future> {
    slots: Vec<Slot<F>>,
}

impl<F, T, E> Future for GatherOk<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut all_done = true;
        for index in 0..self.slots.len() {
            let slot = &mut self.slots[index];
            if !slot.poll(cx) {
                all_done = false;
            } else if matches!(slot, Slot::Done(Err(_))) {
                let Some(Err(error)) = slot.take() else {
                    unreachable!("the slot was just seen holding an error")
                };
                self.slots.clear();
                return Poll::Ready(Err(error));
            }
        }
        if !all_done {
            return Poll::Pending;
        }
        let values = self.slots.iter_mut().filter_map(Slot::take);
        Poll::Ready(Ok(values.filter_map(Result::ok).collect()))
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("futures", &self.slots.len())
            .finish()
    }
}

impl<F: Future> fmt::Debug for GatherOk<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherOk")
            .field("futures", &self.slots.len())
            .finish()
    }
}
