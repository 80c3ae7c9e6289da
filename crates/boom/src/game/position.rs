//! Coordinates on a board and the four directions a pawn moves in.

/// A tile's coordinates: `x` grows to the right, `y` downwards, `(0, 0)` is
/// the top-left tile.
///
/// Coordinates are signed so that a position just off the board (for
/// example left of column 0) is representable; whether a position lies on a
/// board is the board's question ([`crate::game::Board::contains`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Column, 0 at the left edge.
    pub x: i32,
    /// Row, 0 at the top edge.
    pub y: i32,
}

impl Pos {
    /// The position `(x, y)`.
    pub const fn new(x: i32, y: i32) -> Pos {
        Pos { x, y }
    }

    /// The neighbouring position one step in `direction` (it may be off the
    /// board). Saturates instead of overflowing at the limits of `i32`.
    pub fn step(self, direction: Direction) -> Pos {
        self.offset(direction, 1)
    }

    /// The position `distance` steps away in `direction` (saturating).
    pub fn offset(self, direction: Direction, distance: i32) -> Pos {
        let (dx, dy) = direction.delta();
        Pos {
            x: self.x.saturating_add(dx.saturating_mul(distance)),
            y: self.y.saturating_add(dy.saturating_mul(distance)),
        }
    }

    /// Manhattan distance between two positions.
    pub fn distance(self, other: Pos) -> u32 {
        self.x.abs_diff(other.x) + self.y.abs_diff(other.y)
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

/// One of the four directions a pawn moves and a blast walks in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Towards row 0 (y decreases).
    Up,
    /// Towards the last row (y increases).
    Down,
    /// Towards column 0 (x decreases).
    Left,
    /// Towards the last column (x increases).
    Right,
}

impl Direction {
    /// The four directions, in the order a blast walks them: up, down,
    /// left, right.
    pub const ALL: [Direction; 4] = [
        Direction::Up,
        Direction::Down,
        Direction::Left,
        Direction::Right,
    ];

    /// The `(dx, dy)` of one step in this direction.
    pub const fn delta(self) -> (i32, i32) {
        match self {
            Direction::Up => (0, -1),
            Direction::Down => (0, 1),
            Direction::Left => (-1, 0),
            Direction::Right => (1, 0),
        }
    }
}
