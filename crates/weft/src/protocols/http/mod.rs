//! HTTP/1.1, as much as a game server's front door needs: one request
//! head read per connection (bounded in size and in time), answered with
//! one response, or upgraded to a [WebSocket](super::websocket).
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`head`] | [`HeadReader`]: a request head from a byte stream, bounded ([`httparse`] parses it) |
//! | [`response`] | [`Status`] and [`Response`]: what goes back |
//! | [`server`] | [`HttpServer`]: the protocol that reads one head, asks a [`Handler`], and answers or upgrades |
//!
//! The reader and the response are sans-I/O; [`HttpServer`] is the few
//! lines that put them on a transport, with a timer for the head.

pub mod head;
pub mod response;
pub mod server;

pub use head::{HeadError, HeadReader, RequestHead};
pub use response::{Response, Status};
pub use server::{Handler, HttpLimits, HttpServer, Reply};
