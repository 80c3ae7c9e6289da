//! Telnet command bytes (RFC 854) and the commands an application sees.
//!
//! Every command starts with [`IAC`] (Interpret As Command, 255). The
//! constants are the second byte of each sequence.

/// Interpret As Command: introduces every command; `IAC IAC` is a data 255.
pub const IAC: u8 = 255;
/// Refuse, or demand the end of, an option on the peer's side.
pub const DONT: u8 = 254;
/// Ask for, or agree to, an option on the peer's side.
pub const DO: u8 = 253;
/// Refuse, or announce the end of, an option on the sender's side.
pub const WONT: u8 = 252;
/// Offer, or agree to, an option on the sender's side.
pub const WILL: u8 = 251;
/// Start of subnegotiation: `IAC SB option … IAC SE`.
pub const SB: u8 = 250;
/// Go ahead.
pub const GA: u8 = 249;
/// Erase line.
pub const EL: u8 = 248;
/// Erase character.
pub const EC: u8 = 247;
/// Are you there.
pub const AYT: u8 = 246;
/// Abort output.
pub const AO: u8 = 245;
/// Interrupt process.
pub const IP: u8 = 244;
/// Break.
pub const BRK: u8 = 243;
/// Data mark (the data-stream part of a Synch).
pub const DM: u8 = 242;
/// No operation.
pub const NOP: u8 = 241;
/// End of subnegotiation.
pub const SE: u8 = 240;

/// Carriage return.
pub const CR: u8 = b'\r';
/// Line feed.
pub const LF: u8 = b'\n';
/// The NUL byte that follows a bare CR on the wire (RFC 854).
pub const NUL: u8 = 0;

/// A two-byte Telnet command (`IAC <byte>`), other than option negotiation
/// and subnegotiation, which have their own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `IAC NOP`: no operation (often a keep-alive).
    Nop,
    /// `IAC DM`: data mark, the end of a Synch.
    DataMark,
    /// `IAC BRK`: the break key.
    Break,
    /// `IAC IP`: interrupt process (what ^C usually becomes).
    InterruptProcess,
    /// `IAC AO`: abort output.
    AbortOutput,
    /// `IAC AYT`: are you there.
    AreYouThere,
    /// `IAC EC`: erase the last character.
    EraseCharacter,
    /// `IAC EL`: erase the current line.
    EraseLine,
    /// `IAC GA`: go ahead.
    GoAhead,
    /// Any other byte after `IAC` (for example EOR 239, SUSP 237, ABORT 238,
    /// EOF 236, or a stray SE outside a subnegotiation), passed on as is.
    Other(u8),
}

impl Command {
    /// The command for the byte that follows `IAC`. Never fails: unknown
    /// bytes become [`Command::Other`]. The negotiation bytes (WILL, WONT,
    /// DO, DONT, SB) and IAC itself are not commands; given one of them, this
    /// returns `Other` with that byte.
    pub fn from_byte(byte: u8) -> Command {
        match byte {
            NOP => Command::Nop,
            DM => Command::DataMark,
            BRK => Command::Break,
            IP => Command::InterruptProcess,
            AO => Command::AbortOutput,
            AYT => Command::AreYouThere,
            EC => Command::EraseCharacter,
            EL => Command::EraseLine,
            GA => Command::GoAhead,
            other => Command::Other(other),
        }
    }

    /// The byte that follows `IAC` on the wire for this command.
    pub fn to_byte(self) -> u8 {
        match self {
            Command::Nop => NOP,
            Command::DataMark => DM,
            Command::Break => BRK,
            Command::InterruptProcess => IP,
            Command::AbortOutput => AO,
            Command::AreYouThere => AYT,
            Command::EraseCharacter => EC,
            Command::EraseLine => EL,
            Command::GoAhead => GA,
            Command::Other(byte) => byte,
        }
    }
}

/// One of the four option negotiation verbs (RFC 855).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `WILL`: the sender offers, or agrees, to enable the option on its side.
    Will,
    /// `WONT`: the sender refuses, or stops, the option on its side.
    Wont,
    /// `DO`: the sender asks, or agrees, that the receiver enable the option.
    Do,
    /// `DONT`: the sender asks that the receiver not use, or stop, the option.
    Dont,
}

impl Verb {
    /// The verb for a byte after `IAC`, or `None` if it is not WILL, WONT, DO
    /// or DONT.
    pub fn from_byte(byte: u8) -> Option<Verb> {
        match byte {
            WILL => Some(Verb::Will),
            WONT => Some(Verb::Wont),
            DO => Some(Verb::Do),
            DONT => Some(Verb::Dont),
            _ => None,
        }
    }

    /// The byte that follows `IAC` on the wire for this verb.
    pub fn to_byte(self) -> u8 {
        match self {
            Verb::Will => WILL,
            Verb::Wont => WONT,
            Verb::Do => DO,
            Verb::Dont => DONT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes_round_trip() {
        for byte in 0..=255u8 {
            assert_eq!(Command::from_byte(byte).to_byte(), byte);
            if let Some(verb) = Verb::from_byte(byte) {
                assert_eq!(verb.to_byte(), byte);
            }
        }
        assert_eq!(Command::from_byte(IP), Command::InterruptProcess);
        assert_eq!(Verb::from_byte(GA), None);
    }
}
