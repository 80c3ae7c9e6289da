//! [`SharedFrame`]: one arena's frame, rendered once per tick for every
//! client that watches it; each client's view only adds its own part.

use crate::game::{Arena, PawnId, RoundState};
use crate::render::ansi::{AnsiCell, Picture, ansi_cell};
use crate::render::{Cell, cells, plain};

use super::mode::Mode;
use super::status;

/// What every client of one arena is shown, rendered when the arena
/// changed.
#[derive(Debug)]
pub struct SharedFrame {
    mode: Mode,
    /// The arena version and count-down last rendered (`None`: none yet).
    drawn: Option<(u64, u64)>,
    /// Bumped whenever the render changes: a client that saw frame `n`
    /// needs nothing new until this passes `n`.
    number: u64,
    width: usize,
    height: usize,
    /// Every tile's look, row by row ([`crate::render::cells`]).
    cells: Vec<AnsiCell>,
    /// The pawn each tile shows, if any (from the same pass).
    shown: Vec<Option<PawnId>>,
    /// The plain frame (R20), followed by the round and scores lines when
    /// the mode has status lines: one buffer for every plain client.
    plain: Vec<u8>,
    round_line: Vec<u8>,
    scores_line: Vec<u8>,
}

impl SharedFrame {
    /// A frame for an arena served in `mode`, not rendered yet.
    pub fn new(mode: Mode) -> Self {
        SharedFrame {
            mode,
            drawn: None,
            number: 1,
            width: 0,
            height: 0,
            cells: Vec::new(),
            shown: Vec::new(),
            plain: Vec::new(),
            round_line: Vec::new(),
            scores_line: Vec::new(),
        }
    }

    /// The mode the arena is served in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The frame's number: it grows whenever the render changes.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The plain frame, with the shared status lines in the full game.
    pub fn plain(&self) -> &[u8] {
        &self.plain
    }

    /// The shared status lines: round and scores (empty in the classic
    /// game).
    pub fn shared_status(&self) -> [&[u8]; 2] {
        [&self.round_line, &self.scores_line]
    }

    /// Renders `arena` anew if it (or the count-down the status shows)
    /// changed since the last render; returns whether it did.
    pub fn refresh(&mut self, arena: &Arena) -> bool {
        let status = self.mode.status_lines();
        let version = (
            arena.version(),
            if status { seconds_left(arena) } else { 0 },
        );
        if self.drawn == Some(version) {
            return false;
        }
        self.drawn = Some(version);
        self.number += 1;
        self.render_cells(arena);
        self.plain.clear();
        let glyphs = self.cells.iter().map(|cell| cell.glyph);
        plain::write_glyphs(self.width, glyphs, &mut self.plain);
        if status {
            status::round_line(arena, &mut self.round_line);
            status::scores_line(arena, &mut self.scores_line);
            // Plain clients get the frame and the shared lines as one
            // buffer; only their own line is added per client.
            for line in [&self.round_line, &self.scores_line] {
                self.plain.extend_from_slice(line);
                self.plain.extend_from_slice(b"\r\n");
            }
        }
        true
    }

    /// One pass over what each tile shows: its look, and its pawn.
    fn render_cells(&mut self, arena: &Arena) {
        self.width = arena.board().width();
        self.height = arena.board().height();
        self.cells.clear();
        self.shown.clear();
        for cell in cells(arena) {
            self.cells.push(ansi_cell(&cell));
            self.shown.push(match cell {
                Cell::Pawn(pawn) => Some(pawn.id()),
                _ => None,
            });
        }
    }

    /// What a client whose pawn is `pawn` is shown: the shared cells,
    /// with its own pawn marked when it is alive and the one its tile
    /// shows (a watcher, with no pawn, has none marked).
    pub fn picture(&self, arena: &Arena, pawn: Option<PawnId>) -> Picture<'_> {
        let own = pawn
            .and_then(|pawn| arena.pawn(pawn))
            .filter(|p| p.is_alive())
            .and_then(|p| p.pos())
            .and_then(|pos| arena.board().index(pos))
            .filter(|&i| self.shown.get(i) == Some(&pawn));
        Picture {
            width: self.width,
            height: self.height,
            cells: &self.cells,
            own,
        }
    }
}

/// What the round line's count-down shows: whole seconds until the next
/// round state, or 0 when none is counted.
fn seconds_left(arena: &Arena) -> u64 {
    let until = match arena.round() {
        RoundState::Countdown { starts_at, .. } => starts_at,
        RoundState::Over { next_at, .. } => next_at,
        _ => return 0,
    };
    until.saturating_sub(arena.now()).as_millis().div_ceil(1000) as u64
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::game::{Action, Config, Direction};

    #[test]
    fn the_plain_frame_is_the_plain_renderers_with_the_status_after_it() {
        let mut arena = Arena::new(Config::default().with_size(13, 7)).unwrap();
        let a = arena.join("A");
        arena.add_bot("B");
        arena.advance(Duration::from_secs(4));
        let _ = arena.act(a, Action::DropBomb, Duration::from_secs(4));
        let mut frame = SharedFrame::new(Mode::Classic);
        assert!(frame.refresh(&arena));
        assert_eq!(frame.plain(), plain::frame(&arena));
        assert!(!frame.refresh(&arena), "nothing changed");
        let mut frame = SharedFrame::new(Mode::Full);
        let _ = arena.act(a, Action::Move(Direction::Right), Duration::from_secs(5));
        assert!(frame.refresh(&arena));
        let expected = plain::frame(&arena);
        assert_eq!(frame.plain()[..expected.len()], expected);
        assert!(frame.plain()[expected.len()..].starts_with(b"Round 1"));
    }

    #[test]
    fn only_the_pawn_a_tile_shows_is_marked_as_the_viewers_own() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        let a = arena.join("A");
        let b = arena.join("B");
        let mut frame = SharedFrame::new(Mode::Classic);
        frame.refresh(&arena);
        // Both at (0, 0): the tile shows A, the first to join.
        assert_eq!(frame.picture(&arena, Some(a)).own, Some(0));
        assert_eq!(frame.picture(&arena, Some(b)).own, None);
    }
}
