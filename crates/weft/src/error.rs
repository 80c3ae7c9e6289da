//! The errors weft returns.

use std::io;
use std::time::Duration;

/// Errors of reactor operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Binding or listening failed. The message ends with what to do
    /// about the usual causes (see [`Error::fix`]).
    #[error("cannot listen on {address}: {source}{}", fix_suffix(.source))]
    Listen {
        /// What was to be listened on.
        address: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// A TLS endpoint's certificates, key or trust roots could not be
    /// loaded.
    #[error(transparent)]
    Tls(Box<crate::tls::TlsConfigError>),
    /// An endpoint description did not parse.
    #[error(transparent)]
    Endpoint(#[from] crate::EndpointError),
    /// [`Reactor::run`](crate::Reactor::run) was called while it runs.
    #[error("the reactor is already running (run was called from inside the loop)")]
    AlreadyRunning,
    /// The reactor stopped; it cannot run again.
    #[error("the reactor has stopped and cannot run again; make a new one")]
    Stopped,
    /// The reactor stopped before the future given to
    /// [`Reactor::block_on`](crate::Reactor::block_on) completed.
    #[error("the reactor stopped before the future it was running completed")]
    StoppedEarly,
    /// The poller failed.
    #[error("the reactor's poller failed: {0}")]
    Poll(#[source] io::Error),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] io::Error),
    /// A child process could not be started
    /// ([`Reactor::spawn_process`](crate::Reactor::spawn_process)).
    #[error("cannot start '{program}': {source}")]
    Spawn {
        /// The program, as the command names it.
        program: String,
        /// Why it could not start.
        #[source]
        source: io::Error,
    },
}

impl From<crate::tls::TlsConfigError> for Error {
    fn from(error: crate::tls::TlsConfigError) -> Self {
        Error::Tls(Box::new(error))
    }
}

impl Error {
    /// What to do about a failure to listen, for the usual causes: the
    /// address is taken, the port needs privileges, the address is not
    /// this machine's.
    pub fn fix(&self) -> Option<&'static str> {
        match self {
            Error::Listen { source, .. } => listen_fix(source),
            _ => None,
        }
    }
}

fn listen_fix(error: &io::Error) -> Option<&'static str> {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            Some("the address is already in use: stop the other server or choose another port")
        }
        io::ErrorKind::PermissionDenied => Some(
            "permission denied: ports below 1024 need privileges (choose a port above 1024), \
             and a Unix socket needs a directory you may write to",
        ),
        io::ErrorKind::AddrNotAvailable => Some(
            "the address is not one of this machine's: listen on one it has, or on 0.0.0.0 (all)",
        ),
        _ => None,
    }
}

fn fix_suffix(error: &io::Error) -> String {
    listen_fix(error)
        .map(|fix| format!(" ({fix})"))
        .unwrap_or_default()
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
    /// The TLS handshake failed: the reason names it (a certificate
    /// that is untrusted, expired or for another name; a peer that does
    /// not speak TLS; a timeout).
    #[error("TLS connection to {target} failed: {reason}")]
    Tls {
        /// Where the connection was going.
        target: String,
        /// rustls's reason.
        reason: String,
    },
    /// [`Connector::stop_connecting`](crate::Connector::stop_connecting) or
    /// the reactor's stop ended the attempt.
    #[error("connecting to {target} was cancelled")]
    Cancelled {
        /// Where the connection was going.
        target: String,
    },
}
