//! Fire: starting one (R14), re-lighting one (R15), and its going out.
//!
//! Starting a fire destroys the tile (SOFT becomes EMPTY, uncovering any
//! power-up under it), kills every pawn there and destroys a power-up that
//! was already lying uncovered there. Setting off a bomb on a burning tile
//! is the explosion's job (`explosion.rs`), or
//! [`crate::game::Arena::start_fire`]'s for a fire lit by hand.

use std::time::Duration;

use weft::time::TimerId;

use super::events::Event;
use super::position::Pos;
use super::timeline::{Timed, Timeline};
use super::world::{Lighting, World};

/// Lights a fire at `pos` burning for `burn` from now (R14, R15): keeps an
/// existing fire burning until the later end, destroys a SOFT tile,
/// destroys an uncovered power-up (unless this fire is what uncovered it),
/// and kills every pawn there. HARD tiles and positions off the board are
/// left alone. A bomb there is *not* set off here.
pub(crate) fn ignite(world: &mut World, timeline: &mut Timeline, pos: Pos, burn: Duration) {
    let Some(tile) = world.board().index(pos) else {
        return;
    };
    let until = timeline.later(burn);
    let lit = world.light(tile, until, || {
        timeline.schedule(until, Timed::FireOut(pos))
    });
    let Some(lighting) = lit else {
        return;
    };
    match lighting {
        Lighting::Started => timeline.emit(Event::FireStarted { at: pos }),
        Lighting::Extended(timer) => timeline.reset(timer, until),
        Lighting::Kept => {}
    }
    if world.destroy_soft(tile) {
        timeline.emit(Event::TileDestroyed { at: pos });
        if let Some(kind) = world.board().powerup(pos) {
            timeline.emit(Event::PowerUpUncovered { at: pos, kind });
        }
    } else if lighting == Lighting::Started
        && let Some(kind) = world.take_powerup(pos)
    {
        timeline.emit(Event::PowerUpDestroyed { at: pos, kind });
    }
    for pawn in world.kill_all_on(tile) {
        timeline.emit(Event::PawnDied { pawn, at: pos });
    }
}

/// The fire at `pos` goes out, if its timer is `timer` (a fire re-lit
/// later keeps its timer, moved to the later end).
pub(crate) fn fire_out(world: &mut World, timeline: &mut Timeline, pos: Pos, timer: TimerId) {
    if let Some(tile) = world.board().index(pos)
        && world.put_out(tile, timer)
    {
        timeline.emit(Event::FireOut { at: pos });
    }
}
