//! Turning an arena into what players see.
//!
//! [`Cell`] and [`cells`] are the one place that decides what a tile shows
//! (R20's precedence); each renderer only maps a [`Cell`] to its look.

pub mod ansi;
pub mod plain;

use crate::game::{Arena, Pawn, PowerUp, Tile};

/// What one tile shows, first match wins (R20): a pawn, a bomb, a fire, an
/// uncovered power-up, else the tile.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    /// The first pawn (in joining order) on the tile, alive or dead.
    Pawn(&'a Pawn),
    /// A bomb.
    Bomb,
    /// A fire.
    Fire,
    /// A power-up lying uncovered.
    PowerUp(PowerUp),
    /// Nothing on the tile but the tile itself.
    Tile(Tile),
}

/// Every tile's [`Cell`], row by row (`y * width + x`), in `O(tiles +
/// pawns)`.
pub fn cells(arena: &Arena) -> Vec<Cell<'_>> {
    let board = arena.board();
    let mut first: Vec<Option<&Pawn>> = vec![None; board.len()];
    for pawn in arena.pawns() {
        if let Some(i) = pawn.pos().and_then(|p| board.index(p))
            && first[i].is_none()
        {
            first[i] = Some(pawn);
        }
    }
    first
        .into_iter()
        .enumerate()
        .map(|(i, pawn)| {
            let pos = board.pos(i);
            if let Some(pawn) = pawn {
                Cell::Pawn(pawn)
            } else if arena.bomb_at(pos).is_some() {
                Cell::Bomb
            } else if arena.fire_at(pos).is_some() {
                Cell::Fire
            } else if let Some(kind) = board.powerup(pos) {
                Cell::PowerUp(kind)
            } else {
                Cell::Tile(board.tile(pos).unwrap_or(Tile::Empty))
            }
        })
        .collect()
}
