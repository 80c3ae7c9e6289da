//! Clients for async code: [`Reactor::connect_protocol`](crate::Reactor::connect_protocol)
//! (Twisted's `connectProtocol`) completes with a [`Connected`] handle or
//! the reason the connection failed.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `connect.rs` | `connect_protocol`, [`Connecting`] and [`Connected`] |
//! | `closed.rs` | [`WhenClosed`]: a future of a connection's end |

mod closed;
mod connect;

pub use closed::WhenClosed;
pub use connect::{Connected, Connecting};
