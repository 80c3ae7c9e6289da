//! The seed's plain ASCII frame (R20): a pure function of the arena.
//!
//! ```text
//! +-----------+
//! |A :::::::::|
//! | #:#:#:#:#:|
//! …
//! +-----------+
//! ```
//!
//! Glyphs: a pawn is the first letter of its name, upper case when alive,
//! lower case when dead; bomb `O`; fire `x`; EMPTY ` `; SOFT `:`; HARD `#`.
//! Power-ups (not in the seed's game) are `*` for +1 bomb, `%` for +1 flame
//! and `>` for +1 speed: none is a border character, another cell's glyph
//! or a letter. Lines end with CR LF.

use super::{Cell, cells};
use crate::game::{Arena, PowerUp, Tile};

/// The glyph of one cell.
pub fn glyph(cell: &Cell<'_>) -> char {
    match cell {
        Cell::Pawn(pawn) => pawn.letter(),
        Cell::Bomb => 'O',
        Cell::Fire => 'x',
        Cell::PowerUp(PowerUp::Bomb) => '*',
        Cell::PowerUp(PowerUp::Flame) => '%',
        Cell::PowerUp(PowerUp::Speed) => '>',
        Cell::Tile(Tile::Empty) => ' ',
        Cell::Tile(Tile::Soft) => ':',
        Cell::Tile(Tile::Hard) => '#',
    }
}

/// The board's rows as strings of glyphs, without the border: the picture
/// tests compare against.
pub fn picture(arena: &Arena) -> Vec<String> {
    let width = arena.board().width().max(1);
    let glyphs: Vec<char> = cells(arena).iter().map(glyph).collect();
    glyphs
        .chunks(width)
        .map(|row| row.iter().collect())
        .collect()
}

/// The whole frame of R20 as bytes: border, one `|…|` line per row,
/// border, every line ending in CR LF. Always ASCII, `(width + 4) *
/// (height + 2)` bytes.
pub fn frame(arena: &Arena) -> Vec<u8> {
    let board = arena.board();
    let mut out = Vec::with_capacity((board.width() + 4) * (board.height() + 2));
    write_frame(arena, &mut out);
    out
}

/// Appends the frame of [`frame`] to `out`, so a server can reuse one
/// buffer.
pub fn write_frame(arena: &Arena, out: &mut Vec<u8>) {
    let width = arena.board().width();
    write_glyphs(width, cells(arena).iter().map(|c| glyph(c) as u8), out);
}

/// Appends the frame of a board `width` tiles wide whose cells show
/// `glyphs`, row by row (as [`glyph`] draws them): border, one `|…|` line
/// per row, border, each line ending in CR LF. The one writer of the plain
/// frame, for [`write_frame`] and for a server that holds the glyphs
/// already.
pub fn write_glyphs(width: usize, glyphs: impl IntoIterator<Item = u8>, out: &mut Vec<u8>) {
    let border = |out: &mut Vec<u8>| {
        out.push(b'+');
        out.extend(std::iter::repeat_n(b'-', width));
        out.extend_from_slice(b"+\r\n");
    };
    border(out);
    let mut glyphs = glyphs.into_iter().peekable();
    while width > 0 && glyphs.peek().is_some() {
        out.push(b'|');
        out.extend(glyphs.by_ref().take(width));
        out.extend_from_slice(b"|\r\n");
    }
    border(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Config;

    #[test]
    fn the_r20_example() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        arena.join("A");
        let expected = "+-----------+\r\n\
                        |A :::::::::|\r\n\
                        | #:#:#:#:#:|\r\n\
                        |:::::::::::|\r\n\
                        |:#:#:#:#:#:|\r\n\
                        |:::::::::::|\r\n\
                        |:#:#:#:#:#:|\r\n\
                        |:::::::::::|\r\n\
                        |:#:#:#:#:#:|\r\n\
                        |:::::::::::|\r\n\
                        |:#:#:#:#:#:|\r\n\
                        |:::::::::::|\r\n\
                        +-----------+\r\n";
        assert_eq!(String::from_utf8(frame(&arena)).unwrap(), expected);
    }

    #[test]
    fn powerup_glyphs_clash_with_nothing_else() {
        for kind in PowerUp::ALL {
            let g = glyph(&Cell::PowerUp(kind));
            assert!(!"+|Ox:# -".contains(g) && !g.is_ascii_alphabetic(), "{g}");
        }
    }
}
