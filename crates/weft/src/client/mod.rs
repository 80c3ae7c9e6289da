//! Clients for async code.
//!
//! - [`Reactor::connect_protocol`](crate::Reactor::connect_protocol)
//!   (Twisted's `connectProtocol`) completes with a [`Connected`] handle
//!   on the connected protocol, or with why the connection failed.
//! - [`ClientService`] keeps one connection up, reconnecting with
//!   jittered exponential [`Backoff`] (Twisted's `ClientService`).
//! - For byte streams (`read_line`, `write_all`), see [`crate::streams`].
//!
//! | file | what it holds |
//! | --- | --- |
//! | `connect.rs` | `connect_protocol`, [`Connecting`] and [`Connected`] |
//! | `closed.rs` | [`WhenClosed`]: a future of a connection's end |
//! | `service.rs` | [`ClientService`] |
//! | `attempts.rs` | [`FailedAttempt`], [`NextFailure`]: a service's failed attempts, counted and awaitable |
//! | `backoff.rs` | [`Backoff`]: the waits between attempts |

mod attempts;
mod backoff;
mod closed;
mod connect;
mod service;

pub use attempts::{FailedAttempt, NextFailure};
pub use backoff::Backoff;
pub use closed::WhenClosed;
pub use connect::{Connected, Connecting};
pub use service::{ClientService, ServiceStopped, WhenConnected};

use crate::ConnectError;

/// Reports a connection failure nobody else hears of: as a `tracing`
/// warning, and on standard error when no subscriber is installed, so
/// that it is never silent.
pub(crate) fn report_failure(error: &ConnectError) {
    tracing::warn!(%error, "outgoing connection failed");
    if !tracing::dispatcher::has_been_set() {
        eprintln!("outgoing connection failed: {error}");
    }
}
