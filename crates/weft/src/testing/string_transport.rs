//! [`StringTransport`]: a transport that records what is written.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, Transport, WriteLimits};

/// A [`Transport`] for unit tests that records everything written and
/// every close request (Twisted's `StringTransport`).
///
/// Hand [`transport`](Self::transport) to a protocol's `connection_made`,
/// call its `data_received` directly, then inspect
/// [`written`](Self::written). Writes are recorded at once, and ignored once
/// a close was requested, as with the reactor. Clones share one record.
///
/// Flow control without sockets: the test plays the part of the peer and
/// of the reactor. [`set_pending_bytes`](Self::set_pending_bytes) sets what
/// [`Transport::pending_bytes`] reports (a peer that stopped reading);
/// calling the protocol's `pause_writing` / `resume_writing` is the
/// reactor's part; [`is_reading`](Self::is_reading) shows whether the
/// protocol paused reading in turn. The write limits and socket settings a
/// protocol makes are recorded ([`write_limits`](Self::write_limits),
/// [`nodelay`](Self::nodelay), [`keepalive`](Self::keepalive),
/// [`send_buffer_size`](Self::send_buffer_size)), so that a test can check
/// they reach the bottom of a stack of layers.
#[derive(Clone)]
pub struct StringTransport {
    state: Rc<State>,
}

struct State {
    written: RefCell<Vec<u8>>,
    close: RefCell<Option<CloseKind>>,
    write_shut: Cell<bool>,
    reading: Cell<bool>,
    /// The connection is gone (set by [`super::loopback`]): writes are
    /// ignored.
    gone: Cell<bool>,
    pending: Cell<usize>,
    limits: Cell<WriteLimits>,
    nodelay: Cell<Option<bool>>,
    keepalive: Cell<Option<Option<Duration>>>,
    send_buffer: Cell<Option<usize>>,
    peer: Address,
    local: Address,
}

impl Default for StringTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl StringTransport {
    /// A transport with fake addresses: peer `192.0.2.1:12345`, local
    /// `192.0.2.2:8900` (documentation addresses, RFC 5737).
    pub fn new() -> Self {
        Self::with_addresses(
            Address::Tcp(SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 12345))),
            Address::Tcp(SocketAddr::from((Ipv4Addr::new(192, 0, 2, 2), 8900))),
        )
    }

    /// A transport with the given fake addresses.
    pub fn with_addresses(peer: Address, local: Address) -> Self {
        StringTransport {
            state: Rc::new(State {
                written: RefCell::new(Vec::new()),
                close: RefCell::new(None),
                write_shut: Cell::new(false),
                reading: Cell::new(true),
                gone: Cell::new(false),
                pending: Cell::new(0),
                limits: Cell::new(WriteLimits::default()),
                nodelay: Cell::new(None),
                keepalive: Cell::new(None),
                send_buffer: Cell::new(None),
                peer,
                local,
            }),
        }
    }

    /// A [`Transport`] handle writing into this record.
    pub fn transport(&self) -> Transport {
        Transport::new(self.state.clone())
    }

    /// Everything written so far.
    pub fn written(&self) -> Vec<u8> {
        self.state.written.borrow().clone()
    }

    /// Everything written so far, forgetting it (for step-by-step tests).
    pub fn take_written(&self) -> Vec<u8> {
        std::mem::take(&mut *self.state.written.borrow_mut())
    }

    /// The first close requested, if any.
    pub fn close_requested(&self) -> Option<CloseKind> {
        self.state.close.borrow().clone()
    }

    /// Whether `lose_connection` (or `lose_connection_because`) was called.
    pub fn lose_connection_called(&self) -> bool {
        matches!(*self.state.close.borrow(), Some(CloseKind::Flush(_)))
    }

    /// Whether `abort_connection` was called.
    pub fn aborted(&self) -> bool {
        matches!(*self.state.close.borrow(), Some(CloseKind::Abort))
    }

    /// Whether `shutdown_write` was called.
    pub fn write_shut(&self) -> bool {
        self.state.write_shut.get()
    }

    /// Whether the protocol lets data be delivered (not paused).
    pub fn is_reading(&self) -> bool {
        self.state.reading.get()
    }

    /// Sets what [`Transport::pending_bytes`] reports: bytes written that
    /// the peer has not taken yet (0 at first).
    pub fn set_pending_bytes(&self, bytes: usize) {
        self.state.pending.set(bytes);
    }

    /// The write limits last set ([`WriteLimits::default`] at first).
    pub fn write_limits(&self) -> WriteLimits {
        self.state.limits.get()
    }

    /// The last `set_nodelay`, if any.
    pub fn nodelay(&self) -> Option<bool> {
        self.state.nodelay.get()
    }

    /// The last `set_keepalive`, if any.
    pub fn keepalive(&self) -> Option<Option<Duration>> {
        self.state.keepalive.get()
    }

    /// The last `set_send_buffer_size`, if any.
    pub fn send_buffer_size(&self) -> Option<usize> {
        self.state.send_buffer.get()
    }

    /// Marks the connection gone: later writes are ignored.
    pub(crate) fn mark_gone(&self) {
        self.state.gone.set(true);
        self.state.written.borrow_mut().clear();
    }
}

impl TransportBackend for State {
    fn write(&self, data: &[u8]) {
        if !self.is_closing() {
            self.written.borrow_mut().extend_from_slice(data);
        }
    }

    fn close(&self, kind: CloseKind) {
        let mut close = self.close.borrow_mut();
        if close.is_none() || kind == CloseKind::Abort {
            *close = Some(kind);
        }
    }

    fn shutdown_write(&self) {
        self.write_shut.set(true);
    }

    fn is_closing(&self) -> bool {
        self.is_disconnecting() || self.write_shut.get()
    }

    fn is_disconnecting(&self) -> bool {
        self.gone.get() || self.close.borrow().is_some()
    }

    fn peer_address(&self) -> Address {
        self.peer.clone()
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }

    fn set_reading(&self, reading: bool) {
        self.reading.set(reading);
    }

    fn pending_bytes(&self) -> usize {
        self.pending.get()
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.nodelay.set(Some(nodelay));
        Ok(())
    }

    fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        self.keepalive.set(Some(idle));
        Ok(())
    }

    fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()> {
        self.send_buffer.set(Some(bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_writes_until_closed() {
        let record = StringTransport::new();
        let transport = record.transport();
        transport.write(b"hello ");
        transport.write_vectored(&[b"wor", b"ld"]);
        assert_eq!(record.written(), b"hello world");
        transport.lose_connection();
        transport.write(b"ignored");
        assert_eq!(record.take_written(), b"hello world");
        assert!(record.lose_connection_called());
        assert!(!record.aborted());
        transport.abort_connection();
        assert!(record.aborted());
    }

    #[test]
    fn a_half_close_ignores_writes_but_not_input() {
        let record = StringTransport::new();
        let transport = record.transport();
        transport.shutdown_write();
        transport.write(b"ignored");
        assert!(record.written().is_empty());
        assert!(transport.is_closing());
        assert!(!transport.is_disconnecting());
        transport.lose_connection();
        assert!(transport.is_disconnecting());
    }

    #[test]
    fn reports_the_pending_bytes_and_settings_a_test_gives() {
        let record = StringTransport::new();
        let transport = record.transport();
        assert_eq!(transport.pending_bytes(), 0);
        record.set_pending_bytes(70_000);
        assert_eq!(transport.pending_bytes(), 70_000);
        transport.set_nodelay(true).unwrap();
        transport.set_send_buffer_size(4096).unwrap();
        assert_eq!(record.nodelay(), Some(true));
        assert_eq!(record.keepalive(), None);
        assert_eq!(record.send_buffer_size(), Some(4096));
    }
}
