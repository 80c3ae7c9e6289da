//! A small terminal emulator that replays what a client was sent.

/// Just enough of a terminal: cursor moves, clear screen, erase line,
/// SGR (ignored), cursor visibility, printable bytes. It notes any move
/// or glyph past its edges.
pub struct Terminal {
    pub cols: usize,
    pub rows: usize,
    pub cells: Vec<u8>,
    pub row: usize,
    pub col: usize,
    pub cursor_visible: bool,
    pub overflowed: bool,
    /// The start of an escape sequence whose end has not come yet.
    partial: Vec<u8>,
}

impl Terminal {
    pub fn new(cols: usize, rows: usize) -> Self {
        Terminal {
            cols,
            rows,
            cells: vec![b' '; cols * rows],
            row: 0,
            col: 0,
            cursor_visible: true,
            overflowed: false,
            partial: Vec::new(),
        }
    }

    /// The window is now `cols` × `rows` (cleared).
    pub fn resize(&mut self, cols: usize, rows: usize) {
        *self = Terminal::new(cols, rows);
    }

    /// Replays `bytes`; an escape sequence cut at the end is completed
    /// by the next call.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut pending = std::mem::take(&mut self.partial);
        pending.extend_from_slice(bytes);
        let bytes = pending.as_slice();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == 0x1b {
                let start = i + 2;
                let Some(length) = bytes
                    .get(start..)
                    .and_then(|rest| rest.iter().position(|b| (0x40..=0x7e).contains(b)))
                else {
                    self.partial = bytes[i..].to_vec();
                    return;
                };
                let end = start + length;
                assert_eq!(bytes[i + 1], b'[', "only CSI sequences are expected");
                let params = std::str::from_utf8(&bytes[start..end]).unwrap();
                self.csi(params, bytes[end]);
                i = end + 1;
            } else {
                match bytes[i] {
                    b'\r' => self.col = 0,
                    b'\n' => self.row = (self.row + 1).min(self.rows - 1),
                    byte => {
                        if self.col < self.cols {
                            self.cells[self.row * self.cols + self.col] = byte;
                        } else {
                            self.overflowed = true;
                        }
                        self.col += 1;
                    }
                }
                i += 1;
            }
        }
    }

    fn csi(&mut self, params: &str, command: u8) {
        match (command, params) {
            (b'H', "") => (self.row, self.col) = (0, 0),
            (b'H', _) => {
                let (r, c) = params.split_once(';').unwrap();
                let (r, c) = (r.parse::<usize>().unwrap(), c.parse::<usize>().unwrap());
                self.overflowed |= r > self.rows || c > self.cols;
                self.row = (r - 1).min(self.rows - 1);
                self.col = c - 1;
            }
            (b'J', "2") => self.cells.fill(b' '),
            (b'K', "") => {
                for c in self.col..self.cols {
                    self.cells[self.row * self.cols + c] = b' ';
                }
            }
            (b'K', "2") => {
                for c in 0..self.cols {
                    self.cells[self.row * self.cols + c] = b' ';
                }
            }
            (b'm', _) => {}
            (b'l', "?25") => self.cursor_visible = false,
            (b'h', "?25") => self.cursor_visible = true,
            other => panic!("unexpected sequence {other:?}"),
        }
    }

    pub fn text(&self, row: usize, col: usize, len: usize) -> String {
        let start = row * self.cols + col;
        String::from_utf8_lossy(&self.cells[start..start + len]).into_owned()
    }

    /// The whole screen, one line per row.
    pub fn screen(&self) -> String {
        (0..self.rows)
            .map(|row| self.text(row, 0, self.cols))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Where `needle` first appears: (row, col).
    pub fn find(&self, needle: &str) -> Option<(usize, usize)> {
        (0..self.rows).find_map(|row| {
            let line = self.text(row, 0, self.cols);
            line.find(needle).map(|col| (row, col))
        })
    }
}
