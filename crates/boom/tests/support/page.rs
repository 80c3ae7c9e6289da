//! What the browser page shows, rebuilt from the web view's messages as
//! the page's script does (`docs/web-protocol.md`): the tests' reading
//! of the protocol.

use std::collections::BTreeMap;

/// The board and lines a page shows.
#[derive(Debug, Default)]
pub struct Page {
    pub width: usize,
    pub height: usize,
    /// Each tile's glyph and style letter.
    pub cells: Vec<(char, char)>,
    pub own: Option<usize>,
    pub lines: BTreeMap<String, String>,
    /// `board` lines received.
    pub snapshots: usize,
    /// Tiles changed by `cells` lines.
    pub changed_cells: usize,
}

impl Page {
    /// Applies one message; panics on anything the protocol does not say.
    pub fn apply(&mut self, message: &str) {
        assert!(
            message.ends_with('\n'),
            "a message ends its lines: {message:?}"
        );
        for line in message.lines() {
            let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
            match kind {
                "board" => {
                    let mut parts = rest.splitn(3, ' ');
                    self.width = parts.next().unwrap().parse().unwrap();
                    self.height = parts.next().unwrap().parse().unwrap();
                    let cells: Vec<char> = parts.next().unwrap().chars().collect();
                    assert_eq!(cells.len(), 2 * self.width * self.height, "{line}");
                    self.cells = cells.chunks(2).map(|c| (c[0], c[1])).collect();
                    self.snapshots += 1;
                }
                "cells" => {
                    let bytes: Vec<char> = rest.chars().collect();
                    let mut at = 0;
                    while at < bytes.len() {
                        let gap = at + bytes[at..].iter().position(|&c| c == ' ').unwrap();
                        let i: usize = bytes[at..gap].iter().collect::<String>().parse().unwrap();
                        self.cells[i] = (bytes[gap + 1], bytes[gap + 2]);
                        self.changed_cells += 1;
                        at = gap + 4;
                    }
                }
                "own" => self.own = rest.parse().ok(),
                "round" | "scores" | "you" | "bye" => {
                    self.lines.insert(kind.to_owned(), rest.to_owned());
                }
                other => panic!("unknown line {other:?} in {message:?}"),
            }
        }
    }

    /// The glyph at `(x, y)`.
    pub fn at(&self, x: usize, y: usize) -> char {
        self.cells[y * self.width + x].0
    }

    /// Where `glyph` is shown first, if anywhere.
    pub fn find(&self, glyph: char) -> Option<(usize, usize)> {
        let i = self.cells.iter().position(|&(g, _)| g == glyph)?;
        Some((i % self.width, i / self.width))
    }

    /// The line named `name`, or "".
    pub fn line(&self, name: &str) -> &str {
        self.lines.get(name).map_or("", String::as_str)
    }
}
