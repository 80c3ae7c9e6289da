//! The ANSI renderer: colours, cursor addressing, and per-client screens
//! that redraw only what changed.
//!
//! Rendering is split so that a server does the work once per arena and
//! only the cheap part per client:
//! - [`cells_into`] turns an arena into [`AnsiCell`]s (a glyph and a
//!   [`Style`], two bytes each), once per frame for everyone;
//! - each client owns a [`Screen`]: what it shows now (a cell buffer and
//!   its status lines). [`Screen::update`] compares the new cells with it
//!   and appends to the output only the escape sequences and glyphs of the
//!   cells that changed. The first update (and the first after a resize)
//!   clears the screen, hides the cursor and draws everything, centred in
//!   the window.
//!
//! [`Screen::restore`] gives the terminal back: colours reset, cursor
//! shown, below the board.

use std::io::Write as _;

use super::{Cell, cells, plain};
use crate::game::{Arena, PowerUp, Tile};

/// How a cell is drawn (an index into the style table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style(u8);

impl Style {
    const EMPTY: Style = Style(0);
    const SOFT: Style = Style(1);
    const HARD: Style = Style(2);
    const BOMB: Style = Style(3);
    const FIRE: Style = Style(4);
    const POWERUP: Style = Style(5);
    const DEAD: Style = Style(6);
    const BORDER: Style = Style(7);
    /// Live pawns: the first of [`PLAYER_COLOURS`] colours.
    const PLAYER: u8 = 8;

    /// The style of a live pawn whose colour number is `colour`.
    pub fn player(colour: usize) -> Style {
        Style(Style::PLAYER + (colour % PLAYER_COLOURS) as u8)
    }

    /// This style as the viewer's own pawn is drawn: a live pawn's colour
    /// in reverse video; other styles unchanged.
    pub fn own(self) -> Style {
        if (Style::PLAYER..Style::PLAYER + PLAYER_COLOURS as u8).contains(&self.0) {
            Style(self.0 + PLAYER_COLOURS as u8)
        } else {
            self
        }
    }

    /// The SGR sequence that selects this style.
    pub fn sgr(self) -> &'static [u8] {
        STYLES[usize::from(self.0).min(STYLES.len() - 1)]
    }
}

/// How many distinct player colours there are.
pub const PLAYER_COLOURS: usize = 6;

/// SGR sequences, indexed by [`Style`].
const STYLES: [&[u8]; 8 + 2 * PLAYER_COLOURS] = [
    b"\x1b[0m",         // empty
    b"\x1b[0;33m",      // soft: yellow
    b"\x1b[0;1;37;47m", // hard: white block
    b"\x1b[0;1;31m",    // bomb: bold red
    b"\x1b[0;1;33;41m", // fire: yellow on red
    b"\x1b[0;1;36m",    // power-up: bold cyan
    b"\x1b[0;2;37m",    // dead pawn: dim
    b"\x1b[0;34m",      // border: blue
    b"\x1b[0;1;32m",    // players: green,
    b"\x1b[0;1;35m",    // magenta,
    b"\x1b[0;1;36m",    // cyan,
    b"\x1b[0;1;33m",    // yellow,
    b"\x1b[0;1;34m",    // blue,
    b"\x1b[0;1;37;41m", // white on red
    b"\x1b[0;1;7;32m",  // the viewer's own pawn: the same, reversed
    b"\x1b[0;1;7;35m",
    b"\x1b[0;1;7;36m",
    b"\x1b[0;1;7;33m",
    b"\x1b[0;1;7;34m",
    b"\x1b[0;1;7;31m",
];

/// One drawn cell: its glyph and style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnsiCell {
    /// The ASCII glyph (the plain renderer's).
    pub glyph: u8,
    /// How it is drawn.
    pub style: Style,
}

/// A player's colour number: stable for its pawn, so every viewer sees a
/// player in the same colour.
pub fn colour_of(pawn: &crate::game::Pawn) -> usize {
    pawn.id().0 as usize % PLAYER_COLOURS
}

/// The look of one cell.
pub fn ansi_cell(cell: &Cell<'_>) -> AnsiCell {
    let style = match cell {
        Cell::Pawn(pawn) if pawn.is_alive() => Style::player(colour_of(pawn)),
        Cell::Pawn(_) => Style::DEAD,
        Cell::Bomb => Style::BOMB,
        Cell::Fire => Style::FIRE,
        Cell::PowerUp(PowerUp::Bomb | PowerUp::Flame | PowerUp::Speed) => Style::POWERUP,
        Cell::Tile(Tile::Empty) => Style::EMPTY,
        Cell::Tile(Tile::Soft) => Style::SOFT,
        Cell::Tile(Tile::Hard) => Style::HARD,
    };
    AnsiCell {
        glyph: plain::glyph(cell) as u8,
        style,
    }
}

/// Replaces the contents of `out` with the arena's cells, row by row.
pub fn cells_into(arena: &Arena, out: &mut Vec<AnsiCell>) {
    out.clear();
    out.extend(cells(arena).iter().map(ansi_cell));
}

/// What to show one client: the arena's cells (shared by every client)
/// and where the client's own pawn is, drawn in reverse video.
#[derive(Clone, Copy, Debug)]
pub struct Picture<'a> {
    /// Board width in tiles.
    pub width: usize,
    /// Board height in tiles.
    pub height: usize,
    /// The cells, row by row ([`cells_into`]).
    pub cells: &'a [AnsiCell],
    /// The index of the cell showing the client's own live pawn, if any.
    pub own: Option<usize>,
}

/// What one client's terminal shows, and how to bring it up to date.
#[derive(Clone, Debug, Default)]
pub struct Screen {
    /// The cells the client shows; empty when it needs a full redraw.
    seen: Vec<AnsiCell>,
    /// The status lines the client shows.
    status: Vec<Vec<u8>>,
    /// Board size the cells are for.
    board: (usize, usize),
    /// Terminal size (0: unknown).
    window: (u16, u16),
}

/// Lines of status below the board (the block is centred with them).
pub const STATUS_LINES: usize = 4;

impl Screen {
    /// A screen that will be drawn in full at the first update.
    pub fn new() -> Self {
        Screen::default()
    }

    /// The client's window is now `width` × `height` (0: unknown): the
    /// next update redraws everything, centred anew.
    pub fn resize(&mut self, width: u16, height: u16) {
        if self.window != (width, height) {
            self.window = (width, height);
            self.invalidate();
        }
    }

    /// Forgets what the client shows: the next update redraws everything.
    pub fn invalidate(&mut self) {
        self.seen.clear();
        self.status.clear();
    }

    /// Whether the next update will redraw everything.
    pub fn needs_redraw(&self) -> bool {
        self.seen.is_empty()
    }

    /// The top-left corner of the board's border, 1-based (row, column).
    fn origin(&self) -> (usize, usize) {
        let (w, h) = self.board;
        let (cols, rows) = (usize::from(self.window.0), usize::from(self.window.1));
        let block_w = w + 2;
        let block_h = h + 2 + STATUS_LINES;
        let col = if cols > block_w {
            (cols - block_w) / 2 + 1
        } else {
            1
        };
        let row = if rows > block_h {
            (rows - block_h) / 2 + 1
        } else {
            1
        };
        (row, col)
    }

    /// Brings the client up to date with `picture` and the `status` lines, appending what to send to `out`
    /// (nothing when nothing changed). Each status line should fit the
    /// window; it is drawn left-aligned with the board.
    pub fn update(&mut self, picture: &Picture<'_>, status: &[&[u8]], out: &mut Vec<u8>) {
        let Picture {
            width,
            height,
            cells,
            own,
        } = *picture;
        if cells.len() != width * height {
            return;
        }
        if self.board != (width, height) {
            self.board = (width, height);
            self.invalidate();
        }
        let (row0, col0) = self.origin();
        let mut current: Option<Style> = None;
        if self.seen.is_empty() {
            out.extend_from_slice(b"\x1b[0m\x1b[?25l\x1b[H\x1b[2J");
            let border = |out: &mut Vec<u8>, row: usize| {
                move_to(out, row, col0);
                out.push(b'+');
                out.extend(std::iter::repeat_n(b'-', width));
                out.push(b'+');
            };
            out.extend_from_slice(Style::BORDER.sgr());
            border(out, row0);
            border(out, row0 + height + 1);
            for y in 0..height {
                move_to(out, row0 + 1 + y, col0);
                out.push(b'|');
                move_to(out, row0 + 1 + y, col0 + width + 1);
                out.push(b'|');
            }
            current = Some(Style::BORDER);
            self.seen = vec![
                AnsiCell {
                    glyph: 0,
                    style: Style::EMPTY
                };
                cells.len()
            ];
        }
        // Cursor position after the last glyph written: (row, col).
        let mut cursor: Option<(usize, usize)> = None;
        for (i, (cell, old)) in cells.iter().zip(self.seen.iter_mut()).enumerate() {
            let new = &if own == Some(i) {
                AnsiCell {
                    style: cell.style.own(),
                    ..*cell
                }
            } else {
                *cell
            };
            if new == old {
                continue;
            }
            *old = *new;
            let row = row0 + 1 + i / width;
            let col = col0 + 1 + i % width;
            if cursor != Some((row, col)) {
                move_to(out, row, col);
            }
            if current != Some(new.style) {
                out.extend_from_slice(new.style.sgr());
                current = Some(new.style);
            }
            out.push(new.glyph);
            cursor = Some((row, col + 1));
        }
        self.status.resize(STATUS_LINES, Vec::new());
        let cols = usize::from(self.window.0);
        for (n, seen) in self.status.iter_mut().enumerate() {
            let line = fit(status.get(n).copied().unwrap_or(b""), self.window.0, 1);
            if seen.as_slice() == line {
                continue;
            }
            if current != Some(Style::EMPTY) {
                out.extend_from_slice(Style::EMPTY.sgr());
                current = Some(Style::EMPTY);
            }
            // Each line centred under the board (left-aligned with it when
            // the window's width is unknown), its row erased first.
            let row = row0 + height + 2 + n;
            let width = std::str::from_utf8(line).map_or(line.len(), |t| t.chars().count());
            let col = if cols == 0 {
                col0
            } else {
                (cols.saturating_sub(width)) / 2 + 1
            };
            move_to(out, row, 1);
            out.extend_from_slice(b"\x1b[2K");
            move_to(out, row, col);
            out.extend_from_slice(line);
            seen.clear();
            seen.extend_from_slice(line);
        }
        if current.is_some_and(|style| style != Style::EMPTY) {
            out.extend_from_slice(Style::EMPTY.sgr());
        }
    }

    /// Gives the terminal back: colours reset, cursor shown, on the line
    /// below the drawn block; then `message` and a new line.
    pub fn restore(&self, message: &[u8], out: &mut Vec<u8>) {
        let (row0, _) = self.origin();
        out.extend_from_slice(b"\x1b[0m\x1b[?25h");
        if !self.seen.is_empty() {
            move_to(out, row0 + self.board.1 + 2 + STATUS_LINES, 1);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(message);
        out.extend_from_slice(b"\r\n");
    }
}

/// `line` cut to what fits between column `col` and the right edge of a
/// window `cols` wide (0: unknown, no cut), at a character boundary.
fn fit(line: &[u8], cols: u16, col: usize) -> &[u8] {
    let room = usize::from(cols).saturating_sub(col - 1);
    if cols == 0 || line.len() <= room {
        return line;
    }
    let mut end = room;
    while end > 0 && line[end] & 0xc0 == 0x80 {
        end -= 1;
    }
    &line[..end]
}

/// Appends the cursor move to 1-based `row`, `col`.
fn move_to(out: &mut Vec<u8>, row: usize, col: usize) {
    let _ = write!(out, "\x1b[{row};{col}H");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Action, Config, Direction};
    use std::time::Duration;

    fn render(screen: &mut Screen, arena: &Arena, status: &[&[u8]]) -> Vec<u8> {
        let mut cells = Vec::new();
        cells_into(arena, &mut cells);
        let mut out = Vec::new();
        let board = arena.board();
        let picture = Picture {
            width: board.width(),
            height: board.height(),
            cells: &cells,
            own: None,
        };
        screen.update(&picture, status, &mut out);
        out
    }

    #[test]
    fn the_first_update_draws_all_then_only_changes() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        let a = arena.join("A");
        let mut screen = Screen::new();
        let first = render(&mut screen, &arena, &[b"You are A"]);
        assert!(first.starts_with(b"\x1b[0m\x1b[?25l\x1b[H\x1b[2J"));
        assert!(first.windows(9).any(|w| w == b"You are A"));
        // Nothing changed: nothing to send.
        assert!(render(&mut screen, &arena, &[b"You are A"]).is_empty());
        arena
            .act(a, Action::Move(Direction::Right), Duration::ZERO)
            .unwrap();
        let diff = render(&mut screen, &arena, &[b"You are A"]);
        // Two cells changed: (0,0) becomes empty, (1,0) shows A; they are
        // adjacent, so one cursor move.
        assert_eq!(diff.iter().filter(|&&b| b == b'H').count(), 1);
        assert!(diff.contains(&b'A'));
        assert!(diff.len() < 40, "{:?}", String::from_utf8_lossy(&diff));
    }

    #[test]
    fn the_viewers_own_pawn_is_reversed() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        arena.join("A");
        let mut cells = Vec::new();
        cells_into(&arena, &mut cells);
        let mut screen = Screen::new();
        let mut out = Vec::new();
        let mut picture = Picture {
            width: 11,
            height: 11,
            cells: &cells,
            own: Some(0),
        };
        screen.update(&picture, &[], &mut out);
        assert!(out.windows(12).any(|w| w == b"\x1b[0;1;7;32mA"));
        // Someone else's view of the same cells: not reversed.
        picture.own = None;
        let mut other = Vec::new();
        Screen::new().update(&picture, &[], &mut other);
        assert!(other.windows(10).any(|w| w == b"\x1b[0;1;32mA"));
    }

    #[test]
    fn a_resize_redraws_centred() {
        let arena = Arena::new(Config::classic()).unwrap();
        let mut screen = Screen::new();
        render(&mut screen, &arena, &[]);
        screen.resize(80, 24);
        let out = render(&mut screen, &arena, &[]);
        assert!(out.windows(4).any(|w| w == b"\x1b[2J"));
        // Border at column (80 - 13) / 2 + 1 = 34, row (24 - 17) / 2 + 1 = 4.
        assert!(out.windows(7).any(|w| w == b"\x1b[4;34H"));
    }

    #[test]
    fn status_lines_are_cut_to_the_window() {
        assert_eq!(fit(b"abcdef", 0, 1), b"abcdef");
        assert_eq!(fit(b"abcdef", 4, 1), b"abcd");
        assert_eq!(fit(b"abcdef", 10, 8), b"abc");
        assert_eq!(fit("ab …".as_bytes(), 4, 1), b"ab ");
    }

    #[test]
    fn restore_shows_the_cursor() {
        let mut out = Vec::new();
        Screen::new().restore(b"Bye", &mut out);
        assert!(out.windows(6).any(|w| w == b"\x1b[?25h"));
        assert!(out.ends_with(b"Bye\r\n"));
    }
}
