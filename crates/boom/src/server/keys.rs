//! **Where a byte gets read**: turning a player's keystrokes into game
//! actions, whatever way the bytes are split across reads.

use crate::game::{Action, Direction};

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A game action: a move or a bomb.
    Act(Action),
    /// Leave the game politely.
    Quit,
}

/// Decodes keys from a byte stream, one byte at a time.
///
/// The classic decoder ([`KeyDecoder::classic`]) is the seed's (R18): `w`
/// up, `a` left, `s` down, `d` right, `e` drop a bomb, every other byte
/// ignored. The full decoder ([`KeyDecoder::full`]) also knows the arrow
/// keys (`ESC [ A`–`D` and `ESC O A`–`D`), `hjkl`, space for a bomb, `q` to
/// leave, and upper-case letters. An escape sequence cut across reads is
/// completed by the next read; unknown escape sequences are skipped.
#[derive(Clone, Debug)]
pub struct KeyDecoder {
    full: bool,
    state: EscState,
}

/// Where the decoder stands in an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EscState {
    /// Not in an escape sequence.
    Ground,
    /// After `ESC`.
    Escape,
    /// After `ESC [` (with this many parameter bytes so far) or `ESC O`.
    Sequence(u8),
}

/// The most parameter bytes accepted in one control sequence before it is
/// abandoned (keys have at most a few).
const MAX_PARAMETERS: u8 = 16;

impl KeyDecoder {
    /// The seed's decoder (R18).
    pub fn classic() -> Self {
        KeyDecoder {
            full: false,
            state: EscState::Ground,
        }
    }

    /// The full game's decoder.
    pub fn full() -> Self {
        KeyDecoder {
            full: true,
            state: EscState::Ground,
        }
    }

    /// Decodes `input`, calling `sink` with each key in order.
    pub fn feed(&mut self, input: &[u8], mut sink: impl FnMut(Key)) {
        for &byte in input {
            if let Some(key) = self.byte(byte) {
                sink(key);
            }
        }
    }

    /// Passes over `input` without decoding it, for input past what a
    /// player may send; decoding starts afresh after it (an escape sequence
    /// cut by the skip is dropped). Returns whether `input` holds the key
    /// that quits (`q`, `Q` or Ctrl-C, wherever it stands; the classic decoder has
    /// none): a player flooding keys can still leave. A scan for two bytes,
    /// much cheaper than decoding.
    pub fn skim(&mut self, input: &[u8]) -> bool {
        self.state = EscState::Ground;
        self.full && input.iter().any(|&b| matches!(b, b'q' | b'Q' | CTRL_C))
    }

    fn byte(&mut self, byte: u8) -> Option<Key> {
        if !self.full {
            return classic_key(byte);
        }
        match self.state {
            EscState::Ground => full_key(byte, &mut self.state),
            EscState::Escape => match byte {
                b'[' | b'O' => {
                    self.state = EscState::Sequence(0);
                    None
                }
                // A lone ESC followed by a key: drop the ESC, keep the key.
                _ => {
                    self.state = EscState::Ground;
                    full_key(byte, &mut self.state)
                }
            },
            EscState::Sequence(count) => match byte {
                0x40..=0x7e => {
                    self.state = EscState::Ground;
                    if count == 0 { arrow(byte) } else { None }
                }
                0x20..=0x3f if count < MAX_PARAMETERS => {
                    self.state = EscState::Sequence(count + 1);
                    None
                }
                _ => {
                    self.state = EscState::Ground;
                    full_key(byte, &mut self.state)
                }
            },
        }
    }
}

fn classic_key(byte: u8) -> Option<Key> {
    let action = match byte {
        b'w' => Action::Move(Direction::Up),
        b'a' => Action::Move(Direction::Left),
        b's' => Action::Move(Direction::Down),
        b'd' => Action::Move(Direction::Right),
        b'e' => Action::DropBomb,
        _ => return None,
    };
    Some(Key::Act(action))
}

/// What a terminal in raw mode sends for Ctrl-C (an SSH client's does):
/// it quits, like `q`.
const CTRL_C: u8 = 0x03;

fn full_key(byte: u8, state: &mut EscState) -> Option<Key> {
    let key = match byte.to_ascii_lowercase() {
        0x1b => {
            *state = EscState::Escape;
            return None;
        }
        b'w' | b'k' => Key::Act(Action::Move(Direction::Up)),
        b'a' | b'h' => Key::Act(Action::Move(Direction::Left)),
        b's' | b'j' => Key::Act(Action::Move(Direction::Down)),
        b'd' | b'l' => Key::Act(Action::Move(Direction::Right)),
        b'e' | b' ' => Key::Act(Action::DropBomb),
        b'q' | CTRL_C => Key::Quit,
        _ => return None,
    };
    Some(key)
}

fn arrow(byte: u8) -> Option<Key> {
    let direction = match byte {
        b'A' => Direction::Up,
        b'B' => Direction::Down,
        b'C' => Direction::Right,
        b'D' => Direction::Left,
        _ => return None,
    };
    Some(Key::Act(Action::Move(direction)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(decoder: &mut KeyDecoder, chunks: &[&[u8]]) -> Vec<Key> {
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, |key| out.push(key));
        }
        out
    }

    const UP: Key = Key::Act(Action::Move(Direction::Up));
    const DOWN: Key = Key::Act(Action::Move(Direction::Down));
    const LEFT: Key = Key::Act(Action::Move(Direction::Left));
    const RIGHT: Key = Key::Act(Action::Move(Direction::Right));
    const DROP: Key = Key::Act(Action::DropBomb);

    #[test]
    fn the_r18_example() {
        let mut decoder = KeyDecoder::classic();
        assert_eq!(
            keys(&mut decoder, &[b"w\r\ndo\rq\nae"]),
            [UP, RIGHT, LEFT, DROP]
        );
        assert!(keys(&mut decoder, &[b"\x1b[A hjklqWASD"]).is_empty());
    }

    #[test]
    fn arrows_letters_and_space() {
        let mut decoder = KeyDecoder::full();
        assert_eq!(
            keys(&mut decoder, &[b"\x1b[A\x1bOB\x1b[C\x1b[Dhjkl eq"]),
            [
                UP,
                DOWN,
                RIGHT,
                LEFT,
                LEFT,
                DOWN,
                UP,
                RIGHT,
                DROP,
                DROP,
                Key::Quit
            ]
        );
    }

    #[test]
    fn every_split_of_an_arrow_key_decodes_the_same() {
        let input = b"w\x1b[Ad\x1bOD";
        for cut in 0..=input.len() {
            for cut2 in cut..=input.len() {
                let mut decoder = KeyDecoder::full();
                let got = keys(
                    &mut decoder,
                    &[&input[..cut], &input[cut..cut2], &input[cut2..]],
                );
                assert_eq!(got, [UP, UP, RIGHT, LEFT], "cuts {cut} {cut2}");
            }
        }
    }

    #[test]
    fn skimming_finds_only_the_quit_key_and_ends_a_cut_sequence() {
        let mut decoder = KeyDecoder::full();
        assert!(keys(&mut decoder, &[b"\x1b["]).is_empty());
        assert!(!decoder.skim(b"wasd\x1b[A"));
        // The sequence cut by the skim does not swallow the next key.
        assert_eq!(keys(&mut decoder, &[b"d"]), [RIGHT]);
        assert!(decoder.skim(b"xxQxx"));
        assert!(!KeyDecoder::classic().skim(b"q"));
    }

    #[test]
    fn unknown_sequences_and_lone_escapes_are_skipped() {
        let mut decoder = KeyDecoder::full();
        // F5 (ESC [ 1 5 ~), a lone ESC before w, a cursor report.
        assert_eq!(keys(&mut decoder, &[b"\x1b[15~\x1bw\x1b[12;40R"]), [UP]);
        // An endless parameter list is abandoned and decoding goes on.
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 1000));
        long.push(b'd');
        assert_eq!(keys(&mut decoder, &[&long]), [RIGHT]);
    }
}
