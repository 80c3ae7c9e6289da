//! What can stop the server from starting.

use std::fmt;
use std::io::ErrorKind;

use crate::game::ConfigError;

/// Why [`super::Server`] could not start or listen.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The game settings are unusable.
    #[error("invalid game settings: {0}")]
    Config(#[from] ConfigError),
    /// More bots than an arena holds ([`super::Options::max_bots`]).
    #[error("too many bots: {asked}; an arena of these settings holds at most {most}")]
    TooManyBots {
        /// Bots asked for.
        asked: usize,
        /// The most an arena holds.
        most: usize,
    },
    /// Listening on an endpoint failed. The message is one line: the
    /// endpoint as the user wrote it, the cause, and what to do about it.
    #[error("cannot listen on {endpoint}: {}", ListenCause(source))]
    Listen {
        /// The endpoint, as the user wrote it.
        endpoint: String,
        /// What went wrong.
        source: weft::Error,
    },
}

/// Why listening failed, in words, with the fix where there is a usual
/// one.
struct ListenCause<'a>(&'a weft::Error);

impl fmt::Display for ListenCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weft::Error::Listen { address, source } = self.0 else {
            return write!(f, "{}", self.0);
        };
        let unix = address.starts_with('/') || address.starts_with("unix");
        match (source.kind(), unix) {
            (ErrorKind::AddrInUse, false) => f.write_str(
                "the address is already in use: stop the other server or choose another port",
            ),
            (ErrorKind::AddrInUse, true) => f.write_str(
                "the socket is already in use: stop the other server or choose another path",
            ),
            (ErrorKind::PermissionDenied, false) => f.write_str(
                "permission denied: ports below 1024 need privileges: choose a port above 1024",
            ),
            (ErrorKind::PermissionDenied, true) => f.write_str(
                "permission denied: choose a path in a directory you may write to",
            ),
            (ErrorKind::AddrNotAvailable, _) => f.write_str(
                "no interface of this machine has that address: choose one it has, or leave the interface out",
            ),
            _ => write!(f, "{source}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(address: &str, kind: ErrorKind) -> String {
        ServerError::Listen {
            endpoint: "tcp:80".to_owned(),
            source: weft::Error::Listen {
                address: address.to_owned(),
                source: kind.into(),
            },
        }
        .to_string()
    }

    #[test]
    fn listen_errors_name_the_endpoint_the_cause_and_the_fix() {
        assert_eq!(
            message("0.0.0.0:80", ErrorKind::PermissionDenied),
            "cannot listen on tcp:80: permission denied: ports below 1024 need privileges: \
             choose a port above 1024"
        );
        assert!(message("0.0.0.0:80", ErrorKind::AddrInUse).ends_with("choose another port"));
        assert!(message("unix:/run/boom.sock", ErrorKind::AddrInUse).ends_with("another path"));
        assert!(message("0.0.0.0:80", ErrorKind::TimedOut).ends_with("timed out"));
    }
}
