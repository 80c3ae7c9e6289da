//! [`Buffer`]: what a stream's protocol and its two handles share.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::StreamError;
use crate::{CloseReason, Transport};

/// The bytes read and not yet taken, the state of the connection, and who
/// waits for what.
pub(super) struct Buffer {
    /// Bytes read; those before `start` were taken already.
    bytes: RefCell<Vec<u8>>,
    start: Cell<usize>,
    /// Reading pauses past twice this many unread bytes and resumes at
    /// this many (asyncio's rule); also the longest line.
    limit: usize,
    transport: RefCell<Option<Transport>>,
    reading_paused: Cell<bool>,
    writing_paused: Cell<bool>,
    /// The peer sent its end of stream.
    eof: Cell<bool>,
    lost: RefCell<Option<CloseReason>>,
    reader: Waiter,
    writer: Waiter,
    /// The socket's bytes are read straight into `bytes`.
    in_place: Cell<bool>,
}

/// A lent read at least this large switches a stream to reading in place.
const IN_PLACE_FROM: usize = 8 * 1024;
/// The buffer an empty stream reads into in place: large, so that a busy
/// stream is read in few system calls, and below the size from which
/// glibc's allocator maps each block anew (128 KiB) and unmaps it when
/// freed, so that a stream's buffers come from the heap and are not
/// fresh pages to fault in (256 KiB buffers made a stream echo fault in
/// twice as many pages, and cost about 5% more CPU per MiB).
const IN_PLACE_READ: usize = 120 * 1024;
/// Less room than this after unread bytes, and the read is lent instead.
const IN_PLACE_MIN_ROOM: usize = 16 * 1024;

impl Buffer {
    pub(super) fn new(limit: usize) -> Rc<Self> {
        Rc::new(Buffer {
            bytes: RefCell::new(Vec::new()),
            start: Cell::new(0),
            limit,
            transport: RefCell::new(None),
            reading_paused: Cell::new(false),
            writing_paused: Cell::new(false),
            eof: Cell::new(false),
            lost: RefCell::new(None),
            reader: Waiter::default(),
            writer: Waiter::default(),
            in_place: Cell::new(false),
        })
    }

    pub(super) fn limit(&self) -> usize {
        self.limit
    }

    // ---- the protocol's side ----

    pub(super) fn connected(&self, transport: Transport) {
        *self.transport.borrow_mut() = Some(transport);
    }

    /// Bytes lent by `data_received`, copied in. A copy this large tells
    /// the stream carries bulk data: from then on it reads in place.
    pub(super) fn received(&self, data: &[u8]) {
        self.bytes.borrow_mut().extend_from_slice(data);
        if data.len() >= IN_PLACE_FROM {
            self.in_place.set(true);
        }
        self.after_receiving();
    }

    /// Has the reactor append the socket's bytes to the unread ones, once
    /// the stream carries bulk data; until then small reads are lent and
    /// copied (cheap), so that a connection exchanging short messages
    /// holds no large buffer. Reads in place only into room already
    /// there, or into an [`IN_PLACE_READ`] buffer when nothing is unread:
    /// never by growing a buffer that holds bytes, which would copy them
    /// and touch fresh memory.
    pub(super) fn receive_in_place(&self, read: &mut dyn FnMut(&mut Vec<u8>) -> usize) {
        if !self.in_place.get() {
            return;
        }
        let count = {
            let mut bytes = self.bytes.borrow_mut();
            if self.start.get() == bytes.len() {
                bytes.clear();
                self.start.set(0);
                if bytes.capacity() < IN_PLACE_READ {
                    *bytes = Vec::with_capacity(IN_PLACE_READ);
                }
            }
            if bytes.capacity() - bytes.len() < IN_PLACE_MIN_ROOM {
                return;
            }
            read(&mut bytes)
        };
        if count > 0 {
            self.after_receiving();
        }
    }

    /// Pauses reading past twice the limit, and wakes the reader.
    fn after_receiving(&self) {
        if self.unread() > 2 * self.limit && !self.reading_paused.replace(true) {
            if let Some(transport) = &*self.transport.borrow() {
                transport.pause_reading();
            }
        }
        self.reader.wake();
    }

    pub(super) fn end_of_stream(&self) {
        self.eof.set(true);
        self.reader.wake();
    }

    pub(super) fn lost(&self, reason: &CloseReason) {
        self.eof.set(true);
        *self.lost.borrow_mut() = Some(reason.clone());
        self.reader.wake();
        self.writer.wake();
    }

    pub(super) fn set_writing_paused(&self, paused: bool) {
        self.writing_paused.set(paused);
        if !paused {
            self.writer.wake();
        }
    }

    // ---- the reader's side ----

    fn unread(&self) -> usize {
        self.bytes.borrow().len() - self.start.get()
    }

    /// Looks at the unread bytes: `decide` returns how many to take, if
    /// it can decide now; otherwise the reader waits for more (or the
    /// end, which `decide` learns through its second argument). What is
    /// taken replaces the contents of `out`.
    pub(super) fn poll_take(
        &self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
        decide: impl FnOnce(&[u8], bool) -> Option<Result<usize, StreamError>>,
    ) -> Poll<Result<(), StreamError>> {
        let decision = {
            let bytes = self.bytes.borrow();
            decide(&bytes[self.start.get()..], self.eof.get())
        };
        match decision {
            None => {
                self.reader.park(cx);
                Poll::Pending
            }
            Some(Err(error)) => Poll::Ready(Err(error)),
            Some(Ok(count)) => {
                self.take_into(count, out);
                Poll::Ready(Ok(()))
            }
        }
    }

    /// Moves the next `count` unread bytes into `out` (replacing what it
    /// held). Taking all of them swaps the two buffers instead of copying,
    /// so a reader that keeps up and reuses `out` neither copies nor
    /// allocates.
    fn take_into(&self, count: usize, out: &mut Vec<u8>) {
        out.clear();
        let mut bytes = self.bytes.borrow_mut();
        let start = self.start.get();
        let end = start + count;
        if end == bytes.len() {
            std::mem::swap(&mut *bytes, out);
            out.drain(..start);
            self.start.set(0);
        } else {
            out.extend_from_slice(&bytes[start..end]);
            if end > bytes.len() / 2 {
                bytes.drain(..end);
                self.start.set(0);
            } else {
                self.start.set(end);
            }
        }
        drop(bytes);
        if self.reading_paused.get() && self.unread() <= self.limit {
            self.reading_paused.set(false);
            if let Some(transport) = &*self.transport.borrow() {
                transport.resume_reading();
            }
        }
    }

    pub(super) fn at_eof(&self) -> bool {
        self.eof.get() && self.unread() == 0
    }

    /// Why the connection ended, if it did not end cleanly.
    pub(super) fn failure(&self) -> Option<CloseReason> {
        self.lost
            .borrow()
            .clone()
            .filter(|reason| !reason.is_clean())
    }

    // ---- the writer's side ----

    pub(super) fn transport(&self) -> Option<Transport> {
        self.transport.borrow().clone()
    }

    pub(super) fn poll_drained(&self, cx: &mut Context<'_>) -> Poll<Result<(), StreamError>> {
        if let Some(reason) = self.lost.borrow().clone() {
            return Poll::Ready(Err(StreamError::Closed(reason)));
        }
        if self.writing_paused.get() {
            self.writer.park(cx);
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    pub(super) fn is_lost(&self) -> bool {
        self.lost.borrow().is_some()
    }

    pub(super) fn close(&self) {
        if let Some(transport) = &*self.transport.borrow() {
            transport.lose_connection();
        }
    }
}

/// The task that waits for the reader's bytes or the writer's drain. Its
/// waker is kept between waits, so a task that waits again and again (a
/// read loop) is not cloned each time; it is woken only while it waits.
#[derive(Default)]
struct Waiter {
    waker: Cell<Option<Waker>>,
    waiting: Cell<bool>,
}

impl Waiter {
    fn park(&self, cx: &Context<'_>) {
        let kept = match self.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        self.waker.set(Some(kept));
        self.waiting.set(true);
    }

    fn wake(&self) {
        if !self.waiting.replace(false) {
            return;
        }
        let waker = self.waker.take();
        if let Some(waker) = &waker {
            waker.wake_by_ref();
        }
        // Unless waking made the task wait again meanwhile, with its
        // own waker, keep this one for the next wait.
        let newer = self.waker.take();
        self.waker.set(newer.or(waker));
    }
}
