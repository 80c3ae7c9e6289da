//! Typed refusals: what an action or a setting was refused for.

use super::board::Tile;

/// Why a move or a drop was refused as illegal (R6, R8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IllegalMoveReason {
    /// The target (or given) tile is off the board.
    #[error("that is off the board")]
    OffBoard,
    /// The target tile is not EMPTY.
    #[error("the way is blocked by a {0:?} tile")]
    Blocked(Tile),
    /// The target tile (or, for a drop, the pawn's own tile) holds a bomb.
    #[error("there is a bomb there")]
    BombThere,
    /// The pawn has no bomb left in stock.
    #[error("no bombs left: wait for one to explode")]
    NoBombsLeft,
}

/// Why [`crate::game::Arena::act`] (or another call naming a pawn) refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ActionError {
    /// The move or drop breaks a rule; the reason says which.
    #[error("illegal move: {0}")]
    IllegalMove(#[from] IllegalMoveReason),
    /// The pawn is dead: it can neither move nor drop.
    #[error("you're dead: wait for the next round")]
    YoureDead,
    /// No pawn has this id (it never existed or has left).
    #[error("unknown pawn: it has left or never joined")]
    UnknownPawn,
    /// The pawn is not playing now: it watches until the next round, the
    /// round has not started yet or is over, or it is not on the board.
    #[error("not in play: wait for the next round to start")]
    NotInPlay,
    /// A move came sooner than the pawn's speed allows; it was dropped.
    #[error("too soon: moves faster than the pawn's speed are dropped")]
    TooSoon,
}

/// Why a [`crate::game::Config`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ConfigError {
    /// A side is 0 or larger than [`crate::game::Config::MAX_SIDE`].
    #[error("invalid board size {width} x {height}: each side must be 1 to 1024")]
    BoardSize {
        /// The width asked for.
        width: usize,
        /// The height asked for.
        height: usize,
    },
    /// A speed of 0 tiles per second would never let anyone move.
    #[error("speed must be at least 1 tile per second")]
    ZeroSpeed,
    /// A round time limit of 0 would end every round as it starts.
    #[error("a round time limit must be longer than 0 (or None for no limit)")]
    ZeroTimeLimit,
}
