//! [`DatagramProtocol`]: what a UDP socket's datagrams are handed to.

use std::net::SocketAddr;

use super::DatagramTransport;

/// Decides the fate of the datagrams of one UDP socket (Twisted's
/// `DatagramProtocol`, asyncio's `DatagramProtocol`).
///
/// The reactor calls these methods on its own thread, one at a time:
/// [`started`](Self::started) once; then any number of
/// [`datagram_received`](Self::datagram_received),
/// [`connection_refused`](Self::connection_refused),
/// [`pause_writing`](Self::pause_writing) / [`resume_writing`](Self::resume_writing);
/// then [`stopped`](Self::stopped) once, when the socket is closed
/// ([`DatagramTransport::stop_listening`] or the reactor's stop). Inside
/// any of them a protocol may use any transport, schedule timers and stop
/// the reactor. A panic inside one closes this socket only (logged).
pub trait DatagramProtocol: 'static {
    /// The socket is bound; `transport` sends from it (keep a clone).
    fn started(&mut self, transport: DatagramTransport) {
        let _ = transport;
    }

    /// A datagram arrived from `from`. `data` is lent for the call (the
    /// reactor reuses its read buffer); it is the whole datagram.
    fn datagram_received(&mut self, data: &[u8], from: SocketAddr);

    /// On a connected socket ([`DatagramTransport::connect`]): the peer
    /// answered a datagram with an ICMP "port unreachable" (nothing
    /// listens there, or not any more). The socket stays open. Ignored by
    /// default.
    fn connection_refused(&mut self) {}

    /// The send queue passed its high-water mark (see
    /// [`DatagramTransport`]'s flow control): stop producing until
    /// [`resume_writing`](Self::resume_writing). Calls alternate, starting
    /// with `pause_writing`.
    fn pause_writing(&mut self) {}

    /// The send queue fell to its low-water mark after a
    /// [`pause_writing`](Self::pause_writing).
    fn resume_writing(&mut self) {}

    /// The socket is closed; called once, last.
    fn stopped(&mut self) {}
}
