//! What can stop the server from starting.

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
    /// Listening on an endpoint failed.
    #[error("cannot listen on {endpoint}: {source}")]
    Listen {
        /// The endpoint, as described.
        endpoint: String,
        /// What went wrong.
        source: weft::Error,
    },
}
