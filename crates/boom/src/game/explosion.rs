//! Bombs from drop to explosion: arming one (R8), and its explosion with
//! every chain reaction it sets off (R9, R11–R13, R16).
//!
//! [`explode`] takes the bomb off the board (its fuse is cancelled, so it
//! never goes off later: R11, R16), gives it back to its owner's stock
//! (R9), then follows its [`Blast`], setting each tile it reaches on fire
//! (`burning.rs`). A bomb on a tile it reaches goes off at once, and its
//! own blast runs before this one goes on. Blasts wait on an explicit
//! stack, exactly as the recursion R12 describes but without recursion, so
//! that a board full of bombs cannot overflow the call stack.

use std::time::Duration;

use weft::time::TimerId;

use super::blast::Blast;
use super::bomb::Bomb;
use super::burning::ignite;
use super::events::Event;
use super::pawn::PawnId;
use super::position::Pos;
use super::timeline::{Timed, Timeline};
use super::world::World;

/// Puts a bomb at `pos` that explodes after `fuse` with blast `size`
/// (dropped by `owner`, or placed by the game's setup with `None`).
/// Nothing happens off the board.
pub(crate) fn arm(
    world: &mut World,
    timeline: &mut Timeline,
    pos: Pos,
    owner: Option<PawnId>,
    fuse: Duration,
    size: u32,
) {
    let Some(tile) = world.board().index(pos) else {
        return;
    };
    let explodes_at = timeline.later(fuse);
    let timer = timeline.schedule(explodes_at, Timed::Fuse(pos));
    let bomb = Bomb {
        owner,
        size,
        explodes_at,
        timer,
    };
    world.put_bomb(tile, bomb);
    timeline.emit(Event::BombDropped { owner, at: pos });
}

/// The fuse `timer` of the bomb at `pos` runs out: it explodes, unless it
/// already has (then `timer` is not its fuse any more).
pub(crate) fn fuse_out(
    world: &mut World,
    timeline: &mut Timeline,
    pos: Pos,
    timer: TimerId,
    burn: Duration,
) {
    if world
        .bombs()
        .at(pos)
        .is_some_and(|bomb| bomb.timer == timer)
    {
        explode(world, timeline, pos, burn);
    }
}

/// Explodes the bomb at `pos`, and every bomb its fire reaches; each fire
/// burns for `burn`. Does nothing when there is no bomb there.
pub(crate) fn explode(world: &mut World, timeline: &mut Timeline, pos: Pos, burn: Duration) {
    let mut blasts = Vec::new();
    detonate(world, timeline, pos, &mut blasts);
    while let Some(blast) = blasts.last_mut() {
        let Some(tile) = blast.next(world) else {
            blasts.pop();
            continue;
        };
        let at = world.board().pos(tile);
        let bomb_there = world.bombs().at_index(tile).is_some();
        ignite(world, timeline, at, burn);
        if bomb_there {
            detonate(world, timeline, at, &mut blasts);
        }
    }
}

/// Takes the bomb at `pos` off the board, returns it to its owner and
/// stacks its blast.
fn detonate(world: &mut World, timeline: &mut Timeline, pos: Pos, blasts: &mut Vec<Blast>) {
    let Some(bomb) = world.board().index(pos).and_then(|i| world.take_bomb(i)) else {
        return;
    };
    timeline.cancel(bomb.timer);
    if let Some(index) = bomb.owner.and_then(|owner| world.pawn_index(owner)) {
        world.kit_mut(index).restock();
    }
    timeline.emit(Event::BombExploded {
        owner: bomb.owner,
        at: pos,
    });
    blasts.push(Blast::new(pos, bomb.size, world.board()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::board::{Board, Tile};

    #[test]
    fn a_long_chain_needs_no_deep_recursion() {
        let mut world = World::new(Board::filled(1000, 1, Tile::Empty));
        let mut timeline = Timeline::new();
        let fuse = Duration::from_secs(5);
        for x in 0..1000 {
            arm(&mut world, &mut timeline, Pos::new(x, 0), None, fuse, 1);
        }
        explode(
            &mut world,
            &mut timeline,
            Pos::new(0, 0),
            Duration::from_secs(1),
        );
        assert_eq!(world.bombs().count(), 0);
        assert_eq!(world.fires().count(), 1000);
        assert_eq!(
            timeline.next_deadline(),
            Some(Duration::from_secs(1)),
            "fuses cancelled"
        );
    }

    #[test]
    fn an_exploded_bomb_goes_back_to_its_owner_and_its_fuse_is_stale() {
        use crate::game::config::Config;
        use crate::game::pawn::Kit;
        let mut world = World::new(Board::filled(3, 1, Tile::Empty));
        let mut timeline = Timeline::new();
        let owner = world.join("A", false, Kit::new(&Config::classic()));
        assert!(world.kit_mut(0).take_bomb());
        let (pos, burn) = (Pos::new(2, 0), Duration::from_secs(1));
        arm(
            &mut world,
            &mut timeline,
            pos,
            Some(owner),
            Duration::from_secs(2),
            1,
        );
        let fuse = world.bombs().at(pos).unwrap().timer;
        explode(&mut world, &mut timeline, pos, burn);
        assert_eq!(world.pawns()[0].bombs_in_stock(), 1);
        let events = timeline.events().len();
        fuse_out(&mut world, &mut timeline, pos, fuse, burn);
        assert_eq!(timeline.events().len(), events, "no second explosion");
    }
}
