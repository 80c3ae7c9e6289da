//! Where bytes are read and written: the reactor's work on established
//! connections, from readiness to `data_received`, from `write` to the
//! socket, and from a close request to `connection_lost`.

use std::io;
use std::rc::Rc;

use super::state::{Phase, Producer, Reading, Sending};
use super::{Connection, LostHook};
use crate::panic_guard::catch_panic;
use crate::reactor::Inner;
use crate::reactor::event_loop::TASK_TURN;
use crate::reactor::memory;
use crate::reactor::sources::Source;
use crate::reactor::stream::Stream;
use crate::{Address, CloseReason, HalfClose, Protocol, Transport};

/// What one read gave: the outcome of the system call, and how many
/// bytes it could have given.
struct Read {
    outcome: io::Result<usize>,
    room: usize,
}

/// Reads one connection gets per loop iteration (each up to the size of
/// the read buffer) before the others, the timers and the queued calls
/// have their turn.
const READS_PER_TURN: usize = 16;

/// Sends what the socket takes now, without blocking; `None` when it
/// takes nothing (`EAGAIN`).
pub(crate) fn send_now(stream: &Stream, data: &[u8]) -> io::Result<Option<usize>> {
    loop {
        match stream.write(data) {
            Ok(sent) => return Ok(Some(sent)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// What a connection brings from the reactor that served it before.
#[derive(Debug, Default)]
pub(crate) struct Carried {
    /// Bytes read there and not used by its protocol.
    pub(crate) received: Vec<u8>,
    /// Bytes written there and not sent yet.
    pub(crate) pending: Vec<u8>,
}

/// How a connection's socket is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// A plain close: what the kernel still holds is delivered.
    Orderly,
    /// A reset (`SO_LINGER` 0): the kernel drops what it holds at once and
    /// the peer sees the connection reset; for aborts, so that a peer that
    /// stopped reading cannot pin memory in the kernel.
    Reset,
}

impl Inner {
    /// Makes `stream` a connection served by `protocol`: registers it,
    /// calls `connection_made`, and services what that did.
    pub(crate) fn adopt(
        self: &Rc<Self>,
        stream: Stream,
        peer: Address,
        protocol: Box<dyn Protocol>,
        on_lost: Option<LostHook>,
    ) {
        self.adopt_carrying(stream, peer, protocol, on_lost, Carried::default());
    }

    /// [`adopt`](Self::adopt) for a connection that another reactor served
    /// until now: what it had left to send goes out first, and what it had
    /// read and not used is delivered right after `connection_made`.
    pub(crate) fn adopt_carrying(
        self: &Rc<Self>,
        mut stream: Stream,
        peer: Address,
        protocol: Box<dyn Protocol>,
        on_lost: Option<LostHook>,
        carried: Carried,
    ) {
        let key = self.sources.borrow().next_key();
        if let Err(error) = stream.register(&self.registry, key.token()) {
            tracing::error!(%error, "cannot register a new connection; closing it");
            let mut protocol = protocol;
            let reason = CloseReason::from(error);
            let _ = catch_panic("connection_lost", || protocol.connection_lost(&reason));
            if let Some(on_lost) = on_lost {
                let _ = catch_panic("connection lost notification", || on_lost(&reason));
            }
            return;
        }
        // Like asyncio, Go and Netty: small writes go out at once.
        let _ = stream.set_nodelay(true);
        let conn = Connection::new(key, Rc::downgrade(self), stream, protocol, on_lost, peer);
        let inserted = self
            .sources
            .borrow_mut()
            .insert(|_| Source::Connection(conn.clone()));
        debug_assert_eq!(inserted, key);
        if !carried.pending.is_empty() {
            conn.out.borrow_mut().push(&carried.pending);
            conn.enqueue_service();
        }
        let transport = Transport::new(conn.clone());
        self.call_protocol(&conn, |p| p.connection_made(transport));
        if !carried.received.is_empty() {
            self.call_protocol(&conn, |p| p.data_received(&carried.received));
            // More may wait in the socket: its readiness was reported to
            // the reactor it came from.
            conn.enqueue_read();
        }
        self.service_touched();
    }

    /// Readiness for an established connection.
    pub(crate) fn connection_ready(
        self: &Rc<Self>,
        conn: &Rc<Connection>,
        event: &mio::event::Event,
    ) {
        if event.is_writable() || event.is_error() {
            conn.update_sides(|s| s.sending = Sending::Ready);
            self.service(conn);
            self.service_touched();
        }
        if event.is_read_closed() {
            conn.update_sides(|s| s.peer_closed = true);
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read(conn);
        }
    }

    /// Gives `conn` its read turn for this loop iteration: reads and
    /// delivers data until the socket is drained, the protocol pauses or
    /// closes, or [`READS_PER_TURN`] reads were made. A connection left
    /// with input, or asking for a second turn in one iteration, waits in
    /// the read queue (once) for the next iteration, so that one peer that
    /// floods cannot starve the others, the timers or the queued calls.
    ///
    /// A read shorter than the buffer means the socket was drained, since
    /// readiness is edge-triggered and new data raises a new edge; this
    /// saves the `EAGAIN` read (Netty does the same). Once the poller said
    /// the peer closed its side, reading goes on to reach the end of input.
    pub(crate) fn read(self: &Rc<Self>, conn: &Rc<Connection>) {
        let iteration = self.iteration.get();
        if conn.read_turn.replace(iteration) == iteration {
            conn.enqueue_read();
            return;
        }
        let mut buffer = self.take_read_buffer();
        let drained = self.read_turn(conn, &mut buffer);
        self.return_read_buffer(buffer);
        if !drained {
            conn.enqueue_read();
        }
    }

    /// Up to [`READS_PER_TURN`] reads; whether the turn ended for a reason
    /// other than the budget. The tasks each read woke run right after it
    /// (a stream's reader takes its bytes, and writes its answer, before
    /// the next connection is read).
    fn read_turn(self: &Rc<Self>, conn: &Rc<Connection>, buffer: &mut [u8]) -> bool {
        conn.in_read_turn.set(true);
        let mut drained = false;
        for _ in 0..READS_PER_TURN {
            if !conn.wants_read() {
                drained = true;
                break;
            }
            let peer_closed = conn.sides().peer_closed;
            let Some(Read { outcome, room }) = self.read_once(conn, buffer) else {
                continue;
            };
            match outcome {
                Ok(0) => {
                    self.end_of_input(conn);
                    drained = true;
                    break;
                }
                Ok(n) => {
                    self.service_touched();
                    self.run_woken_tasks();
                    if n < room && !peer_closed {
                        drained = true;
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    drained = true;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.finish(conn, CloseReason::from(e), Ending::Orderly);
                    self.service_touched();
                    drained = true;
                    break;
                }
            }
        }
        conn.in_read_turn.set(false);
        drained
    }

    /// One read from the socket: into the protocol's own vector if it
    /// takes its bytes in place ([`Protocol::receive_in_place`]),
    /// otherwise into `buffer`, lent to `data_received`. `None` when the
    /// protocol failed (panicked) before anything was read.
    fn read_once(&self, conn: &Rc<Connection>, buffer: &mut [u8]) -> Option<Read> {
        let mut in_place = None;
        let answered = self.call_protocol(conn, |protocol| {
            protocol.receive_in_place(&mut |own: &mut Vec<u8>| {
                let room = own.capacity() - own.len();
                if in_place.is_some() || room == 0 {
                    return 0;
                }
                let outcome = conn.with_socket(|socket| socket.read_appending(own));
                let count = *outcome.as_ref().unwrap_or(&0);
                in_place = Some(Read { outcome, room });
                count
            });
        });
        if in_place.is_some() || answered.is_none() {
            return in_place;
        }
        let outcome = conn.with_socket(|socket| socket.read(buffer));
        if let Ok(n @ 1..) = outcome {
            self.call_protocol(conn, |p| p.data_received(&buffer[..n]));
        }
        Some(Read {
            outcome,
            room: buffer.len(),
        })
    }

    /// Polls the tasks that are ready, woken by the callback that just
    /// returned.
    fn run_woken_tasks(self: &Rc<Self>) {
        self.tasks.run_ready(TASK_TURN, || self.service_touched());
    }

    fn end_of_input(self: &Rc<Self>, conn: &Rc<Connection>) {
        conn.update_sides(|s| s.reading = Reading::Ended);
        let choice = self.call_protocol(conn, |p| p.eof_received());
        if choice != Some(HalfClose::KeepOpen) {
            conn.request_close(false, CloseReason::PeerClosed);
        }
        self.service_touched();
    }

    /// Services every connection touched by callbacks until none is left
    /// (servicing runs callbacks, which may touch more).
    pub(crate) fn service_touched(self: &Rc<Self>) {
        loop {
            let next = self.touched.borrow_mut().pop();
            let Some(conn) = next else {
                return;
            };
            conn.service_queued.set(false);
            self.service(&conn);
        }
    }

    /// Flushes a connection's output, then carries out what its state
    /// asks for: abort, close once flushed, half-close, flow control.
    fn service(self: &Rc<Self>, conn: &Rc<Connection>) {
        let phase = conn.phase.borrow().clone();
        match phase {
            Phase::Closed => return,
            Phase::Closing(close) if close.abort => {
                self.finish(conn, close.reason, Ending::Reset);
                return;
            }
            _ => {}
        }
        if let Err(error) = flush(conn) {
            self.finish(conn, CloseReason::from(error), Ending::Orderly);
            return;
        }
        let pending = conn.out.borrow().len();
        if pending == 0 {
            match phase {
                Phase::Closing(close) => {
                    self.finish(conn, close.reason, Ending::Orderly);
                    return;
                }
                Phase::HalfClosing => shut_down_write(conn),
                _ => {}
            }
        }
        self.apply_flow_control(conn, pending);
    }

    fn apply_flow_control(self: &Rc<Self>, conn: &Rc<Connection>, pending: usize) {
        let limits = conn.limits.get();
        let producer = conn.sides().producer;
        if let Some(max) = limits.max.filter(|max| pending > *max) {
            let reason = CloseReason::WriteBufferFull {
                pending,
                limit: max,
            };
            self.finish(conn, reason, Ending::Reset);
        } else if pending > limits.high && producer == Producer::Producing {
            conn.update_sides(|s| s.producer = Producer::Paused);
            self.call_protocol(conn, |p| p.pause_writing());
        } else if pending <= limits.low && producer == Producer::Paused {
            conn.update_sides(|s| s.producer = Producer::Producing);
            self.call_protocol(conn, |p| p.resume_writing());
        }
    }

    /// Closes the connection now and tells its protocol (and client
    /// factory) why. Does nothing if it is already closed.
    pub(crate) fn finish(
        self: &Rc<Self>,
        conn: &Rc<Connection>,
        reason: CloseReason,
        ending: Ending,
    ) {
        if conn.is_closed() {
            return;
        }
        *conn.phase.borrow_mut() = Phase::Closed;
        self.sources.borrow_mut().remove(conn.key());
        if let Some(mut socket) = conn.socket.borrow_mut().take() {
            socket.deregister(&self.registry);
            if ending == Ending::Reset {
                if let Err(error) = socket.set_linger_zero() {
                    tracing::debug!(%error, "cannot set SO_LINGER for a reset");
                }
            }
        }
        *conn.out.borrow_mut() = Default::default();
        tracing::debug!(peer = %conn.peer(), %reason, "connection closed");
        let protocol = conn.protocol.borrow_mut().take();
        debug_assert!(
            protocol.is_some(),
            "a connection is only finished outside its protocol's callbacks"
        );
        if let Some(mut protocol) = protocol {
            let _ = catch_panic("connection_lost", || protocol.connection_lost(&reason));
        }
        if let Some(on_lost) = conn.on_lost.take() {
            let _ = catch_panic("connection lost notification", || on_lost(&reason));
        }
        if self.sources.borrow_mut().take_crowd_gone() {
            // Most connections are gone, and what their protocols held was
            // just freed.
            memory::give_back_freed();
        }
    }

    /// Calls one of a connection's protocol methods with no borrow of the
    /// reactor held. A panic aborts the connection with the panic's message.
    pub(crate) fn call_protocol<R>(
        &self,
        conn: &Connection,
        call: impl FnOnce(&mut dyn Protocol) -> R,
    ) -> Option<R> {
        let mut protocol = conn.protocol.borrow_mut().take()?;
        let outcome = catch_panic("protocol", || call(&mut *protocol));
        *conn.protocol.borrow_mut() = Some(protocol);
        match outcome {
            Ok(result) => Some(result),
            Err(message) => {
                tracing::error!(peer = %conn.peer(), "a protocol panicked; its connection is aborted");
                conn.request_close(true, CloseReason::Panicked(message.into()));
                None
            }
        }
    }
}

/// Writes pending output until done or the kernel buffer is full; after
/// the socket refused a write, waits for it to become writable instead of
/// asking again.
fn flush(conn: &Connection) -> io::Result<()> {
    if conn.sides().sending == Sending::Blocked {
        return Ok(());
    }
    let socket = conn.socket.borrow();
    let Some(socket) = socket.as_ref() else {
        return Ok(());
    };
    let mut out = conn.out.borrow_mut();
    while !out.is_empty() {
        let unsent = out.unsent();
        match send_now(socket, unsent)? {
            Some(sent) => {
                let short = sent < unsent.len();
                out.consume(sent);
                if short {
                    break;
                }
            }
            None => {
                conn.update_sides(|s| s.sending = Sending::Blocked);
                break;
            }
        }
    }
    Ok(())
}

/// Carries out an asked-for half-close once output is flushed.
fn shut_down_write(conn: &Connection) {
    *conn.phase.borrow_mut() = Phase::HalfClosed;
    if let Err(error) = conn.with_socket(|socket| socket.shutdown_write()) {
        tracing::debug!(%error, "half-close failed");
    }
}
