//! [`StreamReader`]: the reading end of a stream.

use std::fmt;
use std::rc::Rc;

use super::StreamError;
use super::buffer::Buffer;

/// Reads what the peer sends (asyncio's `StreamReader`).
///
/// Each read waits until it can complete: it never blocks the reactor.
/// At the peer's end of stream a read returns what is left; after a
/// connection that ended in error (a reset, say), reads fail with
/// [`StreamError::Closed`] once the buffer is empty. Dropping both the
/// reader and the [`StreamWriter`](super::StreamWriter) closes the
/// connection.
pub struct StreamReader {
    buffer: Rc<Buffer>,
}

impl StreamReader {
    pub(super) fn new(buffer: Rc<Buffer>) -> Self {
        StreamReader { buffer }
    }

    /// Reads one line: the bytes up to and including `\n`. At the end of
    /// the stream, what is left (without a newline), then empty reads.
    ///
    /// A line longer than the reader's limit fails with
    /// [`StreamError::LineTooLong`] and closes the connection.
    pub async fn read_line(&mut self) -> Result<Vec<u8>, StreamError> {
        let limit = self.buffer.limit();
        let mut line = Vec::new();
        self.read_with(&mut line, move |unread, ended| {
            match memchr::memchr(b'\n', unread) {
                Some(end) if end < limit => Some(Ok(end + 1)),
                None if ended => Some(Ok(unread.len())),
                None if unread.len() < limit => None,
                _ => Some(Err(StreamError::LineTooLong { limit })),
            }
        })
        .await?;
        Ok(line)
    }

    /// Reads exactly `count` bytes; fails with [`StreamError::Incomplete`]
    /// (holding what came) if the stream ends first.
    ///
    /// `count` may exceed the reader's limit: the bytes are then gathered
    /// in turns, each no larger than the limit.
    pub async fn read_exact(&mut self, count: usize) -> Result<Vec<u8>, StreamError> {
        let mut gathered = Vec::with_capacity(count.min(self.buffer.limit()));
        let mut part = Vec::new();
        while gathered.len() < count {
            let want = (count - gathered.len()).min(self.buffer.limit());
            self.read_with(&mut part, move |unread, ended| {
                (unread.len() >= want || ended).then(|| Ok(unread.len().min(want)))
            })
            .await?;
            if part.is_empty() {
                return Err(StreamError::Incomplete {
                    expected: count,
                    partial: gathered,
                });
            }
            gathered.extend_from_slice(&part);
        }
        Ok(gathered)
    }

    /// Reads what is there, at most `max` bytes, waiting until there is
    /// something; empty only at the end of the stream.
    pub async fn read(&mut self, max: usize) -> Result<Vec<u8>, StreamError> {
        let mut out = Vec::new();
        self.read_into(&mut out, max).await?;
        Ok(out)
    }

    /// [`read`](Self::read) into `out`, replacing its contents; gives how
    /// many bytes came (0 only at the end of the stream). A loop that
    /// reuses one `out` reads with no allocation and, when it keeps up,
    /// no copy: taking every unread byte swaps the reader's buffer with
    /// `out`, and bulk data was read into that buffer in place.
    pub async fn read_into(&mut self, out: &mut Vec<u8>, max: usize) -> Result<usize, StreamError> {
        self.read_with(out, move |unread, ended| {
            (!unread.is_empty() || ended).then(|| Ok(unread.len().min(max)))
        })
        .await?;
        Ok(out.len())
    }

    /// Whether the peer ended the stream and every byte was read.
    pub fn at_eof(&self) -> bool {
        self.buffer.at_eof()
    }

    /// Waits until `decide` can say how many unread bytes to take, and
    /// moves them into `out`.
    async fn read_with(
        &mut self,
        out: &mut Vec<u8>,
        decide: impl Fn(&[u8], bool) -> Option<Result<usize, StreamError>>,
    ) -> Result<(), StreamError> {
        let buffer = self.buffer.clone();
        let taken = std::future::poll_fn(|cx| buffer.poll_take(cx, out, &decide)).await;
        match taken {
            Ok(()) if out.is_empty() => match self.buffer.failure() {
                Some(reason) => Err(StreamError::Closed(reason)),
                None => Ok(()),
            },
            Ok(()) => Ok(()),
            Err(error) => {
                if matches!(error, StreamError::LineTooLong { .. }) {
                    self.buffer.close();
                }
                Err(error)
            }
        }
    }
}

impl Drop for StreamReader {
    fn drop(&mut self) {
        super::writer::close_when_last_handle(&self.buffer);
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader").finish_non_exhaustive()
    }
}
