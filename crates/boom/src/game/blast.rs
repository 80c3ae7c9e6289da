//! Where a bomb explodes: the blast walk of R12, one tile at a time.
//!
//! A blast of size `n` sets its own tile on fire, then walks each
//! direction in turn (up, down, left, right), 1 … `n` tiles:
//!
//! - off the board or HARD: that direction ends (no fire on HARD);
//! - SOFT: fire there (the tile becomes EMPTY), then that direction ends;
//! - another bomb: fire there, then that direction ends (so a small bomb
//!   shields what lies behind it from a big one);
//! - EMPTY: fire there, and the walk goes on.
//!
//! [`Blast`] is that walk and nothing else: it reads the world as it
//! stands at each step and changes nothing. The engine sets each tile it
//! gives on fire and sets off the bombs there, whose own blasts run before
//! this one goes on (R11–R13, R16: `explosion.rs`); bots read where a blast
//! would reach with [`Blast::reach`].

use super::board::{Board, Tile};
use super::position::{Direction, Pos};
use super::world::World;

/// One blast walk in progress: where it comes from, how far it may go in
/// each direction, and which direction and step it is at.
#[derive(Clone, Debug)]
pub struct Blast {
    /// The origin's flat index; `None` off the board.
    origin: Option<usize>,
    width: usize,
    /// Per direction of [`Direction::ALL`], the last step the walk may
    /// take: its size, cut down to the board's edge.
    limits: [u32; 4],
    /// Index into [`Direction::ALL`]; `None` before the origin is lit.
    direction: Option<usize>,
    step: u32,
}

impl Blast {
    /// A blast of `size` from `origin` on `board`.
    pub fn new(origin: Pos, size: u32, board: &Board) -> Blast {
        let room = |tiles: i64| u32::try_from(tiles).unwrap_or(0).min(size);
        let (x, y) = (i64::from(origin.x), i64::from(origin.y));
        let (w, h) = (board.width() as i64, board.height() as i64);
        Blast {
            origin: board.index(origin),
            width: board.width(),
            // In the order of Direction::ALL: up, down, left, right.
            limits: [room(y), room(h - 1 - y), room(x), room(w - 1 - x)],
            direction: None,
            step: 1,
        }
    }

    /// The flat index of the next tile this blast sets on fire in `world`
    /// as it stands now, or `None` once it is over: its origin first, then
    /// each direction in turn as R12 says. A blast from a HARD tile or
    /// from off the board sets nothing on fire.
    #[inline(always)]
    pub fn next(&mut self, world: &World) -> Option<usize> {
        let board = world.board();
        let origin = self.origin?;
        let Some(mut direction) = self.direction else {
            let burns = board.tile_at_index(origin) != Some(Tile::Hard);
            self.direction = Some(if burns { 0 } else { Direction::ALL.len() });
            return burns.then_some(origin);
        };
        while direction < Direction::ALL.len() {
            let step = self.step as usize;
            if self.step <= self.limits[direction] {
                let i = match Direction::ALL[direction] {
                    Direction::Up => origin - step * self.width,
                    Direction::Down => origin + step * self.width,
                    Direction::Left => origin - step,
                    Direction::Right => origin + step,
                };
                if let Some(tile @ (Tile::Empty | Tile::Soft)) = board.tile_at_index(i) {
                    if tile == Tile::Empty && world.bombs().at_index(i).is_none() {
                        self.step += 1;
                    } else {
                        (direction, self.step) = (direction + 1, 1);
                    }
                    self.direction = Some(direction);
                    return Some(i);
                }
            }
            (direction, self.step) = (direction + 1, 1);
        }
        self.direction = Some(direction);
        None
    }

    /// The flat indices of the tiles a blast of `size` from `origin` would
    /// set on fire in `world` as it stands now, without setting off the
    /// bombs it reaches: what [`Blast::next`] gives, in its order.
    pub fn reach(world: &World, origin: Pos, size: u32) -> impl Iterator<Item = usize> + '_ {
        let mut blast = Blast::new(origin, size, world.board());
        std::iter::from_fn(move || blast.next(world))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(world: &World, origin: Pos, size: u32) -> Vec<Pos> {
        let hit = Blast::reach(world, origin, size);
        hit.map(|i| world.board().pos(i)).collect()
    }

    #[test]
    fn the_walk_stops_off_the_board_at_hard_and_after_soft() {
        let board = Board::from_rows(&["..S..", ".H...", "....."]).unwrap();
        let world = World::new(board);
        assert_eq!(
            cells(&world, Pos::new(0, 0), 9),
            [
                Pos::new(0, 0),
                Pos::new(0, 1),
                Pos::new(0, 2),
                Pos::new(1, 0),
                Pos::new(2, 0)
            ]
        );
        assert_eq!(cells(&world, Pos::new(1, 1), 9), []);
        assert_eq!(cells(&world, Pos::new(9, 9), 1), []);
        assert_eq!(cells(&world, Pos::new(4, 2), 0), [Pos::new(4, 2)]);
    }

    #[test]
    fn a_huge_size_is_bounded_by_the_board() {
        let world = World::new(Board::filled(3, 1, Tile::Empty));
        assert_eq!(cells(&world, Pos::new(0, 0), u32::MAX).len(), 3);
    }

    #[test]
    fn a_bomb_in_the_way_burns_and_ends_its_direction() {
        use crate::game::bomb::Bomb;
        use std::time::Duration;
        use weft::time::TimerQueue;
        let mut world = World::new(Board::filled(5, 1, Tile::Empty));
        let timer = TimerQueue::new().schedule(Duration::ZERO, ());
        let bomb = Bomb {
            owner: None,
            size: 1,
            explodes_at: Duration::ZERO,
            timer,
        };
        world.put_bomb(3, bomb);
        assert_eq!(
            cells(&world, Pos::new(1, 0), 9),
            [
                Pos::new(1, 0),
                Pos::new(0, 0),
                Pos::new(2, 0),
                Pos::new(3, 0)
            ]
        );
    }
}
