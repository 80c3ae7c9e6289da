//! [`LimitPerAddress`]: a cap on the connections one address may hold at
//! once (Twisted's `LimitConnectionsByPeer`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::layer::LayerEvent;
use crate::{Address, CloseReason, Factory, HalfClose, Protocol, Transport};

/// Open connections per IP address, shared by every [`LimitPerAddress`]
/// made with it (clones share one table), on any thread: the reactors of
/// a pool can cap an address across all of them.
#[derive(Clone, Debug, Default)]
pub struct AddressCounts(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl AddressCounts {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections open now from `address`.
    pub fn open_from(&self, address: IpAddr) -> usize {
        self.table().get(&address).copied().unwrap_or(0)
    }

    fn table(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more connection from `address` if fewer than `max` are
    /// open; whether it did. For front ends that accept connections
    /// themselves (a bridged server); give it back with
    /// [`release`](Self::release).
    pub fn admit(&self, address: IpAddr, max: usize) -> bool {
        let mut table = self.table();
        let open = table.entry(address).or_insert(0);
        if *open >= max {
            if *open == 0 {
                table.remove(&address);
            }
            return false;
        }
        *open += 1;
        true
    }

    /// A connection [admitted](Self::admit) from `address` ended.
    pub fn release(&self, address: IpAddr) {
        let mut table = self.table();
        if let Some(open) = table.get_mut(&address) {
            *open -= 1;
            if *open == 0 {
                table.remove(&address);
            }
        }
    }
}

/// A [`Factory`] that admits at most `max` connections at a time from one
/// IP address (whatever the port), and hands the rest to no protocol.
///
/// A refused connection is told why when a refusal message is set
/// ([`with_refusal`](Self::with_refusal)): the message is written and the
/// connection closed; without one it is closed at once. Connections not
/// over TCP (Unix sockets, in-memory) are never limited. A connection
/// stops counting when its protocol is dropped, after `connection_lost`.
///
/// The address is the one the factory is given: behind a proxy that is
/// the proxy's, unless the connections come through
/// [`BehindProxy`](crate::protocols::proxy::BehindProxy) (a `haproxy:`
/// endpoint), which asks this factory with the client's address once the
/// PROXY header told it.
///
/// Clones share one count: hand clones to several listeners to cap an
/// address across all of them.
#[derive(Clone)]
pub struct LimitPerAddress<F> {
    factory: F,
    max: usize,
    counts: AddressCounts,
    refusal: Option<Rc<[u8]>>,
}

impl<F: Factory> LimitPerAddress<F> {
    /// Wraps `factory`, admitting at most `max` connections per address.
    pub fn new(factory: F, max: usize) -> Self {
        Self::counting_in(factory, max, AddressCounts::new())
    }

    /// [`new`](Self::new), counting in `counts`, which other factories
    /// (on other reactors too) may share.
    pub fn counting_in(factory: F, max: usize, counts: AddressCounts) -> Self {
        LimitPerAddress {
            factory,
            max,
            counts,
            refusal: None,
        }
    }

    /// Writes `message` to a refused connection before closing it.
    pub fn with_refusal(mut self, message: &[u8]) -> Self {
        self.refusal = Some(Rc::from(message));
        self
    }

    /// Connections open now from `address`.
    pub fn open_from(&self, address: IpAddr) -> usize {
        self.counts.open_from(address)
    }
}

impl<F: Factory> Factory for LimitPerAddress<F> {
    type Protocol = Counted<F::Protocol>;

    fn build_protocol(&mut self, peer: &Address) -> Option<Counted<F::Protocol>> {
        let Some(ip) = peer.tcp().map(|address| address.ip()) else {
            let protocol = self.factory.build_protocol(peer)?;
            return Some(Counted::Admitted {
                protocol,
                slot: None,
            });
        };
        if !self.counts.admit(ip, self.max) {
            tracing::info!(%peer, max = self.max, "refusing a connection: too many from its address");
            return self.refusal.clone().map(Counted::Refused);
        }
        let slot = Slot {
            counts: self.counts.clone(),
            ip,
        };
        // Dropping the slot gives the place back if the factory refuses.
        let protocol = self.factory.build_protocol(peer)?;
        Some(Counted::Admitted {
            protocol,
            slot: Some(slot),
        })
    }
}

/// The protocol of a [`LimitPerAddress`]: the wrapped one for an admitted
/// connection, or a refusal.
pub enum Counted<P> {
    /// Admitted: every callback goes to `protocol`.
    Admitted {
        /// The wrapped factory's protocol.
        protocol: P,
        /// Its place in the count, given back on drop (`None` when not
        /// counted).
        slot: Option<Slot>,
    },
    /// Refused: the message is written, then the connection closed.
    Refused(Rc<[u8]>),
}

/// One admitted connection's place in its address's count.
pub struct Slot {
    counts: AddressCounts,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counts.release(self.ip);
    }
}

impl<P: Protocol> Protocol for Counted<P> {
    fn connection_made(&mut self, transport: Transport) {
        match self {
            Counted::Admitted { protocol, .. } => protocol.connection_made(transport),
            Counted::Refused(message) => {
                transport.write(message);
                transport.lose_connection_because("too many connections from this address");
            }
        }
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Counted::Admitted { protocol, .. } = self {
            protocol.data_received(data);
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        match self {
            Counted::Admitted { protocol, .. } => protocol.eof_received(),
            Counted::Refused(_) => HalfClose::Close,
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if let Counted::Admitted { protocol, .. } = self {
            protocol.connection_lost(reason);
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let Counted::Admitted { protocol, .. } = self {
            protocol.layer_event(event);
        }
    }

    fn pause_writing(&mut self) {
        if let Counted::Admitted { protocol, .. } = self {
            protocol.pause_writing();
        }
    }

    fn resume_writing(&mut self) {
        if let Counted::Admitted { protocol, .. } = self {
            protocol.resume_writing();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use super::*;
    use crate::testing::StringTransport;

    struct Quiet;

    impl Protocol for Quiet {
        fn data_received(&mut self, _data: &[u8]) {}
    }

    fn from(ip: [u8; 4], port: u16) -> Address {
        Address::Tcp(SocketAddr::from((Ipv4Addr::from(ip), port)))
    }

    #[test]
    fn an_address_over_its_cap_is_refused_until_one_of_its_connections_ends() {
        let mut factory =
            LimitPerAddress::new(|_: &Address| Some(Quiet), 2).with_refusal(b"too many\r\n");
        let first = factory.build_protocol(&from([10, 0, 0, 1], 1000)).unwrap();
        let _second = factory.build_protocol(&from([10, 0, 0, 1], 1001)).unwrap();
        let other = factory.build_protocol(&from([10, 0, 0, 2], 1000));
        assert!(matches!(other, Some(Counted::Admitted { .. })));
        let mut refused = factory.build_protocol(&from([10, 0, 0, 1], 1002)).unwrap();
        assert!(matches!(refused, Counted::Refused(_)));
        let record = StringTransport::new();
        refused.connection_made(record.transport());
        assert_eq!(record.written(), b"too many\r\n");
        assert!(record.lose_connection_called());
        assert_eq!(factory.open_from(Ipv4Addr::new(10, 0, 0, 1).into()), 2);
        drop(first);
        assert_eq!(factory.open_from(Ipv4Addr::new(10, 0, 0, 1).into()), 1);
        let again = factory.build_protocol(&from([10, 0, 0, 1], 1003));
        assert!(matches!(again, Some(Counted::Admitted { .. })));
    }

    #[test]
    fn without_a_message_a_refusal_closes_at_once_and_other_kinds_are_not_counted() {
        let mut factory = LimitPerAddress::new(|_: &Address| Some(Quiet), 0);
        assert!(factory.build_protocol(&from([10, 0, 0, 1], 1000)).is_none());
        let unix = factory.build_protocol(&Address::Unix(None));
        assert!(matches!(unix, Some(Counted::Admitted { slot: None, .. })));
    }
}
