//! [`LineReceiver`]: a weft [`Protocol`] that cuts its input into lines and
//! hands them to a [`LineHandler`] (Twisted's `LineReceiver`).
//!
//! The adapter owns a [`LineDecoder`] and drives it from `data_received`;
//! the handler sees lines, raw bytes and over-long lines, and steers the
//! decoder through the [`LineControl`] it is lent with each event.
//!
//! ```
//! use weft::protocols::{LineControl, LineHandler, LineReceiver};
//! use weft::testing::StringTransport;
//! use weft::Protocol;
//!
//! /// Answers each line with its length.
//! struct Count;
//!
//! impl LineHandler for Count {
//!     fn line_received(&mut self, line: &[u8], ctl: &mut LineControl<'_>) {
//!         ctl.send_line(line.len().to_string().as_bytes()).unwrap();
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut protocol = LineReceiver::new(Count);
//! protocol.connection_made(record.transport());
//! protocol.data_received(b"hello\r\nwor");
//! protocol.data_received(b"ld!\r\n");
//! assert_eq!(record.written(), b"5\r\n6\r\n");
//! ```
//!
//! # Delivery rules
//!
//! - Events of one chunk are delivered in order, one call each. A mode
//!   switch made through the [`LineControl`] takes effect at the very next
//!   byte: every byte after the switch point, in the same chunk or later
//!   ones, is delivered in the new mode and none is lost.
//! - Once the connection is closing ([`Transport::is_closing`]: after
//!   `lose_connection`, `abort_connection` or `shutdown_write`, by the
//!   handler or anyone else), the rest of the chunk is dropped and later
//!   chunks are ignored, as Twisted's `LineReceiver` stops at
//!   `transport.disconnecting`.
//! - [`Transport::pause_reading`] stops the reactor from *reading* more;
//!   the events of the chunk being delivered when it is called are still
//!   delivered (Twisted's behaviour when the transport is paused). The rest
//!   of a chunk is at most one read (64 KiB), so memory stays bounded; a
//!   handler that must not act on those events while paused queues them
//!   itself.
//! - A line longer than the maximum is reported to
//!   [`LineHandler::line_length_exceeded`]. By default the connection is then
//!   closed with [`CloseReason::Protocol`] naming the limit ("line too
//!   long: the peer sent a line over the maximum of 16384 bytes …"); the
//!   decoder never buffers more than the maximum, whatever the peer sends.
//! - An unterminated last line is dropped when the connection ends.

use std::rc::Rc;

use super::lines::{Delimiter, LineDecoder, LineEncodeError, LineEncoder, LineEvent, Mode};
use crate::{CloseReason, HalfClose, Protocol, Transport};

/// The scratch buffer is freed after a chunk if it grew past this.
const SCRATCH_RELEASE: usize = 1024;

/// What a [`LineHandler`] does with a peer's connection: the callbacks of a
/// line-based protocol.
///
/// Only [`line_received`](Self::line_received) is required. The connection
/// callbacks are [`Protocol`]'s, passed through by [`LineReceiver`].
pub trait LineHandler: 'static {
    /// The connection is up. Keep a clone of `transport` to write outside
    /// the line callbacks (from a timer, or from another connection).
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// A complete line arrived, without its delimiter. It may be empty and
    /// may contain any byte (NUL included). `ctl` writes to the peer and
    /// switches modes.
    fn line_received(&mut self, line: &[u8], ctl: &mut LineControl<'_>);

    /// Bytes arrived in raw mode (see [`LineControl::set_raw_mode`]); never
    /// empty. How raw bytes are cut into calls depends on how they arrived.
    /// By default they are ignored.
    fn raw_data_received(&mut self, data: &[u8], ctl: &mut LineControl<'_>) {
        let _ = (data, ctl);
    }

    /// The current line is longer than the maximum: it is not delivered.
    ///
    /// Return [`TooLong::Close`] (the default) to close the connection with
    /// a [`CloseReason::Protocol`] naming the limit, or
    /// [`TooLong::Discard`] to skip the rest of that line and go on with the
    /// next one. Switching to raw mode here delivers the bytes after the
    /// point of detection raw instead of discarding them.
    fn line_length_exceeded(&mut self, ctl: &mut LineControl<'_>) -> TooLong {
        let _ = ctl;
        TooLong::Close
    }

    /// The peer half-closed (see [`Protocol::eof_received`]).
    fn eof_received(&mut self) -> HalfClose {
        HalfClose::Close
    }

    /// The connection is gone (see [`Protocol::connection_lost`]); an
    /// unterminated last line is dropped.
    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = reason;
    }

    /// See [`Protocol::pause_writing`].
    fn pause_writing(&mut self) {}

    /// See [`Protocol::resume_writing`].
    fn resume_writing(&mut self) {}
}

/// What [`LineReceiver`] does after an over-long line
/// ([`LineHandler::line_length_exceeded`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooLong {
    /// Close the connection (flushing pending output) with a
    /// [`CloseReason::Protocol`] that names the maximum line length.
    Close,
    /// Keep the connection: the rest of the over-long line is discarded
    /// (unless the handler switched to raw mode) and the next line is
    /// delivered as usual.
    Discard,
}

/// Sends lines to one peer: a [`Transport`] and the encoder of the
/// connection's delimiter. Cheap to clone; keep one to write lines from
/// outside the line callbacks (another connection, a timer).
#[derive(Clone, Debug)]
pub struct LineSender {
    transport: Transport,
    encoder: Rc<LineEncoder>,
}

impl LineSender {
    /// A sender writing lines ended by `delimiter` (its
    /// [`as_bytes`](Delimiter::as_bytes)) to `transport`.
    pub fn new(transport: Transport, delimiter: Delimiter) -> Self {
        LineSender {
            transport,
            encoder: Rc::new(LineEncoder::new(delimiter)),
        }
    }

    /// Writes `line` then the delimiter (Twisted's `sendLine`).
    ///
    /// Fails, writing nothing, if the line holds the delimiter (the peer
    /// would read more than one line).
    pub fn send_line(&self, line: &[u8]) -> Result<(), LineEncodeError> {
        let mut out = Vec::with_capacity(line.len() + 2);
        self.encoder.encode(line, &mut out)?;
        self.transport.write(&out);
        Ok(())
    }

    /// The transport lines are written to.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }
}

/// Lent to a [`LineHandler`] with each event: writes to the peer and
/// switches the decoder between line and raw mode.
///
/// Mode switches apply to every byte after the event being handled, in the
/// same chunk too.
pub struct LineControl<'a> {
    decoder: &'a mut LineDecoder,
    sender: &'a LineSender,
}

impl LineControl<'_> {
    /// The connection's transport.
    pub fn transport(&self) -> &Transport {
        &self.sender.transport
    }

    /// A sender for this connection, to keep.
    pub fn sender(&self) -> LineSender {
        self.sender.clone()
    }

    /// Writes `line` then the delimiter; see [`LineSender::send_line`].
    pub fn send_line(&self, line: &[u8]) -> Result<(), LineEncodeError> {
        self.sender.send_line(line)
    }

    /// Delivers the bytes after this event to
    /// [`raw_data_received`](LineHandler::raw_data_received) until
    /// [`set_line_mode`](Self::set_line_mode) (Twisted's `setRawMode`).
    pub fn set_raw_mode(&mut self) {
        self.decoder.set_raw_mode();
    }

    /// Delivers the next `count` bytes raw, then returns to line mode by
    /// itself: a body of known length between lines. `0` is line mode.
    pub fn set_raw_mode_for(&mut self, count: u64) {
        self.decoder.set_raw_mode_for(count);
    }

    /// Cuts the bytes after this event into lines again (Twisted's
    /// `setLineMode`).
    pub fn set_line_mode(&mut self) {
        self.decoder.set_line_mode();
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.decoder.mode()
    }

    /// The longest line accepted, delimiter not counted.
    pub fn max_line_length(&self) -> usize {
        self.decoder.max_line_length()
    }

    /// The bytes of this connection's line buffer: its memory cost, never
    /// more than the maximum line length plus the delimiter plus one.
    pub fn buffer_capacity(&self) -> usize {
        self.decoder.buffer_capacity()
    }
}

/// A [`Protocol`] that delivers lines to a [`LineHandler`] (Twisted's
/// `LineReceiver`); see the [module docs](self) for the delivery rules.
///
/// Lines end with CR LF and are at most 16 KiB by default; change either
/// with [`with_delimiter`](Self::with_delimiter) and
/// [`with_max_line_length`](Self::with_max_line_length) before the
/// connection starts.
pub struct LineReceiver<H: LineHandler> {
    decoder: LineDecoder,
    sender: Option<LineSender>,
    /// A line that was held in the decoder's buffer, copied out for the
    /// handler; emptied after each chunk.
    scratch: Vec<u8>,
    handler: H,
}

impl<H: LineHandler> LineReceiver<H> {
    /// An adapter for CR LF lines of at most
    /// [`DEFAULT_MAX_LINE_LENGTH`](super::lines::DEFAULT_MAX_LINE_LENGTH)
    /// bytes, in line mode.
    pub fn new(handler: H) -> Self {
        LineReceiver {
            decoder: LineDecoder::new(),
            sender: None,
            scratch: Vec::new(),
            handler,
        }
    }

    /// This adapter, ending lines with `delimiter` (reading and
    /// [`send_line`](LineControl::send_line)).
    pub fn with_delimiter(mut self, delimiter: Delimiter) -> Self {
        self.decoder = self.decoder.with_delimiter(delimiter);
        self
    }

    /// This adapter, accepting lines of at most `max_line_length` bytes
    /// (delimiter not counted).
    pub fn with_max_line_length(mut self, max_line_length: usize) -> Self {
        self.decoder = self.decoder.with_max_line_length(max_line_length);
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, mutably.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// The decoder (its mode, buffer and limit).
    pub fn decoder(&self) -> &LineDecoder {
        &self.decoder
    }
}

impl<H: LineHandler> Protocol for LineReceiver<H> {
    fn connection_made(&mut self, transport: Transport) {
        self.sender = Some(LineSender::new(
            transport.clone(),
            self.decoder.delimiter().clone(),
        ));
        self.handler.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(sender) = &self.sender else {
            return;
        };
        let mut input = data;
        while !sender.transport.is_closing() {
            // A line lying in `data` is passed as a slice of it; one held in
            // the decoder's buffer (it borrows the decoder, which the
            // control must be free to reconfigure) is copied out first.
            let (kind, bytes) = match self.decoder.next_event(&mut input) {
                None => break,
                Some(LineEvent::LineTooLong) => (Kind::TooLong, None),
                Some(LineEvent::Line(line)) => (Kind::Line, own(data, line, &mut self.scratch)),
                Some(LineEvent::Raw(raw)) => (Kind::Raw, own(data, raw, &mut self.scratch)),
            };
            let bytes = bytes.unwrap_or(&self.scratch);
            let mut ctl = LineControl {
                decoder: &mut self.decoder,
                sender,
            };
            match kind {
                Kind::Line => self.handler.line_received(bytes, &mut ctl),
                Kind::Raw => self.handler.raw_data_received(bytes, &mut ctl),
                Kind::TooLong => {
                    if self.handler.line_length_exceeded(&mut ctl) == TooLong::Close {
                        let why = self.decoder.too_long_error().to_string();
                        sender.transport.lose_connection_because(&why);
                    }
                }
            }
        }
        self.scratch.clear();
        if self.scratch.capacity() > SCRATCH_RELEASE {
            self.scratch = Vec::new();
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        self.handler.eof_received()
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.handler.connection_lost(reason);
    }

    fn pause_writing(&mut self) {
        self.handler.pause_writing();
    }

    fn resume_writing(&mut self) {
        self.handler.resume_writing();
    }
}

/// What the decoder handed out.
#[derive(Clone, Copy)]
enum Kind {
    Line,
    Raw,
    TooLong,
}

/// `part` as a slice of `chunk` when it lies in it (an empty part is
/// always "in" it: any empty slice will do); otherwise copies it into
/// `scratch` and returns `None`.
fn own<'c>(chunk: &'c [u8], part: &[u8], scratch: &mut Vec<u8>) -> Option<&'c [u8]> {
    if part.is_empty() {
        return Some(&[]);
    }
    // Two live allocations never overlap: a non-empty slice whose start
    // lies inside `chunk`, and which fits in it, is part of it.
    let start = (part.as_ptr() as usize).wrapping_sub(chunk.as_ptr() as usize);
    if let Some(inside) = chunk.get(start..start.wrapping_add(part.len())) {
        if start < chunk.len() {
            return Some(inside);
        }
    }
    scratch.clear();
    scratch.extend_from_slice(part);
    None
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::CloseKind;
    use crate::protocols::lines::DEFAULT_MAX_LINE_LENGTH;
    use crate::testing::StringTransport;

    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Ev {
        Made,
        Line(Vec<u8>),
        Raw(Vec<u8>),
        TooLong,
        Lost(String),
    }

    /// Records every event, and reacts to some lines: `RAW` switches to
    /// raw mode, `LINE` (received raw) back to line mode, `BODY n` reads
    /// `n` raw bytes, `PAUSE` pauses reading, `QUIT` closes.
    struct Recorder {
        events: Rc<RefCell<Vec<Ev>>>,
        on_too_long: TooLong,
    }

    impl LineHandler for Recorder {
        fn connection_made(&mut self, _transport: Transport) {
            self.events.borrow_mut().push(Ev::Made);
        }

        fn line_received(&mut self, line: &[u8], ctl: &mut LineControl<'_>) {
            self.events.borrow_mut().push(Ev::Line(line.to_vec()));
            match line {
                b"RAW" => ctl.set_raw_mode(),
                b"PAUSE" => ctl.transport().pause_reading(),
                b"QUIT" => ctl.transport().lose_connection(),
                _ => {
                    if let Some(n) = line.strip_prefix(b"BODY ") {
                        let n = std::str::from_utf8(n).unwrap().parse().unwrap();
                        ctl.set_raw_mode_for(n);
                    }
                }
            }
        }

        fn raw_data_received(&mut self, data: &[u8], ctl: &mut LineControl<'_>) {
            assert!(!data.is_empty());
            let mut events = self.events.borrow_mut();
            match events.last_mut() {
                Some(Ev::Raw(before)) => before.extend_from_slice(data),
                _ => events.push(Ev::Raw(data.to_vec())),
            }
            if data.ends_with(b"LINE") {
                ctl.set_line_mode();
            }
        }

        fn line_length_exceeded(&mut self, _ctl: &mut LineControl<'_>) -> TooLong {
            self.events.borrow_mut().push(Ev::TooLong);
            self.on_too_long
        }

        fn connection_lost(&mut self, reason: &CloseReason) {
            self.events.borrow_mut().push(Ev::Lost(reason.to_string()));
        }
    }

    fn receiver(on_too_long: TooLong) -> (LineReceiver<Recorder>, StringTransport) {
        limited(on_too_long, DEFAULT_MAX_LINE_LENGTH)
    }

    fn limited(on_too_long: TooLong, max: usize) -> (LineReceiver<Recorder>, StringTransport) {
        let record = StringTransport::new();
        let mut protocol = LineReceiver::new(Recorder {
            events: Rc::default(),
            on_too_long,
        })
        .with_max_line_length(max);
        protocol.connection_made(record.transport());
        (protocol, record)
    }

    fn events(protocol: &LineReceiver<Recorder>) -> Vec<Ev> {
        protocol.handler().events.borrow().clone()
    }

    fn line(bytes: &[u8]) -> Ev {
        Ev::Line(bytes.to_vec())
    }

    #[test]
    fn lines_cut_across_chunks_are_delivered_whole() {
        let stream = b"hello\r\nworld\r\n\r\nlast\r\n";
        let expected = vec![
            Ev::Made,
            line(b"hello"),
            line(b"world"),
            line(b""),
            line(b"last"),
        ];
        for cut in 0..=stream.len() {
            let (mut protocol, _) = receiver(TooLong::Close);
            protocol.data_received(&stream[..cut]);
            protocol.data_received(&stream[cut..]);
            assert_eq!(events(&protocol), expected, "cut at {cut}");
        }
        let (mut protocol, _) = receiver(TooLong::Close);
        for byte in stream.chunks(1) {
            protocol.data_received(byte);
        }
        assert_eq!(events(&protocol), expected);
    }

    #[test]
    fn raw_mode_switch_mid_chunk_keeps_every_byte() {
        let (mut protocol, _) = receiver(TooLong::Close);
        protocol.data_received(b"a\r\nRAW\r\nxyz\r\nmore");
        protocol.data_received(b" bytes\r\nLINE");
        protocol.data_received(b"b\r\n");
        assert_eq!(
            events(&protocol),
            [
                Ev::Made,
                line(b"a"),
                line(b"RAW"),
                Ev::Raw(b"xyz\r\nmore bytes\r\nLINE".to_vec()),
                line(b"b"),
            ]
        );
    }

    #[test]
    fn a_switch_after_a_line_cut_across_chunks_keeps_every_byte() {
        // The line "BODY 4" comes from the decoder's buffer (copied out),
        // the raw bytes from the chunk, then line mode resumes by itself.
        for cut in 0..=18 {
            let stream = b"BODY 4\r\n1234x\r\ny\r\n";
            let (mut protocol, _) = receiver(TooLong::Close);
            protocol.data_received(&stream[..cut]);
            protocol.data_received(&stream[cut..]);
            assert_eq!(
                events(&protocol),
                [
                    Ev::Made,
                    line(b"BODY 4"),
                    Ev::Raw(b"1234".to_vec()),
                    line(b"x"),
                    line(b"y"),
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn lines_whole_in_the_chunk_are_not_copied() {
        let (mut protocol, _) = receiver(TooLong::Close);
        protocol.data_received(b"one\r\ntwo\r\n");
        assert_eq!(protocol.scratch.capacity(), 0);
        assert_eq!(protocol.decoder().buffer_capacity(), 0);
    }

    #[test]
    fn a_too_long_line_closes_with_a_reason_naming_the_limit() {
        let (mut protocol, record) = limited(TooLong::Close, 8);
        protocol.data_received(b"ok\r\n0123456789\r\nnot delivered\r\n");
        assert_eq!(events(&protocol), [Ev::Made, line(b"ok"), Ev::TooLong]);
        let Some(CloseKind::Flush(Some(why))) = record.close_requested() else {
            panic!(
                "expected a close with a reason: {:?}",
                record.close_requested()
            );
        };
        assert!(
            why.contains("line too long") && why.contains("maximum of 8 bytes"),
            "{why}"
        );
        protocol.data_received(b"ignored\r\n");
        assert_eq!(events(&protocol).len(), 3);
    }

    #[test]
    fn the_default_reaction_to_a_too_long_line_is_to_close() {
        struct Quiet;
        impl LineHandler for Quiet {
            fn line_received(&mut self, _line: &[u8], _ctl: &mut LineControl<'_>) {
                panic!("no line expected");
            }
        }
        let record = StringTransport::new();
        let mut protocol = LineReceiver::new(Quiet);
        protocol.connection_made(record.transport());
        protocol.data_received(&vec![b'x'; 16 * 1024 + 2]);
        let Some(CloseKind::Flush(Some(why))) = record.close_requested() else {
            panic!("expected a close with a reason");
        };
        assert!(why.contains("maximum of 16384 bytes"), "{why}");
    }

    #[test]
    fn discarding_a_too_long_line_goes_on_with_the_next() {
        let (mut protocol, record) = limited(TooLong::Discard, 4);
        protocol.data_received(b"abcdefgh");
        protocol.data_received(b"ijkl\r\nfine\r\n");
        assert_eq!(events(&protocol), [Ev::Made, Ev::TooLong, line(b"fine")]);
        assert_eq!(record.close_requested(), None);
    }

    #[test]
    fn closing_stops_delivery_of_the_rest_of_the_chunk() {
        let (mut protocol, record) = receiver(TooLong::Close);
        protocol.data_received(b"a\r\nQUIT\r\nb\r\n");
        protocol.data_received(b"c\r\n");
        assert_eq!(events(&protocol), [Ev::Made, line(b"a"), line(b"QUIT")]);
        assert!(record.lose_connection_called());
    }

    #[test]
    fn pausing_reading_lets_the_current_chunk_finish() {
        let (mut protocol, record) = receiver(TooLong::Close);
        protocol.data_received(b"a\r\nPAUSE\r\nb\r\nc");
        assert!(!record.is_reading());
        assert_eq!(
            events(&protocol),
            [Ev::Made, line(b"a"), line(b"PAUSE"), line(b"b")]
        );
        record.transport().resume_reading();
        protocol.data_received(b"\r\n");
        assert_eq!(events(&protocol).last(), Some(&line(b"c")));
    }

    #[test]
    fn after_the_current_chunk_nothing_is_delivered_until_reading_resumes() {
        use crate::testing::loopback;

        /// Writes what the test tells it to, and nothing else.
        struct Peer(Option<Transport>);
        impl Protocol for Peer {
            fn connection_made(&mut self, transport: Transport) {
                self.0 = Some(transport);
            }
            fn data_received(&mut self, _data: &[u8]) {}
        }

        let server = LineReceiver::new(Recorder {
            events: Rc::default(),
            on_too_long: TooLong::Close,
        });
        let mut pair = loopback(Peer(None), server);
        let peer = pair.client().0.clone().unwrap();
        peer.write(b"a\r\nPAUSE\r\nb\r\n");
        pair.pump();
        peer.write(b"c\r\n");
        pair.pump();
        let seen = [Ev::Made, line(b"a"), line(b"PAUSE"), line(b"b")];
        assert_eq!(events(pair.server()), seen);
        let server_transport = pair.server().sender.clone().unwrap();
        server_transport.transport().resume_reading();
        pair.pump();
        assert_eq!(events(pair.server()).last(), Some(&line(b"c")));
    }

    #[test]
    fn sent_lines_carry_the_delimiter_and_refuse_to_hold_it() {
        let record = StringTransport::new();
        let sender = LineSender::new(record.transport(), Delimiter::Lf);
        sender.send_line(b"one").unwrap();
        assert!(sender.send_line(b"two\nthree").is_err());
        assert_eq!(record.written(), b"one\n");
    }

    #[test]
    fn the_connection_callbacks_are_passed_through() {
        let (mut protocol, _) = receiver(TooLong::Close);
        assert_eq!(protocol.eof_received(), HalfClose::Close);
        protocol.connection_lost(&CloseReason::Done);
        assert_eq!(
            events(&protocol),
            [Ev::Made, Ev::Lost("connection closed cleanly".into())]
        );
    }

    /// Switches to raw mode for a count only (`BODY n`, or `RAW` for 3
    /// bytes): the same events for any split of the stream.
    struct Counted(Vec<Ev>);

    impl LineHandler for Counted {
        fn line_received(&mut self, line: &[u8], ctl: &mut LineControl<'_>) {
            self.0.push(Ev::Line(line.to_vec()));
            if line == b"RAW" {
                ctl.set_raw_mode_for(3);
            } else if let Some(n) = line.strip_prefix(b"BODY ") {
                ctl.set_raw_mode_for(u64::from(n[0] - b'0'));
            }
        }

        fn raw_data_received(&mut self, data: &[u8], _ctl: &mut LineControl<'_>) {
            match self.0.last_mut() {
                Some(Ev::Raw(before)) => before.extend_from_slice(data),
                _ => self.0.push(Ev::Raw(data.to_vec())),
            }
        }

        fn line_length_exceeded(&mut self, _ctl: &mut LineControl<'_>) -> TooLong {
            self.0.push(Ev::TooLong);
            TooLong::Discard
        }
    }

    fn counted(chunks: &[&[u8]]) -> Vec<Ev> {
        let record = StringTransport::new();
        let mut protocol = LineReceiver::new(Counted(Vec::new()))
            .with_delimiter(Delimiter::CrLfOrLf)
            .with_max_line_length(10);
        protocol.connection_made(record.transport());
        for chunk in chunks {
            protocol.data_received(chunk);
        }
        std::mem::take(&mut protocol.handler_mut().0)
    }

    proptest::proptest! {
        #[test]
        fn any_split_gives_the_same_events_and_keeps_every_byte(
            tokens in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"RAW\r\n"[..], b"BODY 2\n", b"BODY 7\r\n", b"x", b"abc",
                    b"\r\n", b"\n", b"\r", b"\0", b"0123456789",
                ]),
                0..40,
            ),
            cuts in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..6),
        ) {
            let stream: Vec<u8> = tokens.concat();
            let whole = counted(&[&stream]);
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for point in points {
                chunks.push(&stream[start..point]);
                start = point;
            }
            chunks.push(&stream[start..]);
            proptest::prop_assert_eq!(counted(&chunks), whole.clone());
            let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
            proptest::prop_assert_eq!(counted(&bytewise), whole);
        }
    }
}
