//! The reactor's graceful stop: hooks, listeners, connections flushed or,
//! past the grace period, aborted.

mod common;

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use common::recv;
use weft::{Address, CloseReason, Protocol, Reactor, Transport};

/// Writes `size` bytes on connect, reports how it ended.
struct Sender {
    size: usize,
    ended: mpsc::Sender<String>,
}

impl Protocol for Sender {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(&vec![b'z'; self.size]);
    }

    fn data_received(&mut self, _data: &[u8]) {}

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.ended.send(reason.to_string());
    }
}

/// Runs a reactor on a thread with one `Sender` server; returns the
/// address, a channel of connection ends, one of hook runs, and the thread.
fn start(
    size: usize,
    grace: Duration,
) -> (
    std::net::SocketAddr,
    weft::Remote,
    mpsc::Receiver<String>,
    std::thread::JoinHandle<Vec<&'static str>>,
) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (ended_tx, ended_rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let reactor = Reactor::new().unwrap();
        reactor.set_shutdown_grace(grace);
        let events = Rc::new(RefCell::new(Vec::new()));
        let e = events.clone();
        reactor.add_shutdown_hook(move || e.borrow_mut().push("hook"));
        let port = reactor
            .listen("tcp:port=0:interface=127.0.0.1", move |_: &Address| {
                Some(Sender {
                    size,
                    ended: ended_tx.clone(),
                })
            })
            .unwrap();
        ready_tx
            .send((port.address().tcp().unwrap(), reactor.remote()))
            .unwrap();
        reactor.run().unwrap();
        if !port.is_listening() {
            events.borrow_mut().push("stopped listening");
        }
        events.take()
    });
    let (address, remote) = recv(&ready_rx);
    (address, remote, ended_rx, thread)
}

#[test]
fn stop_runs_hooks_closes_listeners_and_flushes_connections() {
    const SIZE: usize = 2 * 1024 * 1024;
    let (address, remote, ended, thread) = start(SIZE, Duration::from_secs(60));
    let mut client = common::connect_with_small_window(address);
    let mut first = [0u8; 1];
    client.read_exact(&mut first).unwrap();
    remote.stop().unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert_eq!(rest.len() + 1, SIZE, "everything pending was flushed");
    assert_eq!(recv(&ended), "the reactor shut down");
    assert_eq!(thread.join().unwrap(), ["hook", "stopped listening"]);
}

#[test]
fn connections_still_flushing_after_the_grace_period_are_aborted() {
    const SIZE: usize = 64 * 1024 * 1024;
    let (address, remote, ended, thread) = start(SIZE, Duration::from_millis(50));
    let mut client = common::connect_with_small_window(address);
    let mut first = [0u8; 1];
    client.read_exact(&mut first).unwrap();
    // The client stops reading: the server cannot flush 64 MiB.
    remote.stop().unwrap();
    assert_eq!(recv(&ended), "connection aborted");
    thread.join().unwrap();
}
