//! One arena as the server runs it: the rules engine, its clock, who plays
//! in it, and its frame rendered once for everyone.

use std::time::{Duration, Instant};

use crate::game::{Arena, PawnId, RoundState};
use crate::render::ansi::{AnsiCell, Picture, cells_into};

use super::status;

/// An arena and what the server keeps beside it.
pub(crate) struct Game {
    /// The rules engine.
    pub arena: Arena,
    /// When the arena's time 0 was.
    pub started: Instant,
    /// The players (keys into the hub's player table) in this arena.
    pub players: Vec<usize>,
    /// Bots asked for with `--bots`, with their name numbers.
    pub bots: Vec<(PawnId, usize)>,
    /// The bot that keeps a lone player company, if present.
    pub companion: Option<(PawnId, usize)>,
    /// The arena version and count-down the cached renders show (`None`:
    /// none yet).
    drawn_version: Option<(u64, u64)>,
    /// Bumped whenever the cached renders change: a client that saw frame
    /// `n` needs nothing until this passes `n`.
    pub frame: u64,
    /// The plain frame (R20), followed in the full game by the round and
    /// scores lines: rendered once for every plain client.
    pub plain: Vec<u8>,
    /// The cells for ANSI clients, rendered once for all of them.
    pub cells: Vec<AnsiCell>,
    /// The pawn drawn on each tile (the first on it), for marking a
    /// client's own pawn.
    shown: Vec<Option<PawnId>>,
    /// The round line.
    pub round_line: Vec<u8>,
    /// The scores line.
    pub scores_line: Vec<u8>,
}

impl Game {
    /// A game around `arena`, starting now.
    pub fn new(arena: Arena, now: Instant) -> Self {
        Game {
            arena,
            started: now,
            players: Vec::new(),
            bots: Vec::new(),
            companion: None,
            drawn_version: None,
            frame: 1,
            plain: Vec::new(),
            cells: Vec::new(),
            shown: Vec::new(),
            round_line: Vec::new(),
            scores_line: Vec::new(),
        }
    }

    /// The arena's time at `now`.
    pub fn clock(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }

    /// Runs the arena's timeline up to `now`; the events are not needed
    /// (frames show their effect), so they are dropped.
    pub fn advance(&mut self, now: Instant) {
        let at = self.clock(now);
        self.arena.advance(at);
        self.arena.drain_events().for_each(drop);
    }

    /// What an ANSI client whose pawn is `pawn` is shown: the shared
    /// cells, with its own live pawn marked when it is the one drawn on
    /// its tile.
    pub fn picture(&self, pawn: PawnId) -> Picture<'_> {
        let board = self.arena.board();
        let own = self
            .arena
            .pawn(pawn)
            .filter(|p| p.is_alive())
            .and_then(|p| p.pos())
            .and_then(|pos| board.index(pos))
            .filter(|&i| self.shown.get(i) == Some(&Some(pawn)));
        Picture {
            width: board.width(),
            height: board.height(),
            cells: &self.cells,
            own,
        }
    }

    /// What the round line's count-down shows: whole seconds until the
    /// next round state, or 0 when none is counted.
    fn seconds_left(&self) -> u64 {
        let until = match self.arena.round() {
            RoundState::Countdown { starts_at, .. } => starts_at,
            RoundState::Over { next_at, .. } => next_at,
            _ => return 0,
        };
        until
            .saturating_sub(self.arena.now())
            .as_millis()
            .div_ceil(1000) as u64
    }

    /// Re-renders the shared frame if the arena (or the count-down shown
    /// in the status) changed since the last one; returns whether it did.
    pub fn render(&mut self, status_lines: bool) -> bool {
        let version = (
            self.arena.version(),
            if status_lines { self.seconds_left() } else { 0 },
        );
        if self.drawn_version == Some(version) {
            return false;
        }
        self.drawn_version = Some(version);
        self.frame += 1;
        cells_into(&self.arena, &mut self.cells);
        let board = self.arena.board();
        self.shown.clear();
        self.shown.resize(board.len(), None);
        for pawn in self.arena.pawns() {
            if let Some(i) = pawn.pos().and_then(|pos| board.index(pos))
                && self.shown[i].is_none()
            {
                self.shown[i] = Some(pawn.id());
            }
        }
        let width = self.arena.board().width();
        plain_from_cells(&self.cells, width, &mut self.plain);
        if status_lines {
            status::round_line(&self.arena, &mut self.round_line);
            status::scores_line(&self.arena, &mut self.scores_line);
            // Plain clients get the frame and the shared lines as one
            // buffer; only their own line is added per client.
            self.plain.extend_from_slice(&self.round_line);
            self.plain.extend_from_slice(b"\r\n");
            self.plain.extend_from_slice(&self.scores_line);
            self.plain.extend_from_slice(b"\r\n");
        }
        true
    }
}

/// Replaces `out` with the plain frame (R20) of `cells`, a board `width`
/// tiles wide: the same bytes as [`crate::render::plain::write_frame`],
/// from the cells already computed for ANSI clients.
fn plain_from_cells(cells: &[AnsiCell], width: usize, out: &mut Vec<u8>) {
    out.clear();
    let border = |out: &mut Vec<u8>| {
        out.push(b'+');
        out.extend(std::iter::repeat_n(b'-', width));
        out.extend_from_slice(b"+\r\n");
    };
    border(out);
    if width > 0 {
        for row in cells.chunks(width) {
            out.push(b'|');
            out.extend(row.iter().map(|cell| cell.glyph));
            out.extend_from_slice(b"|\r\n");
        }
    }
    border(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Action, Config, Direction};
    use crate::render::plain;

    #[test]
    fn the_plain_frame_from_cells_is_the_plain_renderers() {
        let mut arena = Arena::new(Config::default().with_size(13, 7)).unwrap();
        let a = arena.join("A");
        arena.add_bot("B");
        arena.advance(Duration::from_secs(4));
        let _ = arena.act(a, Action::DropBomb, Duration::from_secs(4));
        let mut game = Game::new(arena, Instant::now());
        assert!(game.render(false));
        assert_eq!(game.plain, plain::frame(&game.arena));
        assert!(!game.render(false), "nothing changed");
        let _ = game
            .arena
            .act(a, Action::Move(Direction::Right), Duration::from_secs(5));
        assert!(game.render(true));
        let frame = plain::frame(&game.arena);
        assert_eq!(game.plain[..frame.len()], frame);
        assert!(game.plain[frame.len()..].starts_with(b"Round 1"));
    }
}
