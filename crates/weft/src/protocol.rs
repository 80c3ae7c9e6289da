//! The Protocol and Factory parts of the triforce, and why a connection ends.

use std::fmt;
use std::io;
use std::rc::Rc;

use crate::layer::LayerEvent;
use crate::{Address, ConnectError, MovedLayers, Transport};

/// Decides the fate of the bytes of one connection (Twisted's `IProtocol`,
/// asyncio's `Protocol`, Netty's `ChannelInboundHandler`).
///
/// The reactor calls these methods on its own thread, one at a time, in this
/// order: [`connection_made`](Self::connection_made) once; then any number of
/// [`data_received`](Self::data_received) (or
/// [`receive_in_place`](Self::receive_in_place)), [`layer_event`](Self::layer_event),
/// [`pause_writing`](Self::pause_writing) / [`resume_writing`](Self::resume_writing),
/// at most one [`eof_received`](Self::eof_received); then
/// [`connection_lost`](Self::connection_lost) exactly once. Nothing is
/// called after `connection_lost`.
///
/// The same trait serves above a [layer](crate::layer) (telnet, lines,
/// frames): there `data_received` gets what the layer delivers, and
/// `layer_event` what the layers below have to say.
///
/// Inside any method a protocol may use any transport (its own or
/// another's), schedule or cancel timers and stop the reactor. Writes are
/// buffered and flushed when the method returns, so many small writes in one
/// call cost one system call.
///
/// A panic inside a method ends this connection only: the reactor aborts
/// it, logs the panic and calls `connection_lost` with
/// [`CloseReason::Panicked`].
pub trait Protocol: 'static {
    /// The connection is up; `transport` is this connection's handle (keep a
    /// clone to write later).
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// Bytes arrived. `data` is only lent for the call (the reactor reuses
    /// its read buffer); how the peer's writes are split into calls is
    /// arbitrary, so a protocol must buffer partial messages itself (or run
    /// over a framing layer from [`crate::protocols`], which delivers one
    /// whole line or frame per call).
    fn data_received(&mut self, data: &[u8]);

    /// Takes the connection's next bytes straight from the socket into the
    /// protocol's own vector, sparing a protocol that keeps what it
    /// receives (a [stream](crate::streams)'s buffer) the copy out of the
    /// slice [`data_received`](Self::data_received) lends: asyncio's
    /// `BufferedProtocol`, its `get_buffer` and `buffer_updated` in one
    /// call.
    ///
    /// When the socket is readable the reactor calls this first. A
    /// protocol that wants the bytes in place calls `read` with its
    /// vector: the bytes the socket has are appended to it, at most its
    /// spare capacity (reserve first), and `read` gives how many came;
    /// the protocol then deals with them as `data_received` would. Only
    /// the first call reads; later ones give 0. A protocol that does not
    /// call `read` (the default does not), or calls it with no spare
    /// capacity, gets the bytes through `data_received` instead. When
    /// `read` gives 0 the end of input or the error is reported as usual
    /// (`eof_received`, `connection_lost`) once this call returned.
    ///
    /// Called only on a protocol that runs right on a socket, never above
    /// a [layer](crate::layer).
    fn receive_in_place(&mut self, read: &mut dyn FnMut(&mut Vec<u8>) -> usize) {
        let _ = read;
    }

    /// A layer below said something besides data: a telnet negotiation,
    /// the window size, an over-long line (see [`LayerEvent`]). Passed up
    /// through every layer in between. Ignored by default; never called on
    /// a protocol that runs right on a socket.
    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        let _ = event;
    }

    /// The peer closed its sending side (TCP half-close). By default the
    /// connection then closes after pending output is flushed
    /// ([`CloseReason::PeerClosed`]); return [`HalfClose::KeepOpen`] to keep
    /// writing, and call [`Transport::lose_connection`] when done.
    fn eof_received(&mut self) -> HalfClose {
        HalfClose::Close
    }

    /// The connection is gone, for `reason`. Called exactly once.
    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = reason;
    }

    /// Output pending in the transport passed its high-water mark: stop
    /// producing until [`resume_writing`](Self::resume_writing). Calls
    /// alternate, starting with `pause_writing`.
    fn pause_writing(&mut self) {}

    /// Pending output fell to the low-water mark after a
    /// [`pause_writing`](Self::pause_writing).
    fn resume_writing(&mut self) {}
}

/// What to do when the peer half-closes (see [`Protocol::eof_received`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HalfClose {
    /// Flush pending output, then close.
    Close,
    /// Keep the connection open for writing.
    KeepOpen,
}

/// Why a connection ended, as told to [`Protocol::connection_lost`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// [`Transport::lose_connection`] completed: every pending byte was
    /// written, then the connection closed.
    Done,
    /// The peer closed the connection (end of input) and this side closed
    /// in turn, after flushing pending output.
    PeerClosed,
    /// The protocol closed the connection because of a fault it names
    /// ([`Transport::lose_connection_because`]); pending output was flushed.
    Protocol(Rc<str>),
    /// [`Transport::abort_connection`]: closed at once, pending output
    /// dropped.
    Aborted,
    /// The peer did not read and pending output passed the transport's hard
    /// limit ([`crate::WriteLimits::max`]); the connection was aborted.
    WriteBufferFull {
        /// Bytes that were pending.
        pending: usize,
        /// The limit they passed.
        limit: usize,
    },
    /// The reactor stopped; pending output was flushed within its grace
    /// period.
    Shutdown,
    /// The connection failed: reset by the peer, broken pipe, or another
    /// I/O error.
    Io(Rc<io::Error>),
    /// One of the protocol's methods panicked, with this message.
    Panicked(Rc<str>),
    /// The connection was handed over to another reactor
    /// ([`Transport::hand_over`]); it goes on there with a new protocol.
    HandedOver,
}

impl CloseReason {
    /// Whether the connection ended in an orderly way (every byte written
    /// was delivered to the peer's kernel, or carried to the reactor it was
    /// handed over to): `Done`, `PeerClosed`, `Protocol`, `Shutdown` and
    /// `HandedOver`.
    pub fn is_clean(&self) -> bool {
        matches!(
            self,
            CloseReason::Done
                | CloseReason::PeerClosed
                | CloseReason::Protocol(_)
                | CloseReason::Shutdown
                | CloseReason::HandedOver
        )
    }

    /// The kind of the I/O error, for `Io` reasons.
    pub fn io_error_kind(&self) -> Option<io::ErrorKind> {
        match self {
            CloseReason::Io(error) => Some(error.kind()),
            _ => None,
        }
    }
}

impl From<io::Error> for CloseReason {
    fn from(error: io::Error) -> Self {
        CloseReason::Io(Rc::new(error))
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Done => f.write_str("connection closed cleanly"),
            CloseReason::PeerClosed => f.write_str("the peer closed the connection"),
            CloseReason::Protocol(why) => write!(f, "closed by the protocol: {why}"),
            CloseReason::Aborted => f.write_str("connection aborted"),
            CloseReason::WriteBufferFull { pending, limit } => write!(
                f,
                "the peer stopped reading: {pending} bytes pending passed the limit of {limit}"
            ),
            CloseReason::Shutdown => f.write_str("the reactor shut down"),
            CloseReason::Io(error) => write!(f, "connection lost: {error}"),
            CloseReason::Panicked(message) => write!(f, "the protocol panicked: {message}"),
            CloseReason::HandedOver => f.write_str("handed over to another reactor"),
        }
    }
}

/// Makes a [`Protocol`] for each accepted connection (Twisted's `Factory`).
///
/// Any `FnMut(&Address) -> Option<P>` closure is a factory. Returning `None`
/// refuses the connection: it is closed at once and no protocol sees it.
pub trait Factory: 'static {
    /// The protocol this factory makes.
    type Protocol: Protocol;

    /// Makes the protocol for a connection from `peer`, or refuses it.
    fn build_protocol(&mut self, peer: &Address) -> Option<Self::Protocol>;

    /// Makes the protocol for a connection from `peer` handed over by
    /// another reactor ([`Reactor::adopt`](crate::Reactor::adopt)), or
    /// refuses it. `moved` holds the state of the layers that came with
    /// it; a factory that puts a layer under its protocols takes that
    /// layer's state from there (see [`MovedLayers`]), and passes the
    /// rest on to the factory it wraps. By default,
    /// [`build_protocol`](Self::build_protocol).
    fn adopt_protocol(
        &mut self,
        peer: &Address,
        moved: &mut MovedLayers,
    ) -> Option<Self::Protocol> {
        let _ = moved;
        self.build_protocol(peer)
    }
}

impl<F, P> Factory for F
where
    F: FnMut(&Address) -> Option<P> + 'static,
    P: Protocol,
{
    type Protocol = P;

    fn build_protocol(&mut self, peer: &Address) -> Option<P> {
        self(peer)
    }
}

/// Makes the protocol of an outgoing connection and hears how it went
/// (Twisted's `ClientFactory`).
///
/// Any `FnMut(&Address) -> Option<P>` closure is a client factory; its
/// failures are reported by the default
/// [`connection_failed`](Self::connection_failed). (Such a closure needs
/// its argument annotated, `|_peer: &weft::Address|`: without it Rust
/// cannot tell that the closure takes a reference for any lifetime.) To
/// await the outcome instead, use
/// [`Reactor::connect_protocol`](crate::Reactor::connect_protocol).
pub trait ClientFactory: 'static {
    /// The protocol this factory makes.
    type Protocol: Protocol;

    /// The connection to `peer` is established: make its protocol, or
    /// return `None` to close it at once.
    fn build_protocol(&mut self, peer: &Address) -> Option<Self::Protocol>;

    /// The connection could not be made. Called at most once, and never
    /// after `build_protocol`.
    ///
    /// By default the failure is logged as a warning, and written to
    /// standard error when no `tracing` subscriber is installed, so that
    /// it is never silent.
    fn connection_failed(&mut self, error: ConnectError) {
        crate::client::report_failure(&error);
    }

    /// The connection made by this factory ended, after its protocol's
    /// `connection_lost`.
    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = reason;
    }
}

impl<F, P> ClientFactory for F
where
    F: FnMut(&Address) -> Option<P> + 'static,
    P: Protocol,
{
    type Protocol = P;

    fn build_protocol(&mut self, peer: &Address) -> Option<P> {
        self(peer)
    }
}
