//! A reactor's life, driven on the test's own thread: `run_until`, the
//! stop, and what a stopped reactor lets go of.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::{Echo, PATIENCE};
use weft::time::{LoopingCall, Scheduler, StartAt};
use weft::{Address, Error, Protocol, Reactor, RunUntil, Transport};

/// Says "ping" and keeps what comes back.
struct Pinger(Rc<RefCell<Vec<u8>>>);

impl Protocol for Pinger {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(b"ping");
    }

    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().extend_from_slice(data);
    }
}

#[test]
fn run_until_drives_a_server_and_its_client_on_one_thread() {
    let reactor = Reactor::new().unwrap();
    let port = reactor
        .listen("tcp:port=0:interface=127.0.0.1", |_: &Address| {
            Some(Echo::default())
        })
        .unwrap();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let h = heard.clone();
    let target = port.address().tcp().unwrap();
    reactor.connect_tcp("127.0.0.1", target.port(), None, move |_: &Address| {
        Some(Pinger(h.clone()))
    });
    let outcome = reactor.run_until(PATIENCE, || heard.borrow().as_slice() == b"ping");
    assert_eq!(outcome.unwrap(), RunUntil::Met);
    assert_eq!(reactor.connection_count(), 2);
    // The loop can be entered again while the reactor lives.
    let outcome = reactor.run_until(PATIENCE, || true);
    assert_eq!(outcome.unwrap(), RunUntil::Met);
}

#[test]
fn run_until_says_when_its_time_ran_out_and_when_the_reactor_stopped() {
    let reactor = Reactor::new().unwrap();
    let outcome = reactor.run_until(Duration::from_millis(5), || false);
    assert_eq!(outcome.unwrap(), RunUntil::TimedOut);
    let r = reactor.clone();
    reactor.call_soon(move || r.stop());
    let outcome = reactor.run_until(PATIENCE, || false);
    assert_eq!(outcome.unwrap(), RunUntil::Stopped);
    assert!(matches!(reactor.run(), Err(Error::Stopped)));
    assert!(matches!(
        reactor.run_until(PATIENCE, || true),
        Err(Error::Stopped)
    ));
}

/// Sets its flag when dropped.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn a_stopped_reactor_cancels_its_timers_and_refuses_remote_calls() {
    let reactor = Reactor::new().unwrap();
    let looping_dropped = Rc::new(Cell::new(false));
    let timer_dropped = Rc::new(Cell::new(false));
    // A looping call (no handle kept) and a timer whose closures hold the
    // reactor: before the stop released them, they kept it alive for ever.
    let (flag, r) = (DropFlag(looping_dropped.clone()), reactor.clone());
    let _ = LoopingCall::start(
        &reactor,
        Duration::from_millis(1),
        StartAt::Now,
        move |_| {
            let _ = (&flag, &r);
        },
    );
    let (flag, r) = (DropFlag(timer_dropped.clone()), reactor.clone());
    let pending = reactor.call_later(Duration::from_secs(3600), move || {
        let _ = (&flag, &r);
    });
    let remote = reactor.remote();
    let r = reactor.clone();
    reactor.call_later(Duration::from_millis(5), move || r.stop());
    reactor.run().unwrap();

    assert!(looping_dropped.get(), "the looping call was released");
    assert!(timer_dropped.get(), "the pending timer was released");
    assert!(!pending.active());
    assert!(remote.call_from_thread(|_| {}).is_err());
    // Calls scheduled after the stop never run and hold nothing.
    let late_dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(late_dropped.clone());
    let late = reactor.call_later(Duration::ZERO, move || drop(flag));
    assert!(late_dropped.get());
    assert!(!late.active());
}

#[test]
fn a_reactor_dropped_without_running_lets_its_remotes_know() {
    let reactor = Reactor::new().unwrap();
    let remote = reactor.remote();
    let _looping = LoopingCall::start(&reactor, Duration::from_secs(1), StartAt::Now, |_| {});
    drop(reactor);
    assert!(remote.call_from_thread(|_| {}).is_err());
}
