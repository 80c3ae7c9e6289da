//! Handing a live connection from one reactor to another: the socket
//! moves, with what was read and not used and what was not sent yet;
//! nothing is lost and the order is kept.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;

use common::{Echo, PATIENCE, TellAddresses, recv};
use weft::protocols::proxy::BehindProxy;
use weft::{Address, CloseReason, HandOver, HandOverError, Protocol, Reactor, Remote, Transport};

/// On the first reactor: reads a greeting line, acknowledges it, and
/// hands the connection (with the bytes after the line) to the second,
/// where `adopt` serves it.
struct Doorman {
    transport: Option<Transport>,
    next: Remote,
    adopt: fn(&Reactor, HandOver),
    seen: Vec<u8>,
    lost: mpsc::Sender<String>,
}

impl Doorman {
    fn new(next: Remote, adopt: fn(&Reactor, HandOver), lost: mpsc::Sender<String>) -> Self {
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
        let adopt = self.adopt;
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
                Some(Doorman::new(next.clone(), adopt_echo, lost_tx.clone()))
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
                        adopt_behind_proxy,
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
