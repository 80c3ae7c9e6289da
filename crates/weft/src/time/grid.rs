//! [`Grid`]: the fixed grid of times a repeating schedule keeps to.

use std::time::{Duration, Instant};

/// When a repeating schedule ([`LoopingCall`](super::LoopingCall),
/// [`Interval`](super::Interval)) fires first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    /// At once (on the scheduler's next pass), then every interval.
    Now,
    /// One interval after starting, then every interval.
    AfterInterval,
}

/// Times `start + k × interval`, and which of them a repeating schedule
/// last fired for: a late tick counts the intervals it covers instead of
/// firing once per missed interval (Twisted's `LoopingCall.withCount`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Grid {
    interval: Duration,
    started: Instant,
    /// Index of the interval of the previous tick; -1 before the first.
    last_interval: i64,
}

impl Grid {
    pub(crate) fn new(started: Instant, interval: Duration, start_at: StartAt) -> Self {
        Grid {
            interval,
            started,
            last_interval: if start_at == StartAt::Now { -1 } else { 0 },
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// When the first tick is due.
    pub(crate) fn first(&self) -> Instant {
        if self.last_interval < 0 {
            self.started
        } else {
            self.started + self.interval
        }
    }

    fn interval_index(&self, at: Instant) -> i64 {
        let nanos = self.interval.as_nanos().max(1);
        let elapsed = at.saturating_duration_since(self.started).as_nanos();
        i64::try_from(elapsed / nanos).unwrap_or(i64::MAX)
    }

    /// Records a tick at `now`; returns how many intervals passed since
    /// the previous one (at least 1; always 1 for a zero interval).
    pub(crate) fn tick(&mut self, now: Instant) -> u64 {
        let this_interval = self.interval_index(now);
        let count = if self.interval.is_zero() {
            1
        } else {
            (this_interval - self.last_interval).max(1)
        };
        self.last_interval = this_interval;
        count.unsigned_abs()
    }

    /// The start of the interval after the one `now` falls in, always
    /// later than `now` (`now` itself for a zero interval); `None` past
    /// what an [`Instant`] can hold.
    pub(crate) fn next_deadline(&self, now: Instant) -> Option<Instant> {
        if self.interval.is_zero() {
            return Some(now);
        }
        let intervals = u128::try_from(self.interval_index(now)).ok()? + 1;
        let nanos = self.interval.as_nanos().checked_mul(intervals)?;
        let offset = Duration::new(
            u64::try_from(nanos / 1_000_000_000).ok()?,
            u32::try_from(nanos % 1_000_000_000).ok()?,
        );
        self.started.checked_add(offset)
    }
}
