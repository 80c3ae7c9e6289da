//! Power-ups: the three kinds of bonus hidden under SOFT tiles.
//!
//! Where they are hidden is [`crate::game::layout`]'s job; what taking one
//! does is each kind's contract, applied when a pawn walks in
//! ([`crate::game::Arena::act`]).

/// A bonus lying on (or hidden in) a tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PowerUp {
    /// +1 bomb: one more bomb owned and in stock.
    Bomb,
    /// +1 flame: bombs dropped from now on reach one tile further.
    Flame,
    /// +1 speed: one more tile per second allowed.
    Speed,
}

impl PowerUp {
    /// The three kinds, in the order boards deal them out.
    pub const ALL: [PowerUp; 3] = [PowerUp::Bomb, PowerUp::Flame, PowerUp::Speed];
}
