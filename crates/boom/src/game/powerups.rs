//! Power-ups: hidden under a fixed share of SOFT tiles, uncovered by fire,
//! taken by walking in, destroyed by a later fire.
//!
//! Where they go is decided by [`place_powerups`] from a seeded generator:
//! one seed, one board. What they do is [`PowerUp`]'s contract; the arena
//! applies it when a pawn walks in (`Arena::act`).

use super::board::{Board, Tile};
use super::position::Pos;
use super::rng::Rng;

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

/// Hides power-ups under `percent`% (rounded down) of the SOFT tiles of
/// `board` that are not in `excluded`, chosen by `rng`, with the kinds dealt
/// out in turn (bomb, flame, speed, bomb, …) so every board has a fair mix.
/// Returns how many were placed.
pub fn place_powerups(board: &mut Board, percent: u32, excluded: &[Pos], rng: &mut Rng) -> usize {
    let mut candidates: Vec<usize> = (0..board.len())
        .filter(|&i| board.tile_at_index(i) == Some(Tile::Soft))
        .filter(|&i| !excluded.contains(&board.pos(i)))
        .collect();
    let count = candidates.len() * percent.min(100) as usize / 100;
    rng.shuffle(&mut candidates);
    for (n, &i) in candidates.iter().take(count).enumerate() {
        let pos = board.pos(i);
        board.set_powerup(pos, Some(PowerUp::ALL[n % PowerUp::ALL.len()]));
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(board: &Board) -> Vec<(Pos, PowerUp)> {
        (0..board.len())
            .filter_map(|i| {
                board
                    .hidden_powerup(board.pos(i))
                    .map(|p| (board.pos(i), p))
            })
            .collect()
    }

    #[test]
    fn a_fixed_share_of_soft_tiles_and_only_soft_ones() {
        let mut board = Board::generate(11, 11);
        let soft = board.count(Tile::Soft);
        let placed = place_powerups(&mut board, 20, &[], &mut Rng::new(3));
        assert_eq!(placed, soft * 20 / 100);
        let all = hidden(&board);
        assert_eq!(all.len(), placed);
        assert!(all.iter().all(|(p, _)| board.tile(*p) == Some(Tile::Soft)));
        for kind in PowerUp::ALL {
            assert!(all.iter().filter(|(_, k)| *k == kind).count() >= placed / 3);
        }
    }

    #[test]
    fn one_seed_one_board() {
        let make = |seed| {
            let mut board = Board::generate(11, 11);
            place_powerups(&mut board, 20, &[], &mut Rng::new(seed));
            hidden(&board)
        };
        assert_eq!(make(5), make(5));
        assert_ne!(make(5), make(6));
    }

    #[test]
    fn excluded_tiles_get_none() {
        let mut board = Board::generate(5, 5);
        let excluded: Vec<Pos> = (0..25).map(|i| board.pos(i)).collect();
        assert_eq!(
            place_powerups(&mut board, 100, &excluded, &mut Rng::new(1)),
            0
        );
    }
}
