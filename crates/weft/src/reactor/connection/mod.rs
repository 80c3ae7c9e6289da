//! [`Connection`]: everything about one established connection in one
//! place — its socket, its protocol, its output and its state machine —
//! and the [`TransportBackend`] its protocol writes through.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`state`] | the state machine: phase of life, reading and sending sides |
//! | [`out_buffer`] | output waiting for the socket |
//! | [`io`] | **where a byte is read** and written: the reactor's work on a connection |

mod io;
mod out_buffer;
mod state;

use std::cell::{Cell, RefCell};
use std::io as stdio;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::Inner;
use super::hand_over::{HandOver, HandOverError};
use super::moved_layers::MovedLayers;
use super::sources::SourceKey;
use super::stream::Stream;
use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, CloseReason, Protocol, WriteLimits};
use out_buffer::OutBuffer;
use state::{Phase, Reading, Sending, Sides};

pub(crate) use io::{Carried, Ending};

/// Writes at least this large, made while nothing is queued, go to the
/// socket at once instead of being copied into the output buffer (what the
/// kernel does not take is queued). Smaller writes are gathered and sent
/// together when the callback returns.
const DIRECT_WRITE_MIN: usize = 8 * 1024;

/// Told once a connection ended, after its protocol (a client factory's
/// `connection_lost`).
pub(crate) type LostHook = Box<dyn FnOnce(&CloseReason)>;

/// One established connection. The reactor's table and the protocol's
/// [`Transport`](crate::Transport) handles share it; every field is a cell
/// borrowed only for the duration of one method, so transports may be used
/// from any callback, for any connection.
pub(crate) struct Connection {
    /// This connection, for putting it in the reactor's queues from
    /// `&self` methods.
    this: Weak<Connection>,
    key: SourceKey,
    reactor: Weak<Inner>,
    /// `None` once closed: the descriptor is freed at the close, however
    /// long transport handles live.
    socket: RefCell<Option<Stream>>,
    /// `None` while one of its methods runs, and once closed.
    protocol: RefCell<Option<Box<dyn Protocol>>>,
    /// Told after the protocol's `connection_lost` (a client factory).
    on_lost: Cell<Option<LostHook>>,
    out: RefCell<OutBuffer>,
    phase: RefCell<Phase>,
    sides: Cell<Sides>,
    limits: Cell<WriteLimits>,
    /// In the reactor's list of connections to service after callbacks.
    service_queued: Cell<bool>,
    /// In the reactor's list of connections to read on the next iteration.
    pub(super) read_queued: Cell<bool>,
    /// The loop iteration of this connection's last read turn.
    read_turn: Cell<u64>,
    /// Its read turn is under way: reading resumed now needs no second
    /// turn, the current one goes on.
    in_read_turn: Cell<bool>,
    peer: Address,
    local: Address,
}

impl Connection {
    pub(crate) fn new(
        key: SourceKey,
        reactor: Weak<Inner>,
        socket: Stream,
        protocol: Box<dyn Protocol>,
        on_lost: Option<LostHook>,
        peer: Address,
    ) -> Rc<Self> {
        let local = socket.local_address().unwrap_or(Address::Unix(None));
        Rc::new_cyclic(|this| Connection {
            this: this.clone(),
            key,
            reactor,
            socket: RefCell::new(Some(socket)),
            protocol: RefCell::new(Some(protocol)),
            on_lost: Cell::new(on_lost),
            out: RefCell::new(OutBuffer::default()),
            phase: RefCell::new(Phase::Open),
            sides: Cell::new(Sides::default()),
            limits: Cell::new(WriteLimits::default()),
            service_queued: Cell::new(false),
            read_queued: Cell::new(false),
            read_turn: Cell::new(u64::MAX),
            in_read_turn: Cell::new(false),
            peer,
            local,
        })
    }

    pub(crate) fn key(&self) -> SourceKey {
        self.key
    }

    pub(crate) fn peer(&self) -> &Address {
        &self.peer
    }

    fn sides(&self) -> Sides {
        self.sides.get()
    }

    fn update_sides(&self, change: impl FnOnce(&mut Sides)) {
        let mut sides = self.sides.get();
        change(&mut sides);
        self.sides.set(sides);
    }

    /// Whether the reactor should read from the socket.
    fn wants_read(&self) -> bool {
        self.sides().reading == Reading::Active && self.phase.borrow().accepts_input()
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        matches!(*self.phase.borrow(), Phase::Closed)
    }

    /// Asks for a close (see [`Phase::request_close`]) and has the
    /// reactor carry it out after the current callback.
    pub(crate) fn request_close(&self, abort: bool, reason: CloseReason) {
        if self.phase.borrow_mut().request_close(abort, reason) {
            self.enqueue_service();
        }
    }

    /// Puts the connection in the reactor's list of connections to service
    /// once the current callback returns (at most once).
    fn enqueue_service(&self) {
        if self.service_queued.replace(true) {
            return;
        }
        match (self.reactor.upgrade(), self.this.upgrade()) {
            (Some(reactor), Some(this)) => reactor.touched.borrow_mut().push(this),
            _ => self.service_queued.set(false),
        }
    }

    /// Puts the connection in the reactor's list of connections to read on
    /// the next iteration (at most once).
    fn enqueue_read(&self) {
        if self.read_queued.replace(true) {
            return;
        }
        match (self.reactor.upgrade(), self.this.upgrade()) {
            (Some(reactor), Some(this)) => reactor.read_again.borrow_mut().push(this),
            _ => self.read_queued.set(false),
        }
    }

    fn with_socket<R>(&self, f: impl FnOnce(&Stream) -> stdio::Result<R>) -> stdio::Result<R> {
        match self.socket.borrow().as_ref() {
            Some(socket) => f(socket),
            None => Err(stdio::ErrorKind::NotConnected.into()),
        }
    }
}

/// The reactor's side of the [`Transport`](crate::Transport) contract.
impl TransportBackend for Connection {
    fn write(&self, data: &[u8]) {
        let conn = self;
        if data.is_empty() || !conn.phase.borrow().accepts_writes() {
            return;
        }
        let idle = conn.out.borrow().is_empty() && conn.sides().sending == Sending::Ready;
        let rest = if data.len() >= DIRECT_WRITE_MIN && idle {
            match conn.with_socket(|socket| io::send_now(socket, data)) {
                Ok(Some(sent)) => &data[sent..],
                Ok(None) => {
                    conn.update_sides(|s| s.sending = Sending::Blocked);
                    data
                }
                Err(error) => {
                    conn.request_close(true, CloseReason::from(error));
                    return;
                }
            }
        } else {
            data
        };
        if !rest.is_empty() {
            conn.out.borrow_mut().push(rest);
            conn.enqueue_service();
        }
    }

    fn write_vectored(&self, parts: &[&[u8]]) {
        let conn = self;
        if !conn.phase.borrow().accepts_writes() {
            return;
        }
        let mut out = conn.out.borrow_mut();
        for part in parts {
            out.push(part);
        }
        drop(out);
        conn.enqueue_service();
    }

    fn close(&self, kind: CloseKind) {
        let (abort, reason) = match kind {
            CloseKind::Flush(None) => (false, CloseReason::Done),
            CloseKind::Flush(Some(why)) => (false, CloseReason::Protocol(why)),
            CloseKind::Abort => (true, CloseReason::Aborted),
        };
        self.request_close(abort, reason);
    }

    fn shutdown_write(&self) {
        if self.phase.borrow_mut().request_half_close() {
            self.enqueue_service();
        }
    }

    fn is_closing(&self) -> bool {
        !self.phase.borrow().accepts_writes()
    }

    fn is_disconnecting(&self) -> bool {
        !self.phase.borrow().accepts_input()
    }

    fn peer_address(&self) -> Address {
        self.peer.clone()
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }

    fn set_reading(&self, reading: bool) {
        let conn = self;
        let was = conn.sides().reading;
        match (was, reading) {
            (Reading::Active, false) => conn.update_sides(|s| s.reading = Reading::Paused),
            (Reading::Paused, true) => {
                conn.update_sides(|s| s.reading = Reading::Active);
                // Data that arrived while paused raised no new edge: read
                // on, in this turn or the next.
                if !conn.in_read_turn.get() {
                    conn.enqueue_read();
                }
            }
            _ => {}
        }
    }

    fn pending_bytes(&self) -> usize {
        self.out.borrow().len()
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
        self.enqueue_service();
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
    }

    fn set_nodelay(&self, nodelay: bool) -> stdio::Result<()> {
        self.with_socket(|s| s.set_nodelay(nodelay))
    }

    fn set_keepalive(&self, idle: Option<Duration>) -> stdio::Result<()> {
        self.with_socket(|s| s.set_keepalive(idle))
    }

    fn set_send_buffer_size(&self, bytes: usize) -> stdio::Result<()> {
        self.with_socket(|s| s.set_send_buffer_size(bytes))
    }

    fn hand_over(&self, unused: &[u8]) -> Result<HandOver, HandOverError> {
        if !self.phase.borrow().accepts_writes() {
            return Err(HandOverError::Closing);
        }
        let Some(mut socket) = self.socket.borrow_mut().take() else {
            return Err(HandOverError::Closing);
        };
        if let Some(reactor) = self.reactor.upgrade() {
            socket.deregister(&reactor.registry);
        }
        let pending = {
            let mut out = self.out.borrow_mut();
            let pending = out.unsent().to_vec();
            *out = OutBuffer::default();
            pending
        };
        // The reactor finishes the connection after the current callback,
        // with no socket left to close.
        self.request_close(false, CloseReason::HandedOver);
        Ok(HandOver {
            socket,
            peer: self.peer.clone(),
            carried: Carried {
                received: unused.to_vec(),
                pending,
            },
            layers: MovedLayers::default(),
        })
    }
}
