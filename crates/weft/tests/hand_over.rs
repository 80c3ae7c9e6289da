//! Handing a live connection from one reactor to another: the socket
//! moves, with what was read and not used and what was not sent yet;
//! nothing is lost and the order is kept.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;

use common::{Echo, PATIENCE, recv};
use weft::{Address, CloseReason, HandOverError, Protocol, Reactor, Remote, Transport};

/// On the first reactor: reads a greeting line, acknowledges it, and
/// hands the connection (with the bytes after the line) to the second.
struct Doorman {
    transport: Option<Transport>,
    next: Remote,
    seen: Vec<u8>,
    lost: mpsc::Sender<String>,
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
        self.next
            .call_from_thread(move |reactor| {
                let mut factory = |_: &Address| Some(Echo::default());
                assert!(reactor.adopt(hand_over, &mut factory));
            })
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
                Some(Doorman {
                    transport: None,
                    next: next.clone(),
                    seen: Vec::new(),
                    lost: lost_tx.clone(),
                })
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
