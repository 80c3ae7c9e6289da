//! TLS on rustls, as a [layer](crate::layer): under any protocol (lines
//! over telnet over TLS), over any transport, switched on in the middle
//! of a connection (STARTTLS), with Twisted's `ssl:` and `tls:` endpoint
//! strings.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`layer`](TlsLayer) | the layer: decrypt up, encrypt down, the handshake's timeout, close and end of input |
//! | [`session`](TlsSession) | one connection's TLS session, shared by the layer and its transport; the handle a protocol finds |
//! | `engine` | rustls's unbuffered connection of either side, driven through its state machine |
//! | `incomplete` | the only input a connection keeps between reads: an incomplete record's bytes, bounded |
//! | `scratch` | the buffers a thread's sessions share to decrypt, encode and deliver |
//! | `server_name` | records the name a client asks for by SNI, which rustls's unbuffered server does not tell |
//! | [`after_handshake`](AfterHandshake) | what an endpoint puts above the layer so the application sees only established connections |
//! | [`factory`](TlsServerFactory) | factories that put TLS under another factory's connections (`ssl:`, `tls:`) |
//! | [`config`](TlsServerOptions) | certificates, keys and trust roots as files, loaded with errors that name the file |
//!
//! rustls's unbuffered (sans-I/O, caller-buffered) connection does the
//! cryptography with the *ring* provider; the layer only moves bytes
//! between it, the transport below and the protocol above, through
//! buffers shared by the thread, so that an idle connection holds no
//! buffer of its own.
//!
//! ```no_run
//! # fn main() -> Result<(), weft::Error> {
//! use weft::{Address, Reactor};
//! # struct Echo;
//! # impl weft::Protocol for Echo { fn data_received(&mut self, _: &[u8]) {} }
//! let reactor = Reactor::new()?;
//! reactor.listen(
//!     "ssl:8443:privateKey=key.pem:certKey=cert.pem",
//!     |_peer: &Address| Some(Echo),
//! )?;
//! # Ok(()) }
//! ```
//!
//! A protocol reaches its connection's TLS session with
//! [`TlsSession::of`] (ALPN's choice, the peer's certificates,
//! [`start_tls`](TlsSession::start_tls)), and hears what the layer has to
//! say as [`LayerEvent::Tls`](crate::LayerEvent::Tls).

mod after_handshake;
mod config;
mod engine;
mod factory;
mod incomplete;
mod layer;
mod scratch;
mod server_name;
mod session;

pub use after_handshake::AfterHandshake;
pub use config::{
    ClientVerification, DEFAULT_HANDSHAKE_TIMEOUT, TlsClientOptions, TlsConfigError,
    TlsServerOptions, provider,
};
pub use factory::{TlsClientFactory, TlsServerFactory};
pub use layer::{TlsLayer, TlsProtocol};
pub use rustls::pki_types::ServerName;
pub use rustls::{ClientConfig, ServerConfig};
pub use session::{StartTlsError, TlsRole, TlsSession};

/// What a TLS layer tells the protocol above it, as
/// [`LayerEvent::Tls`](crate::LayerEvent::Tls).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsEvent {
    /// The handshake is done: what is written now goes out encrypted,
    /// and [`TlsSession`] tells what was agreed on.
    Established,
    /// The peer ended its input without `close_notify`: what came before
    /// may be cut short by an attacker. `eof_received` follows; a
    /// protocol whose messages carry no length of their own may treat
    /// the end as an error.
    Truncated,
}
