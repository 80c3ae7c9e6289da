//! Test doubles: drive protocols and timers without sockets or wall-clock
//! time, from weft's tests and from yours.
//!
//! - [`StringTransport`]: a transport that records what a protocol writes
//!   and whether it closed.
//! - [`Clock`]: a [`Scheduler`](crate::time::Scheduler) whose time moves
//!   only when the test says so.
//! - [`loopback`]: two protocols connected in memory.
//! - [`FakeDatagramTransport`]: a datagram transport that records what a
//!   [`DatagramProtocol`](crate::udp::DatagramProtocol) sends.
//! - [`haproxy`]: a real HAProxy in front of a server, for tests of the
//!   PROXY protocol.
//!
//! ```
//! use weft::testing::StringTransport;
//! use weft::{Protocol, Transport};
//!
//! struct Shout(Option<Transport>);
//! impl Protocol for Shout {
//!     fn connection_made(&mut self, t: Transport) { self.0 = Some(t); }
//!     fn data_received(&mut self, data: &[u8]) {
//!         self.0.as_ref().unwrap().write(&data.to_ascii_uppercase());
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut shout = Shout(None);
//! shout.connection_made(record.transport());
//! shout.data_received(b"hello");
//! assert_eq!(record.written(), b"HELLO");
//! ```

mod clock;
mod datagram;
pub mod haproxy;
mod loopback;
mod string_transport;

pub use clock::Clock;
pub use datagram::FakeDatagramTransport;
pub use loopback::{Loopback, loopback};
pub use string_transport::StringTransport;
