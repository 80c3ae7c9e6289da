//! [`WebSocketLayer`]: WebSocket frames between a transport and the
//! protocol above, after the opening handshake.
//!
//! The frames are [`tungstenite`]'s: its codec runs over bytes
//! in memory, so no socket is touched here. What comes in is decoded into
//! messages, each handed up as one `data_received`; pings are answered; a
//! close from the peer is answered and the connection closed. Each write
//! of the protocol above goes out as one message (text when it is UTF-8,
//! binary otherwise). A peer that breaks the rules is sent a close frame
//! with the code that names its fault, and the connection is closed:
//!
//! | fault | close code |
//! | --- | --- |
//! | an unmasked frame, or any other breach of the framing rules | 1002 (protocol error) |
//! | a frame or message larger than [`WebSocketLimits::max_message`] | 1009 (too big) |
//! | a text message that is not UTF-8 | 1007 (invalid data) |

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use tungstenite::Message;
use tungstenite::error::Error as WsError;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};

use crate::layer::{Above, Layer, WritePath};
use crate::transport::CloseKind;
use crate::{Protocol, Transport};

/// Bounds on what one connection may make the layer hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebSocketLimits {
    /// The largest frame, and the largest message, accepted from the peer
    /// (bytes of payload).
    pub max_message: usize,
    /// The input read into the codec at once (its buffer's size).
    pub read_chunk: usize,
}

impl Default for WebSocketLimits {
    /// Messages of up to 16 KiB, read 1 KiB at a time.
    fn default() -> Self {
        WebSocketLimits {
            max_message: 16 * 1024,
            read_chunk: 1024,
        }
    }
}

/// The layer: see the [module docs](self).
pub struct WebSocketLayer {
    limits: WebSocketLimits,
    shared: Option<Rc<WebSocketWrites>>,
}

impl WebSocketLayer {
    /// A layer for a connection whose handshake is done.
    pub fn new(limits: WebSocketLimits) -> Self {
        WebSocketLayer {
            limits,
            shared: None,
        }
    }
}

/// The codec and its bytes in memory, shared by the way up (the layer)
/// and the way down (the transport handed up).
pub struct WebSocketWrites {
    codec: RefCell<Codec>,
}

/// tungstenite's codec and the wire it reads from and writes to.
struct Codec {
    context: WebSocketContext,
    wire: Wire,
}

/// Bytes in memory standing for the socket: what came in and is not
/// decoded yet, and what the codec wrote and is not sent yet.
#[derive(Default)]
struct Wire {
    input: Vec<u8>,
    read: usize,
    output: Vec<u8>,
}

impl Read for Wire {
    /// Hands out what came in; `WouldBlock` when all of it was read.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.input[self.read..];
        if rest.is_empty() {
            self.input.clear();
            self.read = 0;
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What decoding the input gave next.
enum Next {
    /// A message for the protocol above.
    Message(Vec<u8>),
    /// Nothing more until more input comes.
    Wait,
    /// The connection is to close, for this reason.
    Close(String),
}

impl Codec {
    /// The next message (or the end) decoded from what came in; control
    /// frames are answered on the way.
    fn next(&mut self) -> Next {
        loop {
            match self.context.read(&mut self.wire) {
                Ok(Message::Text(text)) => return Next::Message(text.as_bytes().to_vec()),
                Ok(Message::Binary(data)) => return Next::Message(data.to_vec()),
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Close(_)) => {
                    // Queues the answer to the peer's close, and writes it.
                    let _ = self.context.flush(&mut self.wire);
                    return Next::Close("the peer closed the WebSocket".into());
                }
                Err(WsError::Io(error)) if error.kind() == io::ErrorKind::WouldBlock => {
                    return Next::Wait;
                }
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    return Next::Close("the WebSocket is closed".into());
                }
                Err(error) => return self.fail(&error),
            }
        }
    }

    /// Sends the close frame that names the peer's fault.
    fn fail(&mut self, error: &WsError) -> Next {
        let code = match error {
            WsError::Capacity(_) => CloseCode::Size,
            WsError::Utf8(_) => CloseCode::Invalid,
            _ => CloseCode::Protocol,
        };
        let reason = error.to_string();
        let frame = CloseFrame {
            code,
            reason: reason.chars().take(100).collect::<String>().into(),
        };
        let _ = self.context.close(&mut self.wire, Some(frame));
        Next::Close(format!(
            "WebSocket closed with {}: {reason}",
            u16::from(code)
        ))
    }

    /// Sends what the codec wrote to `lower`.
    fn send_output(&mut self, lower: &Transport) {
        if !self.wire.output.is_empty() {
            lower.write(&self.wire.output);
            self.wire.output.clear();
        }
    }
}

impl Layer for WebSocketLayer {
    type Shared = WebSocketWrites;

    fn connection_made(&mut self, _lower: &Transport) -> Rc<WebSocketWrites> {
        let config = WebSocketConfig::default()
            .read_buffer_size(self.limits.read_chunk)
            .write_buffer_size(0)
            .max_frame_size(Some(self.limits.max_message))
            .max_message_size(Some(self.limits.max_message));
        let shared = Rc::new(WebSocketWrites {
            codec: RefCell::new(Codec {
                context: WebSocketContext::new(Role::Server, Some(config)),
                wire: Wire::default(),
            }),
        });
        self.shared = Some(shared.clone());
        shared
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let Some(shared) = &self.shared else {
            return;
        };
        shared.codec.borrow_mut().wire.input.extend_from_slice(data);
        loop {
            // The codec is not borrowed while the protocol above runs: it
            // may write (through the same codec) in its callback.
            let next = {
                let mut codec = shared.codec.borrow_mut();
                let next = codec.next();
                codec.send_output(above.lower());
                next
            };
            match next {
                Next::Message(message) => {
                    if !above.deliver(&message) {
                        return;
                    }
                }
                Next::Wait => return,
                Next::Close(why) => {
                    tracing::debug!(%why, "closing a WebSocket");
                    above.lower().lose_connection_because(&why);
                    return;
                }
            }
        }
    }
}

impl WritePath for WebSocketWrites {
    fn write(&self, data: &[u8], lower: &Transport) {
        let message = match std::str::from_utf8(data) {
            Ok(text) => Message::text(text),
            Err(_) => Message::binary(data.to_vec()),
        };
        let mut codec = self.codec.borrow_mut();
        let Codec { context, wire } = &mut *codec;
        // A write after the close handshake began has nowhere to go.
        if context.write(wire, message).is_ok() {
            let _ = context.flush(wire);
        }
        codec.send_output(lower);
    }

    fn write_vectored(&self, parts: &[&[u8]], lower: &Transport) {
        self.write(&parts.concat(), lower);
    }

    /// A close asked for from above says goodbye with a close frame
    /// (1000, normal closure) first, unless it is an abort.
    fn close(&self, kind: CloseKind, lower: &Transport) {
        if let CloseKind::Flush(_) = kind {
            let mut codec = self.codec.borrow_mut();
            let Codec { context, wire } = &mut *codec;
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            };
            let _ = context.close(wire, Some(frame));
            codec.send_output(lower);
        }
        lower.close(kind);
    }
}
