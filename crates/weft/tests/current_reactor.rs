//! `Reactor::current`: the reactor running on this thread, reached from a
//! protocol's callback, a task, each reactor of a pool, an inner loop; and
//! absent off a running reactor's thread.

mod common;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use common::{PATIENCE, Server, recv};
use weft::pool::{Member, Pool};
use weft::time::Scheduler;
use weft::{Address, Protocol, Reactor, RunUntil, Transport};

/// Answers each read later, through a call scheduled on the reactor it
/// finds with `Reactor::current` (Twisted's `reactor.callLater`).
#[derive(Default)]
struct AnswersLater {
    transport: Option<Transport>,
}

impl Protocol for AnswersLater {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let transport = self.transport.clone().unwrap();
        let answer = data.to_ascii_uppercase();
        let reactor = Reactor::current().expect("a callback runs on its running reactor");
        reactor.call_later(Duration::ZERO, move || transport.write(&answer));
    }
}

#[test]
fn a_protocol_schedules_on_the_reactor_it_finds_from_its_callback() {
    let server = Server::start(|_: &Reactor| |_: &Address| Some(AnswersLater::default()));
    let mut client = TcpStream::connect(server.address).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.write_all(b"hello").unwrap();
    let mut answer = [0; 5];
    client.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HELLO");
    server.stop();
}

#[test]
fn a_task_finds_the_reactor_that_runs_it_and_nothing_is_current_around_the_loop() {
    let reactor = Reactor::new().unwrap();
    assert!(Reactor::current().is_none(), "no loop runs yet");
    let spawned = reactor.spawn(async {
        let current = Reactor::current().expect("a task runs on its running reactor");
        // Only the running reactor would run this task.
        current.spawn(async { 7 }).await.unwrap()
    });
    let seven = reactor
        .block_on(reactor.timers().timeout(PATIENCE, spawned))
        .unwrap()
        .expect("in time")
        .unwrap();
    assert_eq!(seven, 7);
    let in_block_on = reactor.block_on(async { Reactor::current().is_some() });
    assert!(
        in_block_on.unwrap(),
        "the future given to block_on runs on its reactor"
    );
    assert!(Reactor::current().is_none(), "the loop returned");
}

#[test]
fn another_thread_has_no_current_reactor() {
    let reactor = Reactor::new().unwrap();
    let off_thread = reactor.block_on(async {
        std::thread::spawn(|| Reactor::current().is_none())
            .join()
            .unwrap()
    });
    assert!(off_thread.unwrap(), "no reactor runs on that thread");
}

#[test]
fn an_inner_loop_is_current_until_it_returns() {
    let outer = Reactor::new().unwrap();
    let inner_outcome = Rc::new(Cell::new(None));
    let seen = inner_outcome.clone();
    outer.call_soon(move || {
        let inner = Reactor::new().unwrap();
        // Stopping the current reactor stops the inner one, not the outer.
        inner.call_soon(|| Reactor::current().unwrap().stop());
        seen.set(Some(inner.run_until(PATIENCE, || false).unwrap()));
        // The outer one is current again: stopping it ends `run`.
        Reactor::current().unwrap().stop();
    });
    let outer_outcome = outer.run_until(PATIENCE, || false).unwrap();
    assert_eq!(inner_outcome.get(), Some(RunUntil::Stopped));
    assert_eq!(outer_outcome, RunUntil::Stopped);
}

#[test]
fn each_reactor_of_a_pool_is_current_on_its_own_thread() {
    let (tx, rx) = mpsc::channel();
    let handle = Pool::new()
        .threads(2)
        .start(move |member: &Member| {
            let tx = tx.clone();
            let index = member.index();
            member.reactor().call_soon(move || {
                let current = Reactor::current();
                let _ = tx.send((index, current.is_some(), std::thread::current().id()));
            });
            Ok(())
        })
        .unwrap();
    let mut seen = [recv(&rx), recv(&rx)];
    seen.sort_by_key(|(index, _, _)| *index);
    handle.stop();
    handle.join().unwrap();
    assert_eq!(seen[0].0, 0);
    assert_eq!(seen[1].0, 1);
    assert!(seen.iter().all(|(_, current, _)| *current));
    assert_ne!(seen[0].2, seen[1].2, "each on its own thread");
    assert_ne!(seen[0].2, std::thread::current().id());
}
