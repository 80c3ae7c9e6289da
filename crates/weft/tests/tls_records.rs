//! TLS records as they arrive: split across reads anywhere (down to one
//! byte at a time), announcing more than a record may hold, or a
//! handshake message cut into more pieces than a connection keeps.
//! Fed by hand on a fake clock.

mod tls_support;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use tls_support::Pki;
use weft::testing::{Clock, StringTransport};
use weft::tls::{ClientConfig, ServerConfig, ServerName, TlsProtocol, TlsRole, TlsSession};
use weft::{CloseKind, Protocol, Transport};

/// Keeps what it receives.
#[derive(Default)]
struct Collect {
    transport: Option<Transport>,
    received: Rc<RefCell<Vec<u8>>>,
}

impl Protocol for Collect {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.received.borrow_mut().extend_from_slice(data);
    }
}

/// One side of a connection joined by hand: its protocol and the wire
/// that records what it sends.
struct End {
    protocol: TlsProtocol<Collect>,
    wire: StringTransport,
}

impl End {
    fn new(role: TlsRole, clock: &Clock) -> End {
        let wire = StringTransport::new();
        let mut protocol = TlsProtocol::new(role, clock, Collect::default());
        protocol.connection_made(wire.transport());
        End { protocol, wire }
    }

    fn transport(&self) -> Transport {
        self.protocol.inner().transport.clone().expect("connected")
    }

    fn session(&self) -> Rc<TlsSession> {
        TlsSession::of(&self.transport()).expect("a TLS layer")
    }

    fn received(&self) -> Vec<u8> {
        self.protocol.inner().received.borrow().clone()
    }

    /// Hands `bytes` to the protocol in reads of the sizes `reads` gives.
    fn feed(&mut self, bytes: &[u8], reads: &mut impl Iterator<Item = usize>) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let size = reads.next().expect("endless sizes").clamp(1, rest.len());
            self.protocol.data_received(&rest[..size]);
            rest = &rest[size..];
        }
    }

    fn closed_because(&self) -> Option<String> {
        match self.wire.close_requested() {
            Some(CloseKind::Flush(Some(why))) => Some(why.to_string()),
            _ => None,
        }
    }
}

/// Carries what each side sends to the other, in reads of the sizes
/// `reads` gives, until neither has more to say.
fn exchange(client: &mut End, server: &mut End, reads: &mut impl Iterator<Item = usize>) {
    loop {
        let (to_server, to_client) = (client.wire.take_written(), server.wire.take_written());
        if to_server.is_empty() && to_client.is_empty() {
            return;
        }
        server.feed(&to_server, reads);
        client.feed(&to_client, reads);
    }
}

/// One server and one client configuration for every test and case.
fn configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    static CONFIGS: OnceLock<(Arc<ServerConfig>, Arc<ClientConfig>)> = OnceLock::new();
    CONFIGS
        .get_or_init(|| {
            let pki = Pki::new();
            (pki.server_config(&pki.server), pki.client_config())
        })
        .clone()
}

/// A client and a server, each fed by hand.
fn pair(clock: &Clock) -> (End, End) {
    let (server, client) = configs();
    let name = ServerName::try_from("localhost").unwrap();
    (
        End::new(TlsRole::Client(client, name), clock),
        End::new(TlsRole::Server(server), clock),
    )
}

/// The handshake done, with whole flights.
fn handshaken(clock: &Clock) -> (End, End) {
    let (mut client, mut server) = pair(clock);
    exchange(&mut client, &mut server, &mut std::iter::repeat(usize::MAX));
    assert!(server.session().is_established());
    (client, server)
}

fn message(length: usize) -> Vec<u8> {
    (0..length).map(|i| (i % 251) as u8).collect()
}

#[test]
fn records_fed_one_byte_at_a_time_arrive_whole() {
    let clock = Clock::new();
    let (mut client, mut server) = pair(&clock);
    let ones = &mut std::iter::repeat(1);
    exchange(&mut client, &mut server, ones);
    assert!(server.session().is_established());
    // Two records: one full (16 KiB of plaintext), one short.
    let sent = message(16_384 + 700);
    client.transport().write(&sent);
    exchange(&mut client, &mut server, ones);
    assert_eq!(server.received(), sent);
    assert_eq!(server.session().failure(), None);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// However the bytes are cut into reads, the handshake completes and
    /// what one side writes reaches the other whole and in order.
    #[test]
    fn records_split_anywhere_arrive_whole(
        lengths in proptest::collection::vec(1usize..20_000, 1..4),
        reads in proptest::collection::vec(1usize..64, 1..16),
    ) {
        let clock = Clock::new();
        let (mut client, mut server) = pair(&clock);
        let reads = &mut reads.into_iter().cycle();
        exchange(&mut client, &mut server, reads);
        proptest::prop_assert!(client.session().is_established());
        let mut sent = Vec::new();
        for length in lengths {
            let part = message(length);
            client.transport().write(&part);
            server.transport().write(&part);
            sent.extend_from_slice(&part);
        }
        exchange(&mut client, &mut server, reads);
        proptest::prop_assert_eq!(server.received(), sent.clone());
        proptest::prop_assert_eq!(client.received(), sent);
    }
}

#[test]
fn a_record_announcing_more_than_the_maximum_is_refused_with_the_reason() {
    let clock = Clock::new();
    let (_client, mut server) = handshaken(&clock);
    // An application-data record header announcing 65,535 bytes.
    server
        .protocol
        .data_received(&[0x17, 0x03, 0x03, 0xff, 0xff]);
    let why = server.closed_because().expect("closed with a reason");
    assert_eq!(why, "TLS: received corrupt message of type MessageTooLarge");
    assert_eq!(server.session().failure().as_deref(), Some(why.as_str()));
    assert!(!server.wire.written().is_empty(), "an alert was sent");
}

#[test]
fn a_handshake_message_cut_into_too_many_records_is_refused_with_the_reason() {
    const HELD_AT_MOST: usize = 96 * 1024;
    let clock = Clock::new();
    let (_client, mut server) = pair(&clock);
    // A client hello announcing 65,535 bytes (as much as rustls accepts),
    // then its body one byte per record: six bytes held per byte.
    let mut records = vec![0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0xff, 0xff];
    while records.len() <= HELD_AT_MOST {
        records.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, 0x01, 0x00]);
    }
    let (held, beyond) = records.split_at(HELD_AT_MOST);
    server.feed(held, &mut std::iter::repeat(4096));
    assert_eq!(
        server.closed_because(),
        None,
        "up to the bound, the bytes are held"
    );
    server.feed(beyond, &mut std::iter::repeat(4096));
    let expected = format!(
        "TLS: the peer sent {} bytes without completing a TLS record or handshake message \
         (at most {HELD_AT_MOST} are held)",
        records.len()
    );
    assert_eq!(server.closed_because(), Some(expected));
}
