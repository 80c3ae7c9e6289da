//! The Transport part of the triforce: the handle a protocol writes to.

use std::any::Any;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use crate::Address;
use crate::reactor::{HandOver, HandOverError};

/// Carries bytes between a protocol and its peer (Twisted's `ITransport`,
/// asyncio's `Transport`).
///
/// A cheap handle (clone it freely); every method takes `&self` and may be
/// called from any callback on the reactor's thread, for any connection.
///
/// Contract of the reactor's transports:
/// - [`write`](Self::write) never blocks and never fails: bytes are queued
///   and flushed when the current callback returns, so that the writes of
///   one callback cost one system call (a large write made while nothing
///   is queued goes to the socket at once, saving a copy; order is kept
///   either way). After the connection started closing, writes are
///   ignored; a write that fails aborts the connection with the error.
/// - [`lose_connection`](Self::lose_connection) stops reading, flushes every
///   pending byte, then closes; [`abort_connection`](Self::abort_connection)
///   closes at once and drops pending bytes, with a reset (`SO_LINGER` 0)
///   so that the kernel drops what it still holds too. Either way the protocol's
///   `connection_lost` follows, once.
/// - When pending bytes pass the high-water mark of [`WriteLimits`] the
///   protocol's `pause_writing` is called; `resume_writing` when they fall
///   to the low-water mark. Past the optional hard limit the connection is
///   aborted.
#[derive(Clone)]
pub struct Transport {
    backend: Rc<dyn TransportBackend>,
}

impl Transport {
    /// Wraps a backend: the reactor's sockets, a test double, or the
    /// transport a [layer](crate::layer) hands to the protocol above it.
    pub fn new(backend: Rc<dyn TransportBackend>) -> Self {
        Transport { backend }
    }

    /// Queues `data` for the peer.
    pub fn write(&self, data: &[u8]) {
        self.backend.write(data);
    }

    /// Queues several slices, in order, as one write.
    pub fn write_vectored(&self, parts: &[&[u8]]) {
        self.backend.write_vectored(parts);
    }

    /// Flushes pending output, then closes ([`crate::CloseReason::Done`]).
    pub fn lose_connection(&self) {
        self.backend.close(CloseKind::Flush(None));
    }

    /// Flushes pending output, then closes, telling the protocol that it
    /// ended because of `why` ([`crate::CloseReason::Protocol`]).
    pub fn lose_connection_because(&self, why: &str) {
        self.backend.close(CloseKind::Flush(Some(Rc::from(why))));
    }

    /// Closes at once, dropping pending output, with a TCP reset so the
    /// kernel drops its unsent data too ([`crate::CloseReason::Aborted`]).
    pub fn abort_connection(&self) {
        self.backend.close(CloseKind::Abort);
    }

    /// Closes as `kind` says: what [`lose_connection`](Self::lose_connection),
    /// [`lose_connection_because`](Self::lose_connection_because) and
    /// [`abort_connection`](Self::abort_connection) do, for code that
    /// passes a close request on (a layer's
    /// [`WritePath::close`](crate::layer::WritePath::close)).
    pub fn close(&self, kind: CloseKind) {
        self.backend.close(kind);
    }

    /// Half-closes: flushes pending output, then shuts down the sending side
    /// (the peer reads end of input); reading goes on.
    pub fn shutdown_write(&self) {
        self.backend.shutdown_write();
    }

    /// Whether the connection is closing or closed, or its sending side
    /// is shut down: writes are ignored.
    pub fn is_closing(&self) -> bool {
        self.backend.is_closing()
    }

    /// Whether a close was asked for (`lose_connection`,
    /// `abort_connection`, by anyone) or the connection is gone: no more
    /// input will be delivered (Twisted's `transport.disconnecting`).
    ///
    /// Unlike [`is_closing`](Self::is_closing), this stays `false` after
    /// [`shutdown_write`](Self::shutdown_write), since reading goes on
    /// after a half-close. A protocol that delivers the messages of one
    /// chunk one by one stops when this turns `true`.
    pub fn is_disconnecting(&self) -> bool {
        self.backend.is_disconnecting()
    }

    /// The peer's address.
    pub fn peer_address(&self) -> Address {
        self.backend.peer_address()
    }

    /// This side's address.
    pub fn local_address(&self) -> Address {
        self.backend.local_address()
    }

    /// Stops delivering `data_received` until [`resume_reading`](Self::resume_reading);
    /// the peer is slowed down by TCP flow control.
    pub fn pause_reading(&self) {
        self.backend.set_reading(false);
    }

    /// Resumes delivering `data_received` (including data that arrived
    /// while paused).
    pub fn resume_reading(&self) {
        self.backend.set_reading(true);
    }

    /// Bytes written and not yet handed to the kernel.
    pub fn pending_bytes(&self) -> usize {
        self.backend.pending_bytes()
    }

    /// Sets the flow-control marks and hard limit for this connection.
    pub fn set_write_limits(&self, limits: WriteLimits) {
        self.backend.set_write_limits(limits);
    }

    /// The connection's flow-control marks and hard limit.
    pub fn write_limits(&self) -> WriteLimits {
        self.backend.write_limits()
    }

    /// Enables or disables TCP_NODELAY (Nagle's algorithm off when `true`).
    /// An error of kind `Unsupported` for transports that are not TCP.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.backend.set_nodelay(nodelay)
    }

    /// Enables TCP keep-alive probes after `idle` of silence, or disables
    /// them with `None`. An error of kind `Unsupported` for non-TCP
    /// transports.
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        self.backend.set_keepalive(idle)
    }

    /// Bounds the kernel's send buffer for this connection (`SO_SNDBUF`).
    ///
    /// By default the kernel grows a socket's send buffer to megabytes, and
    /// holds that much for a peer that stopped reading before
    /// [`pending_bytes`](Self::pending_bytes) starts to grow; a bound makes
    /// a slow peer show in the transport's flow control (and its limits)
    /// after that many bytes. An error of kind `Unsupported` for transports
    /// without a socket.
    pub fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()> {
        self.backend.set_send_buffer_size(bytes)
    }

    /// Takes the connection off this reactor, to be served by another
    /// ([`Reactor::adopt`](crate::Reactor::adopt), usually on another
    /// thread): the socket moves, with `unused` (bytes this protocol read
    /// and wants the next one to receive first) and the output not sent
    /// yet. This protocol's `connection_lost` follows, with
    /// [`CloseReason::HandedOver`](crate::CloseReason::HandedOver), and
    /// it must not write again. Fails on a connection that is closing, and
    /// on transports with no socket of their own (test doubles, layers).
    pub fn hand_over(&self, unused: &[u8]) -> Result<HandOver, HandOverError> {
        self.backend.hand_over(unused)
    }

    /// The state shared by the nearest [layer](crate::layer) of type `S`
    /// under this transport, looking from this transport down the stack;
    /// `None` when no layer below shares an `S`.
    ///
    /// This is how a protocol reaches the layers under it: a handle such
    /// as [`TelnetSession::of`](crate::protocols::telnet::TelnetSession::of)
    /// or [`LineControl::of`](crate::protocols::LineControl::of) is found
    /// this way, whatever other layers sit in between.
    pub fn layer<S: Any>(&self) -> Option<Rc<S>> {
        let mut transport = self;
        loop {
            if let Some(shared) = transport.backend.layer_state() {
                if let Ok(found) = shared.downcast::<S>() {
                    return Some(found);
                }
            }
            transport = transport.backend.lower()?;
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("peer", &self.peer_address())
            .field("pending", &self.pending_bytes())
            .field("closing", &self.is_closing())
            .finish()
    }
}

/// How a transport is asked to close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseKind {
    /// Flush pending output first; with a reason when the protocol closes
    /// because of a fault.
    Flush(Option<Rc<str>>),
    /// Close at once, dropping pending output.
    Abort,
}

/// Flow-control settings of a connection's write buffer.
///
/// The defaults are asyncio's: pause above 64 KiB pending, resume at
/// 16 KiB, no hard limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteLimits {
    /// Above this many pending bytes, the protocol is told to pause writing.
    pub high: usize,
    /// At or below this many, a paused protocol is told to resume.
    pub low: usize,
    /// Above this many pending bytes the connection is aborted with
    /// [`crate::CloseReason::WriteBufferFull`]; `None` for no limit.
    pub max: Option<usize>,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            high: 64 * 1024,
            low: 16 * 1024,
            max: None,
        }
    }
}

/// What a [`Transport`] does, for those who implement one: the reactor,
/// the test doubles, and the transport of [layers](crate::layer).
///
/// Implementations must accept every call at any time, after closing too,
/// and must not call back into the protocol from inside these methods (the
/// protocol may be the caller).
///
/// Only [`write_vectored`](Self::write_vectored) and the two methods that
/// describe a layer ([`lower`](Self::lower),
/// [`layer_state`](Self::layer_state)) have defaults: a method added here
/// must be written by each backend, so that the one transport that passes
/// calls on to another (a layer's) cannot miss it.
pub trait TransportBackend {
    /// Queues `data`.
    fn write(&self, data: &[u8]);

    /// Queues several slices in order.
    fn write_vectored(&self, parts: &[&[u8]]) {
        for part in parts {
            self.write(part);
        }
    }

    /// Starts closing.
    fn close(&self, kind: CloseKind);

    /// Flushes, then shuts down the sending side.
    fn shutdown_write(&self);

    /// Whether writes are ignored: closing has started, or the sending
    /// side is shut down.
    fn is_closing(&self) -> bool;

    /// Whether a close was asked for or the connection is gone (not after
    /// a half-close alone); see [`Transport::is_disconnecting`].
    fn is_disconnecting(&self) -> bool;

    /// The peer's address.
    fn peer_address(&self) -> Address;

    /// This side's address.
    fn local_address(&self) -> Address;

    /// Pauses (`false`) or resumes (`true`) delivery of incoming data.
    fn set_reading(&self, reading: bool);

    /// Bytes queued and not yet sent.
    fn pending_bytes(&self) -> usize;

    /// Sets the flow-control settings.
    fn set_write_limits(&self, limits: WriteLimits);

    /// The flow-control settings.
    fn write_limits(&self) -> WriteLimits;

    /// TCP_NODELAY; an error of kind `Unsupported` where it means
    /// nothing.
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()>;

    /// TCP keep-alive; an error of kind `Unsupported` where it means
    /// nothing.
    fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()>;

    /// The kernel's send buffer size; an error of kind `Unsupported` where
    /// it means nothing.
    fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()>;

    /// For the transport of a layer: the transport under it. `None` (the
    /// default) at the bottom of a stack: a socket, a test double.
    fn lower(&self) -> Option<&Transport> {
        None
    }

    /// For the transport of a layer: the state the layer shares with it,
    /// which [`Transport::layer`] looks for. `None` by default.
    fn layer_state(&self) -> Option<Rc<dyn Any>> {
        None
    }

    /// Takes the connection off its reactor; [`HandOverError::Unsupported`]
    /// by default.
    fn hand_over(&self, unused: &[u8]) -> Result<HandOver, HandOverError> {
        let _ = unused;
        Err(HandOverError::Unsupported)
    }
}
