//! Telnet option codes (the byte after WILL, WONT, DO, DONT and SB).

use std::fmt;

/// A Telnet option code. Any byte is a valid code; the constants name the
/// ones weft knows. `Debug` shows the name when there is one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TelnetOption(pub u8);

impl TelnetOption {
    /// Binary transmission (RFC 856).
    pub const BINARY: TelnetOption = TelnetOption(0);
    /// Echo (RFC 857): the side that has it enabled echoes what it receives.
    pub const ECHO: TelnetOption = TelnetOption(1);
    /// Suppress go-ahead (RFC 858); with ECHO, what puts clients in
    /// character-at-a-time mode.
    pub const SGA: TelnetOption = TelnetOption(3);
    /// Status (RFC 859).
    pub const STATUS: TelnetOption = TelnetOption(5);
    /// Timing mark (RFC 860).
    pub const TIMING_MARK: TelnetOption = TelnetOption(6);
    /// Terminal type (RFC 1091).
    pub const TTYPE: TelnetOption = TelnetOption(24);
    /// End of record (RFC 885).
    pub const EOR: TelnetOption = TelnetOption(25);
    /// Negotiate about window size (RFC 1073).
    pub const NAWS: TelnetOption = TelnetOption(31);
    /// Terminal speed (RFC 1079).
    pub const TSPEED: TelnetOption = TelnetOption(32);
    /// Remote flow control (RFC 1372).
    pub const LFLOW: TelnetOption = TelnetOption(33);
    /// Linemode (RFC 1184).
    pub const LINEMODE: TelnetOption = TelnetOption(34);
    /// X display location (RFC 1096).
    pub const XDISPLOC: TelnetOption = TelnetOption(35);
    /// New environment (RFC 1572).
    pub const NEW_ENVIRON: TelnetOption = TelnetOption(39);
    /// Charset (RFC 2066).
    pub const CHARSET: TelnetOption = TelnetOption(42);

    /// The conventional name of the option, if weft knows it.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            TelnetOption::BINARY => "BINARY",
            TelnetOption::ECHO => "ECHO",
            TelnetOption::SGA => "SGA",
            TelnetOption::STATUS => "STATUS",
            TelnetOption::TIMING_MARK => "TIMING-MARK",
            TelnetOption::TTYPE => "TTYPE",
            TelnetOption::EOR => "EOR",
            TelnetOption::NAWS => "NAWS",
            TelnetOption::TSPEED => "TSPEED",
            TelnetOption::LFLOW => "LFLOW",
            TelnetOption::LINEMODE => "LINEMODE",
            TelnetOption::XDISPLOC => "XDISPLOC",
            TelnetOption::NEW_ENVIRON => "NEW-ENVIRON",
            TelnetOption::CHARSET => "CHARSET",
            _ => return None,
        })
    }
}

impl fmt::Debug for TelnetOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "TelnetOption({})", self.0),
        }
    }
}

impl fmt::Display for TelnetOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "option {}", self.0),
        }
    }
}

impl From<u8> for TelnetOption {
    fn from(code: u8) -> Self {
        TelnetOption(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_in_debug() {
        assert_eq!(format!("{:?}", TelnetOption::NAWS), "NAWS");
        assert_eq!(format!("{:?}", TelnetOption(200)), "TelnetOption(200)");
        assert_eq!(TelnetOption::from(34), TelnetOption::LINEMODE);
    }
}
