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
    fn encodes() {
        let mut out = Vec::new();
        encode_send(&mut out);
        assert_eq!(out, vec![255, 250, 24, 1, 255, 240]);
        out.clear();
        encode_is("VT100", &mut out);
        assert_eq!(out, b"\xff\xfa\x18\x00VT100\xff\xf0");
    }
}
