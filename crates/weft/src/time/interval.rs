//! [`Interval`]: ticks at a fixed period, as a future per tick.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::grid::{Grid, StartAt};
use super::{Scheduler, Sleep, Timers};

/// Ticks every period on a fixed grid of times from its start
/// ([`Timers::interval`]): the async form of
/// [`LoopingCall`](super::LoopingCall).
///
/// Each [`tick`](Self::tick) completes at the next time of the grid and
/// says how many periods passed since the previous tick: 1 when on time,
/// more when the task fell behind (missed ticks are not replayed one by
/// one). Read it as a stream:
///
/// ```
/// # use std::time::Duration;
/// # use weft::testing::Clock;
/// # use weft::time::{Scheduler, StartAt};
/// let clock = Clock::new();
/// let timers = clock.timers();
/// let task = clock.spawn(async move {
///     let mut ticks = timers.interval(Duration::from_secs(1), StartAt::AfterInterval);
///     let mut seen = 0;
///     while seen < 3 {
///         seen += ticks.tick().await;
///     }
///     seen
/// });
/// clock.advance(Duration::ZERO); // the task starts
/// clock.pump(&[Duration::from_secs(1); 3]);
/// assert_eq!(task.try_take(), Some(Ok(3)));
/// ```
#[derive(Debug)]
pub struct Interval {
    grid: Grid,
    sleep: Sleep,
    /// Past the end of representable time: no tick comes again.
    ended: bool,
}

impl Interval {
    pub(super) fn new(timers: Timers, period: Duration, start_at: StartAt) -> Self {
        assert!(!period.is_zero(), "an interval's period must not be zero");
        let grid = Grid::new(timers.now(), period, start_at);
        let sleep = timers.sleep_until(grid.first());
        Interval {
            grid,
            sleep,
            ended: false,
        }
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.grid.interval()
    }

    /// Completes at the next tick with the number of periods since the
    /// previous one (at least 1).
    pub fn tick(&mut self) -> impl Future<Output = u64> + '_ {
        std::future::poll_fn(|cx| self.poll_tick(cx))
    }

    /// Polls for the next tick (what [`tick`](Self::tick) awaits).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        if self.ended || Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = self.sleep.timers().now();
        let count = self.grid.tick(now);
        match self.grid.next_deadline(now) {
            Some(next) => self.sleep.reset(next),
            None => {
                tracing::warn!("an interval reached the end of representable time; it stops");
                self.ended = true;
            }
        }
        Poll::Ready(count)
    }
}

/// The ticks as a stream (`futures::StreamExt` and friends work on it):
/// each item is the count [`tick`](Interval::tick) gives. It never ends
/// before the end of representable time.
impl futures_core::Stream for Interval {
    type Item = u64;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        this.poll_tick(cx).map(Some)
    }
}
