//! Telnet messages as attacking clients send them (RFC 854, 1073, 1091).

/// Interpret As Command.
pub const IAC: u8 = 255;
/// Negotiation verbs.
pub const DONT: u8 = 254;
/// Asks the other side to do an option.
pub const DO: u8 = 253;
/// Refuses an option.
pub const WONT: u8 = 252;
/// Offers an option.
pub const WILL: u8 = 251;
/// Subnegotiation begins.
pub const SB: u8 = 250;
/// Subnegotiation ends.
pub const SE: u8 = 240;
/// Echo (RFC 857).
pub const ECHO: u8 = 1;
/// Suppress go-ahead (RFC 858).
pub const SGA: u8 = 3;
/// Terminal type (RFC 1091).
pub const TTYPE: u8 = 24;
/// Window size (RFC 1073).
pub const NAWS: u8 = 31;

/// What a stock telnet client answers the server's opening: DO ECHO, DO
/// SGA, WILL NAWS, and an 80 × 24 window.
pub fn stock_client() -> Vec<u8> {
    let mut bytes = vec![IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS];
    bytes.extend(naws(80, 24));
    bytes
}

/// `IAC verb option`.
pub fn command(verb: u8, option: u8) -> [u8; 3] {
    [IAC, verb, option]
}

/// `IAC SB option payload IAC SE`, with every IAC of the payload doubled.
pub fn subnegotiation(option: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![IAC, SB, option];
    for &byte in payload {
        bytes.push(byte);
        if byte == IAC {
            bytes.push(IAC);
        }
    }
    bytes.extend([IAC, SE]);
    bytes
}

/// A window size report.
pub fn naws(width: u16, height: u16) -> Vec<u8> {
    let [w1, w0] = width.to_be_bytes();
    let [h1, h0] = height.to_be_bytes();
    subnegotiation(NAWS, &[w1, w0, h1, h0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_of_65535_doubles_its_iacs() {
        assert_eq!(
            naws(65535, 24),
            [IAC, SB, NAWS, 255, 255, 255, 255, 0, 24, IAC, SE]
        );
        assert_eq!(naws(80, 24), [IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE]);
    }
}
