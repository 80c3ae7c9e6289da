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

    /// The style's number: 0 empty, 1 soft, 2 hard, 3 bomb, 4 fire, 5
    /// power-up, 6 dead pawn, 7 border, 8 to 13 the player colours, 14 to
    /// 19 the same as the viewer's own pawn.
    pub fn index(self) -> u8 {
        self.0
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
///
/// A board larger than the window (when its size is known) is clipped: the
/// screen shows the part of the board that fits, a *viewport* inside the
/// border, and moves it to keep the client's own pawn in view (centred on
/// it when it walks out). Nothing is ever written past the window's right
/// or bottom edge.
#[derive(Clone, Debug, Default)]
pub struct Screen {
    /// The viewport's cells the client shows, row by row; empty when it
    /// needs a full redraw.
    seen: Vec<AnsiCell>,
    /// The status lines the client shows.
    status: Vec<Vec<u8>>,
    /// Board size the cells are for.
    board: (usize, usize),
    /// Terminal size (0: unknown).
    window: (u16, u16),
    /// The part of the board drawn.
    view: Viewport,
}

/// The part of the board a screen shows: `width` × `height` tiles from
/// `(x, y)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Viewport {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

/// Lines of status below the board (the block is centred with them).
pub const STATUS_LINES: usize = 4;

/// Where the last glyph went and in which style, to skip needless cursor
/// moves and style changes.
#[derive(Default)]
struct Pen {
    style: Option<Style>,
    /// The cursor after the last glyph written: (row, col).
    cursor: Option<(usize, usize)>,
}

impl Pen {
    fn style(&mut self, style: Style, out: &mut Vec<u8>) {
        if self.style != Some(style) {
            out.extend_from_slice(style.sgr());
            self.style = Some(style);
        }
    }
}

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
        let (cols, rows) = (usize::from(self.window.0), usize::from(self.window.1));
        let block_w = self.view.width + 2;
        let block_h = self.view.height + 2 + STATUS_LINES;
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

    /// Whether the 1-based `row` and `col` lie in the window (always, when
    /// its size is unknown).
    fn inside(&self, row: usize, col: usize) -> bool {
        let (cols, rows) = (usize::from(self.window.0), usize::from(self.window.1));
        (rows == 0 || row <= rows) && (cols == 0 || col <= cols)
    }

    /// The viewport for the board and window, keeping the viewer's own
    /// cell `own` in view.
    fn viewport(&self, own: Option<usize>) -> Viewport {
        let (w, h) = self.board;
        let fit = |side: usize, room: u16, reserved: usize| {
            if room == 0 {
                side
            } else {
                side.min(usize::from(room).saturating_sub(reserved)).max(1)
            }
        };
        let width = fit(w, self.window.0, 2);
        let height = fit(h, self.window.1, 2 + STATUS_LINES);
        let focus = own.filter(|_| w > 0).map(|i| (i % w, i / w));
        Viewport {
            x: scroll(self.view.x, width, w, focus.map(|f| f.0)),
            y: scroll(self.view.y, height, h, focus.map(|f| f.1)),
            width,
            height,
        }
    }

    /// Brings the client up to date with `picture` and the `status` lines,
    /// appending what to send to `out` (nothing when nothing changed). Each
    /// status line is cut to the window's width and centred under the
    /// board.
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
        let view = self.viewport(own.filter(|&i| i < cells.len()));
        if self.view != view {
            self.view = view;
            self.invalidate();
        }
        let mut pen = Pen::default();
        if self.seen.is_empty() {
            self.draw_border(out, &mut pen);
        }
        self.draw_cells(cells, own, out, &mut pen);
        self.draw_status(status, out, &mut pen);
        if pen.style.is_some_and(|style| style != Style::EMPTY) {
            out.extend_from_slice(Style::EMPTY.sgr());
        }
    }

    /// Clears the screen, hides the cursor and draws the border around the
    /// viewport; every cell then counts as unseen.
    fn draw_border(&mut self, out: &mut Vec<u8>, pen: &mut Pen) {
        let (row0, col0) = self.origin();
        let Viewport { width, height, .. } = self.view;
        out.extend_from_slice(b"\x1b[0m\x1b[?25l\x1b[H\x1b[2J");
        pen.style(Style::BORDER, out);
        let mut line = vec![b'-'; width + 2];
        line[0] = b'+';
        line[width + 1] = b'+';
        self.put(out, row0, col0, &line);
        self.put(out, row0 + height + 1, col0, &line);
        for y in 0..height {
            self.put(out, row0 + 1 + y, col0, b"|");
            self.put(out, row0 + 1 + y, col0 + width + 1, b"|");
        }
        self.seen = vec![
            AnsiCell {
                glyph: 0,
                style: Style::EMPTY
            };
            width * height
        ];
    }

    /// Draws the viewport's cells that differ from what the client shows.
    fn draw_cells(
        &mut self,
        cells: &[AnsiCell],
        own: Option<usize>,
        out: &mut Vec<u8>,
        pen: &mut Pen,
    ) {
        let (row0, col0) = self.origin();
        let Viewport {
            x: x0,
            y: y0,
            width,
            height,
        } = self.view;
        let board_width = self.board.0;
        for dy in 0..height {
            for dx in 0..width {
                let i = (y0 + dy) * board_width + x0 + dx;
                let mut new = cells[i];
                if own == Some(i) {
                    new.style = new.style.own();
                }
                let old = &mut self.seen[dy * width + dx];
                if new == *old {
                    continue;
                }
                *old = new;
                let (row, col) = (row0 + 1 + dy, col0 + 1 + dx);
                if !self.inside(row, col) {
                    continue;
                }
                if pen.cursor != Some((row, col)) {
                    move_to(out, row, col);
                }
                pen.style(new.style, out);
                out.push(new.glyph);
                pen.cursor = Some((row, col + 1));
            }
        }
    }

    /// Draws the status lines that changed, each centred under the board
    /// (left-aligned with it when the window's width is unknown), its row
    /// erased first.
    fn draw_status(&mut self, status: &[&[u8]], out: &mut Vec<u8>, pen: &mut Pen) {
        let (row0, col0) = self.origin();
        let first = row0 + self.view.height + 2;
        let cols = usize::from(self.window.0);
        self.status.resize(STATUS_LINES, Vec::new());
        for n in 0..STATUS_LINES {
            let line = fit(status.get(n).copied().unwrap_or(b""), self.window.0, 1);
            let row = first + n;
            if self.status[n].as_slice() == line || !self.inside(row, 1) {
                continue;
            }
            pen.style(Style::EMPTY, out);
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
            self.status[n].clear();
            self.status[n].extend_from_slice(line);
        }
    }

    /// Writes `bytes` at `row`, `col`, cut at the window's right edge;
    /// nothing when that place is outside the window.
    fn put(&self, out: &mut Vec<u8>, row: usize, col: usize, bytes: &[u8]) {
        if !self.inside(row, col) {
            return;
        }
        let cols = usize::from(self.window.0);
        let room = if cols == 0 {
            bytes.len()
        } else {
            cols + 1 - col
        };
        move_to(out, row, col);
        out.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Gives the terminal back: colours reset, cursor shown, on the line
    /// below the drawn block (the window's last line at most); then
    /// `message` and a new line.
    pub fn restore(&self, message: &[u8], out: &mut Vec<u8>) {
        let (row0, _) = self.origin();
        out.extend_from_slice(b"\x1b[0m\x1b[?25h");
        if !self.seen.is_empty() {
            let below = row0 + self.view.height + 2 + STATUS_LINES;
            let rows = usize::from(self.window.1);
            move_to(out, if rows == 0 { below } else { below.min(rows) }, 1);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(message);
        out.extend_from_slice(b"\r\n");
    }
}

/// Where a viewport `shown` tiles long starts on a side `side` tiles long:
/// where it was (`current`) while `focus` stays in it, else centred on
/// `focus`; never past the side's end.
fn scroll(current: usize, shown: usize, side: usize, focus: Option<usize>) -> usize {
    let last = side.saturating_sub(shown);
    match focus {
        Some(f) if f < current || f >= current + shown => f.saturating_sub(shown / 2).min(last),
        _ => current.min(last),
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

    /// Every cursor move in `out`, as (row, col).
    fn moves(out: &[u8]) -> Vec<(usize, usize)> {
        let text = String::from_utf8_lossy(out);
        text.split("\x1b[")
            .filter_map(|part| {
                let (args, _) = part.split_once('H')?;
                let (row, col) = args.split_once(';')?;
                Some((row.parse().ok()?, col.parse().ok()?))
            })
            .collect()
    }

    #[test]
    fn a_board_wider_and_taller_than_the_window_is_clipped_around_the_own_pawn() {
        // A 30 × 20 board of SOFT tiles with the viewer's pawn at (25, 15),
        // in a 20 × 14 window: 18 × 8 tiles fit in the border.
        let soft = AnsiCell {
            glyph: b':',
            style: Style::SOFT,
        };
        let mut cells = vec![soft; 30 * 20];
        let own = 15 * 30 + 25;
        cells[own] = AnsiCell {
            glyph: b'A',
            style: Style::player(0),
        };
        let mut screen = Screen::new();
        screen.resize(20, 14);
        let mut out = Vec::new();
        let picture = Picture {
            width: 30,
            height: 20,
            cells: &cells,
            own: Some(own),
        };
        screen.update(&picture, &[b"You are A"], &mut out);
        assert!(out.windows(12).any(|w| w == b"\x1b[0;1;7;32mA"));
        let border = b"\x1b[1;1H+------------------+";
        assert!(out.windows(border.len()).any(|w| w == border));
        let moves = moves(&out);
        assert!(
            moves.iter().all(|&(row, col)| row <= 14 && col <= 20),
            "{moves:?}"
        );
        // The viewport shows columns 12 to 29 and rows 11 to 18: the pawn
        // is the 14th cell of the 5th row; its row starts at column 2.
        assert!(moves.contains(&(6, 2)));
        // It walks out of view to the left: the view follows it.
        cells.swap(own, 15 * 30 + 5);
        out.clear();
        let picture = Picture {
            width: 30,
            height: 20,
            cells: &cells,
            own: Some(15 * 30 + 5),
        };
        screen.update(&picture, &[b"You are A"], &mut out);
        assert!(out.windows(4).any(|w| w == b"\x1b[2J"), "a redraw");
        assert!(out.windows(12).any(|w| w == b"\x1b[0;1;7;32mA"));
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
