//! The arena's timeline: the current time, what is due later, and what has
//! happened so far.
//!
//! Time is virtual: a [`Duration`] since the arena was created, told by the
//! caller. Everything due at one point of the timeline (a fuse, a fire
//! going out, a round timer, a bot's turn) waits in one queue, so that
//! things due at the same time happen in the order they were scheduled.
//! What happened is logged as [`Event`]s with their times.

use std::time::Duration;

use weft::time::{TimerId, TimerQueue};

use super::events::Event;
use super::pawn::PawnId;
use super::position::Pos;

/// The latest time an arena reaches (about 34,000 years): a later time
/// counts as this one, so that adding a duration to the arena's time never
/// overflows.
pub const END_OF_TIME: Duration = Duration::from_secs(1 << 40);

/// The longest stretch of bot play and round cycles one advance plays out
/// (see [`crate::game::Arena::MAX_CATCH_UP`]).
pub const MAX_CATCH_UP: Duration = Duration::from_secs(60);

/// `delay` after `now`, no later than [`END_OF_TIME`].
pub fn later(now: Duration, delay: Duration) -> Duration {
    now.saturating_add(delay).min(END_OF_TIME)
}

/// Which of the round cycle's timers rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoundAlarm {
    /// The countdown ends: play starts.
    Start,
    /// The round's time limit is reached.
    TimeUp,
    /// The pause after a round ends: the next board is laid out.
    Next,
}

/// Something due at a point of the timeline.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Timed {
    /// The fuse of the bomb at this tile runs out.
    Fuse(Pos),
    /// The fire at this tile goes out.
    FireOut(Pos),
    /// A round timer rings.
    Round(RoundAlarm),
    /// A bot's turn to act.
    BotTurn(PawnId),
}

/// The current time as play is scheduled from it: bots' turns and round
/// timers fall no earlier than the start of the window an advance plays
/// out in full (see [`MAX_CATCH_UP`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Moment {
    now: Duration,
    /// The start of the window played out in full.
    floor: Duration,
}

impl Moment {
    /// `now`, with nothing played out before `floor`.
    pub(crate) fn new(now: Duration, floor: Duration) -> Moment {
        Moment { now, floor }
    }

    /// The current time.
    pub(crate) fn now(self) -> Duration {
        self.now
    }

    /// `delay` from now, no later than [`END_OF_TIME`].
    pub(crate) fn later(self, delay: Duration) -> Duration {
        later(self.now, delay)
    }

    /// When play asked for at `at` happens: at the window's start if that
    /// is later, never after [`END_OF_TIME`]; `None` once the arena has
    /// reached the end of time (nothing more is scheduled).
    pub(crate) fn play_at(self, at: Duration) -> Option<Duration> {
        (self.now < END_OF_TIME).then(|| at.max(self.floor).min(END_OF_TIME))
    }
}

/// The arena's time, its queue of what is due, and its log of what
/// happened.
///
/// Contract: the time never goes backwards; every event is logged with the
/// time it happened and counted in [`Timeline::version`]; at most one round
/// timer is pending.
pub(crate) struct Timeline {
    queue: TimerQueue<Timed, Duration>,
    moment: Moment,
    round_alarm: Option<TimerId>,
    log: Vec<(Duration, Event)>,
    /// Events ever logged.
    version: u64,
}

impl Timeline {
    /// Time zero, nothing due, nothing happened.
    pub(crate) fn new() -> Timeline {
        Timeline {
            queue: TimerQueue::new(),
            moment: Moment::new(Duration::ZERO, Duration::ZERO),
            round_alarm: None,
            log: Vec::new(),
            version: 0,
        }
    }

    /// The current time.
    pub(crate) fn now(&self) -> Duration {
        self.moment.now
    }

    /// The current time as play is scheduled from it.
    pub(crate) fn moment(&self) -> Moment {
        self.moment
    }

    /// `delay` from now, no later than [`END_OF_TIME`].
    pub(crate) fn later(&self, delay: Duration) -> Duration {
        self.moment.later(delay)
    }

    /// Starts playing out the timeline up to `target`: returns `target`
    /// made no earlier than now and no later than [`END_OF_TIME`], and
    /// makes the last [`MAX_CATCH_UP`] before it the window played out in
    /// full.
    pub(crate) fn begin_advance(&mut self, target: Duration) -> Duration {
        let target = target.min(END_OF_TIME).max(self.moment.now);
        self.moment.floor = target.saturating_sub(MAX_CATCH_UP);
        target
    }

    /// Moves the current time to `at`, which callers take from
    /// [`Timeline::begin_advance`] or [`Timeline::next_deadline`] (never
    /// earlier than now).
    pub(crate) fn move_to(&mut self, at: Duration) {
        self.moment.now = at;
    }

    /// The earliest time something is due.
    pub(crate) fn next_deadline(&mut self) -> Option<Duration> {
        self.queue.next_deadline()
    }

    /// Removes and returns the earliest item due at or before `at`.
    pub(crate) fn pop_due(&mut self, at: Duration) -> Option<(TimerId, Timed)> {
        self.queue.pop_due(at)
    }

    /// Schedules `item` at exactly `at` (fuses and fires run on time, even
    /// through a long jump).
    pub(crate) fn schedule(&mut self, at: Duration, item: Timed) -> TimerId {
        self.queue.schedule(at, item)
    }

    /// Schedules play (a bot's turn) asked for at `at`; see
    /// [`Moment::play_at`].
    pub(crate) fn schedule_play(&mut self, at: Duration, item: Timed) {
        if let Some(at) = self.moment.play_at(at) {
            self.queue.schedule(at, item);
        }
    }

    /// Moves the item of `timer` to `at`.
    pub(crate) fn reset(&mut self, timer: TimerId, at: Duration) {
        self.queue.reset(timer, at);
    }

    /// Cancels the item of `timer`, if it is still due.
    pub(crate) fn cancel(&mut self, timer: TimerId) {
        self.queue.cancel(timer);
    }

    /// When the item of `timer` is due, if it still is.
    pub(crate) fn deadline(&self, timer: TimerId) -> Option<Duration> {
        self.queue.deadline(timer)
    }

    /// Sets the round timer to ring `alarm` at `at`, cancelling any other.
    pub(crate) fn set_round_alarm(&mut self, at: Duration, alarm: RoundAlarm) {
        self.clear_round_alarm();
        self.round_alarm = Some(self.queue.schedule(at, Timed::Round(alarm)));
    }

    /// Cancels the round timer, if one is pending.
    pub(crate) fn clear_round_alarm(&mut self) {
        if let Some(timer) = self.round_alarm.take() {
            self.queue.cancel(timer);
        }
    }

    /// Drops everything due (a new board: its bombs, fires and turns start
    /// afresh). The time and the log stay.
    pub(crate) fn clear(&mut self) {
        self.queue = TimerQueue::new();
        self.round_alarm = None;
    }

    /// Logs `event` as happening now.
    pub(crate) fn emit(&mut self, event: Event) {
        self.version += 1;
        self.log.push((self.moment.now, event));
    }

    /// The events not drained yet, oldest first.
    pub(crate) fn events(&self) -> &[(Duration, Event)] {
        &self.log
    }

    /// Takes the events not drained yet, oldest first.
    pub(crate) fn drain(&mut self) -> std::vec::Drain<'_, (Duration, Event)> {
        self.log.drain(..)
    }

    /// The number of events ever logged: it changes whenever anything
    /// visible changes.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_falls_in_the_window_and_stops_at_the_end_of_time() {
        let s = Duration::from_secs;
        let moment = Moment::new(s(100), s(40));
        assert_eq!(moment.play_at(s(10)), Some(s(40)));
        assert_eq!(moment.play_at(s(150)), Some(s(150)));
        assert_eq!(moment.play_at(Duration::MAX), Some(END_OF_TIME));
        assert_eq!(Moment::new(END_OF_TIME, s(0)).play_at(s(1)), None);
        assert_eq!(moment.later(Duration::MAX), END_OF_TIME);
    }

    #[test]
    fn one_round_alarm_at_a_time_and_a_cleared_queue_forgets_it() {
        let s = Duration::from_secs;
        let mut timeline = Timeline::new();
        timeline.set_round_alarm(s(3), RoundAlarm::Start);
        timeline.set_round_alarm(s(5), RoundAlarm::Next);
        assert_eq!(timeline.next_deadline(), Some(s(5)));
        timeline.clear();
        timeline.set_round_alarm(s(1), RoundAlarm::TimeUp);
        timeline.clear_round_alarm();
        assert_eq!(timeline.next_deadline(), None);
    }

    #[test]
    fn the_version_counts_every_event_drained_or_not() {
        let mut timeline = Timeline::new();
        timeline.move_to(Duration::from_secs(2));
        timeline.emit(Event::Waiting);
        timeline.emit(Event::BoardReset);
        assert_eq!(
            timeline.events()[0],
            (Duration::from_secs(2), Event::Waiting)
        );
        assert_eq!(timeline.drain().count(), 2);
        assert!(timeline.events().is_empty());
        assert_eq!(timeline.version(), 2);
    }
}
