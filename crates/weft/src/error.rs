//! The errors weft returns.

use std::io;
use std::time::Duration;

/// Errors of reactor operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Binding or listening failed.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// What was to be listened on.
        address: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// An endpoint description did not parse.
    #[error(transparent)]
    Endpoint(#[from] crate::EndpointError),
    /// [`Reactor::run`](crate::Reactor::run) was called while it runs.
    #[error("the reactor is already running (run was called from inside the loop)")]
    AlreadyRunning,
    /// The reactor stopped; it cannot run again.
    #[error("the reactor has stopped and cannot run again; make a new one")]
    Stopped,
    /// The poller failed.
    #[error("the reactor's poller failed: {0}")]
    Poll(#[source] io::Error),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] io::Error),
}

/// Why an outgoing connection could not be made, as told to
/// [`ClientFactory::connection_failed`](crate::ClientFactory::connection_failed).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing listens there.
    #[error("connection to {target} refused")]
    Refused {
        /// Where the connection was going.
        target: String,
    },
    /// The attempt took longer than its timeout.
    #[error("connection to {target} timed out after {after:?}")]
    TimedOut {
        /// Where the connection was going.
        target: String,
        /// The timeout.
        after: Duration,
    },
    /// The host name did not resolve.
    #[error("cannot resolve host '{host}': {source}")]
    Resolve {
        /// The name.
        host: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// Another I/O error.
    #[error("cannot connect to {target}: {source}")]
    Io {
        /// Where the connection was going.
        target: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// [`Connector::stop_connecting`](crate::Connector::stop_connecting) or
    /// the reactor's stop ended the attempt.
    #[error("connecting to {target} was cancelled")]
    Cancelled {
        /// Where the connection was going.
        target: String,
    },
}
