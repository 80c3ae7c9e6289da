//! One connection's state: the socket and protocol the reactor owns, and
//! the part shared with [`Transport`] handles.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::Inner;
use super::stream::Stream;
use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, CloseReason, Protocol, WriteLimits};

/// Writes at least this large, made while nothing is queued, go to the
/// socket at once instead of being copied into the output buffer (what the
/// kernel does not take is queued). Smaller writes are gathered and sent
/// together when the callback returns.
const DIRECT_WRITE_MIN: usize = 8 * 1024;

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

/// Told once a connection ended, after its protocol (a client factory's
/// `connection_lost`).
pub(crate) type LostHook = Box<dyn FnOnce(&CloseReason)>;

/// What the reactor keeps in its table for an established connection.
pub(crate) struct Connection {
    pub(crate) stream: Stream,
    pub(crate) shared: Rc<ConnectionShared>,
    /// `None` only while one of the protocol's methods runs.
    pub(crate) protocol: Option<Box<dyn Protocol>>,
    /// Told after the protocol's `connection_lost` (a client factory).
    pub(crate) on_lost: Option<LostHook>,
}

/// A close that was asked for and not yet carried out.
#[derive(Clone, Debug)]
pub(crate) struct PendingClose {
    /// Close without flushing.
    pub(crate) abort: bool,
    pub(crate) reason: CloseReason,
}

/// The state a [`Transport`](crate::Transport) handle reaches. Every field
/// is a `Cell`/`RefCell` borrowed only for the duration of one method, so
/// transports may be used from any callback.
pub(crate) struct ConnectionShared {
    pub(crate) key: usize,
    pub(crate) id: u64,
    reactor: Weak<Inner>,
    out: RefCell<OutBuffer>,
    close: RefCell<Option<PendingClose>>,
    flags: Cell<Flags>,
    limits: Cell<WriteLimits>,
    peer: Address,
    local: Address,
}

/// Boolean state of a connection.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flags {
    /// In the reactor's list of connections to service after callbacks.
    pub(crate) queued: bool,
    /// The protocol asked not to receive data.
    pub(crate) reading_paused: bool,
    /// End of input was seen (no more reads).
    pub(crate) read_eof: bool,
    /// The poller reported that the peer closed its side: reads must go
    /// on until end of input even after a short read.
    pub(crate) peer_closed: bool,
    /// `pause_writing` was delivered and `resume_writing` not yet.
    pub(crate) writing_paused: bool,
    /// The protocol asked for a half-close once output is flushed.
    pub(crate) shutdown_write: bool,
    /// The sending side is shut down.
    pub(crate) write_shut: bool,
    /// The reactor must try reading again (reading resumed).
    pub(crate) read_again: bool,
    /// The socket refused a write (`EAGAIN`): no write is tried until the
    /// poller says it is writable again.
    pub(crate) send_blocked: bool,
    /// The connection is gone; everything is ignored.
    pub(crate) closed: bool,
}

impl ConnectionShared {
    pub(crate) fn new(
        key: usize,
        id: u64,
        reactor: Weak<Inner>,
        peer: Address,
        local: Address,
    ) -> Self {
        ConnectionShared {
            key,
            id,
            reactor,
            out: RefCell::new(OutBuffer::default()),
            close: RefCell::new(None),
            flags: Cell::new(Flags::default()),
            limits: Cell::new(WriteLimits::default()),
            peer,
            local,
        }
    }

    pub(crate) fn flags(&self) -> Flags {
        self.flags.get()
    }

    pub(crate) fn update(&self, change: impl FnOnce(&mut Flags)) {
        let mut flags = self.flags.get();
        change(&mut flags);
        self.flags.set(flags);
    }

    pub(crate) fn out(&self) -> &RefCell<OutBuffer> {
        &self.out
    }

    pub(crate) fn pending_close(&self) -> Option<PendingClose> {
        self.close.borrow().clone()
    }

    pub(crate) fn peer(&self) -> &Address {
        &self.peer
    }

    pub(crate) fn limits(&self) -> WriteLimits {
        self.limits.get()
    }

    /// Whether the reactor should read from the socket.
    pub(crate) fn wants_read(&self) -> bool {
        let flags = self.flags.get();
        !(flags.closed || flags.reading_paused || flags.read_eof) && self.close.borrow().is_none()
    }

    /// Asks for a close; a later abort overrides an earlier flushing close,
    /// otherwise the first reason stands.
    pub(crate) fn request_close(&self, abort: bool, reason: CloseReason) {
        if self.flags.get().closed {
            return;
        }
        {
            let mut close = self.close.borrow_mut();
            match close.as_ref() {
                Some(existing) if existing.abort || !abort => return,
                _ => *close = Some(PendingClose { abort, reason }),
            }
        }
        self.enqueue();
    }

    /// Marks the connection closed and frees its output buffer.
    pub(crate) fn mark_closed(&self) {
        self.update(|f| f.closed = true);
        *self.out.borrow_mut() = OutBuffer::default();
    }

    /// Puts the connection in the reactor's list of connections to service
    /// once the current callback returns.
    pub(crate) fn enqueue(&self) {
        if self.flags.get().queued {
            return;
        }
        if let Some(reactor) = self.reactor.upgrade() {
            self.update(|f| f.queued = true);
            reactor.enqueue(self.key, self.id);
        }
    }

    fn with_stream<R>(&self, f: impl FnOnce(&Stream) -> io::Result<R>) -> io::Result<R> {
        let reactor = self.reactor.upgrade().ok_or(io::ErrorKind::NotConnected)?;
        reactor.with_stream(self.key, self.id, f)
    }
}

impl TransportBackend for ConnectionShared {
    fn write(&self, data: &[u8]) {
        if data.is_empty() || self.is_closing() {
            return;
        }
        let idle = self.out.borrow().is_empty() && !self.flags.get().send_blocked;
        let rest = if data.len() >= DIRECT_WRITE_MIN && idle {
            match self.with_stream(|stream| send_now(stream, data)) {
                Ok(Some(sent)) => &data[sent..],
                Ok(None) => {
                    self.update(|f| f.send_blocked = true);
                    data
                }
                Err(error) => {
                    self.request_close(true, CloseReason::from(error));
                    return;
                }
            }
        } else {
            data
        };
        if !rest.is_empty() {
            self.out.borrow_mut().push(rest);
            self.enqueue();
        }
    }

    fn write_vectored(&self, parts: &[&[u8]]) {
        if self.is_closing() {
            return;
        }
        let mut out = self.out.borrow_mut();
        for part in parts {
            out.push(part);
        }
        drop(out);
        self.enqueue();
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
        if self.is_closing() {
            return;
        }
        self.update(|f| f.shutdown_write = true);
        self.enqueue();
    }

    fn is_closing(&self) -> bool {
        let flags = self.flags.get();
        flags.closed || flags.shutdown_write || self.close.borrow().is_some()
    }

    fn peer_address(&self) -> Address {
        self.peer.clone()
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }

    fn set_reading(&self, reading: bool) {
        let was_paused = self.flags.get().reading_paused;
        self.update(|f| f.reading_paused = !reading);
        if reading && was_paused {
            self.update(|f| f.read_again = true);
            self.enqueue();
        }
    }

    fn pending_bytes(&self) -> usize {
        self.out.borrow().len()
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
        self.enqueue();
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.with_stream(|s| s.set_nodelay(nodelay))
    }

    fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        self.with_stream(|s| s.set_keepalive(idle))
    }
}

/// Output waiting for the socket. Holds no allocation while empty, so an
/// idle connection costs nothing here.
#[derive(Debug, Default)]
pub(crate) struct OutBuffer {
    bytes: Vec<u8>,
    /// Bytes before this offset were already sent.
    sent: usize,
}

impl OutBuffer {
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.sent
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        // Reclaim the sent prefix before growing, so a connection that
        // streams steadily reuses one buffer.
        if self.sent > 0 && self.bytes.len() + data.len() > self.bytes.capacity() {
            self.bytes.drain(..self.sent);
            self.sent = 0;
        }
        self.bytes.extend_from_slice(data);
    }

    pub(crate) fn unsent(&self) -> &[u8] {
        &self.bytes[self.sent..]
    }

    /// Records that `n` more bytes were sent; frees the buffer once all were.
    pub(crate) fn consume(&mut self, n: usize) {
        self.sent += n;
        if self.sent >= self.bytes.len() {
            *self = OutBuffer::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OutBuffer;

    #[test]
    fn out_buffer_frees_itself_when_drained() {
        let mut out = OutBuffer::default();
        out.push(b"hello ");
        out.push(b"world");
        assert_eq!(out.unsent(), b"hello world");
        out.consume(6);
        assert_eq!(out.unsent(), b"world");
        out.push(b"!");
        assert_eq!(out.unsent(), b"world!");
        out.consume(6);
        assert!(out.is_empty());
        assert_eq!(out.bytes.capacity(), 0);
    }
}
