//! Bombs on the board (R8, R9, R11). Where one explodes: [`crate::game::blast`]
//! (the walk) and `explosion.rs` (its effects).

use std::time::Duration;

use weft::time::TimerId;

use super::pawn::PawnId;

/// A bomb lying on a tile, waiting for its fuse (or a fire) to set it off.
#[derive(Clone, Copy, Debug)]
pub struct Bomb {
    pub(crate) owner: Option<PawnId>,
    pub(crate) size: u32,
    pub(crate) explodes_at: Duration,
    pub(crate) timer: TimerId,
}

impl Bomb {
    /// Who dropped it; `None` for a bomb placed by the game's setup.
    pub fn owner(&self) -> Option<PawnId> {
        self.owner
    }

    /// How many tiles its blast reaches in each direction.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// When its fuse runs out (it explodes sooner if fire reaches it).
    pub fn explodes_at(&self) -> Duration {
        self.explodes_at
    }
}
