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

use std::time::Duration;

use super::arena::{Arena, Timed};
use super::events::Event;
use super::layout::round_board;
use super::pawn::PawnId;

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

impl Arena {
    fn min_pawns(&self) -> usize {
        self.config.rounds.map_or(2, |r| r.min_pawns.max(2))
    }

    /// Respawns every pawn present, in joining order, at the spawn points.
    fn spawn_all(&mut self) {
        for index in 0..self.pawns.len() {
            self.reset_pawn(index);
            self.pawns[index].in_round = true;
            let at = self.spawn_for(index);
            self.place(index, at);
        }
    }

    pub(crate) fn round_on_join(&mut self, index: usize) {
        match self.round {
            RoundState::Waiting | RoundState::Countdown { .. } => {
                let n = self.pawns.iter().filter(|p| p.pos.is_some()).count();
                self.pawns[index].in_round = true;
                let at = self.spawn_for(n);
                self.place(index, at);
                if self.round == RoundState::Waiting && self.pawns.len() >= self.min_pawns() {
                    self.begin_countdown();
                }
            }
            _ => self.pawns[index].in_round = false,
        }
    }

    pub(crate) fn round_on_leave(&mut self) {
        match self.round {
            RoundState::Countdown { .. } if self.pawns.len() < self.min_pawns() => {
                if let Some(timer) = self.round_timer.take() {
                    self.timeline.cancel(timer);
                }
                self.round_number = self.round_number.saturating_sub(1);
                self.round = RoundState::Waiting;
                self.emit(Event::Waiting);
            }
            RoundState::Playing { .. } => self.check_round_end(),
            _ => {}
        }
    }

    fn begin_countdown(&mut self) {
        let countdown = self.config.rounds.map_or(Duration::ZERO, |r| r.countdown);
        self.round_number += 1;
        let scheduled = self.schedule_play(self.later(countdown), Timed::RoundStart);
        self.round_timer = scheduled.map(|(timer, _)| timer);
        let starts_at = scheduled.map_or(self.now, |(_, at)| at);
        self.round = RoundState::Countdown {
            round: self.round_number,
            starts_at,
        };
        self.emit(Event::CountdownStarted {
            round: self.round_number,
            starts_at,
        });
    }

    pub(crate) fn start_round(&mut self) {
        if !matches!(self.round, RoundState::Countdown { .. }) {
            return;
        }
        let limit = self.config.rounds.and_then(|r| r.time_limit);
        let timer =
            limit.and_then(|limit| self.schedule_play(self.later(limit), Timed::RoundTimeUp));
        self.round_timer = timer.map(|(timer, _)| timer);
        let ends_at = timer.map(|(_, at)| at);
        self.round = RoundState::Playing {
            round: self.round_number,
            since: self.now,
            ends_at,
        };
        let bots: Vec<PawnId> = self
            .pawns
            .iter()
            .filter(|p| p.bot && p.in_round)
            .map(|p| p.id)
            .collect();
        for id in bots {
            self.schedule_bot(id, self.now);
        }
        self.emit(Event::RoundStarted {
            round: self.round_number,
        });
        self.check_round_end();
    }

    pub(crate) fn time_up(&mut self) {
        if matches!(self.round, RoundState::Playing { .. }) {
            self.end_round(None);
        }
    }

    /// Ends the round when at most one of its pawns is alive.
    pub(crate) fn check_round_end(&mut self) {
        if !matches!(self.round, RoundState::Playing { .. }) {
            return;
        }
        let mut alive = self.pawns.iter().filter(|p| p.in_round && p.alive);
        let first = alive.next().map(|p| p.id);
        if alive.next().is_none() {
            self.end_round(first);
        }
    }

    fn end_round(&mut self, winner: Option<PawnId>) {
        if let Some(timer) = self.round_timer.take() {
            self.timeline.cancel(timer);
        }
        if let Some(pawn) = winner.and_then(|id| self.pawn_mut(id)) {
            pawn.score += 1;
        }
        let pause = self.config.rounds.map_or(Duration::ZERO, |r| r.pause);
        let scheduled = self.schedule_play(self.later(pause), Timed::NextRound);
        self.round_timer = scheduled.map(|(timer, _)| timer);
        let next_at = scheduled.map_or(self.now, |(_, at)| at);
        self.round = RoundState::Over {
            round: self.round_number,
            winner,
            next_at,
        };
        self.emit(Event::RoundOver {
            round: self.round_number,
            winner,
        });
    }

    pub(crate) fn next_round(&mut self) {
        if !matches!(self.round, RoundState::Over { .. }) {
            return;
        }
        let board = round_board(&self.config, &self.spawns, self.round_number + 1);
        self.lay_out(board);
        self.spawn_all();
        if self.pawns.len() >= self.min_pawns() {
            self.begin_countdown();
        } else {
            self.round = RoundState::Waiting;
            self.emit(Event::Waiting);
        }
    }
}
