//! UDP: datagram sockets on the reactor (Twisted's `DatagramProtocol` and
//! `listenUDP`).
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`protocol`] | [`DatagramProtocol`]: what a socket's datagrams are handed to |
//! | [`transport`] | [`DatagramTransport`]: sending, connecting, multicast, flow control |
//! | [`send_queue`] | [`SendLimits`], and the queue of datagrams the kernel would not take yet |
//! | [`backend`] | [`DatagramBackend`], what a transport does (the reactor's sockets, the test double), and [`SocketOption`] |
//!
//! A socket is bound with [`Reactor::listen_udp`](crate::Reactor::listen_udp)
//! on a `udp:` endpoint (`udp:port=9000:interface=127.0.0.1`), and
//! served by one protocol: datagrams carry their sender's address, so one
//! protocol serves every peer.
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use weft::Reactor;
//! use weft::udp::{DatagramProtocol, DatagramTransport};
//!
//! #[derive(Default)]
//! struct Echo(Option<DatagramTransport>);
//!
//! impl DatagramProtocol for Echo {
//!     fn started(&mut self, transport: DatagramTransport) {
//!         self.0 = Some(transport);
//!     }
//!     fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
//!         self.0.as_ref().unwrap().write_to(data, from);
//!     }
//! }
//!
//! let reactor = Reactor::new()?;
//! let socket = reactor.listen_udp("udp:port=9000", Echo::default())?;
//! println!("echoing datagrams on {}", socket.local_address());
//! reactor.run()?;
//! # Ok::<(), weft::Error>(())
//! ```

pub mod backend;
pub mod protocol;
pub mod send_queue;
pub mod transport;

pub use backend::{DatagramBackend, SocketOption};
pub use protocol::DatagramProtocol;
pub use send_queue::SendLimits;
pub use transport::DatagramTransport;
