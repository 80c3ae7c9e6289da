//! The protocol library: framers that turn a byte stream into messages,
//! and telnet, each as a sans-I/O codec and as a [layer](crate::layer).
//!
//! Every codec here is *sans-I/O*: it never touches a socket or a clock.
//! Bytes go in as borrowed chunks, frames come out one at a time, and the
//! caller decides what to do between two frames (switch a line decoder to raw
//! mode, stop reading, close the connection on an error). The same decoders
//! run under weft's reactor, under another event loop, in tests and under a
//! fuzzer.
//!
//! - [`lines`]: lines ended by a delimiter (CR LF by default), with a maximum
//!   line length and a raw mode (Twisted's `LineReceiver`).
//! - [`netstring`]: `12:hello world!,` frames (Twisted's `NetstringReceiver`).
//! - [`prefixed`]: frames preceded by a big-endian `u16` or `u32` length
//!   (Twisted's `Int16StringReceiver` / `Int32StringReceiver`).
//! - [`telnet`]: the Telnet codec (RFC 854/855) and option negotiation by
//!   the Q method (RFC 1143), with ECHO, SGA, NAWS, TTYPE and LINEMODE.
//!
//! # As layers
//!
//! For everyday use each codec comes as a [layer](crate::layer): a
//! [`Protocol`](crate::Protocol) that owns the protocol above it, any
//! [`Protocol`](crate::Protocol), and feeds it what the codec decodes.
//!
//! | layer | the protocol above gets, per `data_received` | its writes |
//! | --- | --- | --- |
//! | [`LineReceiver`] ([`line_receiver`]) | one line, without its delimiter (or raw bytes in raw mode, see [`LineControl`]) | unchanged; lines sent with [`LineSender`] |
//! | [`NetstringReceiver`], [`Int16Receiver`], [`Int32Receiver`] ([`frame_receiver`]) | one frame's payload | unchanged; frames sent with [`send_netstring`], [`send_prefixed`] |
//! | [`TelnetProtocol`](telnet::TelnetProtocol) ([`telnet`]) | application data (negotiation to [`layer_event`](crate::Protocol::layer_event)) | escaped |
//!
//! They stack in any order that makes sense: lines over telnet (a chat
//! for telnet clients) is `TelnetProtocol::new(LineReceiver::new(chat),
//! policy)`, and the chat still hears the window size through
//! [`layer_event`](crate::Protocol::layer_event).
//!
//! # The pull API shared by the decoders
//!
//! A decoder is fed one chunk at a time through a cursor, `input: &mut &[u8]`,
//! and hands out one event per call, advancing the cursor past the bytes it
//! used:
//!
//! ```
//! use weft::protocols::netstring::NetstringDecoder;
//!
//! let mut decoder = NetstringDecoder::new(1024);
//! let mut input: &[u8] = b"5:hello,5:wor";
//! let mut frames = Vec::new();
//! while let Some(frame) = decoder.next_frame(&mut input).unwrap() {
//!     frames.push(frame.to_vec());
//! }
//! assert_eq!(frames, [b"hello".to_vec()]);
//! assert!(input.is_empty()); // "5:wor" is kept inside the decoder
//! ```
//!
//! Contract shared by every decoder:
//! - **Split invariance**: any way of cutting the stream into chunks yields
//!   the same frames, errors and events.
//! - **Zero copy when possible**: a frame that lies whole in the current chunk
//!   is handed out as a slice of that chunk; only an incomplete tail is
//!   copied into the decoder.
//! - **Bounded memory**: a decoder buffers at most its configured maximum plus
//!   a few bytes, whatever the peer sends, and gives large buffers back once
//!   they are empty.
//! - **Nothing is lost between calls**: when `next_*` returns "need more
//!   input" (`None` / `Ok(None)`), the cursor is empty: every byte was either
//!   consumed or kept. A caller that stops pulling earlier keeps the rest of
//!   the chunk in its cursor and must feed it again later.
//! - A frame borrows the decoder until it is dropped, so the decoder can be
//!   reconfigured between two frames of the same chunk.

mod frame;
pub mod frame_receiver;
pub mod line_receiver;
pub mod lines;
pub mod netstring;
pub mod prefixed;
#[cfg(test)]
mod split;
pub mod telnet;

pub use frame::FrameDecoder;
pub use frame_receiver::{
    FrameLayer, FrameReceiver, Int16Receiver, Int32Receiver, NetstringReceiver, PrefixedReceiver,
    send_netstring, send_prefixed,
};
pub use line_receiver::{LineControl, LineLayer, LineReceiver, LineSender, LineState, TooLong};
