//! Pawns: a player's (or bot's) piece on the board (R4, R10).

use std::time::Duration;

use super::position::Pos;

/// Identifies a pawn in its arena: small, copyable, never reused by that
/// arena (ids count up from 0 in joining order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PawnId(pub u32);

impl std::fmt::Display for PawnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pawn #{}", self.0)
    }
}

/// A pawn and everything the rules know about it.
///
/// Read through the accessors; the arena alone changes pawns. Invariants:
/// `bombs_in_stock() <= bombs_owned()`; a pawn not on the board has no
/// position; a dead pawn never moves again (until a new round respawns it).
#[derive(Clone, Debug)]
pub struct Pawn {
    pub(crate) id: PawnId,
    pub(crate) name: String,
    pub(crate) alive: bool,
    pub(crate) pos: Option<Pos>,
    pub(crate) stock: u32,
    pub(crate) owned: u32,
    pub(crate) flame: u32,
    pub(crate) fuse: Duration,
    pub(crate) speed: Option<u32>,
    pub(crate) next_move_at: Duration,
    pub(crate) score: u32,
    pub(crate) in_round: bool,
    pub(crate) bot: bool,
}

impl Pawn {
    /// R4: a new pawn with `name`, `bombs` in stock, flame `flame`, fuse
    /// `fuse`, alive, not on any board.
    pub(crate) fn new(id: PawnId, name: &str, bombs: u32, flame: u32, fuse: Duration) -> Pawn {
        Pawn {
            id,
            name: name.to_owned(),
            alive: true,
            pos: None,
            stock: bombs,
            owned: bombs,
            flame,
            fuse,
            speed: None,
            next_move_at: Duration::ZERO,
            score: 0,
            in_round: false,
            bot: false,
        }
    }

    /// The pawn's id.
    pub fn id(&self) -> PawnId {
        self.id
    }

    /// The name it joined with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The letter that stands for the pawn on a plain board (R20): the
    /// first character of its name when it is an ASCII letter or digit,
    /// else `?`; upper case when alive, lower case when dead.
    pub fn letter(&self) -> char {
        let c = self
            .name
            .chars()
            .next()
            .filter(char::is_ascii_alphanumeric)
            .unwrap_or('?');
        if self.alive {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        }
    }

    /// Whether it is alive.
    pub fn is_alive(&self) -> bool {
        self.alive
    }

    /// Its tile, or `None` when it is not on the board (not inserted yet,
    /// or watching until the next round).
    pub fn pos(&self) -> Option<Pos> {
        self.pos
    }

    /// Bombs it can drop now.
    pub fn bombs_in_stock(&self) -> u32 {
        self.stock
    }

    /// Bombs it owns: those in stock plus those of its on the board.
    pub fn bombs_owned(&self) -> u32 {
        self.owned
    }

    /// How far its bombs' blasts reach.
    pub fn flame(&self) -> u32 {
        self.flame
    }

    /// Its bombs' fuse.
    pub fn fuse(&self) -> Duration {
        self.fuse
    }

    /// Tiles per second it may move, `None` for no limit.
    pub fn speed(&self) -> Option<u32> {
        self.speed
    }

    /// Rounds it has won.
    pub fn score(&self) -> u32 {
        self.score
    }

    /// Whether it takes part in the current (or coming) round; `false`
    /// while it watches.
    pub fn in_round(&self) -> bool {
        self.in_round
    }

    /// Whether the arena itself plays it.
    pub fn is_bot(&self) -> bool {
        self.bot
    }

    /// Time between two moves at its speed, `None` for no limit.
    pub(crate) fn move_interval(&self) -> Option<Duration> {
        self.speed.map(|s| Duration::from_secs(1) / s.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_pawn_follows_r4() {
        let pawn = Pawn::new(PawnId(0), "alice", 1, 1, Duration::from_secs(2));
        assert_eq!(pawn.name(), "alice");
        assert_eq!(pawn.bombs_in_stock(), 1);
        assert_eq!(pawn.flame(), 1);
        assert_eq!(pawn.fuse(), Duration::from_secs(2));
        assert!(pawn.is_alive());
        assert_eq!(pawn.pos(), None);
        assert_eq!(pawn.letter(), 'A');
    }

    #[test]
    fn letters_are_lower_case_when_dead_and_safe_for_any_name() {
        let mut pawn = Pawn::new(PawnId(0), "Bob", 1, 1, Duration::ZERO);
        pawn.alive = false;
        assert_eq!(pawn.letter(), 'b');
        assert_eq!(Pawn::new(PawnId(1), "", 1, 1, Duration::ZERO).letter(), '?');
        assert_eq!(
            Pawn::new(PawnId(1), "éa", 1, 1, Duration::ZERO).letter(),
            '?'
        );
    }
}
