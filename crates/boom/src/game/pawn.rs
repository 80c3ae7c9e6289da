//! Pawns: a player's (or bot's) piece on the board (R4, R10), and the kit
//! it carries.

use std::time::Duration;

use super::config::{Config, PowerUpRules};
use super::position::Pos;
use super::powerup::PowerUp;

/// Identifies a pawn in its arena: small, copyable, never reused by that
/// arena (ids count up from 0 in joining order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PawnId(pub u32);

impl std::fmt::Display for PawnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pawn #{}", self.0)
    }
}

/// What a pawn carries and how fast it may go: its bombs, flame, fuse and
/// speed (R4), and when its speed lets it move next. A new round gives
/// every pawn a fresh kit.
///
/// Invariant: `stock <= owned`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Kit {
    /// Bombs it can drop now.
    pub(crate) stock: u32,
    /// Bombs in stock plus its bombs on the board.
    pub(crate) owned: u32,
    pub(crate) flame: u32,
    pub(crate) fuse: Duration,
    /// Tiles per second, `None` for no limit.
    pub(crate) speed: Option<u32>,
    /// The earliest time of its next move under the speed limit.
    pub(crate) next_move_at: Duration,
}

impl Kit {
    /// A new pawn's kit (R4), with `config`'s bombs, flame, fuse and speed.
    pub(crate) fn new(config: &Config) -> Kit {
        Kit {
            stock: config.start_bombs,
            owned: config.start_bombs,
            flame: config.start_flame,
            fuse: config.fuse,
            speed: config.speed,
            next_move_at: Duration::ZERO,
        }
    }

    /// Takes one bomb from the stock to drop it (R8); `false`, changing
    /// nothing, when the stock is empty.
    pub(crate) fn take_bomb(&mut self) -> bool {
        let Some(left) = self.stock.checked_sub(1) else {
            return false;
        };
        self.stock = left;
        true
    }

    /// One of its bombs exploded: back into the stock (R9), never above
    /// what it owns.
    pub(crate) fn restock(&mut self) {
        self.stock = (self.stock + 1).min(self.owned);
    }

    /// Applies a power-up, within `caps` (a pawn already past a cap keeps
    /// what it has).
    pub(crate) fn take(&mut self, kind: PowerUp, caps: &PowerUpRules) {
        match kind {
            PowerUp::Bomb => {
                if self.owned < caps.max_bombs {
                    self.owned += 1;
                    self.stock += 1;
                }
            }
            PowerUp::Flame => self.flame = (self.flame + 1).min(caps.max_flame.max(self.flame)),
            PowerUp::Speed => {
                self.speed = self.speed.map(|s| (s + 1).min(caps.max_speed.max(s)));
            }
        }
    }

    /// Time between two moves at its speed, `None` for no limit.
    pub(crate) fn move_interval(&self) -> Option<Duration> {
        self.speed.map(|s| Duration::from_secs(1) / s.max(1))
    }
}

/// A pawn and everything the rules know about it.
///
/// Read through the accessors. Only [`crate::game::World`] holds pawns
/// mutably, and it alone changes where a pawn stands and whether it lives
/// (so that it can index who stands where). Invariants:
/// `bombs_in_stock() <= bombs_owned()`; a pawn not on the board has no
/// position; a dead pawn never moves again (until a new round respawns it).
#[derive(Clone, Debug)]
pub struct Pawn {
    pub(crate) id: PawnId,
    name: String,
    pub(crate) bot: bool,
    pub(crate) alive: bool,
    pub(crate) pos: Option<Pos>,
    pub(crate) kit: Kit,
    pub(crate) score: u32,
}

impl Pawn {
    /// R4: a new pawn with `name` and `kit`, alive, not on any board;
    /// `bot` when the arena plays it itself.
    pub(crate) fn new(id: PawnId, name: &str, bot: bool, kit: Kit) -> Pawn {
        Pawn {
            id,
            name: name.to_owned(),
            bot,
            alive: true,
            pos: None,
            kit,
            score: 0,
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
        self.kit.stock
    }

    /// Bombs it owns: those in stock plus those of its on the board.
    pub fn bombs_owned(&self) -> u32 {
        self.kit.owned
    }

    /// How far its bombs' blasts reach.
    pub fn flame(&self) -> u32 {
        self.kit.flame
    }

    /// Its bombs' fuse.
    pub fn fuse(&self) -> Duration {
        self.kit.fuse
    }

    /// Tiles per second it may move, `None` for no limit.
    pub fn speed(&self) -> Option<u32> {
        self.kit.speed
    }

    /// Rounds it has won.
    pub fn score(&self) -> u32 {
        self.score
    }

    /// Whether it takes part in the current (or coming) round; `false`
    /// while it watches. A pawn takes part exactly while it is on the
    /// board: joining a round puts it there, watching keeps it off.
    pub fn in_round(&self) -> bool {
        self.pos.is_some()
    }

    /// Whether the arena itself plays it.
    pub fn is_bot(&self) -> bool {
        self.bot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kit(bombs: u32) -> Kit {
        Kit::new(&Config {
            start_bombs: bombs,
            ..Config::classic()
        })
    }

    #[test]
    fn a_new_pawn_follows_r4() {
        let pawn = Pawn::new(PawnId(0), "alice", false, Kit::new(&Config::classic()));
        assert_eq!(pawn.name(), "alice");
        assert_eq!(pawn.bombs_in_stock(), 1);
        assert_eq!(pawn.flame(), 1);
        assert_eq!(pawn.fuse(), Duration::from_secs(2));
        assert!(pawn.is_alive());
        assert_eq!(pawn.pos(), None);
        assert!(!pawn.in_round());
        assert_eq!(pawn.letter(), 'A');
    }

    #[test]
    fn letters_are_lower_case_when_dead_and_safe_for_any_name() {
        let mut pawn = Pawn::new(PawnId(0), "Bob", false, kit(1));
        pawn.alive = false;
        assert_eq!(pawn.letter(), 'b');
        assert_eq!(Pawn::new(PawnId(1), "", false, kit(1)).letter(), '?');
        assert_eq!(Pawn::new(PawnId(1), "éa", false, kit(1)).letter(), '?');
    }

    #[test]
    fn the_stock_never_goes_below_zero_nor_above_what_is_owned() {
        let mut kit = kit(1);
        assert!(kit.take_bomb());
        assert!(!kit.take_bomb());
        assert_eq!(kit.stock, 0);
        kit.restock();
        kit.restock();
        assert_eq!((kit.stock, kit.owned), (1, 1));
    }

    #[test]
    fn power_ups_stop_at_their_caps_and_never_take_away() {
        let caps = PowerUpRules {
            max_bombs: 2,
            max_flame: 2,
            max_speed: 7,
            ..PowerUpRules::default()
        };
        let mut kit = Kit {
            speed: Some(6),
            flame: 3,
            ..kit(1)
        };
        for kind in PowerUp::ALL {
            kit.take(kind, &caps);
            kit.take(kind, &caps);
        }
        assert_eq!((kit.stock, kit.owned), (2, 2));
        assert_eq!(kit.flame, 3, "already past the cap: kept");
        assert_eq!(kit.speed, Some(7));
        let mut unlimited = kit.clone();
        unlimited.speed = None;
        unlimited.take(PowerUp::Speed, &caps);
        assert_eq!(unlimited.speed, None);
    }
}
