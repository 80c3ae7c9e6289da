//! Layers: protocols that stand between a transport and another protocol
//! and change the bytes on the way (Twisted's `ProtocolWrapper` and
//! `TLSMemoryBIOProtocol`, Netty's pipeline).
//!
//! A layer is a [`Protocol`] that owns the protocol above it and hands it
//! a [`Transport`] of its own, which writes *through* the layer. Telnet,
//! the line and frame receivers of [`protocols`](crate::protocols) (and
//! TLS, the PROXY header or WebSocket when they come) are all built the
//! same way, so they stack in any order that makes sense. Lines over
//! telnet over TLS is
//!
//! ```text
//! Layered<Tls, Layered<TelnetLayer, Layered<LineLayer, Chat>>>
//! //           = TelnetProtocol<LineReceiver<Chat>>
//! ```
//!
//! and each layer sees only the one below and the one above.
//!
//! # Writing a layer
//!
//! [`Layered`] is the one wrapper: it implements [`Protocol`] for every
//! layer, and does everything a layer does not change, once:
//! `connection_made` with the wrapping transport, input handed to the
//! layer, `eof_received`, `connection_lost` exactly once, pause and resume
//! of writing passed up, and [`LayerEvent`]s from further down passed up.
//! Its transport passes every call down to the transport below (closing,
//! pausing and resuming reading, pending bytes, write limits, socket
//! settings, addresses) except those of the layer's [`WritePath`]. A layer
//! implements only what it changes:
//!
//! - [`Layer`]: what it does when the connection is made, with the bytes
//!   that come up (decode, then [`Above::deliver`] data and
//!   [`Above::event`] anything else), and optionally at end of input and
//!   at the end;
//! - [`WritePath`]: what it does with the bytes the protocol above writes
//!   ([`WritePath::write`]), and optionally with a close, a half-close,
//!   the addresses and the pending-byte count. Layers that change nothing on the way
//!   down use [`PassThrough`].
//!
//! The codec inside stays sans-I/O; the layer is the few lines that
//! connect it to a transport. A layer that scrambles every byte with a
//! key, both ways:
//!
//! ```
//! use std::rc::Rc;
//! use weft::layer::{Above, Layer, Layered, WritePath};
//! use weft::testing::StringTransport;
//! use weft::{Protocol, Transport};
//!
//! struct Xor(u8);
//!
//! impl Layer for Xor {
//!     type Shared = XorWrites;
//!
//!     fn connection_made(&mut self, _lower: &Transport) -> Rc<XorWrites> {
//!         Rc::new(XorWrites(self.0))
//!     }
//!
//!     fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
//!         let plain: Vec<u8> = data.iter().map(|b| b ^ self.0).collect();
//!         above.deliver(&plain);
//!     }
//! }
//!
//! struct XorWrites(u8);
//!
//! impl WritePath for XorWrites {
//!     fn write(&self, data: &[u8], lower: &Transport) {
//!         let scrambled: Vec<u8> = data.iter().map(|b| b ^ self.0).collect();
//!         lower.write(&scrambled);
//!     }
//! }
//!
//! /// Answers "no" to anything.
//! struct Obstinate(Option<Transport>);
//!
//! impl Protocol for Obstinate {
//!     fn connection_made(&mut self, transport: Transport) {
//!         self.0 = Some(transport);
//!     }
//!     fn data_received(&mut self, _data: &[u8]) {
//!         self.0.as_ref().unwrap().write(b"no");
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut stack = Layered::wrap(Xor(0x20), Obstinate(None));
//! stack.connection_made(record.transport());
//! stack.data_received(b"?");
//! assert_eq!(record.written(), b"NO");
//! ```
//!
//! # What every layer promises
//!
//! - **Order.** What a layer delivers up comes in stream order, one call
//!   per message or run of data; what the protocol above writes reaches
//!   the transport below in the order written, after whatever the layer
//!   itself wrote before (telnet's negotiation replies to the input that
//!   came first, for example).
//! - **Flushing.** A layer writes to the transport below during the call
//!   that made it write, so the reactor's rule holds through any stack:
//!   what is written during one callback goes out when it returns.
//! - **Close.** A close or half-close asked for at the top goes down
//!   through each layer's [`WritePath`] (which may first write what it
//!   owes, as TLS's `close_notify` would), so pending output is flushed
//!   under the same rules as without layers. Once a close was asked for
//!   ([`Transport::is_disconnecting`]), [`Above::deliver`] and
//!   [`Above::event`] deliver nothing more: the rest of the chunk is
//!   dropped, as the reactor stops reading. A half-close
//!   ([`Transport::shutdown_write`]) does not stop input.
//! - **The end.** `connection_lost` reaches the layer, then the protocol
//!   above, exactly once; nothing is delivered after it.
//! - **Flow control.** The transport below is the one that fills up, so
//!   [`Transport::pending_bytes`], the [write limits](Transport::set_write_limits)
//!   and pausing and resuming reading are the bottom transport's, seen
//!   the same from every level of the stack (a layer that holds bytes
//!   itself adds them in [`WritePath::pending_bytes`]); `pause_writing`
//!   and `resume_writing` from below reach the protocol at the top.
//!   Pausing reading stops the reactor from reading more; what a layer
//!   is delivering from the current chunk is still delivered.
//!
//! # Reaching a layer from above
//!
//! Two directions, two mechanisms:
//!
//! - **What a layer tells** (telnet's negotiation, window size, terminal
//!   type; an over-long line) comes up as a [`LayerEvent`] to
//!   [`Protocol::layer_event`], through every layer in between: an
//!   application under lines over telnet hears the window size without
//!   the line layer knowing of telnet. Events are typed (one enum, matched
//!   like any other) and borrow from the input, so they cost nothing when
//!   nobody listens.
//! - **What the protocol asks of a layer** (telnet requests and option
//!   state, switching the line layer to raw mode) goes through a handle it
//!   finds from its own transport: [`Transport::layer`] looks down the
//!   stack for the state a layer shares with its transport, and each layer
//!   wraps that in a handle
//!   ([`TelnetSession::of`](crate::protocols::telnet::TelnetSession::of),
//!   [`LineControl::of`](crate::protocols::LineControl::of)). A handle can
//!   be kept and used from anywhere on the reactor's thread (a timer,
//!   another connection).
//!
//! Why not a trait per layer for the protocol above (as telnet once had)?
//! Because then every layer in between would have to implement and pass
//! on the trait of every layer below it; with one event type and handles
//! found through the transport, a layer knows only its own.

mod layered;
mod transport;

pub use layered::{Above, Layered};

use std::rc::Rc;

use crate::protocols::lines::LineTooLong;
use crate::protocols::proxy::ProxyHeader;
use crate::protocols::telnet;
use crate::transport::CloseKind;
use crate::{Address, CloseReason, HalfClose, HandOver, HandOverError, Protocol, Transport};

/// What a layer does with the bytes that come up from the transport
/// below, and when the connection starts and ends; see the
/// [module docs](self). [`Layered`] turns a layer and the protocol above
/// it into one [`Protocol`].
pub trait Layer: 'static {
    /// The state this layer shares with the transport it hands to the
    /// protocol above: that transport's [`WritePath`], and what the
    /// layer's handles reach ([`Transport::layer`] finds it).
    type Shared: WritePath;

    /// The connection below is up; `lower` is its transport. Returns the
    /// state to share with the transport handed up, which the protocol
    /// above receives right after. A layer that speaks first (telnet's
    /// opening negotiation) writes it to `lower` here.
    fn connection_made(&mut self, lower: &Transport) -> Rc<Self::Shared>;

    /// Bytes arrived from below: decode them, and hand what they carry to
    /// `above` in stream order ([`Above::deliver`], [`Above::event`]). The
    /// bytes are lent for the call; a layer keeps what it cannot decode
    /// yet.
    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>);

    /// The protocol above has its transport (its `connection_made`
    /// returned). A layer that already holds input for it (the plaintext
    /// a TLS session carried across a hand-over) delivers it here. By
    /// default nothing happens.
    fn connection_started<P: Protocol>(&mut self, above: &mut Above<'_, P>) {
        let _ = above;
    }

    /// The peer half-closed. By default the protocol above decides.
    fn eof_received<P: Protocol>(&mut self, above: &mut Above<'_, P>) -> HalfClose {
        above.protocol().eof_received()
    }

    /// The connection is gone; called once, before the protocol above is
    /// told. By default nothing happens.
    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = reason;
    }
}

/// What the transport a layer hands up does with what the protocol above
/// writes, and with its requests to close: the layer's way down.
///
/// Only [`write`](Self::write) is required; the rest pass the call on to
/// the transport below. Every other transport call (reading, write
/// limits, socket settings) goes to the transport below, whatever the
/// layer.
///
/// Like any [`TransportBackend`](crate::TransportBackend), these methods
/// may be called at any time from any callback, and must not call the
/// protocol above.
pub trait WritePath: 'static {
    /// Sends `data`, written by the protocol above, down to `lower`,
    /// transformed as the layer requires.
    fn write(&self, data: &[u8], lower: &Transport);

    /// Sends several slices written as one. By default, one
    /// [`write`](Self::write) each, in order.
    fn write_vectored(&self, parts: &[&[u8]], lower: &Transport) {
        for part in parts {
            self.write(part, lower);
        }
    }

    /// The protocol above asked to close. By default the request goes to
    /// `lower`; a layer that owes the peer something first writes it here.
    fn close(&self, kind: CloseKind, lower: &Transport) {
        lower.close(kind);
    }

    /// The protocol above asked to half-close. By default the request goes
    /// to `lower`.
    fn shutdown_write(&self, lower: &Transport) {
        lower.shutdown_write();
    }

    /// Bytes written and not yet sent: by default the transport below's
    /// count; a layer that holds bytes itself adds them.
    fn pending_bytes(&self, lower: &Transport) -> usize {
        lower.pending_bytes()
    }

    /// The peer's address as the protocol above sees it: by default the
    /// transport below's; a layer that learns the client's real address
    /// (the PROXY header) tells it here.
    fn peer_address(&self, lower: &Transport) -> Address {
        lower.peer_address()
    }

    /// This side's address as the protocol above sees it: by default the
    /// transport below's.
    fn local_address(&self, lower: &Transport) -> Address {
        lower.local_address()
    }

    /// The protocol above asked to hand the connection over to another
    /// reactor ([`Transport::hand_over`]), with `unused` the bytes it
    /// read and did not use. Refused by default
    /// ([`HandOverError::Unsupported`]): a layer's state (a partial line,
    /// telnet options) does not follow the socket by itself. A layer that
    /// can be rebuilt on the other side from bytes (the PROXY header) puts
    /// them back in front of `unused` and asks `lower`; one whose state
    /// must move (a TLS session) asks `lower` with the bytes it has not
    /// decoded, then pushes its state and `unused` onto the returned
    /// hand-over's [`MovedLayers`](crate::MovedLayers), for the factory
    /// on the other side to build the layer from
    /// ([`Factory::adopt_protocol`](crate::Factory::adopt_protocol)).
    fn hand_over(&self, unused: &[u8], lower: &Transport) -> Result<HandOver, HandOverError> {
        let _ = (unused, lower);
        Err(HandOverError::Unsupported)
    }
}

/// The [`WritePath`] of a layer that changes nothing on the way down (the
/// line and frame receivers): writes go to the transport below as they
/// are.
#[derive(Clone, Copy, Debug, Default)]
pub struct PassThrough;

impl WritePath for PassThrough {
    fn write(&self, data: &[u8], lower: &Transport) {
        lower.write(data);
    }

    fn write_vectored(&self, parts: &[&[u8]], lower: &Transport) {
        lower.write_vectored(parts);
    }
}

/// What a layer tells the protocols above it besides data, through
/// [`Protocol::layer_event`]. Every layer in between passes it up
/// unchanged, so it reaches the top of the stack.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum LayerEvent<'a> {
    /// From a telnet layer: any [`telnet::Event`] but
    /// [`Data`](telnet::Event::Data) (which is delivered as data):
    /// negotiation outcomes, commands, the window size, the terminal type.
    Telnet(&'a telnet::Event<'a>),
    /// From a line layer: the current line is longer than the maximum and
    /// is not delivered. Unless the line receiver was told to discard such
    /// lines, the connection is closed right after, with this error as the
    /// reason; a protocol that wants to say why to the peer writes it
    /// here.
    LineTooLong(&'a LineTooLong),
    /// From a [PROXY layer](crate::protocols::proxy::ProxyHeaderLayer):
    /// the header arrived; the transport now reports the addresses it
    /// gave. Told once, before any data.
    ProxyHeader(&'a ProxyHeader),
    /// From a TLS layer: the handshake is done, or the input ended
    /// without `close_notify`.
    Tls(crate::tls::TlsEvent),
    /// From a bridge (`weft::bridge`) or a layer outside weft: a value
    /// of a type of its own, such as the window size an SSH client
    /// reported; a protocol downcasts it to the types it knows and
    /// ignores the others.
    Message(&'a dyn std::any::Any),
}
