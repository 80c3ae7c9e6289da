//! What a client received: every byte, and the plain frames parsed from
//! them (telnet commands left out).

/// A plain frame as a client saw it: the board's rows (without borders)
/// and the status lines that followed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub rows: Vec<String>,
    pub status: Vec<String>,
}

impl Frame {
    /// The glyph at `(x, y)`.
    pub fn at(&self, x: usize, y: usize) -> char {
        self.rows[y].as_bytes()[x] as char
    }

    /// Whether the glyph `c` is anywhere on the board.
    pub fn shows(&self, c: char) -> bool {
        self.rows.iter().any(|row| row.contains(c))
    }

    /// The status line starting with `prefix`, if any.
    pub fn status_line(&self, prefix: &str) -> Option<&str> {
        self.status
            .iter()
            .find(|line| line.starts_with(prefix))
            .map(String::as_str)
    }
}

/// Bytes received, raw and with telnet commands filtered out for the
/// frame parser.
#[derive(Debug, Default)]
pub struct Received {
    /// Every byte received, raw.
    pub raw: Vec<u8>,
    /// Bytes received and not parsed yet (telnet commands removed).
    pending: Vec<u8>,
    /// Where the telnet filter stands: bytes of an unfinished command.
    iac: Vec<u8>,
}

impl Received {
    /// Takes in `bytes`.
    pub fn push(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
        for &byte in bytes {
            self.filter(byte);
        }
    }

    /// Whether `needle` was received.
    pub fn has(&self, needle: &[u8]) -> bool {
        super::contains(&self.raw, needle)
    }

    /// Drops telnet commands from what the parser sees.
    fn filter(&mut self, byte: u8) {
        if self.iac.is_empty() {
            if byte == 255 {
                self.iac.push(byte);
            } else {
                self.pending.push(byte);
            }
            return;
        }
        self.iac.push(byte);
        let done = match self.iac[1] {
            255 => {
                self.pending.push(255);
                true
            }
            251..=254 => self.iac.len() == 3,
            250 => self.iac.ends_with(&[255, 240]),
            _ => true,
        };
        if done {
            self.iac.clear();
        }
    }

    /// Parses one frame followed by `status_lines` lines off the front of
    /// the pending bytes.
    pub fn frame(&mut self, status_lines: usize) -> Option<Frame> {
        // (start, end) of each complete line, without its CR LF.
        let mut lines = Vec::new();
        let mut from = 0;
        while let Some(n) = self.pending[from..].windows(2).position(|w| w == b"\r\n") {
            lines.push((from, from + n));
            from += n + 2;
        }
        let text =
            |(a, b): (usize, usize)| String::from_utf8_lossy(&self.pending[a..b]).into_owned();
        let starts = |(a, b): (usize, usize), c: u8| b > a && self.pending[a] == c;
        let start = lines.iter().position(|&l| starts(l, b'+'))?;
        let mut rows = Vec::new();
        let mut i = start + 1;
        while i < lines.len() && starts(lines[i], b'|') {
            let row = text(lines[i]);
            rows.push(row[1..row.len() - 1].to_owned());
            i += 1;
        }
        if i >= lines.len() || !starts(lines[i], b'+') {
            return None;
        }
        let end = i + 1 + status_lines;
        if end > lines.len() {
            return None;
        }
        let status = lines[i + 1..end].iter().map(|&l| text(l)).collect();
        let consumed = lines[end - 1].1 + 2;
        self.pending.drain(..consumed);
        Some(Frame { rows, status })
    }
}

/// A client that reads plain frames, one after another.
pub trait Frames {
    /// The next plain frame followed by `status_lines` lines.
    fn frame(&mut self, status_lines: usize) -> Frame;

    /// Frames until `condition` holds for one, reading at most
    /// [`MAX_FRAMES`](super::MAX_FRAMES).
    fn frame_until(&mut self, status_lines: usize, condition: impl Fn(&Frame) -> bool) -> Frame {
        let mut last = None;
        for _ in 0..super::MAX_FRAMES {
            let frame = self.frame(status_lines);
            if condition(&frame) {
                return frame;
            }
            last = Some(frame);
        }
        panic!(
            "no frame matched in {} frames; last: {last:#?}",
            super::MAX_FRAMES
        );
    }
}
