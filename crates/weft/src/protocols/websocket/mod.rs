//! WebSocket (RFC 6455) for servers: the opening handshake answered from
//! an HTTP request head, then a [layer](crate::layer) that turns frames
//! into messages for the protocol above, and its writes into frames.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`handshake`] | [`accept`]: the `101 Switching Protocols` answer to a request, or the error answer |
//! | [`layer`] | [`WebSocketLayer`]: frames in and out, on [`tungstenite`]'s codec over bytes in memory |
//!
//! [`HttpServer`](super::http::HttpServer) reads the request and stacks
//! the layer under the protocol a [`Handler`](super::http::Handler)
//! chooses; the protocol above then gets one `data_received` per message
//! and sends one message per write.

pub mod handshake;
pub mod layer;

pub use handshake::accept;
pub use layer::{WebSocketLayer, WebSocketLimits};
