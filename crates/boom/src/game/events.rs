//! What happened: the events an arena reports so that a renderer or the
//! network layer can react.

use std::time::Duration;

use super::pawn::PawnId;
use super::position::Pos;
use super::powerup::PowerUp;

/// One thing that happened in an arena, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A pawn joined (a human or a bot).
    PawnJoined {
        /// The new pawn.
        pawn: PawnId,
    },
    /// A pawn left the arena; it is forgotten.
    PawnLeft {
        /// The pawn that left.
        pawn: PawnId,
    },
    /// A pawn was put on the board (inserted or respawned; R5).
    PawnPlaced {
        /// The pawn.
        pawn: PawnId,
        /// Where.
        at: Pos,
    },
    /// A pawn moved one tile.
    PawnMoved {
        /// The pawn.
        pawn: PawnId,
        /// Its old tile.
        from: Pos,
        /// Its new tile.
        to: Pos,
    },
    /// A pawn died (fire on its tile, or it walked into fire).
    PawnDied {
        /// The pawn.
        pawn: PawnId,
        /// Where it lies.
        at: Pos,
    },
    /// A bomb was put on the board.
    BombDropped {
        /// Who dropped it (`None` for a bomb placed by the game's setup).
        owner: Option<PawnId>,
        /// Its tile.
        at: Pos,
    },
    /// A bomb exploded (fuse run out, or set off by fire).
    BombExploded {
        /// Who dropped it.
        owner: Option<PawnId>,
        /// Its tile.
        at: Pos,
    },
    /// A fire started on a tile that was not burning.
    FireStarted {
        /// The tile.
        at: Pos,
    },
    /// A fire went out (told once, at its latest end; R15).
    FireOut {
        /// The tile.
        at: Pos,
    },
    /// Fire destroyed a SOFT tile; it is EMPTY now.
    TileDestroyed {
        /// The tile.
        at: Pos,
    },
    /// Fire uncovered a power-up.
    PowerUpUncovered {
        /// The tile.
        at: Pos,
        /// What it is.
        kind: PowerUp,
    },
    /// A pawn walked onto a power-up and took it.
    PowerUpTaken {
        /// Who.
        pawn: PawnId,
        /// The tile.
        at: Pos,
        /// What it was.
        kind: PowerUp,
    },
    /// Fire destroyed an uncovered power-up.
    PowerUpDestroyed {
        /// The tile.
        at: Pos,
        /// What it was.
        kind: PowerUp,
    },
    /// A fresh board was laid out (a new round's).
    BoardReset,
    /// Fewer pawns than needed are present: the arena waits for more.
    Waiting,
    /// Enough pawns are present: the round starts at `starts_at`.
    CountdownStarted {
        /// The round's number (1 for the first).
        round: u32,
        /// When play starts.
        starts_at: Duration,
    },
    /// Play started: pawns may move and drop.
    RoundStarted {
        /// The round's number.
        round: u32,
    },
    /// The round ended: at most one pawn is alive, or time ran out.
    RoundOver {
        /// The round's number.
        round: u32,
        /// The survivor, who scored a point; `None` for a draw.
        winner: Option<PawnId>,
    },
}
