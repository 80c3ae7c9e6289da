//! NAWS, Negotiate About Window Size (RFC 1073).
//!
//! Once the peer has agreed (`WILL NAWS` answered by `DO NAWS`, in either
//! order), it sends `IAC SB NAWS w1 w0 h1 h0 IAC SE` now and whenever its
//! window changes: width and height as 16-bit big-endian numbers, with any
//! 255 byte doubled (the codec undoes the doubling). Zero means unknown.

use super::codec::encode_subnegotiation;
use super::option::TelnetOption;

/// A window size in characters, as reported by the peer. Zero in either
/// field means the peer does not know that dimension (RFC 1073).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowSize {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

/// Parses the content of a NAWS subnegotiation (after `IAC IAC` decoding):
/// exactly four bytes, or `None`.
pub fn parse(content: &[u8]) -> Option<WindowSize> {
    match *content {
        [w1, w0, h1, h0] => Some(WindowSize {
            width: u16::from_be_bytes([w1, w0]),
            height: u16::from_be_bytes([h1, h0]),
        }),
        _ => None,
    }
}

/// Appends the subnegotiation that reports `size` (what a client sends).
pub fn encode(size: WindowSize, out: &mut Vec<u8>) {
    let [w1, w0] = size.width.to_be_bytes();
    let [h1, h0] = size.height.to_be_bytes();
    encode_subnegotiation(TelnetOption::NAWS, &[w1, w0, h1, h0], out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_four_bytes_only() {
        assert_eq!(
            parse(&[0, 80, 1, 0]),
            Some(WindowSize {
                width: 80,
                height: 256
            })
        );
        assert_eq!(parse(&[0, 80, 0]), None);
        assert_eq!(parse(&[0, 80, 0, 24, 0]), None);
    }

    #[test]
    fn encodes_with_escaped_255() {
        let mut out = Vec::new();
        encode(
            WindowSize {
                width: 255,
                height: 0xff00,
            },
            &mut out,
        );
        assert_eq!(out, vec![255, 250, 31, 0, 255, 255, 255, 255, 0, 255, 240]);
    }
}
