//! [`yield_now`]: let the other tasks, I/O and timers have their turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Gives way once: the task is queued again behind every task already
/// ready, and on a reactor it runs again in the next loop iteration, after
/// I/O and timers had their turn.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
