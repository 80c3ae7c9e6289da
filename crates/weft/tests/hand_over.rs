//! Handing a live connection from one reactor to another: the socket
//! moves, with what was read and not used and what was not sent yet, and
//! the state of its layers (the PROXY header, a TLS session); nothing is
//! lost and the order is kept.

mod common;
mod tls_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use common::{Echo, PATIENCE, TellAddresses, recv};
use rustls::{ClientConnection, StreamOwned};
use tls_support::Pki;
use weft::protocols::proxy::BehindProxy;
use weft::testing::StringTransport;
use weft::tls::{ServerConfig, ServerName, TlsProtocol, TlsServerFactory, TlsSession};
use weft::{Address, CloseReason, HandOver, HandOverError, Protocol, Reactor, Remote, Transport};

/// Serves a connection handed over, on the reactor it was handed to.
type Adopt = Arc<dyn Fn(&Reactor, HandOver) + Send + Sync>;

/// On the first reactor: reads a greeting line, acknowledges it, and
/// hands the connection (with the bytes after the line) to the second,
/// where `adopt` serves it.
struct Doorman {
    transport: Option<Transport>,
    next: Remote,
    adopt: Adopt,
    seen: Vec<u8>,
    lost: mpsc::Sender<String>,
}

impl Doorman {
    fn new(next: Remote, adopt: Adopt, lost: mpsc::Sender<String>) -> Self {
        Doorman {
            transport: None,
            next,
            adopt,
            seen: Vec::new(),
            lost,
        }
    }
}

/// Serves a handed-over connection with an echo.
fn adopt_echo(reactor: &Reactor, hand_over: HandOver) {
    let mut factory = |_: &Address| Some(Echo::default());
    assert!(reactor.adopt(hand_over, &mut factory));
}

/// Serves a handed-over connection as a `haproxy:` endpoint's service
/// does: the header first, then a protocol that tells the addresses it
/// sees and echoes.
fn adopt_behind_proxy(reactor: &Reactor, hand_over: HandOver) {
    let tell = |_: &Address| Some(TellAddresses::default());
    assert!(reactor.adopt(hand_over, &mut BehindProxy::new(tell, reactor)));
}

/// Serves a handed-over connection as an `ssl:` endpoint's service does,
/// with an echo that first says whether its TLS session is established.
fn adopt_over_tls(config: Arc<ServerConfig>) -> Adopt {
    Arc::new(move |reactor: &Reactor, hand_over: HandOver| {
        let tls = TlsServerFactory::new(
            config.clone(),
            Duration::from_secs(10),
            reactor,
            |_: &Address| Some(TellTls::default()),
        );
        let mut factory = tls;
        assert!(reactor.adopt(hand_over, &mut factory));
    })
}

/// [`adopt_over_tls`] behind a PROXY header, as `haproxy:ssl:` serves.
fn adopt_behind_proxy_over_tls(config: Arc<ServerConfig>) -> Adopt {
    Arc::new(move |reactor: &Reactor, hand_over: HandOver| {
        let tell = |_: &Address| Some(TellAddresses::default());
        let tls = TlsServerFactory::new(config.clone(), Duration::from_secs(10), reactor, tell);
        assert!(reactor.adopt(hand_over, &mut BehindProxy::new(tls, reactor)));
    })
}

/// Says `established` and the SNI name its TLS session reports, then
/// echoes.
#[derive(Default)]
struct TellTls(Echo);

impl Protocol for TellTls {
    fn connection_made(&mut self, transport: Transport) {
        let session = TlsSession::of(&transport).expect("a TLS session below");
        let line = format!(
            "established {} for {}\n",
            session.is_established(),
            session.server_name().unwrap_or_default()
        );
        transport.write(line.as_bytes());
        self.0.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.0.data_received(data);
    }
}

impl Protocol for Doorman {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen.extend_from_slice(data);
        let Some(end) = self.seen.iter().position(|b| *b == b'\n') else {
            return;
        };
        let transport = self.transport.as_ref().unwrap();
        transport.write(b"welcome, go on\n");
        let hand_over = transport.hand_over(&self.seen[end + 1..]).unwrap();
        assert_eq!(
            transport.hand_over(b"").unwrap_err(),
            HandOverError::Closing,
            "a connection is handed over once"
        );
        let adopt = self.adopt.clone();
        self.next
            .call_from_thread(move |reactor| adopt(reactor, hand_over))
            .unwrap();
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.lost.send(reason.to_string());
    }
}

/// Starts a reactor thread; `setup` runs on it before the loop.
fn reactor_thread<T: Send + 'static>(
    setup: impl FnOnce(&Reactor) -> T + Send + 'static,
) -> (Remote, T, thread::JoinHandle<()>) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let reactor = Reactor::new().unwrap();
        let made = setup(&reactor);
        ready_tx.send((reactor.remote(), made)).unwrap();
        reactor.run().unwrap();
    });
    let (remote, made) = recv(&ready_rx);
    (remote, made, thread)
}

#[test]
fn a_connection_handed_over_mid_stream_loses_nothing_and_keeps_its_order() {
    let (second, (), second_thread) = reactor_thread(|_| ());
    let (lost_tx, lost_rx) = mpsc::channel();
    let next = second.clone();
    let (first, address, first_thread) = reactor_thread(move |reactor| {
        let port = reactor
            .listen("tcp:port=0:interface=127.0.0.1", move |_: &Address| {
                Some(Doorman::new(
                    next.clone(),
                    Arc::new(adopt_echo),
                    lost_tx.clone(),
                ))
            })
            .unwrap();
        port.address().tcp().unwrap()
    });

    // The greeting and the first part of the stream in one write, so that
    // the first reactor reads past the greeting; the rest follows while
    // the connection moves.
    let stream: Vec<u8> = (0..400_000u32).flat_map(|n| n.to_le_bytes()).collect();
    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut first_write = b"hello\n".to_vec();
    first_write.extend_from_slice(&stream[..1000]);
    client.write_all(&first_write).unwrap();
    let mut writer = client.try_clone().unwrap();
    let rest = stream[1000..].to_vec();
    let writing = thread::spawn(move || writer.write_all(&rest).unwrap());

    let mut expected = b"welcome, go on\n".to_vec();
    expected.extend_from_slice(&stream);
    let mut received = vec![0; expected.len()];
    client.read_exact(&mut received).unwrap();
    writing.join().unwrap();
    assert!(received == expected, "every byte arrives, in order");
    assert_eq!(recv(&lost_rx), "handed over to another reactor");

    first.stop().unwrap();
    second.stop().unwrap();
    first_thread.join().unwrap();
    second_thread.join().unwrap();
}

#[test]
fn a_connection_behind_a_proxy_is_handed_over_with_the_clients_address() {
    let (second, (), second_thread) = reactor_thread(|_| ());
    let (lost_tx, lost_rx) = mpsc::channel();
    let next = second.clone();
    let (first, address, first_thread) = reactor_thread(move |reactor| {
        let port = reactor
            .listen(
                "haproxy:tcp:port=0:interface=127.0.0.1",
                move |_: &Address| {
                    Some(Doorman::new(
                        next.clone(),
                        Arc::new(adopt_behind_proxy),
                        lost_tx.clone(),
                    ))
                },
            )
            .unwrap();
        port.address().tcp().unwrap()
    });

    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client
        .write_all(b"PROXY TCP4 192.0.2.7 198.51.100.1 4567 8900\r\nhello\nafter")
        .unwrap();
    let expected = b"welcome, go on\n192.0.2.7:4567 -> 198.51.100.1:8900\nafter";
    let mut received = vec![0; expected.len()];
    client.read_exact(&mut received).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&received),
        String::from_utf8_lossy(expected),
        "the reactor it moved to reads the header again and sees the client"
    );
    assert_eq!(recv(&lost_rx), "handed over to another reactor");

    first.stop().unwrap();
    second.stop().unwrap();
    first_thread.join().unwrap();
    second_thread.join().unwrap();
}

/// Two reactor threads: the first serves `endpoint` with a [`Doorman`]
/// that hands each connection to the second, where `adopt` serves it.
/// Returns the first's address, the reasons its connections ended, and a
/// stop for both.
fn doorman_on(
    endpoint: String,
    adopt: Adopt,
) -> (SocketAddr, mpsc::Receiver<String>, impl FnOnce()) {
    let (second, (), second_thread) = reactor_thread(|_| ());
    let (lost_tx, lost_rx) = mpsc::channel();
    let next = second.clone();
    let (first, address, first_thread) = reactor_thread(move |reactor| {
        let port = reactor
            .listen(&endpoint, move |_: &Address| {
                Some(Doorman::new(next.clone(), adopt.clone(), lost_tx.clone()))
            })
            .unwrap();
        port.address().tcp().unwrap()
    });
    let stop = move || {
        first.stop().unwrap();
        second.stop().unwrap();
        first_thread.join().unwrap();
        second_thread.join().unwrap();
    };
    (address, lost_rx, stop)
}

fn ssl_endpoint(pki: &Pki, prefix: &str) -> String {
    format!(
        "{prefix}ssl:port=0:interface=127.0.0.1:privateKey={}:certKey={}",
        pki.server.key.display(),
        pki.server.certificate.display()
    )
}

/// A TLS client to `address`, handshake done, asking for `localhost` by SNI.
fn tls_client(pki: &Pki, tcp: TcpStream) -> StreamOwned<ClientConnection, TcpStream> {
    let name = ServerName::try_from("localhost").unwrap();
    let connection = ClientConnection::new(pki.client_config(), name).unwrap();
    let mut tls = StreamOwned::new(connection, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).unwrap();
    }
    tls
}

/// Encrypts `plaintext` as the records `tls` would send, without sending them.
fn records(tls: &mut StreamOwned<ClientConnection, TcpStream>, plaintext: &[u8]) -> Vec<u8> {
    tls.conn.writer().write_all(plaintext).unwrap();
    let mut records = Vec::new();
    while tls.conn.wants_write() {
        tls.conn.write_tls(&mut records).unwrap();
    }
    records
}

#[test]
fn a_tls_connection_moves_with_its_session_and_loses_nothing() {
    let pki = Pki::new();
    let config = pki.server_config(&pki.server);
    let (address, lost, stop) = doorman_on(ssl_endpoint(&pki, ""), adopt_over_tls(config));
    let tcp = TcpStream::connect(address).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut tls = tls_client(&pki, tcp);

    // The greeting and the first chunk, then half of the next record, in
    // one write: the first reactor reads past the greeting, maybe into
    // the record it cannot decrypt yet; both go with the connection.
    let chunks: Vec<Vec<u8>> = (0..40u32)
        .map(|n| {
            (0..4000u32)
                .flat_map(|i| (n * 4000 + i).to_le_bytes())
                .collect()
        })
        .collect();
    let mut first_write = records(&mut tls, &[b"hello\n".as_slice(), &chunks[0]].concat());
    let second = records(&mut tls, &chunks[1]);
    let half = second.len() / 2;
    first_write.extend_from_slice(&second[..half]);
    tls.sock.write_all(&first_write).unwrap();

    let expected = "welcome, go on\nestablished true for localhost\n";
    let mut greeting = vec![0; expected.len()];
    tls.read_exact(&mut greeting).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&greeting),
        expected,
        "the session goes on without a new handshake, and keeps what the first agreed"
    );
    tls.sock.write_all(&second[half..]).unwrap();
    let mut echo = vec![0; chunks[0].len() + chunks[1].len()];
    tls.read_exact(&mut echo).unwrap();
    assert!(
        echo == [&chunks[0][..], &chunks[1]].concat(),
        "what came before the move arrives, in order"
    );
    for chunk in &chunks[2..] {
        tls.write_all(chunk).unwrap();
        let mut echo = vec![0; chunk.len()];
        tls.read_exact(&mut echo).unwrap();
        assert!(
            echo == *chunk,
            "what comes after the move arrives, in order"
        );
    }
    assert_eq!(recv(&lost), "handed over to another reactor");

    // A clean end: the server answers our close_notify with its own.
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    stop();
}

#[test]
fn a_tls_connection_behind_a_proxy_moves_with_the_header_and_the_session() {
    let pki = Pki::new();
    let config = pki.server_config(&pki.server);
    let endpoint = ssl_endpoint(&pki, "haproxy:");
    let (address, lost, stop) = doorman_on(endpoint, adopt_behind_proxy_over_tls(config));
    let mut tcp = TcpStream::connect(address).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    tcp.write_all(b"PROXY TCP4 192.0.2.7 198.51.100.1 4567 8443\r\n")
        .unwrap();
    let mut tls = tls_client(&pki, tcp);
    tls.write_all(b"hello\nafter").unwrap();
    let expected = "welcome, go on\n192.0.2.7:4567 -> 198.51.100.1:8443\nafter";
    let mut received = vec![0; expected.len()];
    tls.read_exact(&mut received).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&received),
        expected,
        "the reactor it moved to reads the header again and goes on with the session"
    );
    assert_eq!(recv(&lost), "handed over to another reactor");
    stop();
}

#[test]
fn a_tls_session_handed_to_a_service_without_tls_is_closed() {
    let pki = Pki::new();
    let (served_tx, served_rx) = mpsc::channel();
    let served_tx = std::sync::Mutex::new(served_tx);
    let plain: Adopt = Arc::new(move |reactor: &Reactor, hand_over: HandOver| {
        let mut factory = |_: &Address| Some(Echo::default());
        let served = reactor.adopt(hand_over, &mut factory);
        served_tx.lock().unwrap().send(served).unwrap();
    });
    let (address, _lost, stop) = doorman_on(ssl_endpoint(&pki, ""), plain);
    let tcp = TcpStream::connect(address).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut tls = tls_client(&pki, tcp);
    tls.write_all(b"hello\n").unwrap();
    assert!(
        !recv(&served_rx),
        "the session finds no TLS layer to go on in"
    );
    let mut rest = Vec::new();
    if let Err(error) = tls.read_to_end(&mut rest) {
        use std::io::ErrorKind::{TimedOut, WouldBlock};
        assert!(
            !matches!(error.kind(), TimedOut | WouldBlock),
            "the connection is closed, not left open: {error}"
        );
    }
    assert!(rest.len() <= "welcome, go on\n".len(), "nothing is echoed");
    stop();
}

/// Tries to hand its connection over as soon as it is made.
struct Hasty(Option<Result<HandOver, HandOverError>>);

impl Protocol for Hasty {
    fn connection_made(&mut self, transport: Transport) {
        self.0 = Some(transport.hand_over(b""));
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

#[test]
fn a_tls_session_in_its_handshake_cannot_be_handed_over() {
    let pki = Pki::new();
    let reactor = Reactor::new().unwrap();
    let mut protocol = TlsProtocol::new(pki.server_role(), &reactor, Hasty(None));
    let socket = StringTransport::new();
    protocol.connection_made(socket.transport());
    let attempt = protocol.inner_mut().0.take().unwrap();
    assert_eq!(attempt.unwrap_err(), HandOverError::Unsupported);
}
