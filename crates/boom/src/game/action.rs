//! What a pawn's player (or a bot) asks for.

use super::position::Direction;

/// What a pawn's player asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Move one tile (R6).
    Move(Direction),
    /// Drop a bomb on one's own tile (R8).
    DropBomb,
}
