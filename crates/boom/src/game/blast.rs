//! Where a bomb explodes: the four-direction blast walk (R11, R12) and its
//! chain reactions.
//!
//! [`Arena::explode`](crate::game::Arena) removes the bomb (its timer is
//! cancelled, so it never fires later: R11, R16), gives it back to its
//! owner's stock (R9), lights its tile, then walks each direction in turn,
//! 1 … size tiles:
//!
//! - off the board or HARD: that direction ends (no fire on HARD);
//! - SOFT: fire there (the tile becomes EMPTY), then that direction ends;
//! - another bomb: fire there and that bomb goes off at once, with its own
//!   size, before this walk goes on; then that direction ends (so a small
//!   bomb shields what lies behind it from a big one);
//! - EMPTY: fire there, and the walk goes on.
//!
//! Chains run on an explicit stack, exactly as the recursion R12 describes
//! but without recursion, so a board full of bombs cannot overflow the
//! call stack. `blast_cells` is the same walk without effects, for bots
//! that want to know where a blast will reach.

use super::arena::Arena;
use super::board::{Board, Tile};
use super::bomb::Bomb;
use super::events::Event;
use super::position::{Direction, Pos};

/// One blast walk in progress: which direction it is in and how far.
struct Walk {
    origin: Pos,
    size: u32,
    direction: usize,
    step: u32,
}

impl Walk {
    fn next_direction(&mut self) {
        self.direction += 1;
        self.step = 1;
    }
}

impl Arena {
    /// Explodes the bomb at `pos`, and every bomb its fire reaches (R11,
    /// R12). Does nothing when there is no bomb there.
    pub(crate) fn explode(&mut self, pos: Pos) {
        let mut walks: Vec<Walk> = Vec::new();
        self.detonate(pos, &mut walks);
        while let Some(walk) = walks.last_mut() {
            if walk.direction >= Direction::ALL.len() {
                walks.pop();
                continue;
            }
            if walk.step > walk.size {
                walk.next_direction();
                continue;
            }
            let target = walk
                .origin
                .offset(Direction::ALL[walk.direction], walk.step as i32);
            let Some(i) = self.board.index(target) else {
                walk.next_direction();
                continue;
            };
            let tile = self.board.tile_at_index(i).unwrap_or(Tile::Hard);
            if tile == Tile::Hard {
                walk.next_direction();
                continue;
            }
            let bomb_there = self.bombs[i].is_some();
            if bomb_there || tile == Tile::Soft {
                walk.next_direction();
            } else {
                walk.step += 1;
            }
            self.ignite(target, self.config.burn_time);
            if bomb_there {
                self.detonate(target, &mut walks);
            }
        }
    }

    /// Takes the bomb at `pos` off the board, returns it to its owner,
    /// lights its tile and queues its blast walk.
    fn detonate(&mut self, pos: Pos, walks: &mut Vec<Walk>) {
        let Some(i) = self.board.index(pos) else {
            return;
        };
        let Some(bomb) = self.bombs[i].take() else {
            return;
        };
        self.bomb_count -= 1;
        self.timeline.cancel(bomb.timer);
        if let Some(owner) = bomb.owner
            && let Some(pawn) = self.pawn_mut(owner)
        {
            pawn.stock = (pawn.stock + 1).min(pawn.owned);
        }
        self.hazard_version += 1;
        self.emit(Event::BombExploded {
            owner: bomb.owner,
            at: pos,
        });
        self.ignite(pos, self.config.burn_time);
        walks.push(Walk {
            origin: pos,
            size: bomb.size.min(self.max_reach()),
            direction: 0,
            step: 1,
        });
    }

    /// No blast needs to reach further than the board's longest side.
    pub(crate) fn max_reach(&self) -> u32 {
        self.board.width().max(self.board.height()) as u32
    }
}

/// The tiles (flat indices) a blast of `size` from `origin` would set on
/// fire on the board as it is now, without chain reactions: `origin` first,
/// then each direction in turn, stopping as R12 says. Calls `hit` for each.
/// Nothing burns from a HARD tile or off the board.
pub(crate) fn blast_cells(
    board: &Board,
    bombs: &[Option<Bomb>],
    origin: Pos,
    size: u32,
    mut hit: impl FnMut(usize),
) {
    let Some(o) = board.index(origin) else {
        return;
    };
    if board.tile_at_index(o) == Some(Tile::Hard) {
        return;
    }
    hit(o);
    let size = size.min(board.width().max(board.height()) as u32) as i32;
    for direction in Direction::ALL {
        for step in 1..=size {
            let Some(i) = board.index(origin.offset(direction, step)) else {
                break;
            };
            match board.tile_at_index(i) {
                Some(Tile::Empty) => {
                    hit(i);
                    if bombs[i].is_some() {
                        break;
                    }
                }
                Some(Tile::Soft) => {
                    hit(i);
                    break;
                }
                _ => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(board: &Board, bombs: &[Option<Bomb>], origin: Pos, size: u32) -> Vec<Pos> {
        let mut hit = Vec::new();
        blast_cells(board, bombs, origin, size, |i| hit.push(board.pos(i)));
        hit
    }

    #[test]
    fn the_pure_walk_stops_like_the_real_one() {
        let board = Board::from_rows(&["..S..", ".H...", "....."]).unwrap();
        let bombs = vec![None; board.len()];
        assert_eq!(
            cells(&board, &bombs, Pos::new(0, 0), 9),
            [
                Pos::new(0, 0),
                Pos::new(0, 1),
                Pos::new(0, 2),
                Pos::new(1, 0),
                Pos::new(2, 0)
            ]
        );
        assert_eq!(cells(&board, &bombs, Pos::new(1, 1), 9), []);
        assert_eq!(cells(&board, &bombs, Pos::new(9, 9), 1), []);
        assert_eq!(cells(&board, &bombs, Pos::new(4, 2), 0), [Pos::new(4, 2)]);
    }

    #[test]
    fn a_huge_size_is_bounded_by_the_board() {
        let board = Board::filled(3, 1, Tile::Empty);
        let bombs = vec![None; board.len()];
        assert_eq!(cells(&board, &bombs, Pos::new(0, 0), u32::MAX).len(), 3);
    }

    #[test]
    fn a_long_chain_needs_no_deep_recursion() {
        use crate::game::{Arena, Config};
        use std::time::Duration;
        let board = Board::filled(1000, 1, Tile::Empty);
        let mut arena = Arena::with_board(Config::classic(), board).unwrap();
        for x in 0..1000 {
            arena
                .place_bomb(Pos::new(x, 0), Duration::from_secs(5), 1, Duration::ZERO)
                .unwrap();
        }
        arena.advance(Duration::from_secs(5));
        assert_eq!(arena.bomb_count(), 0);
        assert_eq!(arena.fire_count(), 1000);
    }
}
