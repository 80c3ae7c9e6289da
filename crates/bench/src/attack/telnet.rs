//! Telnet messages as attacking clients send them, encoded by weft's own
//! telnet codec.

use weft::protocols::telnet::codec::{encode_negotiation, encode_subnegotiation};
use weft::protocols::telnet::command::{IAC, SB, SE};
use weft::protocols::telnet::naws::{self, WindowSize};
use weft::protocols::telnet::{TelnetOption, Verb};

/// What a stock telnet client answers the server's opening: DO ECHO, DO
/// SGA, WILL NAWS, and an 80 × 24 window.
pub fn stock_client() -> Vec<u8> {
    let mut bytes = Vec::new();
    for (verb, option) in [
        (Verb::Do, TelnetOption::ECHO),
        (Verb::Do, TelnetOption::SGA),
        (Verb::Will, TelnetOption::NAWS),
    ] {
        encode_negotiation(verb, option, &mut bytes);
    }
    bytes.extend(window(80, 24));
    bytes
}

/// `IAC verb option`.
pub fn command(verb: Verb, option: TelnetOption) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_negotiation(verb, option, &mut bytes);
    bytes
}

/// `IAC SB option content IAC SE`, with every IAC of the content doubled.
pub fn subnegotiation(option: TelnetOption, content: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_subnegotiation(option, content, &mut bytes);
    bytes
}

/// A window size report (NAWS).
pub fn window(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    naws::encode(WindowSize { width, height }, &mut bytes);
    bytes
}

/// A window size report whose content is `length` bytes of `x` instead of
/// four: `IAC SB NAWS`, the bytes, `IAC SE`.
pub fn endless_window(length: usize) -> Vec<u8> {
    let mut bytes = vec![IAC, SB, TelnetOption::NAWS.0];
    bytes.resize(bytes.len() + length, b'x');
    bytes.extend([IAC, SE]);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_of_65535_doubles_its_iacs() {
        assert_eq!(
            window(65535, 24),
            [IAC, SB, 31, 255, 255, 255, 255, 0, 24, IAC, SE]
        );
        assert_eq!(
            stock_client()[..9],
            [IAC, 253, 1, IAC, 253, 3, IAC, 251, 31]
        );
        assert_eq!(endless_window(2), [IAC, SB, 31, b'x', b'x', IAC, SE]);
    }
}
