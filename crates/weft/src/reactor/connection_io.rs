//! Where bytes are read and written: the reactor's work on established
//! connections, from readiness to `data_received`, from `write` to the
//! socket, and from a close request to `connection_lost`.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use mio::Token;

use super::connection::{Connection, ConnectionShared, LostHook, send_now};
use super::stream::Stream;
use super::{Inner, Source};
use crate::{Address, CloseReason, HalfClose, Protocol, Transport};

/// Reads per readiness event before yielding to other connections.
const READS_PER_EVENT: usize = 16;

impl Inner {
    /// Makes `stream` a connection served by `protocol`: registers it,
    /// calls `connection_made`, and services what that did.
    ///
    /// `replace` is the key of the entry the connection takes over (a
    /// finished connect), or `None` for a new entry (an accept).
    pub(crate) fn adopt(
        self: &Rc<Self>,
        replace: Option<usize>,
        mut stream: Stream,
        peer: Address,
        protocol: Box<dyn Protocol>,
        on_lost: Option<LostHook>,
    ) {
        let key = replace.unwrap_or_else(|| self.sources.borrow().vacant_key());
        if let Err(error) = stream.register(&self.registry, Token(key)) {
            tracing::error!(%error, "cannot register a new connection; closing it");
            if let Some(key) = replace {
                self.sources.borrow_mut().remove(key);
            }
            let mut protocol = protocol;
            let reason = CloseReason::from(error);
            guarded("connection_lost", || protocol.connection_lost(&reason));
            if let Some(on_lost) = on_lost {
                guarded("connection lost notification", || on_lost(&reason));
            }
            return;
        }
        // Like asyncio, Go and Netty: small writes go out at once.
        let _ = stream.set_nodelay(true);
        let id = self.take_id();
        let local = stream.local_address().unwrap_or(Address::Unix(None));
        let shared = Rc::new(ConnectionShared::new(
            key,
            id,
            Rc::downgrade(self),
            peer,
            local,
        ));
        let connection = Source::Connection(Connection {
            stream,
            shared: shared.clone(),
            protocol: Some(protocol),
            on_lost,
        });
        match replace {
            Some(key) => self.sources.borrow_mut()[key] = connection,
            None => {
                self.sources.borrow_mut().insert(connection);
            }
        }
        let transport = Transport::new(shared);
        self.call_protocol(key, id, |p| p.connection_made(transport));
        self.service_touched();
    }

    /// Readiness for an established connection.
    pub(crate) fn connection_ready(
        self: &Rc<Self>,
        key: usize,
        id: u64,
        event: &mio::event::Event,
    ) {
        if event.is_writable() || event.is_error() {
            if let Some(shared) = self.shared(key, id) {
                shared.update(|f| f.send_blocked = false);
            }
            self.service(key, id);
            self.service_touched();
        }
        if event.is_read_closed() {
            if let Some(shared) = self.shared(key, id) {
                shared.update(|f| f.peer_closed = true);
            }
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read(key, id);
        }
    }

    /// Reads and delivers data until the socket is drained, the protocol
    /// pauses or closes, or the per-event budget runs out (then the
    /// connection is serviced again on the next iteration).
    ///
    /// A read shorter than the buffer means the socket was drained, since
    /// readiness is edge-triggered and new data raises a new edge; this
    /// saves the `EAGAIN` read (Netty does the same). Once the poller said
    /// the peer closed its side, reading goes on to reach the end of input.
    pub(crate) fn read(self: &Rc<Self>, key: usize, id: u64) {
        let mut buffer = self.read_buffer.borrow_mut();
        for _ in 0..READS_PER_EVENT {
            let (outcome, peer_closed) = {
                let sources = self.sources.borrow();
                match connection(&sources, key, id) {
                    Some(conn) if conn.shared.wants_read() => (
                        conn.stream.read(&mut buffer),
                        conn.shared.flags().peer_closed,
                    ),
                    _ => return,
                }
            };
            match outcome {
                Ok(0) => {
                    drop(buffer);
                    self.end_of_input(key, id);
                    return;
                }
                Ok(n) => {
                    self.call_protocol(key, id, |p| p.data_received(&buffer[..n]));
                    self.service_touched();
                    if n < buffer.len() && !peer_closed {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    drop(buffer);
                    self.finish(key, id, CloseReason::from(e));
                    self.service_touched();
                    return;
                }
            }
        }
        self.again.borrow_mut().push((key, id));
    }

    fn end_of_input(self: &Rc<Self>, key: usize, id: u64) {
        let Some(shared) = self.shared(key, id) else {
            return;
        };
        shared.update(|f| f.read_eof = true);
        let choice = self.call_protocol(key, id, |p| p.eof_received());
        if choice != Some(HalfClose::KeepOpen) {
            shared.request_close(false, CloseReason::PeerClosed);
        }
        self.service_touched();
    }

    /// Services every connection touched by callbacks until none is left
    /// (servicing runs callbacks, which may touch more).
    pub(crate) fn service_touched(self: &Rc<Self>) {
        loop {
            let next = self.touched.borrow_mut().pop();
            let Some((key, id)) = next else {
                return;
            };
            if let Some(shared) = self.shared(key, id) {
                shared.update(|f| f.queued = false);
                self.service(key, id);
            }
        }
    }

    /// Flushes a connection's output, then carries out what its state
    /// asks for: abort, close once flushed, half-close, flow control,
    /// resumed reading.
    fn service(self: &Rc<Self>, key: usize, id: u64) {
        let Some(shared) = self.shared(key, id) else {
            return;
        };
        let close = shared.pending_close();
        if let Some(close) = close.as_ref().filter(|c| c.abort) {
            self.finish(key, id, close.reason.clone());
            return;
        }
        if let Err(error) = self.flush(key, id, &shared) {
            self.finish(key, id, CloseReason::from(error));
            return;
        }
        let pending = shared.out().borrow().len();
        if pending == 0 {
            if let Some(close) = close {
                self.finish(key, id, close.reason);
                return;
            }
            self.shut_down_write_if_asked(key, id, &shared);
        }
        self.apply_flow_control(key, id, &shared, pending);
        if shared.flags().read_again {
            shared.update(|f| f.read_again = false);
            self.again.borrow_mut().push((key, id));
        }
    }

    /// Writes pending output until done or the kernel buffer is full;
    /// after the socket refused a write, waits for it to become writable
    /// instead of asking again.
    fn flush(&self, key: usize, id: u64, shared: &ConnectionShared) -> io::Result<()> {
        if shared.flags().send_blocked {
            return Ok(());
        }
        let sources = self.sources.borrow();
        let Some(conn) = connection(&sources, key, id) else {
            return Ok(());
        };
        let mut out = shared.out().borrow_mut();
        while !out.is_empty() {
            let unsent = out.unsent();
            match send_now(&conn.stream, unsent)? {
                Some(sent) => {
                    let short = sent < unsent.len();
                    out.consume(sent);
                    if short {
                        break;
                    }
                }
                None => {
                    shared.update(|f| f.send_blocked = true);
                    break;
                }
            }
        }
        Ok(())
    }

    fn shut_down_write_if_asked(&self, key: usize, id: u64, shared: &ConnectionShared) {
        let flags = shared.flags();
        if !flags.shutdown_write || flags.write_shut {
            return;
        }
        shared.update(|f| f.write_shut = true);
        let sources = self.sources.borrow();
        if let Some(conn) = connection(&sources, key, id) {
            if let Err(error) = conn.stream.shutdown_write() {
                tracing::debug!(%error, "half-close failed");
            }
        }
    }

    fn apply_flow_control(
        self: &Rc<Self>,
        key: usize,
        id: u64,
        shared: &ConnectionShared,
        pending: usize,
    ) {
        let limits = shared.limits();
        let paused = shared.flags().writing_paused;
        if let Some(max) = limits.max.filter(|max| pending > *max) {
            self.finish(
                key,
                id,
                CloseReason::WriteBufferFull {
                    pending,
                    limit: max,
                },
            );
        } else if pending > limits.high && !paused {
            shared.update(|f| f.writing_paused = true);
            self.call_protocol(key, id, |p| p.pause_writing());
        } else if pending <= limits.low && paused {
            shared.update(|f| f.writing_paused = false);
            self.call_protocol(key, id, |p| p.resume_writing());
        }
    }

    /// Closes the connection now and tells its protocol (and client
    /// factory) why. Does nothing if it is already gone.
    pub(crate) fn finish(self: &Rc<Self>, key: usize, id: u64, reason: CloseReason) {
        let removed = {
            let mut sources = self.sources.borrow_mut();
            if connection(&sources, key, id).is_none() {
                return;
            }
            sources.remove(key)
        };
        let Source::Connection(mut conn) = removed else {
            unreachable!("checked to be a connection above");
        };
        conn.stream.deregister(&self.registry);
        drop(conn.stream);
        conn.shared.mark_closed();
        tracing::debug!(peer = %conn.shared.peer(), %reason, "connection closed");
        if let Some(mut protocol) = conn.protocol.take() {
            guarded("connection_lost", || protocol.connection_lost(&reason));
        }
        if let Some(on_lost) = conn.on_lost.take() {
            guarded("connection lost notification", || on_lost(&reason));
        }
    }

    /// Calls one of a connection's protocol methods with no borrow of the
    /// reactor held. A panic aborts the connection with the panic's message.
    pub(crate) fn call_protocol<R>(
        &self,
        key: usize,
        id: u64,
        call: impl FnOnce(&mut dyn Protocol) -> R,
    ) -> Option<R> {
        let mut protocol = {
            let mut sources = self.sources.borrow_mut();
            match sources.get_mut(key) {
                Some(Source::Connection(conn)) if conn.shared.id == id => conn.protocol.take()?,
                _ => return None,
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| call(&mut *protocol)));
        let shared = {
            let mut sources = self.sources.borrow_mut();
            match sources.get_mut(key) {
                Some(Source::Connection(conn)) if conn.shared.id == id => {
                    conn.protocol = Some(protocol);
                    conn.shared.clone()
                }
                _ => return None,
            }
        };
        match outcome {
            Ok(result) => Some(result),
            Err(panic) => {
                let message = crate::panic_message(panic.as_ref());
                tracing::error!(peer = %shared.peer(), panic = %message,
                    "a protocol panicked; its connection is aborted");
                shared.request_close(true, CloseReason::Panicked(message.into()));
                None
            }
        }
    }

    /// The shared state of connection `(key, id)`, if it is still open.
    pub(crate) fn shared(&self, key: usize, id: u64) -> Option<Rc<ConnectionShared>> {
        let sources = self.sources.borrow();
        connection(&sources, key, id).map(|conn| conn.shared.clone())
    }

    /// Runs `f` on the socket of connection `(key, id)`.
    pub(crate) fn with_stream<R>(
        &self,
        key: usize,
        id: u64,
        f: impl FnOnce(&Stream) -> io::Result<R>,
    ) -> io::Result<R> {
        let sources = self.sources.borrow();
        match connection(&sources, key, id) {
            Some(conn) => f(&conn.stream),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// The connection registered as `(key, id)`, if it still is.
fn connection(sources: &slab::Slab<Source>, key: usize, id: u64) -> Option<&Connection> {
    match sources.get(key) {
        Some(Source::Connection(conn)) if conn.shared.id == id => Some(conn),
        _ => None,
    }
}

/// Runs a user callback that must not unwind into the reactor.
pub(crate) fn guarded(what: &str, callback: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(callback)) {
        tracing::error!(
            callback = what,
            panic = %crate::panic_message(panic.as_ref()),
            "a callback panicked; the reactor goes on"
        );
    }
}
