//! Timers on the real reactor: ordering, re-entrancy, and the handle's
//! behaviour after the call ran.

mod common;

use std::cell::RefCell;
use std::io::Read;
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use common::Server;
use weft::time::{DelayedCall, LoopingCall, Scheduler, StartAt};
use weft::{Address, Protocol, Reactor, Transport};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn timers_fire_in_deadline_order_and_ties_in_scheduling_order() {
    let reactor = Reactor::new().unwrap();
    let order = Rc::new(RefCell::new(Vec::new()));
    let at = reactor.now() + ms(5);
    for (name, when) in [
        ("late", at + ms(10)),
        ("tie-1", at),
        ("early", at - ms(4)),
        ("tie-2", at),
    ] {
        let order = order.clone();
        reactor.call_at(when, Box::new(move || order.borrow_mut().push(name)));
    }
    let stopper = reactor.clone();
    reactor.call_at(at + ms(11), Box::new(move || stopper.stop()));
    reactor.run().unwrap();
    assert_eq!(*order.borrow(), ["early", "tie-1", "tie-2", "late"]);
}

#[test]
fn callbacks_schedule_cancel_and_reset_timers_including_their_own() {
    let reactor = Reactor::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::<&str>::new()));
    let victim: Rc<RefCell<Option<DelayedCall>>> = Rc::default();
    let own: Rc<RefCell<Option<DelayedCall>>> = Rc::default();

    let l = log.clone();
    *victim.borrow_mut() = Some(reactor.call_later(ms(20), move || l.borrow_mut().push("victim")));

    let (l, v, o, r) = (log.clone(), victim.clone(), own.clone(), reactor.clone());
    *own.borrow_mut() = Some(reactor.call_later(ms(1), move || {
        l.borrow_mut().push("first");
        // Cancel another timer, and find our own handle inactive.
        assert!(v.borrow().as_ref().unwrap().cancel());
        let me = o.borrow().clone().unwrap();
        assert!(!me.active(), "a running call is no longer pending");
        assert!(!me.reset(ms(1)), "resetting a call that ran does nothing");
        assert!(!me.cancel(), "cancelling a call that ran does nothing");
        let (l2, r2) = (l.clone(), r.clone());
        let later = r.call_later(ms(50), move || l2.borrow_mut().push("never"));
        // Reset it sooner, then schedule the stop after it.
        assert!(later.reset(ms(2)));
        let l3 = l.clone();
        r.call_later(ms(3), move || {
            l3.borrow_mut().push("stop");
            r2.stop();
        });
    }));
    reactor.run().unwrap();
    assert_eq!(*log.borrow(), ["first", "never", "stop"]);
    assert!(!victim.borrow().as_ref().unwrap().active());
}

#[test]
fn a_zero_delay_call_scheduled_by_a_callback_runs_on_a_later_pass() {
    let reactor = Reactor::new().unwrap();
    let count = Rc::new(RefCell::new(0u32));
    fn again(reactor: Reactor, count: Rc<RefCell<u32>>) {
        *count.borrow_mut() += 1;
        if *count.borrow() == 100 {
            reactor.stop();
            return;
        }
        let r = reactor.clone();
        reactor.call_later(Duration::ZERO, move || again(r, count));
    }
    let (r, c) = (reactor.clone(), count.clone());
    reactor.call_soon(move || again(r, c));
    reactor.run().unwrap();
    assert_eq!(*count.borrow(), 100);
}

#[test]
fn a_panicking_timer_does_not_stop_the_reactor() {
    let reactor = Reactor::new().unwrap();
    reactor.call_later(ms(1), || panic!("timer panic"));
    let ran = Rc::new(RefCell::new(false));
    let (r, flag) = (reactor.clone(), ran.clone());
    reactor.call_later(ms(2), move || {
        *flag.borrow_mut() = true;
        r.stop();
    });
    reactor.run().unwrap();
    assert!(*ran.borrow());
}

#[test]
fn a_looping_call_runs_until_stopped_from_inside() {
    let reactor = Reactor::new().unwrap();
    let calls = Rc::new(RefCell::new(Vec::new()));
    let handle: Rc<RefCell<Option<LoopingCall>>> = Rc::default();
    let (c, h, r) = (calls.clone(), handle.clone(), reactor.clone());
    let looping = LoopingCall::start(&reactor, ms(1), StartAt::Now, move |count| {
        c.borrow_mut().push(count);
        if c.borrow().len() == 5 {
            assert!(h.borrow().as_ref().unwrap().stop());
            r.stop();
        }
    });
    *handle.borrow_mut() = Some(looping.clone());
    reactor.run().unwrap();
    assert_eq!(calls.borrow().len(), 5);
    assert!(calls.borrow().iter().all(|count| *count >= 1));
    assert!(!looping.running());
}

/// A timer callback writes to one connection and closes it.
struct Delayed {
    reactor: Reactor,
}

impl Protocol for Delayed {
    fn connection_made(&mut self, transport: Transport) {
        self.reactor.call_later(ms(1), move || {
            transport.write(b"tick");
            transport.lose_connection();
        });
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

#[test]
fn a_timer_callback_writes_to_and_closes_a_connection() {
    let server = Server::start(|reactor: &Reactor| {
        let reactor = reactor.clone();
        move |_: &Address| {
            Some(Delayed {
                reactor: reactor.clone(),
            })
        }
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    let mut all = Vec::new();
    client.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"tick");
}
