//! The board: a flat grid of tiles (R1, R2), the hidden power-ups under
//! them, and making room for a pawn (R5).
//!
//! Bombs, fires and pawns live on the board too (R3), but they are kept by
//! the [`crate::game::World`], which holds the board with them.

use super::position::{Direction, Pos};
use super::powerup::PowerUp;

/// A tile's foreground (R1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tile {
    /// Nothing: pawns walk here, fire passes through.
    Empty,
    /// A wall that can never be destroyed: stops pawns and fire.
    Hard,
    /// A wall that fire destroys (it becomes [`Tile::Empty`]).
    Soft,
}

/// A rectangular grid of tiles with the power-ups hidden under them.
///
/// Every lookup is `O(1)` (one flat `Vec` indexed by `y * width + x`), and
/// every method takes positions that may lie off the board: they answer
/// `None` / `false` or do nothing, never panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Board {
    width: usize,
    height: usize,
    tiles: Vec<Tile>,
    powerups: Vec<Option<PowerUp>>,
}

impl Board {
    /// The longest side a board can have; larger sides are cut down to it.
    pub const MAX_SIDE: usize = 1024;

    /// A board of `width` × `height` (each at most [`Board::MAX_SIDE`])
    /// where every tile is `tile`.
    pub fn filled(width: usize, height: usize, tile: Tile) -> Board {
        let (width, height) = (width.min(Board::MAX_SIDE), height.min(Board::MAX_SIDE));
        let cells = width * height;
        Board {
            width,
            height,
            tiles: vec![tile; cells],
            powerups: vec![None; cells],
        }
    }

    /// The generated board of R2: HARD wherever `x` and `y` are both odd,
    /// SOFT everywhere else, no power-ups (sides as in [`Board::filled`]).
    pub fn generate(width: usize, height: usize) -> Board {
        let mut board = Board::filled(width, height, Tile::Soft);
        let (width, height) = (board.width, board.height);
        for y in (1..height).step_by(2) {
            for x in (1..width).step_by(2) {
                board.tiles[y * width + x] = Tile::Hard;
            }
        }
        board
    }

    /// A board drawn as rows of letters: `S` SOFT, `H` HARD, `.` EMPTY (the
    /// notation of R2's example). Returns `None` when the rows are empty,
    /// of unequal lengths, longer than [`Board::MAX_SIDE`], or hold another
    /// character.
    pub fn from_rows(rows: &[&str]) -> Option<Board> {
        let height = rows.len();
        let width = rows.first()?.chars().count();
        if width > Board::MAX_SIDE || height > Board::MAX_SIDE {
            return None;
        }
        let mut board = Board::filled(width, height, Tile::Empty);
        for (y, row) in rows.iter().enumerate() {
            if row.chars().count() != width {
                return None;
            }
            for (x, c) in row.chars().enumerate() {
                board.tiles[y * width + x] = match c {
                    'S' => Tile::Soft,
                    'H' => Tile::Hard,
                    '.' => Tile::Empty,
                    _ => return None,
                };
            }
        }
        Some(board)
    }

    /// The board drawn as rows of `S` / `H` / `.` (see [`Board::from_rows`]).
    pub fn rows(&self) -> Vec<String> {
        (0..self.height)
            .map(|y| {
                self.tiles[y * self.width..(y + 1) * self.width]
                    .iter()
                    .map(|t| match t {
                        Tile::Soft => 'S',
                        Tile::Hard => 'H',
                        Tile::Empty => '.',
                    })
                    .collect()
            })
            .collect()
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Number of tiles (`width * height`).
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether the board has no tile at all.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// Whether `pos` lies on the board.
    pub fn contains(&self, pos: Pos) -> bool {
        self.index(pos).is_some()
    }

    /// The flat index of `pos` (`y * width + x`), or `None` off the board.
    pub fn index(&self, pos: Pos) -> Option<usize> {
        let x = usize::try_from(pos.x).ok()?;
        let y = usize::try_from(pos.y).ok()?;
        (x < self.width && y < self.height).then(|| y * self.width + x)
    }

    /// The position of flat index `index` (which must be below
    /// [`Board::len`] to lie on the board).
    pub fn pos(&self, index: usize) -> Pos {
        let width = self.width.max(1);
        Pos::new((index % width) as i32, (index / width) as i32)
    }

    /// The tile at `pos`, or `None` off the board.
    pub fn tile(&self, pos: Pos) -> Option<Tile> {
        self.index(pos).map(|i| self.tiles[i])
    }

    /// The tile at flat index `index` (see [`Board::index`]); `None` past
    /// the end.
    pub fn tile_at_index(&self, index: usize) -> Option<Tile> {
        self.tiles.get(index).copied()
    }

    /// Sets the tile at `pos`. Returns `false` (and does nothing) off the
    /// board.
    pub fn set_tile(&mut self, pos: Pos, tile: Tile) -> bool {
        match self.index(pos) {
            Some(i) => {
                self.tiles[i] = tile;
                true
            }
            None => false,
        }
    }

    /// R5: `pos` and each of its four neighbours that lie on the board
    /// become EMPTY. Returns the positions whose tile changed (in the order
    /// centre, up, down, left, right).
    pub fn make_room(&mut self, pos: Pos) -> Vec<Pos> {
        let mut changed = Vec::new();
        if !self.contains(pos) {
            return changed;
        }
        let around = std::iter::once(pos).chain(Direction::ALL.iter().map(|&d| pos.step(d)));
        for p in around {
            if let Some(i) = self.index(p)
                && self.tiles[i] != Tile::Empty
            {
                self.tiles[i] = Tile::Empty;
                changed.push(p);
            }
        }
        changed
    }

    /// The power-up a player can see at `pos`: one lying on an EMPTY tile.
    /// A power-up still hidden under a SOFT tile is not reported.
    pub fn powerup(&self, pos: Pos) -> Option<PowerUp> {
        let i = self.index(pos)?;
        (self.tiles[i] == Tile::Empty)
            .then_some(self.powerups[i])
            .flatten()
    }

    /// The power-up at `pos`, hidden or not.
    pub fn hidden_powerup(&self, pos: Pos) -> Option<PowerUp> {
        self.index(pos).and_then(|i| self.powerups[i])
    }

    /// Puts (or with `None` removes) a power-up at `pos`, hidden when the
    /// tile is SOFT. Returns `false` (and does nothing) off the board.
    pub fn set_powerup(&mut self, pos: Pos, powerup: Option<PowerUp>) -> bool {
        match self.index(pos) {
            Some(i) => {
                self.powerups[i] = powerup;
                true
            }
            None => false,
        }
    }

    /// Removes and returns the power-up at `pos`.
    pub(crate) fn take_powerup(&mut self, pos: Pos) -> Option<PowerUp> {
        self.index(pos).and_then(|i| self.powerups[i].take())
    }

    /// Number of tiles equal to `tile`.
    pub fn count(&self, tile: Tile) -> usize {
        self.tiles.iter().filter(|&&t| t == tile).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_puts_hard_where_both_coordinates_are_odd() {
        assert_eq!(
            Board::generate(5, 5).rows(),
            ["SSSSS", "SHSHS", "SSSSS", "SHSHS", "SSSSS"]
        );
    }

    #[test]
    fn off_board_positions_answer_none_and_change_nothing() {
        let mut board = Board::generate(3, 3);
        for p in [
            Pos::new(-1, 0),
            Pos::new(0, -1),
            Pos::new(3, 0),
            Pos::new(0, 3),
        ] {
            assert_eq!(board.tile(p), None);
            assert!(!board.set_tile(p, Tile::Empty));
            assert!(board.make_room(p).is_empty());
            assert_eq!(board.powerup(p), None);
        }
        assert_eq!(board, Board::generate(3, 3));
    }

    #[test]
    fn even_and_degenerate_sizes_work() {
        assert_eq!(Board::generate(4, 2).rows(), ["SSSS", "SHSH"]);
        assert_eq!(Board::generate(0, 0).len(), 0);
        let huge = Board::filled(usize::MAX, 1, Tile::Empty);
        assert_eq!((huge.width(), huge.height()), (Board::MAX_SIDE, 1));
        assert_eq!(Board::from_rows(&["S.", "H"]), None);
        assert_eq!(Board::from_rows(&["SX"]), None);
    }

    #[test]
    fn a_powerup_is_visible_only_once_uncovered() {
        let mut board = Board::generate(3, 3);
        board.set_powerup(Pos::new(0, 0), Some(PowerUp::Flame));
        assert_eq!(board.powerup(Pos::new(0, 0)), None);
        assert_eq!(board.hidden_powerup(Pos::new(0, 0)), Some(PowerUp::Flame));
        board.set_tile(Pos::new(0, 0), Tile::Empty);
        assert_eq!(board.powerup(Pos::new(0, 0)), Some(PowerUp::Flame));
    }
}
