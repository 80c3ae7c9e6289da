//! Byte streams for async code, in the style of asyncio's
//! `open_connection` and `start_server`: a [`StreamReader`] with
//! [`read_line`](StreamReader::read_line),
//! [`read_exact`](StreamReader::read_exact) and
//! [`read`](StreamReader::read), a [`StreamWriter`] with
//! [`write`](StreamWriter::write), [`drain`](StreamWriter::drain) and
//! [`write_all`](StreamWriter::write_all).
//!
//! ```no_run
//! use weft::streams;
//!
//! weft::react(|reactor| async move {
//!     let (mut reader, writer) = streams::open_connection(&reactor, "tcp:host=localhost:port=8900")?
//!         .await?;
//!     writer.write_all(b"hello\n").await?;
//!     let reply = reader.read_line().await?;
//!     println!("{}", String::from_utf8_lossy(&reply));
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })
//! .unwrap()
//! .unwrap();
//! ```
//!
//! There is no second I/O path: a stream is a [`Protocol`](crate::Protocol)
//! (`StreamProtocol`) that buffers what arrives for the reader, and a
//! writer that writes to its [`Transport`](crate::Transport). Short reads
//! are lent by `data_received` and copied; once a read of 8 KiB or more
//! shows bulk data, the reactor reads straight into the reader's buffer
//! ([`Protocol::receive_in_place`](crate::Protocol::receive_in_place)),
//! and [`read_into`](StreamReader::read_into) hands that buffer over by
//! swapping it with the caller's: bulk bytes a reader keeps up with are
//! not copied in user space (a read that finds no room after unread
//! bytes is lent and copied instead). The reader's task runs right after
//! the read that woke it.
//! So streams get the reactor's write coalescing, its write limits, and
//! its flow control:
//! - when more than twice [`StreamLimits::read_buffer`] bytes wait
//!   unread, the connection stops reading until the reader is back down
//!   to that limit (asyncio's rule for its `limit`), so a fast peer and a
//!   slow reader cost bounded memory (twice the limit, plus one read);
//! - a line longer than that limit is an error
//!   ([`StreamError::LineTooLong`]) and closes the connection: memory
//!   stays bounded against a peer that never sends a newline;
//! - [`drain`](StreamWriter::drain) waits while the transport has paused
//!   writing (more than the high-water mark of
//!   [`WriteLimits`](crate::WriteLimits) pending).
//!
//! | file | what it holds |
//! | --- | --- |
//! | `buffer.rs` | what the protocol and the two handles share |
//! | `protocol.rs` | the protocol that fills it |
//! | `reader.rs` | [`StreamReader`] |
//! | `writer.rs` | [`StreamWriter`] |
//! | `error.rs` | [`StreamError`] |
//! | `open.rs` | [`open_connection`], [`start_server`], [`StreamLimits`] |

mod buffer;
mod error;
mod open;
mod protocol;
mod reader;
mod writer;

pub use error::StreamError;
pub use open::{OpenConnection, StreamLimits, open_connection, open_connection_with, start_server};
pub use reader::StreamReader;
pub use writer::StreamWriter;
