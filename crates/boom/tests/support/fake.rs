//! A boom server on a fake clock, with clients connected in memory: the
//! server's real protocol stack (telnet included) over
//! [`weft::testing::loopback`], frames ticked by
//! [`weft::testing::Clock`]. Nothing runs unless a test moves it, so
//! fuses, frames and keys happen in the order the test says.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use boom::server::connection::PlayerProtocol;
use boom::server::{Options, Server, Stats};
use weft::protocols::telnet::TelnetProtocol;
use weft::testing::{Clock, Loopback, loopback};
use weft::{Address, CloseReason, Factory, Protocol, Transport};

use super::received::{Frame, Frames, Received};

/// The most frame ticks one wait lets pass before it fails.
pub const MAX_TICKS: usize = 10_000;

/// A server on a fake clock.
pub struct FakeServer {
    pub clock: Clock,
    pub server: Server,
    interval: Duration,
}

impl FakeServer {
    /// A server for `options` (its frame tick on a fresh fake clock).
    pub fn start(options: Options) -> FakeServer {
        let clock = Clock::new();
        let interval = options.frame_interval;
        let server = Server::new(&clock, options).expect("server");
        FakeServer {
            clock,
            server,
            interval,
        }
    }

    /// A client connected in memory.
    pub fn connect(&self) -> FakeClient {
        let mut server = self.server.clone();
        let protocol = server
            .build_protocol(&Address::Memory("client"))
            .expect("the server accepts every connection");
        let peer = Peer::default();
        let state = peer.state.clone();
        let mut pair = loopback(peer, protocol);
        pair.pump();
        FakeClient {
            pair,
            state,
            clock: self.clock.clone(),
            interval: self.interval,
        }
    }

    /// One frame interval passes.
    pub fn tick(&self) {
        self.clock.advance(self.interval);
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<Stats> {
        self.server.stats()
    }

    /// The server goes down, as when its reactor stops.
    pub fn stop(&self) {
        self.server.shut_down();
    }
}

/// What the client's end saw.
#[derive(Default)]
struct PeerState {
    transport: Option<Transport>,
    received: Received,
    closed: bool,
}

/// The client's end: keeps what it receives.
#[derive(Default)]
struct Peer {
    state: Rc<RefCell<PeerState>>,
}

impl Protocol for Peer {
    fn connection_made(&mut self, transport: Transport) {
        self.state.borrow_mut().transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.state.borrow_mut().received.push(data);
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        self.state.borrow_mut().closed = true;
    }
}

/// A client connected in memory to a [`FakeServer`]. Its waits move the
/// shared clock one frame interval at a time until what they wait for
/// arrives, failing after [`MAX_TICKS`] intervals.
pub struct FakeClient {
    pair: Loopback<Peer, TelnetProtocol<PlayerProtocol>>,
    state: Rc<RefCell<PeerState>>,
    clock: Clock,
    interval: Duration,
}

impl FakeClient {
    /// Every byte received so far.
    pub fn raw(&self) -> Vec<u8> {
        self.state.borrow().received.raw.clone()
    }

    /// How many bytes were received so far.
    pub fn received_len(&self) -> usize {
        self.state.borrow().received.raw.len()
    }

    /// Whether the connection is closed.
    pub fn closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Sends `bytes` and delivers them (the server answers at once).
    pub fn send(&mut self, bytes: &[u8]) {
        let transport = self.state.borrow().transport.clone();
        transport.expect("connected").write(bytes);
        self.pair.pump();
    }

    /// Delivers what is waiting in either direction.
    pub fn pump(&mut self) {
        self.pair.pump();
    }

    /// The client stops reading, as the reactor reports when its queue
    /// fills up.
    pub fn stop_reading(&mut self) {
        self.pair.server().pause_writing();
    }

    /// Delivers what waits; when `found` finds nothing in what was
    /// received, one frame interval passes and it looks again.
    fn wait<T>(&mut self, what: &str, mut found: impl FnMut(&mut PeerState) -> Option<T>) -> T {
        for _ in 0..MAX_TICKS {
            self.pair.pump();
            if let Some(value) = found(&mut self.state.borrow_mut()) {
                return value;
            }
            assert!(
                !self.closed(),
                "the server closed the connection before {what}"
            );
            self.clock.advance(self.interval);
        }
        panic!("{what} did not come in {MAX_TICKS} frame intervals");
    }

    /// Waits until more bytes arrive; `false` if the connection closed
    /// first.
    pub fn read_more(&mut self) -> bool {
        let before = self.received_len();
        for _ in 0..MAX_TICKS {
            self.pair.pump();
            if self.received_len() > before {
                return true;
            }
            if self.closed() {
                return false;
            }
            self.clock.advance(self.interval);
        }
        panic!("nothing came in {MAX_TICKS} frame intervals");
    }

    /// The next plain frame if one has arrived, without letting time
    /// pass.
    pub fn frame_now(&mut self, status_lines: usize) -> Option<Frame> {
        self.pair.pump();
        self.state.borrow_mut().received.frame(status_lines)
    }

    /// Waits until `needle` has been received.
    pub fn read_until(&mut self, needle: &[u8]) {
        let what = format!("{:?}", String::from_utf8_lossy(needle));
        self.wait(&what, |state| state.received.has(needle).then_some(()));
    }

    /// Waits until the server closed the connection; returns everything
    /// received, as text.
    pub fn read_to_end(&mut self) -> String {
        for _ in 0..MAX_TICKS {
            self.pair.pump();
            if self.closed() {
                return String::from_utf8_lossy(&self.raw()).into_owned();
            }
            self.clock.advance(self.interval);
        }
        panic!("the connection did not close in {MAX_TICKS} frame intervals");
    }
}

impl Frames for FakeClient {
    /// The next plain frame followed by `status_lines` lines.
    fn frame(&mut self, status_lines: usize) -> Frame {
        self.wait("a frame", |state| state.received.frame(status_lines))
    }
}

/// Dropping a client closes its connection, and the server hears of it.
impl Drop for FakeClient {
    fn drop(&mut self) {
        let transport = self.state.borrow().transport.clone();
        if let Some(transport) = transport {
            transport.lose_connection();
        }
        self.pair.pump();
    }
}
