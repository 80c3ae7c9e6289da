//! The TLS layer without sockets: rustls clients and servers talking in
//! memory (`loopback`), on a fake clock, and fed bytes by hand.

mod tls_support;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use tls_support::Pki;
use weft::CloseKind;
use weft::protocols::LineReceiver;
use weft::protocols::telnet::{Policy, TelnetProtocol};
use weft::testing::{Clock, Loopback, StringTransport, loopback};
use weft::tls::{
    ClientVerification, TlsClientOptions, TlsEvent, TlsProtocol, TlsRole, TlsServerOptions,
    TlsSession,
};
use weft::{CloseReason, HalfClose, LayerEvent, Protocol, Transport};

/// What a protocol saw, in order.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn push(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }

    fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    fn has(&self, prefix: &str) -> bool {
        self.0.borrow().iter().any(|e| e.starts_with(prefix))
    }
}

/// Logs everything; writes `greeting` when connected; echoes when told.
#[derive(Default)]
struct Peer {
    transport: Option<Transport>,
    log: Log,
    greeting: Option<&'static [u8]>,
    echo: bool,
}

impl Peer {
    fn greeting(greeting: &'static [u8]) -> Peer {
        Peer {
            greeting: Some(greeting),
            ..Peer::default()
        }
    }

    fn echo() -> Peer {
        Peer {
            echo: true,
            ..Peer::default()
        }
    }
}

impl Protocol for Peer {
    fn connection_made(&mut self, transport: Transport) {
        if let Some(greeting) = self.greeting {
            transport.write(greeting);
        }
        self.transport = Some(transport);
        self.log.push("made");
    }

    fn data_received(&mut self, data: &[u8]) {
        self.log
            .push(format!("data {}", String::from_utf8_lossy(data)));
        if self.echo {
            self.transport.as_ref().unwrap().write(data);
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Tls(event) = event {
            self.log.push(format!("tls {event:?}"));
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        self.log.push("eof");
        HalfClose::Close
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.log.push(format!("lost {reason}"));
    }
}

fn session(peer: &Peer) -> Rc<TlsSession> {
    TlsSession::of(peer.transport.as_ref().unwrap()).expect("a TLS layer")
}

/// A client and a server that log only, their handshake done.
fn handshaken(pki: &Pki, clock: &Clock) -> Loopback<TlsProtocol<Peer>, TlsProtocol<Peer>> {
    let client = TlsProtocol::new(pki.client_role(), clock, Peer::default());
    let server = TlsProtocol::new(pki.server_role(), clock, Peer::default());
    let mut pair = loopback(client, server);
    pair.pump();
    pair
}

/// A server that logs only, connected to a wire that records what it sends.
fn server_on_a_wire(pki: &Pki, clock: &Clock) -> (TlsProtocol<Peer>, StringTransport) {
    let wire = StringTransport::new();
    let mut server = TlsProtocol::new(pki.server_role(), clock, Peer::default());
    server.connection_made(wire.transport());
    (server, wire)
}

#[test]
fn writes_held_during_the_handshake_arrive_encrypted_and_echo_back() {
    let pki = Pki::new();
    let clock = Clock::new();
    let client = TlsProtocol::new(pki.client_role(), &clock, Peer::greeting(b"hello"));
    let server = TlsProtocol::new(pki.server_role(), &clock, Peer::echo());
    let (client_log, server_log) = (client.inner().log.clone(), server.inner().log.clone());
    let mut pair = loopback(client, server);
    assert_eq!(
        pair.client()
            .inner()
            .transport
            .as_ref()
            .unwrap()
            .pending_bytes(),
        5,
        "the greeting waits for the handshake and counts as pending"
    );
    pair.pump();
    assert_eq!(
        server_log.entries(),
        ["made", "tls Established", "data hello"]
    );
    assert_eq!(
        client_log.entries(),
        ["made", "tls Established", "data hello"]
    );
    assert!(session(pair.client().inner()).is_established());
    assert_eq!(
        pair.client()
            .inner()
            .transport
            .as_ref()
            .unwrap()
            .pending_bytes(),
        0
    );
}

#[test]
fn the_bytes_on_the_wire_are_not_the_plaintext() {
    let pki = Pki::new();
    let clock = Clock::new();
    let wire = StringTransport::new();
    let mut client = TlsProtocol::new(pki.client_role(), &clock, Peer::greeting(b"secret"));
    client.connection_made(wire.transport());
    let hello = wire.take_written();
    assert_eq!(hello[0], 0x16, "a TLS handshake record");
    let mut server = TlsProtocol::new(pki.server_role(), &clock, Peer::echo());
    let server_wire = StringTransport::new();
    server.connection_made(server_wire.transport());
    server.data_received(&hello);
    client.data_received(&server_wire.take_written());
    server.data_received(&wire.take_written());
    let sent = wire.written();
    assert!(!sent.windows(6).any(|w| w == b"secret"));
    assert_eq!(server.inner().log.entries().last().unwrap(), "data secret");
}

#[test]
fn a_handshake_not_done_in_time_closes_the_connection_on_the_fake_clock() {
    let pki = Pki::new();
    let clock = Clock::new();
    let (_server, wire) = server_on_a_wire(&pki, &clock);
    clock.advance(Duration::from_secs(9));
    assert_eq!(wire.close_requested(), None);
    clock.advance(Duration::from_secs(1));
    let Some(CloseKind::Flush(Some(why))) = wire.close_requested() else {
        panic!("not closed with a reason: {:?}", wire.close_requested());
    };
    assert_eq!(&*why, "TLS handshake not done within 10s");
}

#[test]
fn a_finished_handshake_cancels_its_timeout() {
    let pki = Pki::new();
    let clock = Clock::new();
    let pair = handshaken(&pki, &clock);
    assert_eq!(clock.pending_calls(), 0);
    clock.advance(Duration::from_secs(60));
    assert!(!pair.is_closed());
}

#[test]
fn plaintext_sent_to_a_tls_server_is_named_and_closed() {
    let pki = Pki::new();
    let clock = Clock::new();
    let (mut server, wire) = server_on_a_wire(&pki, &clock);
    server.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let Some(CloseKind::Flush(Some(why))) = wire.close_requested() else {
        panic!("not closed with a reason");
    };
    assert!(
        why.contains("the peer does not speak TLS (it sent \"GET / HTTP/1.1\\r\\n\")"),
        "{why}"
    );
    assert_eq!(wire.written().first(), Some(&0x15), "an alert was sent");
    assert_eq!(TlsSession::of(&wire.transport()).map(|_| ()), None);
}

#[test]
fn a_garbage_record_after_the_handshake_ends_both_sides_with_the_reason() {
    let pki = Pki::new();
    let clock = Clock::new();
    let mut pair = handshaken(&pki, &clock);
    let (client_session, server_session) = (
        session(pair.client().inner()),
        session(pair.server().inner()),
    );
    pair.server().data_received(&[
        0x17, 0x03, 0x03, 0x00, 0x20, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    ]);
    pair.pump();
    assert!(pair.is_closed());
    let server_failure = server_session.failure().unwrap();
    assert!(
        server_failure.starts_with("TLS: ") && server_failure.contains("decrypt"),
        "{server_failure}"
    );
    let client_failure = client_session.failure().unwrap();
    assert!(
        client_failure.starts_with("TLS: received fatal alert"),
        "{client_failure}"
    );
}

#[test]
fn a_close_sends_close_notify_and_the_peer_hears_a_clean_end() {
    let pki = Pki::new();
    let clock = Clock::new();
    let mut pair = handshaken(&pki, &clock);
    let client_log = pair.client().inner().log.clone();
    let transport = pair.server().inner().transport.clone().unwrap();
    transport.write(b"bye");
    transport.lose_connection();
    pair.pump();
    assert!(pair.is_closed());
    let entries = client_log.entries();
    assert_eq!(
        entries[entries.len() - 3..],
        ["data bye", "eof", "lost the peer closed the connection"]
    );
    assert!(!client_log.has("tls Truncated"));
}

#[test]
fn a_close_during_the_handshake_with_nothing_written_closes_at_once() {
    let pki = Pki::new();
    let clock = Clock::new();
    let wire = StringTransport::new();
    let mut client = TlsProtocol::new(pki.client_role(), &clock, Peer::default());
    client.connection_made(wire.transport());
    assert!(!wire.take_written().is_empty(), "the hello went out");
    client.inner().transport.clone().unwrap().lose_connection();
    assert!(matches!(wire.close_requested(), Some(CloseKind::Flush(_))));
    assert_eq!(wire.written(), b"", "no close_notify before the handshake");
}

#[test]
fn an_end_of_input_without_close_notify_is_told_as_truncation() {
    let pki = Pki::new();
    let clock = Clock::new();
    let mut pair = handshaken(&pki, &clock);
    let client_log = pair.client().inner().log.clone();
    // The TCP connection ends under the TLS session, as an attacker would end it.
    assert_eq!(pair.client().eof_received(), HalfClose::Close);
    let entries = client_log.entries();
    assert_eq!(entries[entries.len() - 2..], ["tls Truncated", "eof"]);
}

#[test]
fn the_peer_leaving_mid_handshake_is_the_failure() {
    let pki = Pki::new();
    let clock = Clock::new();
    let (mut server, _wire) = server_on_a_wire(&pki, &clock);
    assert_eq!(server.eof_received(), HalfClose::Close);
    let session = session(server.inner());
    assert_eq!(
        session.failure().as_deref(),
        Some("TLS: the peer closed the connection during the handshake")
    );
}

#[test]
fn flow_control_passes_through_the_layer() {
    let pki = Pki::new();
    let clock = Clock::new();
    let wire = StringTransport::new();
    let mut client = TlsProtocol::new(pki.client_role(), &clock, Peer::greeting(b"early"));
    client.connection_made(wire.transport());
    let above = client.inner().transport.clone().unwrap();
    wire.set_pending_bytes(100);
    assert_eq!(
        above.pending_bytes(),
        105,
        "ciphertext below plus plaintext held"
    );
    above.pause_reading();
    assert!(!wire.is_reading());
    above.resume_reading();
    assert!(wire.is_reading());
    above.set_write_limits(weft::WriteLimits {
        high: 10,
        low: 5,
        max: Some(20),
    });
    assert_eq!(wire.write_limits().max, Some(20));
    client.pause_writing();
    client.resume_writing();
}

#[test]
fn alpn_agrees_on_a_protocol_both_offer() {
    let pki = Pki::new();
    let clock = Clock::new();
    let mut server_options = TlsServerOptions::new(&pki.server.key, &pki.server.certificate);
    server_options.alpn = vec!["h2".into(), "http/1.1".into()];
    let client_options = TlsClientOptions {
        trust_roots: Some(pki.ca.clone()),
        alpn: vec!["http/1.1".into()],
        ..TlsClientOptions::default()
    };
    let client_role = pki.client_role_with(client_options);
    let client = TlsProtocol::new(client_role, &clock, Peer::default());
    let server = TlsProtocol::new(
        TlsRole::Server(server_options.load().unwrap()),
        &clock,
        Peer::default(),
    );
    let mut pair = loopback(client, server);
    pair.pump();
    assert_eq!(
        session(pair.client().inner()).alpn_protocol().as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(
        session(pair.server().inner()).alpn_protocol().as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(
        session(pair.server().inner()).server_name().as_deref(),
        Some("localhost")
    );
}

fn server_asking_for_client_certificates(pki: &Pki, verification: ClientVerification) -> TlsRole {
    let mut options = TlsServerOptions::new(&pki.server.key, &pki.server.certificate);
    options.client_cas = Some(pki.ca.clone());
    options.client_verification = verification;
    TlsRole::Server(options.load().unwrap())
}

#[test]
fn a_required_client_certificate_is_checked() {
    let pki = Pki::new();
    let clock = Clock::new();
    let with_certificate = TlsClientOptions {
        trust_roots: Some(pki.ca.clone()),
        certificate: Some(pki.client.certificate.clone()),
        private_key: Some(pki.client.key.clone()),
        ..TlsClientOptions::default()
    };
    let role = pki.client_role_with(with_certificate);
    let server = server_asking_for_client_certificates(&pki, ClientVerification::Required);
    let mut pair = loopback(
        TlsProtocol::new(role, &clock, Peer::default()),
        TlsProtocol::new(server.clone(), &clock, Peer::default()),
    );
    pair.pump();
    let chain = session(pair.server().inner())
        .peer_certificates()
        .expect("the client's chain");
    assert_eq!(chain.len(), 1);

    let anonymous = TlsProtocol::new(pki.client_role(), &clock, Peer::default());
    let server_side = TlsProtocol::new(server, &clock, Peer::default());
    let mut pair = loopback(anonymous, server_side);
    let server_session = session(pair.server().inner());
    pair.pump();
    assert!(pair.is_closed());
    assert_eq!(
        server_session.failure().as_deref(),
        Some("TLS: peer sent no certificates")
    );
}

#[test]
fn an_optional_client_certificate_may_be_left_out() {
    let pki = Pki::new();
    let clock = Clock::new();
    let server = server_asking_for_client_certificates(&pki, ClientVerification::Optional);
    let mut pair = loopback(
        TlsProtocol::new(pki.client_role(), &clock, Peer::default()),
        TlsProtocol::new(server, &clock, Peer::default()),
    );
    pair.pump();
    assert!(session(pair.server().inner()).is_established());
    assert_eq!(session(pair.server().inner()).peer_certificates(), None);
}

/// Lines as they arrive, one entry each.
struct Lines(Log);

impl Protocol for Lines {
    fn data_received(&mut self, line: &[u8]) {
        self.0.push(String::from_utf8_lossy(line));
    }
}

#[test]
fn lines_over_telnet_over_tls() {
    let pki = Pki::new();
    let clock = Clock::new();
    let lines = Log::default();
    let server = TlsProtocol::new(
        pki.server_role(),
        &clock,
        TelnetProtocol::new(LineReceiver::new(Lines(lines.clone())), Policy::new()),
    );
    let client = TlsProtocol::new(
        pki.client_role(),
        &clock,
        Peer::greeting(b"first line\r\nsecond \xff\xff line\r\nhalf"),
    );
    let mut pair = loopback(client, server);
    pair.pump();
    assert_eq!(lines.entries(), ["first line", "second \u{fffd} line"]);
}

/// The server side of STARTTLS on a line protocol: `STARTTLS` is answered
/// `GO` in plaintext, then the connection speaks TLS; every other line is
/// logged with whether it came encrypted.
struct StartTlsServer {
    transport: Option<Transport>,
    role: Option<TlsRole>,
    log: Log,
}

impl Protocol for StartTlsServer {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        let transport = self.transport.as_ref().unwrap();
        let session = TlsSession::of(transport).unwrap();
        if line == b"STARTTLS" {
            transport.write(b"GO\r\n");
            session.start_tls(self.role.take().unwrap()).unwrap();
        } else {
            let how = if session.is_established() {
                "encrypted"
            } else {
                "plain"
            };
            self.log
                .push(format!("{how} {}", String::from_utf8_lossy(line)));
        }
    }
}

/// The client side: says `hello`, asks for TLS, and once `GO` comes back
/// starts it and says `secret` when established.
struct StartTlsClient {
    transport: Option<Transport>,
    role: Option<TlsRole>,
}

impl Protocol for StartTlsClient {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(b"hello\r\nSTARTTLS\r\n");
        self.transport = Some(transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        if line == b"GO" {
            let session = TlsSession::of(self.transport.as_ref().unwrap()).unwrap();
            session.start_tls(self.role.take().unwrap()).unwrap();
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Tls(TlsEvent::Established) = event {
            self.transport.as_ref().unwrap().write(b"secret\r\n");
        }
    }
}

#[test]
fn starttls_switches_a_line_protocol_to_tls_in_place() {
    let pki = Pki::new();
    let clock = Clock::new();
    let log = Log::default();
    let server = TlsProtocol::plaintext(
        &clock,
        LineReceiver::new(StartTlsServer {
            transport: None,
            role: Some(pki.server_role()),
            log: log.clone(),
        }),
    );
    let client = TlsProtocol::plaintext(
        &clock,
        LineReceiver::new(StartTlsClient {
            transport: None,
            role: Some(pki.client_role()),
        }),
    );
    let mut pair = loopback(client, server);
    pair.pump();
    assert_eq!(log.entries(), ["plain hello", "encrypted secret"]);
}

#[test]
fn start_tls_twice_is_refused() {
    let pki = Pki::new();
    let clock = Clock::new();
    let wire = StringTransport::new();
    let mut stack = TlsProtocol::new(pki.client_role(), &clock, Peer::default());
    stack.connection_made(wire.transport());
    let error = session(stack.inner())
        .start_tls(pki.client_role())
        .unwrap_err();
    assert_eq!(error.to_string(), "the connection already speaks TLS");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever bytes come, in whatever chunks, alone or after a real
    /// client hello, a TLS server never panics, delivers nothing to the
    /// protocol above, and either waits for more or closes with a reason
    /// that names TLS.
    #[test]
    fn garbage_in_any_chunks_is_refused_with_a_reason(
        after_hello in proptest::bool::ANY,
        chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..600), 1..8)
    ) {
        let (server_config, hello) = shared_server();
        let clock = Clock::new();
        let wire = StringTransport::new();
        let mut server = TlsProtocol::new(TlsRole::Server(server_config), &clock, Peer::default());
        server.connection_made(wire.transport());
        if after_hello {
            server.data_received(&hello);
        }
        for chunk in &chunks {
            server.data_received(chunk);
        }
        let log = server.inner().log.entries();
        proptest::prop_assert!(log.iter().all(|e| !e.starts_with("data")), "{log:?}");
        if let Some(close) = wire.close_requested() {
            let CloseKind::Flush(Some(why)) = close else {
                return Err(proptest::test_runner::TestCaseError::fail(format!("{close:?}")));
            };
            proptest::prop_assert!(why.starts_with("TLS"), "{why}");
        }
    }
}

/// One server configuration for every case of the property, and a
/// client's first flight (its hello) for it.
fn shared_server() -> (std::sync::Arc<weft::tls::ServerConfig>, Vec<u8>) {
    use std::sync::{Arc, OnceLock};
    static SHARED: OnceLock<(Arc<weft::tls::ServerConfig>, Vec<u8>)> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let pki = Pki::new();
            let wire = StringTransport::new();
            let mut client = TlsProtocol::new(pki.client_role(), &Clock::new(), Peer::default());
            client.connection_made(wire.transport());
            (pki.server_config(&pki.server), wire.take_written())
        })
        .clone()
}

/// Hands what it receives to another protocol (TLS inside TLS).
struct Relay(Rc<RefCell<TlsProtocol<Peer>>>);

impl Protocol for Relay {
    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().data_received(data);
    }
}

#[test]
fn tls_inside_tls_decrypts_while_the_outer_layer_delivers() {
    let pki = Pki::new();
    let clock = Clock::new();
    // The inner session: a client and a server joined by hand.
    let (inner_client_wire, inner_server_wire) = (StringTransport::new(), StringTransport::new());
    let mut inner_client = TlsProtocol::new(pki.client_role(), &clock, Peer::greeting(b"nested"));
    let inner_server = Rc::new(RefCell::new(TlsProtocol::new(
        pki.server_role(),
        &clock,
        Peer::default(),
    )));
    inner_client.connection_made(inner_client_wire.transport());
    inner_server
        .borrow_mut()
        .connection_made(inner_server_wire.transport());
    inner_server
        .borrow_mut()
        .data_received(&inner_client_wire.take_written());
    inner_client.data_received(&inner_server_wire.take_written());
    let finished_and_greeting = inner_client_wire.take_written();
    // The outer session carries the inner client's last flight and its
    // greeting to the inner server, which decrypts them while the outer
    // server is still delivering.
    let outer_server = TlsProtocol::new(pki.server_role(), &clock, Relay(inner_server.clone()));
    let outer_client = TlsProtocol::new(pki.client_role(), &clock, Peer::default());
    let mut pair = loopback(outer_client, outer_server);
    pair.pump();
    pair.client()
        .inner()
        .transport
        .clone()
        .unwrap()
        .write(&finished_and_greeting);
    pair.pump();
    assert_eq!(
        inner_server
            .borrow()
            .inner()
            .log
            .entries()
            .last()
            .map(String::as_str),
        Some("data nested")
    );
}

/// Runs the handshake of a rustls client with `server` (over `wire`)
/// until neither has anything left to send, then lets the client read
/// what came last (the session tickets).
fn exchange(
    client: &mut rustls::ClientConnection,
    server: &mut TlsProtocol<Peer>,
    wire: &StringTransport,
) {
    loop {
        let mut to_server = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut to_server).unwrap();
        }
        if !to_server.is_empty() {
            server.data_received(&to_server);
        }
        let to_client = wire.take_written();
        if to_server.is_empty() && to_client.is_empty() {
            return;
        }
        client.read_tls(&mut to_client.as_slice()).unwrap();
        client.process_new_packets().unwrap();
    }
}

#[test]
fn early_data_a_server_accepts_is_delivered_before_the_handshake_ends() {
    use std::sync::Arc;
    let pki = Pki::new();
    let clock = Clock::new();
    let mut server_config = (*pki.server_config(&pki.server)).clone();
    server_config.max_early_data_size = 1024;
    let server_config = Arc::new(server_config);
    let mut client_config = (*pki.client_config()).clone();
    client_config.enable_early_data = true;
    let client_config = Arc::new(client_config);
    let name = weft::tls::ServerName::try_from("localhost").unwrap();
    let connect = || {
        let wire = StringTransport::new();
        let role = TlsRole::Server(server_config.clone());
        let mut server = TlsProtocol::new(role, &clock, Peer::default());
        server.connection_made(wire.transport());
        let client = rustls::ClientConnection::new(client_config.clone(), name.clone()).unwrap();
        (client, server, wire)
    };

    // A first connection leaves the client a ticket that allows early data.
    let (mut client, mut server, wire) = connect();
    exchange(&mut client, &mut server, &wire);
    assert!(!client.is_handshaking());

    // The second sends a request with its hello, before any answer.
    let (mut client, mut server, wire) = connect();
    client
        .early_data()
        .expect("the ticket allows early data")
        .write_all(b"early request")
        .unwrap();
    exchange(&mut client, &mut server, &wire);
    assert!(client.is_early_data_accepted());
    let log = server.inner().log.entries();
    assert_eq!(
        log[..2],
        ["made", "data early request"],
        "delivered as it came, before the handshake ended: {log:?}"
    );
    assert!(log[2..].contains(&"tls Established".to_owned()), "{log:?}");
}
