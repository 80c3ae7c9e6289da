//! [`StreamProtocol`]: the protocol behind a stream, which buffers what
//! arrives for the reader.

use std::rc::Rc;

use super::buffer::Buffer;
use crate::{CloseReason, HalfClose, Protocol, Transport};

/// Fills a stream's [`Buffer`] and keeps it told of the connection's
/// state; everything else is the handles' work.
pub(super) struct StreamProtocol {
    buffer: Rc<Buffer>,
}

impl StreamProtocol {
    pub(super) fn new(buffer: Rc<Buffer>) -> Self {
        StreamProtocol { buffer }
    }
}

impl Protocol for StreamProtocol {
    fn connection_made(&mut self, transport: Transport) {
        self.buffer.connected(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.buffer.received(data);
    }

    /// Bulk data is read straight into the reader's buffer.
    fn receive_in_place(&mut self, read: &mut dyn FnMut(&mut Vec<u8>) -> usize) {
        self.buffer.receive_in_place(read);
    }

    /// The reader sees the end; the writer may still send (asyncio's
    /// streams keep a half-closed connection open).
    fn eof_received(&mut self) -> HalfClose {
        self.buffer.end_of_stream();
        HalfClose::KeepOpen
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.buffer.lost(reason);
    }

    fn pause_writing(&mut self) {
        self.buffer.set_writing_paused(true);
    }

    fn resume_writing(&mut self) {
        self.buffer.set_writing_paused(false);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::streams::{StreamError, StreamReader, StreamWriter};
    use crate::testing::{Clock, StringTransport};

    fn connected(limit: usize) -> (StreamProtocol, StreamReader, StreamWriter, StringTransport) {
        let buffer = Buffer::new(limit);
        let mut protocol = StreamProtocol::new(buffer.clone());
        let peer = StringTransport::new();
        protocol.connection_made(peer.transport());
        (
            protocol,
            StreamReader::new(buffer.clone()),
            StreamWriter::new(buffer),
            peer,
        )
    }

    #[test]
    fn reading_pauses_past_twice_the_limit_and_resumes_at_the_limit() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, peer) = connected(8);
        protocol.data_received(b"0123456\n");
        protocol.data_received(b"abcdefg\n");
        assert!(
            peer.is_reading(),
            "16 unread bytes: not past twice the limit"
        );
        protocol.data_received(b"x");
        assert!(!peer.is_reading(), "17 unread bytes: reading paused");
        let task = clock.spawn(async move { reader.read_line().await.ok() });
        clock.advance(Duration::ZERO);
        assert_eq!(task.try_take(), Some(Ok(Some(b"0123456\n".to_vec()))));
        assert!(!peer.is_reading(), "9 unread bytes: still above the limit");
        let (mut protocol, mut reader, _writer, peer) = connected(8);
        protocol.data_received(b"0123456\nabcdefg\nxy");
        let task = clock.spawn(async move {
            let first = reader.read_line().await.ok();
            let second = reader.read_line().await.ok();
            (first, second)
        });
        clock.advance(Duration::ZERO);
        assert!(task.is_finished());
        assert!(peer.is_reading(), "2 unread bytes: reading resumed");
    }

    #[test]
    fn a_line_longer_than_the_limit_fails_and_closes_the_connection() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, peer) = connected(8);
        protocol.data_received(b"0123456789");
        let task = clock.spawn(async move { reader.read_line().await.map_err(|e| e.to_string()) });
        clock.advance(Duration::ZERO);
        assert_eq!(
            task.try_take(),
            Some(Ok(Err(
                "a line longer than 8 bytes; the connection was closed".into()
            )))
        );
        assert!(peer.lose_connection_called());
    }

    #[test]
    fn read_exact_gathers_past_the_limit_and_reports_an_early_end() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, _peer) = connected(4);
        let task = clock.spawn(async move {
            let whole = reader.read_exact(10).await;
            let short = reader.read_exact(5).await;
            (whole, short)
        });
        clock.advance(Duration::ZERO);
        protocol.data_received(b"0123456");
        clock.advance(Duration::ZERO);
        protocol.data_received(b"789ab");
        clock.advance(Duration::ZERO);
        assert!(!task.is_finished());
        protocol.eof_received();
        clock.advance(Duration::ZERO);
        let (whole, short) = task.try_take().unwrap().unwrap();
        assert_eq!(whole.unwrap(), b"0123456789");
        assert!(
            matches!(short, Err(StreamError::Incomplete { expected: 5, ref partial }) if partial == b"ab"),
            "{short:?}"
        );
    }

    #[test]
    fn drain_waits_while_writing_is_paused_and_fails_once_the_connection_is_gone() {
        let clock = Clock::new();
        let (mut protocol, _reader, writer, peer) = connected(8);
        let writer = std::rc::Rc::new(writer);
        let w = writer.clone();
        protocol.pause_writing();
        let task =
            clock.spawn(async move { w.write_all(b"data").await.map_err(|e| e.to_string()) });
        clock.advance(Duration::ZERO);
        assert_eq!(peer.written(), b"data", "write never waits");
        assert!(!task.is_finished(), "drain waits for resume_writing");
        protocol.resume_writing();
        clock.advance(Duration::ZERO);
        assert_eq!(task.try_take(), Some(Ok(Ok(()))));
        protocol.connection_lost(&CloseReason::Done);
        let w = writer.clone();
        let after = clock.spawn(async move { w.drain().await.is_err() });
        clock.advance(Duration::ZERO);
        assert_eq!(after.try_take(), Some(Ok(true)));
    }

    #[test]
    fn read_into_takes_at_most_its_maximum_and_replaces_what_it_held() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, _peer) = connected(64);
        protocol.data_received(b"abcdef");
        let task = clock.spawn(async move {
            let mut chunk = b"old".to_vec();
            let first = reader.read_into(&mut chunk, 4).await.ok();
            let seen = chunk.clone();
            let second = reader.read_into(&mut chunk, 4).await.ok();
            (first, seen, second, chunk)
        });
        clock.advance(Duration::ZERO);
        let (first, seen, second, chunk) = task.try_take().unwrap().unwrap();
        assert_eq!((first, seen.as_slice()), (Some(4), &b"abcd"[..]));
        assert_eq!((second, chunk.as_slice()), (Some(2), &b"ef"[..]));
    }

    /// Offers `protocol` the bytes `incoming` in place; gives whether it
    /// took them so, and the spare capacity it offered.
    fn offer_in_place(protocol: &mut StreamProtocol, incoming: &[u8]) -> Option<usize> {
        let mut offered = None;
        protocol.receive_in_place(&mut |own: &mut Vec<u8>| {
            let room = own.capacity() - own.len();
            offered = Some(room);
            let count = incoming.len().min(room);
            own.extend_from_slice(&incoming[..count]);
            count
        });
        offered
    }

    #[test]
    fn short_reads_are_lent_and_bulk_ones_taken_in_place_in_order() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, _peer) = connected(64 * 1024);
        assert_eq!(
            offer_in_place(&mut protocol, b"x"),
            None,
            "short reads are lent"
        );
        protocol.data_received(b"ab");
        protocol.data_received(&[b'c'; 8 * 1024]);
        let task = clock.spawn(async move {
            let mut all = Vec::new();
            while all.len() < 2 + 8 * 1024 + 3 {
                all.extend(reader.read(usize::MAX).await.unwrap());
            }
            all
        });
        clock.advance(Duration::ZERO);
        let room = offer_in_place(&mut protocol, b"def").expect("bulk data goes in place");
        assert!(room >= 64 * 1024, "room for a bulk read: {room}");
        clock.advance(Duration::ZERO);
        let all = task.try_take().unwrap().unwrap();
        assert_eq!(&all[..2], b"ab");
        assert!(all[2..2 + 8 * 1024].iter().all(|&b| b == b'c'));
        assert_eq!(&all[2 + 8 * 1024..], b"def");
    }

    #[test]
    fn a_buffer_holding_unread_bytes_is_not_grown_to_read_in_place() {
        let (mut protocol, _reader, _writer, _peer) = connected(1024 * 1024);
        protocol.data_received(&[0; 8 * 1024]);
        assert_eq!(
            offer_in_place(&mut protocol, b"more"),
            None,
            "no room after the unread bytes: the read is lent"
        );
    }

    #[test]
    fn reading_in_place_pauses_past_twice_the_limit_and_resumes_at_the_limit() {
        let clock = Clock::new();
        let (mut protocol, mut reader, _writer, peer) = connected(16 * 1024);
        protocol.data_received(&[0; 8 * 1024]);
        let task = clock.spawn(async move {
            let first = reader.read(usize::MAX).await.ok().map(|b| b.len());
            let second = reader.read_exact(16 * 1024 + 1).await.ok().map(|b| b.len());
            (first, second)
        });
        clock.advance(Duration::ZERO);
        offer_in_place(&mut protocol, &[1; 32 * 1024]).expect("in place");
        assert!(peer.is_reading(), "32 KiB unread: not past twice the limit");
        offer_in_place(&mut protocol, &[2; 1]).expect("in place");
        assert!(!peer.is_reading(), "past twice the limit: reading paused");
        clock.advance(Duration::ZERO);
        assert_eq!(
            task.try_take(),
            Some(Ok((Some(8 * 1024), Some(16 * 1024 + 1))))
        );
        assert!(peer.is_reading(), "down to the limit: reading resumed");
    }

    #[test]
    fn dropping_both_ends_closes_the_connection() {
        let (_protocol, reader, writer, peer) = connected(8);
        drop(reader);
        assert!(!peer.lose_connection_called(), "the writer is still there");
        drop(writer);
        assert!(peer.lose_connection_called());
    }
}
