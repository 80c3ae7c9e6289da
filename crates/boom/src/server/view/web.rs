//! [`WebView`]: what the browser page is sent — the board once, then only
//! the cells and status lines that changed (the protocol is described in
//! `docs/web-protocol.md`).
//!
//! Each update is one WebSocket text message of lines ended by `\n`:
//!
//! | line | when | meaning |
//! | --- | --- | --- |
//! | `board W H CELLS` | first, and when the board's size changes | the whole board: `CELLS` has two characters per tile, row by row: its glyph, then its style as a letter (`a` + [`Style::index`](crate::render::ansi::Style::index)) |
//! | `cells I GS I GS …` | when tiles changed | tile number `I` (`y * W + x`) now shows glyph `G` in style `S` |
//! | `own I` / `own -` | when it changed | the tile showing the viewer's own live pawn, or none |
//! | `round TEXT`, `scores TEXT`, `you TEXT` | when they changed | the status lines, as a terminal shows them |
//! | `bye TEXT` | last | why the connection closes |

use std::io::Write as _;

use crate::render::ansi::AnsiCell;

use super::{Message, Scene, Scratch, View};

/// Updates against what the page shows.
#[derive(Debug, Default)]
pub struct WebView {
    /// The number of the last frame sent (0: nothing sent yet).
    sent: u64,
    width: usize,
    /// Every tile as the page shows it (the viewer's own pawn in its own
    /// style).
    cells: Vec<AnsiCell>,
    /// The cells of the update being made (kept to reuse its room).
    next: Vec<AnsiCell>,
    /// The tile of the viewer's own pawn the page shows (`None`: not
    /// sent yet).
    own: Option<Option<usize>>,
    /// The round, scores and own lines as the page shows them.
    lines: [Vec<u8>; 3],
}

impl WebView {
    /// A view of a page that shows nothing yet.
    pub fn new() -> Self {
        WebView::default()
    }

    /// Writes the board, whole, and remembers it.
    fn snapshot(&mut self, width: usize, height: usize, cells: &[AnsiCell], out: &mut Vec<u8>) {
        let _ = write!(out, "board {width} {height} ");
        for cell in cells {
            push_cell(cell, out);
        }
        out.push(b'\n');
        self.width = width;
        self.cells.clear();
        self.cells.extend_from_slice(cells);
    }

    /// Writes the cells that differ from what the page shows, if any.
    fn changes(&mut self, cells: &[AnsiCell], out: &mut Vec<u8>) {
        let start = out.len();
        for (i, (shown, cell)) in self.cells.iter_mut().zip(cells).enumerate() {
            if shown != cell {
                let _ = write!(out, " {i} ");
                push_cell(cell, out);
                *shown = *cell;
            }
        }
        if out.len() > start {
            out.splice(start..start, *b"cells");
            out.push(b'\n');
        }
    }

    /// Writes `line` under `name` if it differs from the one the page
    /// shows in slot `slot`.
    fn line(&mut self, slot: usize, name: &str, line: &[u8], out: &mut Vec<u8>) {
        if self.lines[slot] != line {
            let _ = write!(out, "{name} ");
            out.extend_from_slice(line);
            out.push(b'\n');
            self.lines[slot].clear();
            self.lines[slot].extend_from_slice(line);
        }
    }
}

/// A tile's two characters: its glyph, its style as a letter.
fn push_cell(cell: &AnsiCell, out: &mut Vec<u8>) {
    out.push(cell.glyph);
    out.push(b'a' + cell.style.index());
}

impl View for WebView {
    fn show<'a>(&mut self, scene: &Scene<'a>, scratch: &'a mut Scratch) -> Option<Message<'a>> {
        let frame = scene.frame;
        if self.sent == frame.number() {
            return None;
        }
        self.sent = frame.number();
        let picture = frame.picture(scene.arena, scene.pawn);
        let Scratch { line, out } = scratch;
        out.clear();
        // The cells as this viewer sees them: its own pawn in its style.
        let mut cells = std::mem::take(&mut self.next);
        cells.clear();
        cells.extend_from_slice(picture.cells);
        if let Some(own) = picture.own.and_then(|i| cells.get_mut(i)) {
            own.style = own.style.own();
        }
        if picture.width != self.width || cells.len() != self.cells.len() {
            self.snapshot(picture.width, picture.height, &cells, out);
        } else {
            self.changes(&cells, out);
        }
        self.next = cells;
        if self.own != Some(picture.own) {
            match picture.own {
                Some(i) => {
                    let _ = writeln!(out, "own {i}");
                }
                None => out.extend_from_slice(b"own -\n"),
            }
            self.own = Some(picture.own);
        }
        if frame.mode().status_lines() {
            let [round, scores] = frame.shared_status();
            self.line(0, "round", round, out);
            self.line(1, "scores", scores, out);
        }
        scene.you_line(line);
        self.line(2, "you", line, out);
        (!out.is_empty()).then(|| Message::new(out, &[]))
    }

    fn resize(&mut self, _width: u16, _height: u16) {}

    fn farewell(&self, message: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"bye ");
        out.extend_from_slice(message);
        out.push(b'\n');
    }
}
