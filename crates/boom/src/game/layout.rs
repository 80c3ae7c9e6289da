//! A round's lay-out: where pawns appear and which SOFT tiles hide
//! power-ups.
//!
//! Both are fixed by the arena's settings and seed: one seed, one board.
//! Power-ups are uncovered by fire, taken by walking in and destroyed by a
//! later fire (see [`crate::game::PowerUp`]).

use super::board::{Board, Tile};
use super::config::{Config, SpawnRule};
use super::position::{Direction, Pos};
use super::powerup::PowerUp;
use super::rng::{Rng, derive_seed};
use super::spawn::spawn_points;

/// Most spawn points an arena computes; pawns beyond share them in turn.
const SPAWN_POINTS: usize = 256;

/// How many spawn points (the corners and edge middles) keep power-ups
/// away from them and their neighbours.
pub const POWERUP_FREE_SPAWNS: usize = 8;

/// The spawn points of an arena playing by `config`, in the order pawns
/// get them: `(0, 0)` alone with [`SpawnRule::Origin`], else
/// [`spawn_points`] of the board (at most 256). Never empty.
pub fn spawns(config: &Config) -> Vec<Pos> {
    match config.spawn {
        SpawnRule::Origin => vec![Pos::new(0, 0)],
        SpawnRule::Spread => spawn_points(config.width, config.height, SPAWN_POINTS),
    }
}

/// The board of round `round` (1 for the first): the generated board of
/// R2 with, when `config` has power-ups, power-ups hidden away from the
/// first [`POWERUP_FREE_SPAWNS`] of `spawns` and their neighbours (so that
/// making room there uncovers none), chosen by a generator seeded with the
/// arena's seed and `round`.
pub fn round_board(config: &Config, spawns: &[Pos], round: u32) -> Board {
    let mut board = Board::generate(config.width, config.height);
    if let Some(rules) = config.powerups {
        let excluded: Vec<Pos> = spawns[..spawns.len().min(POWERUP_FREE_SPAWNS)]
            .iter()
            .flat_map(|&p| std::iter::once(p).chain(Direction::ALL.map(|d| p.step(d))))
            .collect();
        let mut rng = Rng::new(derive_seed(config.seed, u64::from(round)));
        place_powerups(&mut board, rules.percent, &excluded, &mut rng);
    }
    board
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
