//! A weft protocol over any tokio byte stream (cargo feature
//! `tokio-bridge`).
//!
//! Some well-kept libraries only run on tokio (an SSH server, say). The
//! bridge lets the bytes they produce be served by an ordinary weft
//! [`Protocol`](crate::Protocol) on a reactor, unchanged: the protocol gets
//! a normal [`Transport`](crate::Transport), and lines, telnet or any
//! application run over it as they run over a socket. tokio stays a guest:
//! it runs on a thread of its own ([`TokioThread`], a current-thread
//! runtime) and never drives the reactor.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`runtime`] | [`TokioThread`]: one current-thread tokio runtime on a thread of its own |
//! | [`gateway`] | [`Gateway`]: the `Send` handle that opens bridged connections to a reactor's factory |
//! | [`link`] | [`Link`]: one bridged connection's tokio side, pumping a stream both ways |
//! | `backend` | the reactor side: the protocol's transport and the table of bridged connections |
//! | `outgoing` | what both threads share for one connection: bytes to send, the close asked for, credits |
//!
//! # How a connection crosses
//!
//! 1. On the reactor's thread, [`Gateway::new`] registers a factory that
//!    builds a protocol from a peer address and a *hello* (any `Send`
//!    value, such as the user name an SSH client logged in with).
//! 2. On the tokio side, [`Gateway::open`] asks the reactor (through its
//!    [`Remote`](crate::Remote)) to build the protocol and give it its
//!    transport (`connection_made`), and returns the [`Link`];
//!    [`Link::run`] then pumps the stream until the connection ends.
//! 3. Bytes read from the stream cross into the reactor as remote calls
//!    ([`Remote::call_from_thread`](crate::Remote::call_from_thread)) and
//!    reach `data_received`; [`Link::send`] carries other messages (a
//!    window size) in the same order, to
//!    [`Protocol::layer_event`](crate::Protocol::layer_event) as
//!    [`LayerEvent::Message`](crate::LayerEvent::Message).
//! 4. Bytes the protocol writes are queued in memory shared with the link,
//!    which awaits them and writes them to the stream.
//!
//! # Contract
//!
//! The transport keeps the contract of the reactor's own transports
//! ([`Transport`](crate::Transport)), with these meanings:
//! - `write` queues; the link writes what is queued as soon as it can, in
//!   order (writes made during one callback usually go out together).
//! - `pending_bytes` counts the bytes queued and those the link is
//!   writing; [`WriteLimits`](crate::WriteLimits) apply to it:
//!   `pause_writing` above the high-water mark, `resume_writing` once the
//!   link has brought it down to the low-water mark, an abort with
//!   [`CloseReason::WriteBufferFull`](crate::CloseReason::WriteBufferFull)
//!   past the hard limit.
//! - `pause_reading` is real back-pressure: the link reads at most
//!   [`CHUNKS_IN_FLIGHT`] chunks of at most [`CHUNK`] bytes ahead of the
//!   protocol, then stops reading the stream until the protocol has taken
//!   them, so a paused protocol holds at most that much and the stream's
//!   own flow control (TCP's, an SSH channel's) slows the peer down.
//! - `lose_connection` stops reading, lets the link write every queued
//!   byte and shut the stream down; `abort_connection` drops the queue and
//!   the stream at once. `connection_lost` follows once, when the link
//!   has ended; a stream that fails or ends gives
//!   [`CloseReason::Io`](crate::CloseReason::Io) or, after `eof_received`,
//!   the usual half-close handling.
//! - The link ends only when its stream does or the protocol aborts: a
//!   write the stream never completes holds the connection (after
//!   `lose_connection` too, which waits for the queued bytes). Whoever
//!   owns the stream makes it fail once it knows it dead (an SSH
//!   channel whose session ended, say, waits forever for window space),
//!   or drops the link's task: a link dropped before its run ended
//!   (never run, or its task dropped, as when its runtime stops) ends the
//!   connection as a failed stream does, with
//!   [`CloseReason::Io`](crate::CloseReason::Io) (`ConnectionAborted`).
//! - Socket settings (`set_nodelay`, keep-alive, send buffer) are
//!   `Unsupported`: they belong to whoever owns the stream's socket.
//!   [`Transport::hand_over`](crate::Transport::hand_over) is unsupported
//!   too.
//! - If the reactor stops, the link ends as soon as it next needs the
//!   reactor; a protocol whose reactor stopped is dropped without
//!   `connection_lost` (like the reactor's own connections past its grace
//!   period).
//!
//! # Cost
//!
//! Each chunk read costs one remote call (a lock, a push and, when the
//! reactor sleeps, one wake-up write to its eventfd) and one copy out of
//! the link's read buffer; each batch written costs a lock, a
//! [`tokio::sync::Notify`] wake-up of the link and a copy into the shared
//! queue. Memory: the shared queue and the chunks in flight (at most
//! [`CHUNKS_IN_FLIGHT`] × [`CHUNK`]) per connection, plus the stream's
//! and the tokio tasks' own.

mod backend;
pub mod gateway;
pub mod link;
mod outgoing;
pub mod runtime;

pub use gateway::Gateway;
pub use link::Link;
pub use runtime::TokioThread;

/// The most bytes the link reads from its stream at once.
pub const CHUNK: usize = 16 * 1024;

/// The most chunks read from a stream and not yet taken by the protocol.
pub const CHUNKS_IN_FLIGHT: usize = 4;
