//! # weft: Twisted's networking triforce in Rust
//!
//! Networking is bytes moving between programs. weft splits the work the
//! way Twisted does, into three parts and some glue:
//!
//! - A **[`Protocol`]** decides the fate of bytes: the reactor calls its
//!   [`data_received`](Protocol::data_received) with whatever arrived, and
//!   it decides what to send back. One protocol object per connection.
//! - A **[`Transport`]** carries bytes between the protocol and the peer:
//!   the protocol receives it in [`connection_made`](Protocol::connection_made)
//!   and calls [`write`](Transport::write) on it, or
//!   [`lose_connection`](Transport::lose_connection) to hang up.
//! - A **[`Factory`]** makes a protocol for each connection. Any closure
//!   from the peer's address to `Option<protocol>` is one; `None` refuses
//!   the connection.
//! - The **[`Reactor`]** is the magic glue: it listens, accepts, asks the
//!   factory for a protocol, hands it a transport, reads and writes, and
//!   runs timers ([`Scheduler::call_later`](time::Scheduler::call_later),
//!   [`LoopingCall`](time::LoopingCall)), all on one thread.
//!
//! Here is the whole of the "obstinate" server, which answers `no` to
//! anything (`cargo run -p weft --example obstinate`, then
//! `telnet localhost 8900`):
//!
//! ```no_run
//! use weft::{Protocol, Reactor, Transport};
//!
//! #[derive(Default)]
//! struct Obstinate {
//!     transport: Option<Transport>,
//! }
//!
//! impl Protocol for Obstinate {
//!     fn connection_made(&mut self, transport: Transport) {
//!         self.transport = Some(transport);
//!     }
//!
//!     fn data_received(&mut self, _data: &[u8]) {
//!         if let Some(transport) = &self.transport {
//!             transport.write(b"no\r\n");
//!         }
//!     }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let reactor = Reactor::new()?;
//!     reactor.listen("tcp:8900", |_peer: &weft::Address| Some(Obstinate::default()))?;
//!     reactor.run()?;
//!     Ok(())
//! }
//! ```
//!
//! The connection's life, as the reactor drives it: the factory's
//! `build_protocol` (or closure) is asked for a protocol; the protocol's
//! `connection_made` receives its transport; `data_received` is called as
//! bytes arrive; `connection_lost` is called once at the end with a
//! [`CloseReason`]. Writes made during a callback are gathered and
//! flushed when it returns. A panic in a callback ends only that
//! connection.
//!
//! Most protocols speak in messages rather than bytes: run one over a
//! [`LineReceiver`](protocols::LineReceiver) and each `data_received` is
//! one whole line (Twisted's `LineReceiver`), or over the netstring and
//! length-prefix receivers of [`protocols`] for frames. Those, and telnet,
//! are [layers](layer): a layer owns the protocol above it and hands it a
//! transport that writes through the layer, so layers stack (lines over
//! telnet: `TelnetProtocol::new(LineReceiver::new(chat), policy)`), and
//! what a layer has to say besides data (telnet's window size, say)
//! reaches the protocol at the top as a [`LayerEvent`].
//!
//! A library that only runs on tokio (an SSH server) can still feed a
//! weft protocol: with the `tokio-bridge` feature, `weft::bridge` runs a
//! protocol over any tokio byte stream, with a normal transport, from a
//! tokio runtime on a thread of its own.
//!
//! Endpoints are named by strings in Twisted's grammar (`tcp:8900`,
//! `unix:/run/app.sock`, `tcp:host=example.org:port=80`, and TLS with
//! `ssl:8443:privateKey=key.pem` and `tls:host=example.org:port=443`), see
//! [`endpoints`]; TLS is a layer like any other ([`tls`]), so it also
//! runs under a protocol that starts in plaintext (STARTTLS). Protocols and timers are tested without sockets or real
//! time with the doubles in [`testing`]: code that schedules work keeps a
//! [`Timers`](time::Timers) handle, which the reactor and the test clock
//! both give out. A server facing the internet adds [`policies`] (idle
//! timeouts, a cap on connections per address); behind HAProxy it listens
//! on `haproxy:tcp:8900` ([`protocols::proxy`]) to see the real clients.
//! Datagrams have their own protocol and transport, in [`udp`].
//!
//! Async code sits on the same thread as the callbacks: tasks
//! ([`Reactor::spawn`], [`react`]), [`deferred`] results, time as futures
//! ([`time::Timers::sleep`], [`time::Timers::timeout`]), awaitable
//! [`client`] connections and [`streams`]. Coming from Twisted or
//! asyncio? Start with [`from_twisted_and_asyncio`].
#![deny(missing_docs)]

mod address;
#[cfg(feature = "tokio-bridge")]
pub mod bridge;
pub mod client;
pub mod deferred;
pub mod endpoints;
mod error;
pub mod from_twisted_and_asyncio;
pub mod layer;
mod panic_guard;
pub mod policies;
pub mod pool;
mod protocol;
pub mod protocols;
mod reactor;
pub mod streams;
pub mod task;
pub mod testing;
pub mod time;
pub mod tls;
mod transport;
pub mod udp;

pub use address::Address;
pub use endpoints::EndpointError;
pub use error::{ConnectError, Error};
pub use layer::LayerEvent;
pub use panic_guard::catch_panic;
pub use protocol::{ClientFactory, CloseReason, Factory, HalfClose, Protocol};
pub use reactor::{
    CONNECTION_ATTEMPT_DELAY, Connector, HandOver, HandOverError, ListeningPort, MovedLayers,
    NameResolver, Process, ProcessExit, Reactor, ReactorGone, Remote, RunUntil, SystemResolver,
    react, react_main,
};
pub use transport::{CloseKind, Transport, TransportBackend, WriteLimits};
