//! What a pawn does: being put on the board (R5), moving (R6, R7, the
//! speed limit, taking power-ups) and dropping a bomb (R8).
//!
//! These apply an action the arena has already found the pawn free to
//! take (alive, on the board, in play); the refusals here are the board's.

use super::board::Tile;
use super::config::PowerUpRules;
use super::error::{ActionError, IllegalMoveReason};
use super::events::Event;
use super::explosion::arm;
use super::position::{Direction, Pos};
use super::timeline::Timeline;
use super::world::World;

/// Puts the pawn at `index` on the board at `pos`, making room (R5).
pub(crate) fn place(world: &mut World, timeline: &mut Timeline, index: usize, pos: Pos) {
    world.relocate(index, Some(pos));
    world.make_room(pos);
    let pawn = world.pawns()[index].id();
    timeline.emit(Event::PawnPlaced { pawn, at: pos });
}

/// Moves the pawn at `index`, standing on `from`, one tile towards
/// `direction` (R6). Refused when it comes sooner than the pawn's speed
/// allows, off the board, into a tile that is not EMPTY, or onto a bomb. A
/// move into fire kills the pawn (R7); a move onto an uncovered power-up
/// takes it, within `caps`.
pub(crate) fn step(
    world: &mut World,
    timeline: &mut Timeline,
    index: usize,
    from: Pos,
    direction: Direction,
    caps: &PowerUpRules,
) -> Result<(), ActionError> {
    let kit = &world.pawns()[index].kit;
    let interval = kit.move_interval();
    if interval.is_some() && timeline.now() < kit.next_move_at {
        return Err(ActionError::TooSoon);
    }
    let to = from.step(direction);
    let tile = world.board().index(to).ok_or(IllegalMoveReason::OffBoard)?;
    match world.board().tile_at_index(tile) {
        Some(Tile::Empty) => {}
        Some(blocked) => return Err(IllegalMoveReason::Blocked(blocked).into()),
        None => return Err(IllegalMoveReason::OffBoard.into()),
    }
    if world.bombs().at_index(tile).is_some() {
        return Err(IllegalMoveReason::BombThere.into());
    }
    if let Some(interval) = interval {
        world.kit_mut(index).next_move_at = timeline.later(interval);
    }
    world.relocate(index, Some(to));
    let pawn = world.pawns()[index].id();
    timeline.emit(Event::PawnMoved { pawn, from, to });
    if world.fires().at_index(tile).is_some() {
        if let Some(at) = world.kill(index) {
            timeline.emit(Event::PawnDied { pawn, at });
        }
    } else if let Some(kind) = world.board().powerup(to) {
        world.take_powerup(to);
        world.kit_mut(index).take(kind, caps);
        timeline.emit(Event::PowerUpTaken { pawn, at: to, kind });
    }
    Ok(())
}

/// The pawn at `index`, standing on `pos`, drops a bomb there with its own
/// fuse and flame (R8). Refused where a bomb already lies (stock
/// unchanged) and with an empty stock.
pub(crate) fn drop_bomb(
    world: &mut World,
    timeline: &mut Timeline,
    index: usize,
    pos: Pos,
) -> Result<(), ActionError> {
    if world.bombs().at(pos).is_some() {
        return Err(IllegalMoveReason::BombThere.into());
    }
    if !world.kit_mut(index).take_bomb() {
        return Err(IllegalMoveReason::NoBombsLeft.into());
    }
    let pawn = &world.pawns()[index];
    let (owner, fuse, size) = (pawn.id(), pawn.fuse(), pawn.flame());
    arm(world, timeline, pos, Some(owner), fuse, size);
    Ok(())
}
