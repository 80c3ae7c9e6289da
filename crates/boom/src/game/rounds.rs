//! Rounds: waiting for pawns, counting down, playing until at most one
//! pawn is alive, a short pause, then a fresh board.
//!
//! The cycle, with [`crate::game::RoundRules`]:
//! - **Waiting**: fewer than `min_pawns` pawns are present. Pawns stand on
//!   the board at their spawn points but cannot act.
//! - **Countdown** (`countdown` long): enough pawns are present. Pawns
//!   joining now are put on the board too; if pawns leave and too few
//!   remain, the arena waits again.
//! - **Playing**: pawns act. Pawns joining now watch until the next round.
//!   The round ends when at most one of its pawns is alive (checked once
//!   everything due at one instant has run, so pawns killed at the same
//!   instant die together: a draw when none survives), or when the time
//!   limit is reached (a draw).
//! - **Over** (`pause` long): the survivor has scored a point. Then a fresh
//!   board (its layout seeded by the arena's seed and the round number)
//!   is laid out, everyone present is respawned (alive, with a new pawn's
//!   stock, flame and speed), and the arena counts down or waits.
//!
//! Without round rules the game is one endless round, always in play
//! ([`RoundState::Open`]).
//!
//! The cycle is a state machine with no other state and no effects: the
//! arena tells it what happened (a `RoundInput`) and the time, and does
//! what it answers (`RoundCommand`s, in order).

use std::time::Duration;

use super::config::RoundRules;
use super::events::Event;
use super::pawn::PawnId;
use super::timeline::{Moment, RoundAlarm};

/// Where the round cycle stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundState {
    /// No rounds (the classic game): one endless game, always in play.
    Open,
    /// Too few pawns present; waiting for more.
    Waiting,
    /// Enough pawns: play starts at `starts_at`.
    Countdown {
        /// The coming round's number (1 for the first).
        round: u32,
        /// When play starts.
        starts_at: Duration,
    },
    /// The round is being played.
    Playing {
        /// The round's number.
        round: u32,
        /// When play started.
        since: Duration,
        /// When the time limit ends the round, if there is one.
        ends_at: Option<Duration>,
    },
    /// The round is over; the next board comes at `next_at`.
    Over {
        /// The round's number.
        round: u32,
        /// The survivor (who scored), `None` for a draw.
        winner: Option<PawnId>,
        /// When the next board is laid out.
        next_at: Duration,
    },
}

/// What happened, told to the round cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoundInput {
    /// `pawn` joined; `present` pawns are in the arena now.
    Joined {
        /// The newcomer.
        pawn: PawnId,
        /// Pawns in the arena, the newcomer included.
        present: usize,
    },
    /// A pawn left; `present` remain.
    Left {
        /// Pawns still in the arena.
        present: usize,
    },
    /// The round timer rang.
    Alarm {
        /// Which one.
        alarm: RoundAlarm,
        /// Pawns in the arena.
        present: usize,
    },
    /// At most one pawn of the round is left alive (told once everything
    /// due at one instant has run).
    LastStanding {
        /// That pawn, if one is left.
        survivor: Option<PawnId>,
    },
}

/// What the arena does in answer, in the order given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoundCommand {
    /// Put `pawn` on the board at the next spawn point: it takes part in
    /// the round. With `playing`, it may act at once (a bot takes its
    /// first turn now).
    Place {
        /// The newcomer.
        pawn: PawnId,
        /// Whether the game is in play.
        playing: bool,
    },
    /// Ring `alarm` at `at`, instead of any round timer pending.
    SetAlarm {
        /// When.
        at: Duration,
        /// Which.
        alarm: RoundAlarm,
    },
    /// No round timer is pending any more.
    ClearAlarm,
    /// `0` scores a point.
    Score(PawnId),
    /// Lay out the board of round `0` and respawn everyone present, in
    /// joining order.
    NewBoard(u32),
    /// Every bot on the board starts taking turns.
    StartBots,
    /// Report this.
    Emit(Event),
}

/// The round cycle: its state and the number of the current (or coming)
/// round.
#[derive(Clone, Debug)]
pub(crate) struct Rounds {
    rules: Option<RoundRules>,
    state: RoundState,
    number: u32,
}

impl Rounds {
    /// With `rules`, waiting for pawns; without, open for play for good.
    pub(crate) fn new(rules: Option<RoundRules>) -> Rounds {
        let state = match rules {
            Some(_) => RoundState::Waiting,
            None => RoundState::Open,
        };
        Rounds {
            rules,
            state,
            number: 0,
        }
    }

    /// Where the cycle stands.
    pub(crate) fn state(&self) -> RoundState {
        self.state
    }

    /// The number of the current round, or of the coming one once it
    /// counts down (0 before the first).
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// Whether pawns of the round may act: the game is open, or a round is
    /// being played.
    pub(crate) fn in_play(&self) -> bool {
        matches!(self.state, RoundState::Open | RoundState::Playing { .. })
    }

    /// Takes in what happened at `at` and answers what to do about it.
    pub(crate) fn handle(&mut self, input: RoundInput, at: Moment) -> Vec<RoundCommand> {
        let mut out = Vec::new();
        match (input, self.state) {
            (RoundInput::Joined { pawn, .. }, RoundState::Open) => out.push(RoundCommand::Place {
                pawn,
                playing: true,
            }),
            (
                RoundInput::Joined { pawn, present },
                RoundState::Waiting | RoundState::Countdown { .. },
            ) => {
                out.push(RoundCommand::Place {
                    pawn,
                    playing: false,
                });
                if self.state == RoundState::Waiting && present >= self.min_pawns() {
                    self.count_down(at, &mut out);
                }
            }
            (RoundInput::Left { present }, RoundState::Countdown { .. })
                if present < self.min_pawns() =>
            {
                self.number = self.number.saturating_sub(1);
                self.state = RoundState::Waiting;
                out.extend([RoundCommand::ClearAlarm, RoundCommand::Emit(Event::Waiting)]);
            }
            (RoundInput::Alarm { alarm, present }, state) => match (alarm, state) {
                (RoundAlarm::Start, RoundState::Countdown { .. }) => self.play(at, &mut out),
                (RoundAlarm::TimeUp, RoundState::Playing { .. }) => self.end(None, at, &mut out),
                (RoundAlarm::Next, RoundState::Over { .. }) => self.next(present, at, &mut out),
                _ => {}
            },
            (RoundInput::LastStanding { survivor }, RoundState::Playing { .. }) => {
                self.end(survivor, at, &mut out)
            }
            _ => {}
        }
        out
    }

    /// Pawns needed for a countdown: 2, or more if the rules say so.
    fn min_pawns(&self) -> usize {
        self.rules.map_or(2, |r| r.min_pawns.max(2))
    }

    /// Sets the round timer for `delay` from now, when the arena is not at
    /// the end of time; returns when it rings (now if it never will).
    fn alarm_after(
        delay: Duration,
        alarm: RoundAlarm,
        at: Moment,
        out: &mut Vec<RoundCommand>,
    ) -> Option<Duration> {
        let rings = at.play_at(at.later(delay));
        out.push(match rings {
            Some(at) => RoundCommand::SetAlarm { at, alarm },
            None => RoundCommand::ClearAlarm,
        });
        rings
    }

    fn count_down(&mut self, at: Moment, out: &mut Vec<RoundCommand>) {
        let countdown = self.rules.map_or(Duration::ZERO, |r| r.countdown);
        self.number += 1;
        let starts_at = Rounds::alarm_after(countdown, RoundAlarm::Start, at, out);
        let starts_at = starts_at.unwrap_or(at.now());
        self.state = RoundState::Countdown {
            round: self.number,
            starts_at,
        };
        out.push(RoundCommand::Emit(Event::CountdownStarted {
            round: self.number,
            starts_at,
        }));
    }

    fn play(&mut self, at: Moment, out: &mut Vec<RoundCommand>) {
        let ends_at = match self.rules.and_then(|r| r.time_limit) {
            Some(limit) => Rounds::alarm_after(limit, RoundAlarm::TimeUp, at, out),
            None => {
                out.push(RoundCommand::ClearAlarm);
                None
            }
        };
        self.state = RoundState::Playing {
            round: self.number,
            since: at.now(),
            ends_at,
        };
        out.extend([
            RoundCommand::StartBots,
            RoundCommand::Emit(Event::RoundStarted { round: self.number }),
        ]);
    }

    fn end(&mut self, winner: Option<PawnId>, at: Moment, out: &mut Vec<RoundCommand>) {
        out.extend(winner.map(RoundCommand::Score));
        let pause = self.rules.map_or(Duration::ZERO, |r| r.pause);
        let next_at = Rounds::alarm_after(pause, RoundAlarm::Next, at, out);
        self.state = RoundState::Over {
            round: self.number,
            winner,
            next_at: next_at.unwrap_or(at.now()),
        };
        out.push(RoundCommand::Emit(Event::RoundOver {
            round: self.number,
            winner,
        }));
    }

    fn next(&mut self, present: usize, at: Moment, out: &mut Vec<RoundCommand>) {
        out.push(RoundCommand::NewBoard(self.number + 1));
        if present >= self.min_pawns() {
            self.count_down(at, out);
        } else {
            self.state = RoundState::Waiting;
            out.push(RoundCommand::Emit(Event::Waiting));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::timeline::END_OF_TIME;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn rules() -> RoundRules {
        RoundRules {
            min_pawns: 2,
            countdown: S(3),
            pause: S(5),
            time_limit: Some(S(60)),
        }
    }

    fn at(secs: u64) -> Moment {
        Moment::new(S(secs), Duration::ZERO)
    }

    fn joined(pawn: u32, present: usize) -> RoundInput {
        RoundInput::Joined {
            pawn: PawnId(pawn),
            present,
        }
    }

    fn place(pawn: u32) -> RoundCommand {
        RoundCommand::Place {
            pawn: PawnId(pawn),
            playing: false,
        }
    }

    /// A cycle that has counted down round 1 from time 0 and starts it at
    /// 3 s.
    fn playing() -> Rounds {
        let mut rounds = Rounds::new(Some(rules()));
        rounds.handle(joined(0, 1), at(0));
        rounds.handle(joined(1, 2), at(0));
        let start = RoundInput::Alarm {
            alarm: RoundAlarm::Start,
            present: 2,
        };
        rounds.handle(start, at(3));
        rounds
    }

    #[test]
    fn an_open_game_places_everyone_in_play_and_never_changes() {
        let mut rounds = Rounds::new(None);
        assert_eq!(
            rounds.handle(joined(4, 1), at(0)),
            [RoundCommand::Place {
                pawn: PawnId(4),
                playing: true
            }]
        );
        let none_left = RoundInput::LastStanding { survivor: None };
        assert_eq!(rounds.handle(none_left, at(1)), []);
        assert_eq!(rounds.state(), RoundState::Open);
        assert!(rounds.in_play());
    }

    #[test]
    fn enough_pawns_start_a_countdown_and_too_few_stop_it() {
        let mut rounds = Rounds::new(Some(rules()));
        assert_eq!(rounds.handle(joined(0, 1), at(0)), [place(0)]);
        assert_eq!(rounds.state(), RoundState::Waiting);
        assert!(!rounds.in_play());
        let countdown = RoundState::Countdown {
            round: 1,
            starts_at: S(4),
        };
        assert_eq!(
            rounds.handle(joined(1, 2), at(1)),
            [
                place(1),
                RoundCommand::SetAlarm {
                    at: S(4),
                    alarm: RoundAlarm::Start
                },
                RoundCommand::Emit(Event::CountdownStarted {
                    round: 1,
                    starts_at: S(4)
                }),
            ]
        );
        assert_eq!(rounds.state(), countdown);
        assert_eq!(rounds.handle(joined(2, 3), at(2)), [place(2)]);
        assert_eq!(rounds.handle(RoundInput::Left { present: 2 }, at(2)), []);
        assert_eq!(
            rounds.handle(RoundInput::Left { present: 1 }, at(2)),
            [RoundCommand::ClearAlarm, RoundCommand::Emit(Event::Waiting)]
        );
        assert_eq!((rounds.state(), rounds.number()), (RoundState::Waiting, 0));
    }

    #[test]
    fn play_starts_at_the_alarm_and_ends_with_one_survivor() {
        let mut rounds = playing();
        assert_eq!(
            rounds.state(),
            RoundState::Playing {
                round: 1,
                since: S(3),
                ends_at: Some(S(63))
            }
        );
        assert!(rounds.in_play());
        assert_eq!(rounds.handle(joined(2, 3), at(4)), [], "it watches");
        let one = RoundInput::LastStanding {
            survivor: Some(PawnId(1)),
        };
        assert_eq!(
            rounds.handle(one, at(6)),
            [
                RoundCommand::Score(PawnId(1)),
                RoundCommand::SetAlarm {
                    at: S(11),
                    alarm: RoundAlarm::Next
                },
                RoundCommand::Emit(Event::RoundOver {
                    round: 1,
                    winner: Some(PawnId(1))
                }),
            ]
        );
        let next = RoundInput::Alarm {
            alarm: RoundAlarm::Next,
            present: 3,
        };
        let commands = rounds.handle(next, at(11));
        assert_eq!(commands[0], RoundCommand::NewBoard(2));
        assert_eq!(
            rounds.state(),
            RoundState::Countdown {
                round: 2,
                starts_at: S(14)
            }
        );
    }

    #[test]
    fn time_up_is_a_draw_and_too_few_pawns_wait_after_it() {
        let mut rounds = playing();
        let time_up = RoundInput::Alarm {
            alarm: RoundAlarm::TimeUp,
            present: 2,
        };
        let commands = rounds.handle(time_up, at(63));
        assert!(commands.contains(&RoundCommand::Emit(Event::RoundOver {
            round: 1,
            winner: None
        })));
        let next = RoundInput::Alarm {
            alarm: RoundAlarm::Next,
            present: 1,
        };
        assert_eq!(
            rounds.handle(next, at(68)),
            [
                RoundCommand::NewBoard(2),
                RoundCommand::Emit(Event::Waiting)
            ]
        );
        assert_eq!(rounds.state(), RoundState::Waiting);
    }

    #[test]
    fn alarms_out_of_turn_change_nothing() {
        let mut rounds = Rounds::new(Some(rules()));
        for alarm in [RoundAlarm::Start, RoundAlarm::TimeUp, RoundAlarm::Next] {
            let input = RoundInput::Alarm { alarm, present: 5 };
            assert_eq!(rounds.handle(input, at(1)), []);
        }
        assert_eq!(rounds.state(), RoundState::Waiting);
    }

    #[test]
    fn timers_fall_in_the_played_window_and_none_are_set_at_the_end_of_time() {
        let mut rounds = Rounds::new(Some(rules()));
        rounds.handle(joined(0, 1), at(0));
        let late = Moment::new(S(100), S(200));
        rounds.handle(joined(1, 2), late);
        assert_eq!(
            rounds.state(),
            RoundState::Countdown {
                round: 1,
                starts_at: S(200)
            }
        );
        let mut rounds = Rounds::new(Some(rules()));
        rounds.handle(joined(0, 1), at(0));
        let end = Moment::new(END_OF_TIME, Duration::ZERO);
        let commands = rounds.handle(joined(1, 2), end);
        assert_eq!(commands[1], RoundCommand::ClearAlarm);
        assert_eq!(
            rounds.state(),
            RoundState::Countdown {
                round: 1,
                starts_at: END_OF_TIME
            }
        );
    }
}
