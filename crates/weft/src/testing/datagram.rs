//! [`FakeDatagramTransport`]: a datagram transport that records what is
//! sent.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::udp::{DatagramBackend, DatagramTransport, SendLimits, SocketOption};

/// A [`DatagramTransport`] for unit tests of a
/// [`DatagramProtocol`](crate::udp::DatagramProtocol) (Twisted's
/// `FakeDatagramTransport`): it records every datagram sent, with its
/// destination, and every socket setting asked for, and sends nothing.
///
/// Hand [`transport`](Self::transport) to the protocol's `started`, call
/// its `datagram_received` directly, then inspect [`sent`](Self::sent).
/// Flow control is played by the test, as with
/// [`StringTransport`](super::StringTransport):
/// [`set_pending_bytes`](Self::set_pending_bytes) sets what the transport
/// reports, and calling `pause_writing` / `resume_writing` is the
/// reactor's part. Clones share one record.
#[derive(Clone)]
pub struct FakeDatagramTransport {
    state: Rc<State>,
}

struct State {
    local: SocketAddr,
    peer: Cell<Option<SocketAddr>>,
    sent: RefCell<Vec<(Vec<u8>, SocketAddr)>>,
    options: RefCell<Vec<SocketOption>>,
    reading: Cell<bool>,
    pending: Cell<usize>,
    limits: Cell<SendLimits>,
    closed: Cell<bool>,
}

impl FakeDatagramTransport {
    /// A transport bound to `local`.
    pub fn new(local: SocketAddr) -> Self {
        FakeDatagramTransport {
            state: Rc::new(State {
                local,
                peer: Cell::new(None),
                sent: RefCell::new(Vec::new()),
                options: RefCell::new(Vec::new()),
                reading: Cell::new(true),
                pending: Cell::new(0),
                limits: Cell::new(SendLimits::default()),
                closed: Cell::new(false),
            }),
        }
    }

    /// The transport to hand to the protocol.
    pub fn transport(&self) -> DatagramTransport {
        DatagramTransport::new(Rc::new(self.clone()))
    }

    /// Every datagram sent so far, with where it went (the connected peer
    /// for `write`).
    pub fn sent(&self) -> Vec<(Vec<u8>, SocketAddr)> {
        self.state.sent.borrow().clone()
    }

    /// Takes the datagrams sent so far.
    pub fn take_sent(&self) -> Vec<(Vec<u8>, SocketAddr)> {
        std::mem::take(&mut self.state.sent.borrow_mut())
    }

    /// Every socket setting asked for, in order.
    pub fn options(&self) -> Vec<SocketOption> {
        self.state.options.borrow().clone()
    }

    /// Whether datagrams are delivered (not paused).
    pub fn is_reading(&self) -> bool {
        self.state.reading.get()
    }

    /// Sets what [`DatagramTransport::pending_bytes`] reports.
    pub fn set_pending_bytes(&self, bytes: usize) {
        self.state.pending.set(bytes);
    }

    /// Whether the protocol closed the socket.
    pub fn is_closed(&self) -> bool {
        self.state.closed.get()
    }
}

impl DatagramBackend for FakeDatagramTransport {
    fn send(&self, data: &[u8], to: Option<SocketAddr>) {
        let Some(to) = to.or(self.state.peer.get()) else {
            return;
        };
        if !self.state.closed.get() {
            self.state.sent.borrow_mut().push((data.to_vec(), to));
        }
    }

    fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.state.peer.set(Some(peer));
        Ok(())
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.state.peer.get()
    }

    fn local_address(&self) -> SocketAddr {
        self.state.local
    }

    fn set_reading(&self, reading: bool) {
        self.state.reading.set(reading);
    }

    fn pending_bytes(&self) -> usize {
        self.state.pending.get()
    }

    fn dropped(&self) -> u64 {
        0
    }

    fn set_send_limits(&self, limits: SendLimits) {
        self.state.limits.set(limits);
    }

    fn send_limits(&self) -> SendLimits {
        self.state.limits.get()
    }

    fn set_option(&self, option: SocketOption) -> io::Result<()> {
        self.state.options.borrow_mut().push(option);
        Ok(())
    }

    fn close(&self) -> bool {
        !self.state.closed.replace(true)
    }

    fn is_closed(&self) -> bool {
        self.state.closed.get()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::udp::DatagramProtocol;

    /// Answers each datagram with its length, joins a group when told.
    #[derive(Default)]
    struct Lengths(Option<DatagramTransport>);

    impl DatagramProtocol for Lengths {
        fn started(&mut self, transport: DatagramTransport) {
            transport
                .join_multicast_v4(Ipv4Addr::new(239, 1, 2, 3), Ipv4Addr::UNSPECIFIED)
                .unwrap();
            self.0 = Some(transport);
        }

        fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
            let transport = self.0.as_ref().unwrap();
            transport.write_to(data.len().to_string().as_bytes(), from);
            if data == b"bye" {
                transport.stop_listening();
            }
        }
    }

    #[test]
    fn a_datagram_protocol_runs_on_the_fake_without_sockets() {
        let fake = FakeDatagramTransport::new("192.0.2.2:9000".parse().unwrap());
        let mut protocol = Lengths::default();
        protocol.started(fake.transport());
        let peer: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        protocol.datagram_received(b"hello", peer);
        protocol.datagram_received(b"bye", peer);
        protocol.datagram_received(b"late", peer);
        assert_eq!(fake.sent(), [(b"5".to_vec(), peer), (b"3".to_vec(), peer)]);
        assert_eq!(
            fake.options(),
            [SocketOption::JoinV4 {
                group: Ipv4Addr::new(239, 1, 2, 3),
                interface: Ipv4Addr::UNSPECIFIED,
            }]
        );
        assert!(fake.is_closed());
    }

    #[test]
    fn write_goes_to_the_connected_peer_and_needs_one() {
        let fake = FakeDatagramTransport::new("192.0.2.2:9000".parse().unwrap());
        let transport = fake.transport();
        assert!(transport.write(b"x").is_err());
        let peer: SocketAddr = "192.0.2.1:53".parse().unwrap();
        transport.connect(peer).unwrap();
        transport.write(b"query").unwrap();
        assert_eq!(fake.take_sent(), [(b"query".to_vec(), peer)]);
        assert!(fake.sent().is_empty());
    }
}
