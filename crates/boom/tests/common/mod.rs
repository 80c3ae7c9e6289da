//! Helpers shared by the integration tests: simulated time and board
//! pictures.
#![allow(dead_code)]

use std::time::Duration;

use boom::game::{Arena, Board, Config, Event, Pos};
use boom::render::plain::picture;

/// `s` seconds of simulated time.
pub fn t(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The position `(x, y)`.
pub fn p(x: i32, y: i32) -> Pos {
    Pos::new(x, y)
}

/// A classic arena on `board`.
pub fn classic_on(board: Board) -> Arena {
    Arena::with_board(Config::classic(), board).unwrap()
}

/// A generated `w` × `h` board with the listed tiles emptied.
pub fn generated_with_empty(w: usize, h: usize, empty: &[Pos]) -> Board {
    let mut board = Board::generate(w, h);
    for &pos in empty {
        board.set_tile(pos, boom::Tile::Empty);
    }
    board
}

/// The arena's board as R20 draws it, without the border, one row a line.
pub fn show(arena: &Arena) -> String {
    picture(arena).join("\n")
}

/// Asserts the arena looks like `rows` (R20 glyphs), printing both
/// pictures side by side when it does not.
#[track_caller]
pub fn assert_board(arena: &Arena, rows: &[&str]) {
    let actual = picture(arena);
    if actual != rows {
        let mut report = String::from("board differs\n  expected | actual\n");
        for i in 0..actual.len().max(rows.len()) {
            let e = rows.get(i).copied().unwrap_or("");
            let a = actual.get(i).map(String::as_str).unwrap_or("");
            let mark = if e == a { " " } else { "<" };
            report.push_str(&format!("  |{e}| |{a}| {mark}\n"));
        }
        panic!("{report}");
    }
}

/// Drains the arena's events, dropping their times.
pub fn events(arena: &mut Arena) -> Vec<Event> {
    arena.drain_events().map(|(_, e)| e).collect()
}

/// The tiles burning, sorted.
pub fn burning(arena: &Arena) -> Vec<Pos> {
    let mut fires: Vec<Pos> = arena.fires().map(|(pos, _)| pos).collect();
    fires.sort_by_key(|p| (p.y, p.x));
    fires
}
