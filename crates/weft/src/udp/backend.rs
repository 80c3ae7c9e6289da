//! [`DatagramBackend`]: what a [`DatagramTransport`](super::DatagramTransport)
//! does, for those who implement one (the reactor, the test double).

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::SendLimits;

/// A socket setting asked for through a
/// [`DatagramTransport`](super::DatagramTransport): multicast membership
/// and options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketOption {
    /// Join an IPv4 group on the interface with this address.
    JoinV4 {
        /// The group.
        group: Ipv4Addr,
        /// The interface's address (`0.0.0.0`: the kernel's choice).
        interface: Ipv4Addr,
    },
    /// Leave an IPv4 group.
    LeaveV4 {
        /// The group.
        group: Ipv4Addr,
        /// The interface's address.
        interface: Ipv4Addr,
    },
    /// Whether IPv4 multicast sent comes back to this host's members.
    MulticastLoopV4(bool),
    /// How many routers IPv4 multicast may cross.
    MulticastTtlV4(u32),
    /// The interface, by address, IPv4 multicast leaves from.
    MulticastInterfaceV4(Ipv4Addr),
    /// Join an IPv6 group on the interface with this number.
    JoinV6 {
        /// The group.
        group: Ipv6Addr,
        /// The interface's number (0: the kernel's choice).
        interface: u32,
    },
    /// Leave an IPv6 group.
    LeaveV6 {
        /// The group.
        group: Ipv6Addr,
        /// The interface's number.
        interface: u32,
    },
    /// Whether IPv6 multicast sent comes back to this host's members.
    MulticastLoopV6(bool),
    /// The interface, by number, IPv6 multicast leaves from.
    MulticastInterfaceV6(u32),
}

/// What a [`DatagramTransport`](super::DatagramTransport) does: the
/// reactor's UDP sockets, and [`FakeDatagramTransport`](crate::testing::FakeDatagramTransport).
///
/// Implementations accept every call at any time, after closing too, and
/// never call back into the protocol from inside these methods (the
/// protocol may be the caller).
pub trait DatagramBackend {
    /// Sends `data` as one datagram to `to`, or to the connected peer
    /// when `None` (the caller checked there is one).
    fn send(&self, data: &[u8], to: Option<SocketAddr>);

    /// Connects to `peer`.
    fn connect(&self, peer: SocketAddr) -> io::Result<()>;

    /// The connected peer.
    fn peer(&self) -> Option<SocketAddr>;

    /// The bound address.
    fn local_address(&self) -> SocketAddr;

    /// Pauses (`false`) or resumes (`true`) delivery of datagrams.
    fn set_reading(&self, reading: bool);

    /// Bytes queued and not yet sent.
    fn pending_bytes(&self) -> usize;

    /// Datagrams dropped so far.
    fn dropped(&self) -> u64;

    /// Sets the send queue's limits.
    fn set_send_limits(&self, limits: SendLimits);

    /// The send queue's limits.
    fn send_limits(&self) -> SendLimits;

    /// Applies a socket setting.
    fn set_option(&self, option: SocketOption) -> io::Result<()>;

    /// Closes; `false` if already closed.
    fn close(&self) -> bool;

    /// Whether it is closed.
    fn is_closed(&self) -> bool;
}
