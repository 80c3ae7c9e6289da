//! [`ServedArena`]: one arena as the session serves it — the rules engine,
//! its clock, who plays in it, its bots, and its frame rendered once for
//! everyone.

use std::time::Duration;

use crate::game::{Action, Arena, PawnId};

use super::frame::SharedFrame;
use super::mode::Mode;
use super::session::PlayerId;

/// A bot's pawn and its name's number.
pub type Bot = (PawnId, usize);

/// An arena and what the session keeps beside it.
pub struct ServedArena {
    /// The rules engine.
    pub arena: Arena,
    /// The session time of the arena's time 0.
    started: Duration,
    /// The players in this arena (humans, not departed).
    pub players: Vec<PlayerId>,
    /// Those who watch it without playing.
    pub watchers: Vec<PlayerId>,
    /// Bots asked for with `--bots`.
    pub bots: Vec<Bot>,
    /// The bot that keeps a lone player company, if present.
    pub companion: Option<Bot>,
    /// The frame every client of this arena is shown.
    pub frame: SharedFrame,
}

impl ServedArena {
    /// `arena`, served in `mode` from session time `now` on.
    pub fn new(arena: Arena, mode: Mode, now: Duration) -> Self {
        ServedArena {
            arena,
            started: now,
            players: Vec::new(),
            watchers: Vec::new(),
            bots: Vec::new(),
            companion: None,
            frame: SharedFrame::new(mode),
        }
    }

    /// The arena's time at session time `now`.
    fn clock(&self, now: Duration) -> Duration {
        now.saturating_sub(self.started)
    }

    /// Runs the arena's timeline up to session time `now`; the events are
    /// not needed (frames show their effect), so they are dropped.
    pub fn advance(&mut self, now: Duration) {
        self.arena.advance(self.clock(now));
        self.arena.drain_events().for_each(drop);
    }

    /// `pawn` does `action` at session time `now`; refusals are ignored
    /// (R18).
    pub fn act(&mut self, pawn: PawnId, action: Action, now: Duration) {
        let _ = self.arena.act(pawn, action, self.clock(now));
        self.arena.drain_events().for_each(drop);
    }

    /// Every name number held by this arena's bots.
    pub fn bot_names(&self) -> impl Iterator<Item = usize> + '_ {
        self.bots
            .iter()
            .chain(self.companion.iter())
            .map(|&(_, n)| n)
    }
}
