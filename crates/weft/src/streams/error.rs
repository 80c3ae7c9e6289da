//! [`StreamError`]: why a stream operation failed.

use crate::CloseReason;

/// Why a [`StreamReader`](super::StreamReader) or
/// [`StreamWriter`](super::StreamWriter) operation failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StreamError {
    /// The peer closed before `expected` bytes came; `partial` holds what
    /// did (asyncio's `IncompleteReadError`).
    #[error("the stream ended after {} of {expected} bytes", partial.len())]
    Incomplete {
        /// How many bytes were asked for.
        expected: usize,
        /// What came before the end.
        partial: Vec<u8>,
    },
    /// No newline came within the reader's limit; the connection was
    /// closed (asyncio's `LimitOverrunError`).
    #[error("a line longer than {limit} bytes; the connection was closed")]
    LineTooLong {
        /// The reader's limit.
        limit: usize,
    },
    /// The connection ended (for the writer: it can no longer send).
    #[error("the connection ended: {0}")]
    Closed(CloseReason),
}
