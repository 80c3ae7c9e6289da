//! [`StreamWriter`]: the writing end of a stream.

use std::fmt;
use std::rc::Rc;

use super::StreamError;
use super::buffer::Buffer;
use crate::Transport;

/// Writes to the peer (asyncio's `StreamWriter`).
///
/// [`write`](Self::write) queues bytes on the transport and never waits;
/// [`drain`](Self::drain) waits until the transport accepts more (its
/// pending bytes fell to the low-water mark of its
/// [`WriteLimits`](crate::WriteLimits)); [`write_all`](Self::write_all)
/// does both. Bytes written during one poll of a task go out in one
/// system call when the poll returns.
pub struct StreamWriter {
    buffer: Rc<Buffer>,
}

impl StreamWriter {
    pub(super) fn new(buffer: Rc<Buffer>) -> Self {
        StreamWriter { buffer }
    }

    /// Queues `data` to be sent. Ignored once the connection is closing.
    pub fn write(&self, data: &[u8]) {
        if let Some(transport) = self.buffer.transport() {
            transport.write(data);
        }
    }

    /// Waits until the transport takes more bytes; fails with
    /// [`StreamError::Closed`] if the connection ended.
    pub async fn drain(&self) -> Result<(), StreamError> {
        std::future::poll_fn(|cx| self.buffer.poll_drained(cx)).await
    }

    /// Writes `data`, then [`drain`](Self::drain)s.
    pub async fn write_all(&self, data: &[u8]) -> Result<(), StreamError> {
        if self.buffer.is_lost() {
            return self.drain().await;
        }
        self.write(data);
        self.drain().await
    }

    /// Closes the connection once what was written is sent.
    pub fn close(&self) {
        self.buffer.close();
    }

    /// The connection's transport (addresses, options, write limits).
    pub fn transport(&self) -> Option<Transport> {
        self.buffer.transport()
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        close_when_last_handle(&self.buffer);
    }
}

/// A reader or writer is being dropped: if it is the last of the two
/// (the protocol holds the only other reference), the connection is
/// closed after flushing.
pub(super) fn close_when_last_handle(buffer: &Rc<Buffer>) {
    if Rc::strong_count(buffer) <= 2 {
        buffer.close();
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter").finish_non_exhaustive()
    }
}
