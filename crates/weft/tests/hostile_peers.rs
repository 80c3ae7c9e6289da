//! Peers that flood or stop reading, over real sockets: one such peer
//! never takes more than its turn, and what is dropped is freed.

mod common;

use std::cell::Cell;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::sync::mpsc;

use common::{PATIENCE, Server, recv};
use weft::{Address, CloseReason, Protocol, Reactor, Transport};

/// The most `data_received` calls one connection may get in one loop
/// iteration: the reactor's read turn.
const READS_PER_TURN: u32 = 16;

/// Reads everything, pausing and resuming its reading at every chunk (as
/// a proxy does when its other side is briefly full); counts its reads in
/// the current iteration.
struct PausingSink {
    transport: Option<Transport>,
    reads_this_iteration: Rc<Cell<u32>>,
    most_in_one_iteration: Rc<Cell<u32>>,
    done: mpsc::Sender<u32>,
}

impl Protocol for PausingSink {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, _data: &[u8]) {
        self.reads_this_iteration
            .set(self.reads_this_iteration.get() + 1);
        if let Some(transport) = &self.transport {
            transport.pause_reading();
            transport.resume_reading();
        }
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        let _ = self.done.send(self.most_in_one_iteration.get());
    }
}

/// Runs `check` once per loop iteration, after the reads of the iteration.
fn every_iteration(reactor: &Reactor, check: impl FnMut() + 'static) {
    fn again(reactor: Reactor, mut check: Box<dyn FnMut()>) {
        check();
        let r = reactor.clone();
        reactor.call_soon(move || again(r, check));
    }
    let r = reactor.clone();
    reactor.call_soon(move || again(r, Box::new(check)));
}

#[test]
fn a_flooding_peer_gets_one_read_turn_per_iteration() {
    let (done_tx, done_rx) = mpsc::channel();
    let server = Server::start(move |reactor: &Reactor| {
        let reads = Rc::new(Cell::new(0));
        let most = Rc::new(Cell::new(0));
        let (r, m) = (reads.clone(), most.clone());
        every_iteration(reactor, move || {
            m.set(m.get().max(r.replace(0)));
        });
        move |_: &Address| {
            Some(PausingSink {
                transport: None,
                reads_this_iteration: reads.clone(),
                most_in_one_iteration: most.clone(),
                done: done_tx.clone(),
            })
        }
    });
    let mut flood = TcpStream::connect(server.address).unwrap();
    let chunk = vec![b'k'; 64 * 1024];
    for _ in 0..(64 * 1024 * 1024 / chunk.len()) {
        flood.write_all(&chunk).unwrap();
    }
    drop(flood);
    let most = recv(&done_rx);
    assert!(
        most <= READS_PER_TURN,
        "{most} reads of one connection in one iteration: more than its turn"
    );
}

/// Writes a lot on connect to a peer that does not read, then aborts.
struct WriteThenAbort {
    lost: mpsc::Sender<String>,
}

impl Protocol for WriteThenAbort {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(&vec![b'a'; 8 * 1024 * 1024]);
        transport.abort_connection();
    }

    fn data_received(&mut self, _data: &[u8]) {}

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.lost.send(reason.to_string());
    }
}

/// Sockets in `/proc/net/tcp` between these two ports, with their states
/// (hex, as the kernel shows them: `04` is FIN-WAIT-1).
fn sockets_between(local: SocketAddr, remote: SocketAddr) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let wanted = (
        format!(":{:04X}", local.port()),
        format!(":{:04X}", remote.port()),
    );
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let matches =
                fields.get(1)?.ends_with(&wanted.0) && fields.get(2)?.ends_with(&wanted.1);
            matches.then(|| fields[3].to_owned())
        })
        .collect()
}

#[test]
fn an_abort_resets_the_connection_and_leaves_nothing_in_the_kernel() {
    let (lost_tx, lost_rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            Some(WriteThenAbort {
                lost: lost_tx.clone(),
            })
        }
    });
    let mut client = common::connect_with_small_window(server.address);
    let client_address = client.local_addr().unwrap();
    let reason = recv(&lost_rx);
    assert!(reason.contains("aborted"), "{reason}");
    let leftovers = sockets_between(server.address, client_address);
    assert!(
        leftovers.is_empty(),
        "the server's side is gone at once, not orphaned with its data (states {leftovers:?})"
    );
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut buffer = vec![0; 64 * 1024];
    let ending = loop {
        match client.read(&mut buffer) {
            Ok(0) => break Ok(()),
            Ok(_) => {}
            Err(error) => break Err(error.kind()),
        }
    };
    assert_eq!(
        ending,
        Err(ErrorKind::ConnectionReset),
        "the peer sees a reset"
    );
}
