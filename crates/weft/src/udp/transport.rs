//! [`DatagramTransport`]: the handle a [`DatagramProtocol`](super::DatagramProtocol)
//! sends through.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

use super::{DatagramBackend, SendLimits, SocketOption};

/// A UDP socket on the reactor, as its protocol and its owner see it: a
/// cheap handle (clone it freely), used from the reactor's thread. In
/// tests, [`FakeDatagramTransport`](crate::testing::FakeDatagramTransport)
/// makes one that records what is sent.
///
/// # Sending and flow control
///
/// [`write_to`](Self::write_to) and [`write`](Self::write) never block:
/// a datagram goes to the kernel at once when nothing is queued before it.
/// A datagram the kernel will not take now (its send buffer is full) is
/// queued, and the queue is sent in order as soon as the socket is
/// writable. When the queued bytes pass the high-water mark of
/// [`SendLimits`], the protocol's `pause_writing` is called (after the
/// current callback), and `resume_writing` once they fall to the low-water
/// mark. A datagram that would take the queue past the hard limit is
/// dropped and counted ([`dropped`](Self::dropped)): UDP may lose
/// datagrams anyway, and memory stays bounded. A datagram the kernel
/// refuses outright (larger than UDP allows, an unreachable network) is
/// dropped and counted too, and logged at debug level.
///
/// Once the socket is closed, sends are ignored, and the socket settings
/// fail with `NotConnected`.
#[derive(Clone)]
pub struct DatagramTransport {
    backend: Rc<dyn DatagramBackend>,
}

impl DatagramTransport {
    /// Wraps a backend: the reactor's socket, or a test double.
    pub fn new(backend: Rc<dyn DatagramBackend>) -> Self {
        DatagramTransport { backend }
    }

    /// Sends `data` as one datagram to `to`.
    pub fn write_to(&self, data: &[u8], to: SocketAddr) {
        self.backend.send(data, Some(to));
    }

    /// Sends `data` as one datagram to the connected peer; fails with
    /// `NotConnected` when [`connect`](Self::connect) was not called.
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        if self.backend.peer().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the datagram socket is not connected: use write_to, or connect first",
            ));
        }
        self.backend.send(data, None);
        Ok(())
    }

    /// Connects the socket to `peer`: from now on it receives only from
    /// `peer`, [`write`](Self::write) sends there, and an ICMP refusal
    /// from it is reported to the protocol's `connection_refused`.
    pub fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.backend.connect(peer)
    }

    /// The connected peer, if any.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.backend.peer()
    }

    /// The address the socket is bound to (with the real port when 0 was
    /// asked).
    pub fn local_address(&self) -> SocketAddr {
        self.backend.local_address()
    }

    /// Stops delivering datagrams until [`resume_reading`](Self::resume_reading);
    /// meanwhile the kernel keeps what fits in its receive buffer and
    /// drops the rest.
    pub fn pause_reading(&self) {
        self.backend.set_reading(false);
    }

    /// Resumes delivering datagrams, those that waited first.
    pub fn resume_reading(&self) {
        self.backend.set_reading(true);
    }

    /// Bytes of datagrams queued and not yet taken by the kernel.
    pub fn pending_bytes(&self) -> usize {
        self.backend.pending_bytes()
    }

    /// Datagrams dropped so far: past the hard limit, or refused by the
    /// kernel.
    pub fn dropped(&self) -> u64 {
        self.backend.dropped()
    }

    /// Sets the send queue's marks and hard limit.
    pub fn set_send_limits(&self, limits: SendLimits) {
        self.backend.set_send_limits(limits);
    }

    /// The send queue's marks and hard limit.
    pub fn send_limits(&self) -> SendLimits {
        self.backend.send_limits()
    }

    /// Joins the IPv4 multicast group `group` on the interface with
    /// address `interface` (`0.0.0.0`: the one the kernel picks).
    pub fn join_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::JoinV4 { group, interface })
    }

    /// Leaves an IPv4 multicast group joined with [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::LeaveV4 { group, interface })
    }

    /// Whether multicast datagrams this socket sends to a group it joined
    /// come back to it (IPv4; on by default).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.backend.set_option(SocketOption::MulticastLoopV4(on))
    }

    /// How many routers IPv4 multicast datagrams may cross (1 by default:
    /// the local network only).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.backend.set_option(SocketOption::MulticastTtlV4(ttl))
    }

    /// The interface, by its address, that IPv4 multicast datagrams leave
    /// from (by default the one the routing table picks; `127.0.0.1`
    /// keeps them on this machine).
    pub fn set_multicast_interface_v4(&self, interface: Ipv4Addr) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::MulticastInterfaceV4(interface))
    }

    /// Joins the IPv6 multicast group `group` on the interface numbered
    /// `interface` (0: the one the kernel picks).
    pub fn join_multicast_v6(&self, group: Ipv6Addr, interface: u32) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::JoinV6 { group, interface })
    }

    /// Leaves an IPv6 multicast group.
    pub fn leave_multicast_v6(&self, group: Ipv6Addr, interface: u32) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::LeaveV6 { group, interface })
    }

    /// The interface, by its number, that IPv6 multicast datagrams leave
    /// from (0: the one the routing table picks).
    pub fn set_multicast_interface_v6(&self, interface: u32) -> io::Result<()> {
        self.backend
            .set_option(SocketOption::MulticastInterfaceV6(interface))
    }

    /// Whether multicast datagrams this socket sends come back to it
    /// (IPv6).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.backend.set_option(SocketOption::MulticastLoopV6(on))
    }

    /// Closes the socket: the protocol's `stopped` follows (after the
    /// current callback). Returns `false` if it was already closed.
    pub fn stop_listening(&self) -> bool {
        self.backend.close()
    }

    /// Whether the socket is still open.
    pub fn is_open(&self) -> bool {
        !self.backend.is_closed()
    }
}

impl fmt::Debug for DatagramTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramTransport")
            .field("local", &self.local_address())
            .field("peer", &self.peer())
            .field("pending", &self.pending_bytes())
            .finish()
    }
}
