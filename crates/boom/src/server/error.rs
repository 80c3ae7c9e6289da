//! What can stop the server from starting.

use crate::game::ConfigError;

/// Why [`super::Server`] could not start or listen.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The game settings are unusable.
    #[error("invalid game settings: {0}")]
    Config(#[from] ConfigError),
    /// Listening on an endpoint failed.
    #[error("cannot listen on {endpoint}: {source}")]
    Listen {
        /// The endpoint, as described.
        endpoint: String,
        /// What went wrong.
        source: weft::Error,
    },
}
