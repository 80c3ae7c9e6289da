//! The ANSI screen's updates, replayed on a small terminal emulator: after
//! any sequence of boards, resizes and status lines, the terminal shows
//! exactly the latest board and status; a board larger than the window is
//! clipped to it, keeps the viewer's pawn in view, and nothing is ever
//! written past the window.

mod support;

use boom::render::ansi::{AnsiCell, Picture, Screen, Style};
use proptest::prelude::*;
use support::terminal::Terminal;

/// A terminal `cols` × `rows`, and a screen told its size.
fn window(cols: usize, rows: usize) -> (Terminal, Screen) {
    let mut screen = Screen::new();
    screen.resize(cols as u16, rows as u16);
    (Terminal::new(cols, rows), screen)
}

const GLYPHS: &[u8] = b" :#OxAbC";

fn cells_of(codes: &[u8]) -> Vec<AnsiCell> {
    codes
        .iter()
        .map(|&code| AnsiCell {
            glyph: GLYPHS[usize::from(code) % GLYPHS.len()],
            style: Style::player(usize::from(code) % 3),
        })
        .collect()
}

proptest! {
    #[test]
    fn the_terminal_shows_the_latest_board_and_status(
        width in 1usize..12,
        height in 1usize..8,
        steps in prop::collection::vec(
            (prop::collection::vec(0u8..8, 96), any::<bool>(), 0usize..3, prop::option::of(0usize..96)),
            1..8,
        ),
    ) {
        let (cols, rows) = (60usize, 30usize);
        let (mut terminal, mut screen) = window(cols, rows);
        let mut out = Vec::new();
        for (codes, resize, status_kind, own) in steps {
            if resize {
                screen.resize(cols as u16, rows as u16 - 1);
                screen.resize(cols as u16, rows as u16);
            }
            let cells = cells_of(&codes[..width * height]);
            let status: Vec<&[u8]> = match status_kind {
                0 => vec![],
                1 => vec![b"Round 1: playing", b"Scores:  A 0"],
                _ => vec![b"Waiting", b"", b"You are A"],
            };
            let picture = Picture { width, height, cells: &cells, own: own.filter(|&i| i < cells.len()) };
            out.clear();
            screen.update(&picture, &status, &mut out);
            terminal.feed(&out);
            // The board's top-left border corner, then each row.
            let border = format!("+{}+", "-".repeat(width));
            let (row0, col0) = terminal.find(&border).expect("a border");
            for y in 0..height {
                let expected: String = cells[y * width..(y + 1) * width]
                    .iter()
                    .map(|c| c.glyph as char)
                    .collect();
                prop_assert_eq!(terminal.text(row0 + 1 + y, col0 + 1, width), expected);
            }
            for (n, line) in status.iter().chain(std::iter::repeat(&&b""[..])).take(4).enumerate() {
                let shown = terminal.text(row0 + height + 2 + n, 0, cols);
                prop_assert_eq!(shown.trim(), std::str::from_utf8(line).unwrap());
            }
            prop_assert!(!terminal.cursor_visible);
            prop_assert!(!terminal.overflowed);
        }
        out.clear();
        screen.restore(b"Bye", &mut out);
        terminal.feed(&out);
        prop_assert!(terminal.cursor_visible);
    }
}

/// Where the viewport starts: the offsets `(x, y)` at which the board's
/// cells match what the terminal shows inside the border at `(row0,
/// col0)`, a viewport `view_w` × `view_h` tiles.
fn offsets_shown(
    terminal: &Terminal,
    cells: &[AnsiCell],
    (width, height): (usize, usize),
    (view_w, view_h): (usize, usize),
    (row0, col0): (usize, usize),
) -> Vec<(usize, usize)> {
    let row_of = |x: usize, y: usize| -> String {
        cells[y * width + x..y * width + x + view_w]
            .iter()
            .map(|c| c.glyph as char)
            .collect()
    };
    let mut found = Vec::new();
    for y in 0..=height - view_h {
        for x in 0..=width - view_w {
            if (0..view_h)
                .all(|dy| terminal.text(row0 + 1 + dy, col0 + 1, view_w) == row_of(x, y + dy))
            {
                found.push((x, y));
            }
        }
    }
    found
}

proptest! {
    #[test]
    fn a_board_larger_than_the_window_is_clipped_around_the_viewers_pawn(
        width in 1usize..40,
        height in 1usize..30,
        cols in 3usize..50,
        rows in 7usize..40,
        steps in prop::collection::vec(
            (prop::collection::vec(0u8..8, 1200), prop::option::of(0usize..1200)),
            1..6,
        ),
    ) {
        let (mut terminal, mut screen) = window(cols, rows);
        // What fits inside the border, with the status lines below it.
        let view = (width.min(cols - 2), height.min(rows - 2 - 4));
        let mut out = Vec::new();
        for (codes, own) in steps {
            let cells = cells_of(&codes[..width * height]);
            let own = own.filter(|&i| i < cells.len());
            let picture = Picture { width, height, cells: &cells, own };
            out.clear();
            screen.update(&picture, &[b"You are A"], &mut out);
            terminal.feed(&out);
            prop_assert!(!terminal.overflowed);
            let border = format!("+{}+", "-".repeat(view.0));
            let corner = terminal.find(&border).expect("a border");
            let offsets = offsets_shown(&terminal, &cells, (width, height), view, corner);
            prop_assert!(!offsets.is_empty(), "the viewport shows no part of the board");
            if let Some(i) = own {
                let (x, y) = (i % width, i / width);
                prop_assert!(
                    offsets.iter().any(|&(x0, y0)| (x0..x0 + view.0).contains(&x)
                        && (y0..y0 + view.1).contains(&y)),
                    "the viewer's pawn at ({x}, {y}) is out of view"
                );
            }
        }
    }

    #[test]
    fn nothing_is_written_past_even_the_smallest_window(
        width in 1usize..30,
        height in 1usize..30,
        cols in 1usize..20,
        rows in 1usize..12,
        own in prop::option::of(0usize..900),
    ) {
        let (mut terminal, mut screen) = window(cols, rows);
        let cells = cells_of(&vec![5; width * height]);
        let own = own.filter(|&i| i < cells.len());
        let picture = Picture { width, height, cells: &cells, own };
        let mut out = Vec::new();
        screen.update(&picture, &[b"Round 1: playing", b"Scores:  A 0"], &mut out);
        terminal.feed(&out);
        prop_assert!(!terminal.overflowed);
    }
}
