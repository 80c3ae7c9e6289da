//! Several reactors in one process, and other threads reaching a reactor.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;

use common::{Server, recv};
use weft::{Address, Protocol, Reactor, Transport};

/// Answers every read with a fixed tag.
struct Tag(&'static [u8], Option<Transport>);

impl Protocol for Tag {
    fn connection_made(&mut self, transport: Transport) {
        self.1 = Some(transport);
    }

    fn data_received(&mut self, _data: &[u8]) {
        self.1.as_ref().unwrap().write(self.0);
    }
}

fn ask(server: &Server) -> Vec<u8> {
    let mut client = TcpStream::connect(server.address).unwrap();
    client.write_all(b"?").unwrap();
    let mut reply = [0u8; 3];
    client.read_exact(&mut reply).unwrap();
    reply.to_vec()
}

#[test]
fn two_reactors_on_two_threads_do_not_interfere() {
    let one = Server::start(|_: &Reactor| |_: &Address| Some(Tag(b"one", None)));
    let two = Server::start(|_: &Reactor| |_: &Address| Some(Tag(b"two", None)));
    for _ in 0..20 {
        assert_eq!(ask(&one), b"one");
        assert_eq!(ask(&two), b"two");
    }
    one.stop();
    assert_eq!(ask(&two), b"two", "stopping one leaves the other running");
}

#[test]
fn other_threads_schedule_work_on_the_reactor() {
    let server = Server::start(|_: &Reactor| |_: &Address| Some(Tag(b"abc", None)));
    let (tx, rx) = mpsc::channel();
    let senders: Vec<_> = (0..4)
        .map(|i| {
            let remote = server.remote.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                remote
                    .call_from_thread(move |reactor| {
                        tx.send((i, reactor.connection_count())).unwrap();
                    })
                    .unwrap();
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let mut seen: Vec<usize> = (0..4).map(|_| recv(&rx).0).collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3]);
}

#[test]
fn a_remote_of_a_dropped_reactor_reports_it_is_gone() {
    let reactor = Reactor::new().unwrap();
    let remote = reactor.remote();
    drop(reactor);
    assert!(remote.call_from_thread(|_| {}).is_err());
}

#[test]
fn run_inside_run_is_refused() {
    let reactor = Reactor::new().unwrap();
    let inner = reactor.clone();
    let (tx, rx) = mpsc::channel();
    reactor.call_soon(move || {
        tx.send(inner.run().is_err()).unwrap();
        inner.stop();
    });
    reactor.run().unwrap();
    assert!(recv(&rx));
}
