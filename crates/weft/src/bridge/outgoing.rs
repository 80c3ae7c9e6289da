//! [`Outgoing`]: what the two sides of one bridged connection share — the
//! bytes the protocol wrote and the link has not written yet, the end the
//! protocol asked for, and the credits of the link's reader.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, Semaphore};

use super::CHUNKS_IN_FLIGHT;

/// How the protocol asked its side of the stream to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ending {
    /// Not yet.
    Open,
    /// Write what is queued, then shut the sending side down; reading
    /// goes on.
    ShutdownWrite,
    /// Write what is queued, shut down, and end.
    Close,
    /// End at once, dropping what is queued.
    Abort,
}

/// The queue the protocol writes to and the link writes from.
#[derive(Debug)]
struct Queue {
    /// Written by the protocol, not yet taken by the link.
    bytes: Vec<u8>,
    /// Taken by the link and not yet written to the stream.
    in_flight: usize,
    ending: Ending,
    /// Whether the protocol was told to pause writing and not yet to
    /// resume.
    paused: bool,
    /// The low-water mark at which a paused protocol resumes.
    low: usize,
}

/// Shared by the reactor side and the link of one connection.
#[derive(Debug)]
pub(crate) struct Outgoing {
    queue: Mutex<Queue>,
    /// Wakes the link's writer: bytes were queued, or an end asked for.
    pub(crate) wake: Notify,
    /// Wakes the link when the protocol aborts: it stops whatever it
    /// waits for.
    pub(crate) abort: Notify,
    /// One per chunk the link may read ahead of the protocol.
    pub(crate) credits: Semaphore,
}

/// What the link's writer is to do next.
pub(crate) enum Batch {
    /// Write these bytes (then [`Outgoing::written`]).
    Write(Vec<u8>),
    /// Nothing queued: wait, or end as said.
    Idle(Ending),
}

impl Outgoing {
    /// Nothing queued, nothing asked, every credit with the link.
    pub(crate) fn new() -> Self {
        Outgoing {
            queue: Mutex::new(Queue {
                bytes: Vec::new(),
                in_flight: 0,
                ending: Ending::Open,
                paused: false,
                low: 0,
            }),
            wake: Notify::new(),
            abort: Notify::new(),
            credits: Semaphore::new(CHUNKS_IN_FLIGHT),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `parts` for the link; returns the bytes now pending.
    pub(crate) fn push(&self, parts: &[&[u8]]) -> usize {
        let pending = {
            let mut queue = self.queue();
            for part in parts {
                queue.bytes.extend_from_slice(part);
            }
            queue.bytes.len() + queue.in_flight
        };
        self.wake.notify_one();
        pending
    }

    /// Bytes queued or being written.
    pub(crate) fn pending(&self) -> usize {
        let queue = self.queue();
        queue.bytes.len() + queue.in_flight
    }

    /// The protocol was told to pause writing; `low` is where it resumes.
    pub(crate) fn pause(&self, low: usize) {
        let mut queue = self.queue();
        queue.paused = true;
        queue.low = low;
    }

    /// Asks for `ending` (a later, stronger ending replaces a weaker one).
    pub(crate) fn end(&self, ending: Ending) {
        {
            let mut queue = self.queue();
            queue.ending = queue.ending.max(ending);
            if ending == Ending::Abort {
                queue.bytes = Vec::new();
            }
        }
        self.wake.notify_one();
        if ending == Ending::Abort {
            self.abort.notify_one();
        }
    }

    /// For the link's writer: the queued bytes, taken, or what to do with
    /// none.
    pub(crate) fn take(&self) -> Batch {
        let mut queue = self.queue();
        if queue.ending == Ending::Abort || queue.bytes.is_empty() {
            return Batch::Idle(queue.ending);
        }
        let bytes = std::mem::take(&mut queue.bytes);
        queue.in_flight = bytes.len();
        Batch::Write(bytes)
    }

    /// For the link's writer: the batch taken last was written. Returns
    /// whether a paused protocol is now to resume writing.
    pub(crate) fn written(&self) -> bool {
        let mut queue = self.queue();
        queue.in_flight = 0;
        let resume = queue.paused && queue.bytes.len() <= queue.low;
        if resume {
            queue.paused = false;
        }
        resume
    }
}
