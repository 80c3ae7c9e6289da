//! TTYPE, the terminal type option (RFC 1091).
//!
//! Once the peer has agreed to `DO TTYPE`, the server asks with
//! `IAC SB TTYPE SEND IAC SE` and the client answers
//! `IAC SB TTYPE IS <name> IAC SE`. Asking again walks the client's list of
//! names; the list ends when the same name comes twice.

use super::codec::encode_subnegotiation;
use super::option::TelnetOption;

/// The `IS` code: the content that follows is a terminal type.
pub const IS: u8 = 0;
/// The `SEND` code: asks the peer for its terminal type.
pub const SEND: u8 = 1;

/// Appends `IAC SB TTYPE SEND IAC SE` to `out`.
pub fn encode_send(out: &mut Vec<u8>) {
    encode_subnegotiation(TelnetOption::TTYPE, &[SEND], out);
}

/// Appends `IAC SB TTYPE IS <name> IAC SE` to `out` (what a client sends).
pub fn encode_is(name: &str, out: &mut Vec<u8>) {
    let mut content = Vec::with_capacity(name.len() + 1);
    content.push(IS);
    content.extend_from_slice(name.as_bytes());
    encode_subnegotiation(TelnetOption::TTYPE, &content, out);
}

/// The most names [`TerminalTypes`] keeps; a longer list counts as complete.
pub const MAX_TERMINAL_TYPES: usize = 16;

/// The peer's list of terminal types, collected over repeated `SEND`
/// requests (RFC 1091): the client answers each `SEND` with its next name and
/// repeats the last one when its list is exhausted (some clients start over
/// from the first instead). Either repetition ends the list, as does
/// reaching [`MAX_TERMINAL_TYPES`] names.
///
/// Typical use: on each [`Event::TerminalType`](super::Event::TerminalType),
/// call [`record`](Self::record) and, while it returns false, ask again with
/// [`Telnet::request_terminal_type`](super::Telnet::request_terminal_type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerminalTypes {
    names: Vec<String>,
    complete: bool,
}

impl TerminalTypes {
    /// An empty list.
    pub fn new() -> TerminalTypes {
        TerminalTypes::default()
    }

    /// Records a name the peer sent; returns whether the list is now
    /// complete (so asking again would bring nothing new). Names recorded
    /// after completion are ignored.
    pub fn record(&mut self, name: &str) -> bool {
        if self.complete {
            return true;
        }
        let repeated = self.names.last().is_some_and(|last| last == name)
            || self.names.first().is_some_and(|first| first == name);
        if repeated {
            self.complete = true;
        } else {
            self.names.push(name.to_owned());
            self.complete = self.names.len() >= MAX_TERMINAL_TYPES;
        }
        self.complete
    }

    /// The distinct names received so far, in the order the peer sent them
    /// (the first is the client's preferred type).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the list is complete.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// Parses the content of a TTYPE subnegotiation if it is `IS <name>`:
/// returns the name, with bytes that are not UTF-8 replaced by U+FFFD (the
/// RFC allows only ASCII). `None` if the content is not an `IS`.
pub fn parse_is(content: &[u8]) -> Option<String> {
    match content.split_first() {
        Some((&IS, name)) => Some(String::from_utf8_lossy(name).into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_is() {
        assert_eq!(
            parse_is(b"\0XTERM-256COLOR").as_deref(),
            Some("XTERM-256COLOR")
        );
        assert_eq!(parse_is(b"\0").as_deref(), Some(""));
        assert_eq!(parse_is(b"\x01"), None);
        assert_eq!(parse_is(b""), None);
    }

    #[test]
    fn list_ends_at_a_repeat() {
        let mut types = TerminalTypes::new();
        assert!(!types.record("MUDLET"));
        assert!(!types.record("XTERM-256COLOR"));
        assert!(!types.record("MTTS 2349"));
        assert!(types.record("MTTS 2349"));
        assert!(types.record("ANYTHING"));
        assert_eq!(types.names(), ["MUDLET", "XTERM-256COLOR", "MTTS 2349"]);
        // A client that starts over.
        let mut types = TerminalTypes::new();
        assert!(!types.record("XTERM"));
        assert!(!types.record("VT100"));
        assert!(types.record("XTERM"));
        assert_eq!(types.names().len(), 2);
    }

    #[test]
    fn list_is_bounded() {
        let mut types = TerminalTypes::new();
        let done: Vec<bool> = (0..40).map(|i| types.record(&format!("T{i}"))).collect();
        assert_eq!(done.iter().position(|&d| d), Some(MAX_TERMINAL_TYPES - 1));
        assert_eq!(types.names().len(), MAX_TERMINAL_TYPES);
        assert!(types.is_complete());
    }

    #[test]
    fn encodes() {
        let mut out = Vec::new();
        encode_send(&mut out);
        assert_eq!(out, vec![255, 250, 24, 1, 255, 240]);
        out.clear();
        encode_is("VT100", &mut out);
        assert_eq!(out, b"\xff\xfa\x18\x00VT100\xff\xf0");
    }
}
