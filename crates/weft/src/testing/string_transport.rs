//! [`StringTransport`]: a transport that records what is written.

use std::cell::{Cell, RefCell};
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;

use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, Transport, WriteLimits};

/// A [`Transport`] for unit tests that records everything written and
/// every close request (Twisted's `StringTransport`).
///
/// Hand [`transport`](Self::transport) to a protocol's `connection_made`,
/// call its `data_received` directly, then inspect
/// [`written`](Self::written). Writes are "sent" at once (nothing is ever
/// pending), and ignored once a close was requested, as with the reactor.
/// Clones share one record.
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
    limits: Cell<WriteLimits>,
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
                limits: Cell::new(WriteLimits::default()),
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
        self.gone.get() || self.close.borrow().is_some() || self.write_shut.get()
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
        0
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
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
}
