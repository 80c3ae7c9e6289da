//! [`BehindProxy`]: a factory whose protocols are built once the PROXY
//! header told the client's address.

use std::cell::RefCell;
use std::rc::Rc;

use super::layer::{ProxyHeaderLayer, ProxyHeaderOptions};
use crate::layer::{LayerEvent, Layered};
use crate::time::{Scheduler, Timers};
use crate::{Address, CloseReason, Factory, HalfClose, MovedLayers, Protocol, Transport};

/// Serves connections that come through a proxy speaking the PROXY
/// protocol: each starts under a [`ProxyHeaderLayer`], and the wrapped
/// factory is asked for its protocol only when the header has arrived,
/// with the client's address (the socket's own for a `LOCAL` or
/// `UNKNOWN` header). A factory that counts or refuses by address
/// ([`LimitPerAddress`](crate::policies::LimitPerAddress)) thus sees the
/// client, and the protocol's transport reports the client as its peer.
///
/// A refusal by the wrapped factory closes the connection at once, as a
/// listener does. What this factory builds per connection is
/// [`AfterHeader`] under the layer.
pub struct BehindProxy<F> {
    factory: Rc<RefCell<F>>,
    timers: Timers,
    options: ProxyHeaderOptions,
}

impl<F: Factory> BehindProxy<F> {
    /// Wraps `factory`, timing headers on `scheduler` with the default
    /// [`ProxyHeaderOptions`].
    pub fn new(factory: F, scheduler: &dyn Scheduler) -> Self {
        BehindProxy {
            factory: Rc::new(RefCell::new(factory)),
            timers: scheduler.timers(),
            options: ProxyHeaderOptions::default(),
        }
    }

    /// Reads headers within `options`' bounds.
    pub fn with_options(mut self, options: ProxyHeaderOptions) -> Self {
        self.options = options;
        self
    }
}

impl<F: Factory> BehindProxy<F> {
    /// The PROXY layer, with the factory's protocol to be built above it
    /// once the header is in: adopted with `moved` if the connection was
    /// handed over, built afresh otherwise.
    fn reading_the_header(
        &self,
        moved: Option<MovedLayers>,
    ) -> Layered<ProxyHeaderLayer, AfterHeader<F>> {
        Layered::wrap(
            ProxyHeaderLayer::new(&self.timers, self.options),
            AfterHeader {
                factory: self.factory.clone(),
                moved,
                transport: None,
                protocol: None,
            },
        )
    }
}

impl<F: Factory> Factory for BehindProxy<F> {
    type Protocol = Layered<ProxyHeaderLayer, AfterHeader<F>>;

    fn build_protocol(&mut self, _proxy: &Address) -> Option<Self::Protocol> {
        Some(self.reading_the_header(None))
    }

    /// The header is read again on this side (the one handed over put it
    /// back in front); the state of the layers above it waits with it
    /// for the factory's `adopt_protocol`, asked once the header is in.
    fn adopt_protocol(
        &mut self,
        _proxy: &Address,
        moved: &mut MovedLayers,
    ) -> Option<Self::Protocol> {
        Some(self.reading_the_header(Some(std::mem::take(moved))))
    }
}

/// The protocol above a [`ProxyHeaderLayer`] that [`BehindProxy`] builds:
/// on [`LayerEvent::ProxyHeader`] it asks the factory for the real
/// protocol, with the client's address, and from then on passes every
/// call to it.
pub struct AfterHeader<F: Factory> {
    factory: Rc<RefCell<F>>,
    /// The state of the layers above that came with a connection handed
    /// over, for the factory; `None` for a connection accepted here.
    moved: Option<MovedLayers>,
    transport: Option<Transport>,
    protocol: Option<F::Protocol>,
}

impl<F: Factory> AfterHeader<F> {
    /// The protocol the factory built, once the header arrived.
    pub fn protocol(&self) -> Option<&F::Protocol> {
        self.protocol.as_ref()
    }

    fn build(&mut self) {
        let Some(transport) = &self.transport else {
            return;
        };
        let client = transport.peer_address();
        let mut factory = self.factory.borrow_mut();
        let built = match self.moved.take() {
            Some(moved) => moved.build_with(&mut *factory, &client),
            None => factory.build_protocol(&client),
        };
        drop(factory);
        match built {
            Some(mut protocol) => {
                protocol.connection_made(transport.clone());
                self.protocol = Some(protocol);
            }
            None => {
                tracing::debug!(%client, "the factory refused a connection behind the proxy");
                transport.abort_connection();
            }
        }
    }
}

impl<F: Factory> Protocol for AfterHeader<F> {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(protocol) = &mut self.protocol {
            protocol.data_received(data);
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        match (&mut self.protocol, event) {
            (None, LayerEvent::ProxyHeader(_)) => self.build(),
            (Some(protocol), _) => protocol.layer_event(event),
            (None, _) => {}
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        match &mut self.protocol {
            Some(protocol) => protocol.eof_received(),
            None => HalfClose::Close,
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if let Some(protocol) = &mut self.protocol {
            protocol.connection_lost(reason);
        }
    }

    fn pause_writing(&mut self) {
        if let Some(protocol) = &mut self.protocol {
            protocol.pause_writing();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(protocol) = &mut self.protocol {
            protocol.resume_writing();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;
    use crate::CloseKind;
    use crate::policies::LimitPerAddress;
    use crate::protocols::proxy::{Command, ProxiedAddresses, ProxyHeader, ProxyInfo, Version};
    use crate::testing::{Clock, StringTransport};

    const PROXY: &str = "10.0.0.9:40000";

    /// Says who it sees on connection, then echoes.
    struct Greeter(Option<Transport>);

    impl Protocol for Greeter {
        fn connection_made(&mut self, transport: Transport) {
            let line = format!(
                "{} -> {}\n",
                transport.peer_address(),
                transport.local_address()
            );
            transport.write(line.as_bytes());
            self.0 = Some(transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            self.0.as_ref().unwrap().write(data);
        }
    }

    fn greeter(_: &Address) -> Option<Greeter> {
        Some(Greeter(None))
    }

    fn connection<F: Factory>(
        factory: &mut BehindProxy<F>,
    ) -> (Layered<ProxyHeaderLayer, AfterHeader<F>>, StringTransport) {
        let socket = StringTransport::with_addresses(
            Address::Tcp(PROXY.parse().unwrap()),
            Address::Tcp("10.0.0.1:8900".parse().unwrap()),
        );
        let mut protocol = factory
            .build_protocol(&socket.transport().peer_address())
            .unwrap();
        protocol.connection_made(socket.transport());
        (protocol, socket)
    }

    fn written(socket: &StringTransport) -> String {
        String::from_utf8(socket.take_written()).unwrap()
    }

    /// Builds greeters for connections accepted here; refuses any
    /// connection handed over.
    struct AcceptedOnly;

    impl Factory for AcceptedOnly {
        type Protocol = Greeter;

        fn build_protocol(&mut self, _peer: &Address) -> Option<Greeter> {
            Some(Greeter(None))
        }

        fn adopt_protocol(&mut self, _peer: &Address, _moved: &mut MovedLayers) -> Option<Greeter> {
            None
        }
    }

    #[test]
    fn a_connection_accepted_here_is_built_and_one_handed_over_adopted() {
        let clock = Clock::new();
        let mut factory = BehindProxy::new(AcceptedOnly, &clock);
        let (mut accepted, socket) = connection(&mut factory);
        accepted.data_received(b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n");
        assert_eq!(written(&socket), "192.0.2.7:56324 -> 198.51.100.1:443\n");

        let peer = Address::Tcp(PROXY.parse().unwrap());
        let mut handed = factory
            .adopt_protocol(&peer, &mut MovedLayers::default())
            .unwrap();
        let socket = StringTransport::new();
        handed.connection_made(socket.transport());
        handed.data_received(b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n");
        assert_eq!(
            written(&socket),
            "",
            "the factory's adopt_protocol refused it"
        );
    }

    #[test]
    fn the_protocol_is_built_for_the_client_and_gets_what_followed_the_header() {
        let clock = Clock::new();
        let mut factory = BehindProxy::new(greeter, &clock);
        let (mut protocol, socket) = connection(&mut factory);
        protocol.data_received(b"PROXY TCP4 192.0.2.7 198.51.100.1 5");
        assert!(protocol.inner().protocol().is_none());
        assert_eq!(written(&socket), "");
        protocol.data_received(b"6324 443\r\nhello");
        assert_eq!(
            written(&socket),
            "192.0.2.7:56324 -> 198.51.100.1:443\nhello"
        );
        clock.advance(Duration::from_secs(60));
        assert_eq!(
            socket.close_requested(),
            None,
            "the header timeout is cancelled"
        );
    }

    #[test]
    fn a_local_header_keeps_the_socket_addresses_and_the_header_is_reachable() {
        let clock = Clock::new();
        let mut factory = BehindProxy::new(greeter, &clock);
        let (mut protocol, socket) = connection(&mut factory);
        let local = ProxyHeader {
            version: Version::V2,
            command: Command::Local,
            addresses: ProxiedAddresses::Unknown,
            tlvs: vec![crate::protocols::proxy::Tlv {
                kind: 0xE0,
                value: b"check".to_vec(),
            }],
        };
        protocol.data_received(&local.encode());
        assert_eq!(written(&socket), format!("{PROXY} -> 10.0.0.1:8900\n"));
        let transport = protocol.inner().transport.clone().unwrap();
        let info = ProxyInfo::of(&transport).unwrap();
        assert_eq!(info.header(), Some(local));
    }

    #[test]
    fn garbage_closes_with_the_reason_and_builds_nothing() {
        let clock = Clock::new();
        let built = Rc::new(Cell::new(0));
        let counted = built.clone();
        let mut factory = BehindProxy::new(
            move |_: &Address| {
                counted.set(counted.get() + 1);
                Some(Greeter(None))
            },
            &clock,
        );
        let (mut protocol, socket) = connection(&mut factory);
        protocol.data_received(b"GET / HTTP/1.1\r\n\r\n");
        protocol.data_received(b"PROXY TCP4 192.0.2.7 198.51.100.1 1 2\r\n");
        assert_eq!(
            socket.close_requested(),
            Some(CloseKind::Flush(Some(
                "the connection does not start with a PROXY header".into()
            )))
        );
        assert_eq!((built.get(), written(&socket)), (0, String::new()));
        protocol.connection_lost(&CloseReason::Done);
        assert_eq!(clock.pending_calls(), 0);
    }

    #[test]
    fn a_header_not_complete_in_time_closes_the_connection() {
        let clock = Clock::new();
        let mut factory = BehindProxy::new(greeter, &clock).with_options(ProxyHeaderOptions {
            timeout: Duration::from_secs(2),
            ..ProxyHeaderOptions::default()
        });
        let (mut protocol, socket) = connection(&mut factory);
        protocol.data_received(b"PROXY TCP4 ");
        clock.advance(Duration::from_millis(1999));
        assert_eq!(socket.close_requested(), None);
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            socket.close_requested(),
            Some(CloseKind::Flush(Some(
                "no complete PROXY header within 2s".into()
            )))
        );
        assert!(protocol.inner().protocol().is_none());
    }

    #[test]
    fn a_limit_per_address_counts_the_clients_not_the_proxy() {
        let clock = Clock::new();
        let limit = LimitPerAddress::new(greeter, 1).with_refusal(b"too many\n");
        let mut factory = BehindProxy::new(limit, &clock);
        let mut from = |client: &str| {
            let (mut protocol, socket) = connection(&mut factory);
            protocol
                .data_received(format!("PROXY TCP4 {client} 10.0.0.1 1000 8900\r\n").as_bytes());
            (protocol, socket)
        };
        let (_first, first) = from("192.0.2.1");
        let (_second, second) = from("192.0.2.2");
        let (_again, again) = from("192.0.2.1");
        assert!(written(&first).starts_with("192.0.2.1:1000"));
        assert!(written(&second).starts_with("192.0.2.2:1000"));
        assert_eq!(written(&again), "too many\n");
        assert!(again.lose_connection_called());
    }

    #[test]
    fn a_refusal_by_the_factory_aborts_the_connection() {
        let clock = Clock::new();
        let mut factory = BehindProxy::new(|_: &Address| None::<Greeter>, &clock);
        let (mut protocol, socket) = connection(&mut factory);
        protocol.data_received(b"PROXY UNKNOWN\r\nhello");
        assert!(socket.aborted());
        assert_eq!(written(&socket), "");
    }
}
