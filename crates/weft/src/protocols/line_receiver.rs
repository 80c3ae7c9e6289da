//! [`LineReceiver`]: the line [layer](crate::layer). It cuts its input
//! into lines and hands each one to the protocol above it (Twisted's
//! `LineReceiver`, Netty's `LineBasedFrameDecoder`).
//!
//! The protocol above is any [`Protocol`]: each `data_received` it gets is
//! exactly one line, without its delimiter. It steers the layer (raw mode,
//! line mode) with the [`LineControl`] found from its transport, and sends
//! lines with a [`LineSender`]. Writes pass through the layer unchanged,
//! so the layer stacks over any other (telnet, TLS) and under any
//! protocol.
//!
//! ```
//! use weft::protocols::{LineReceiver, LineSender};
//! use weft::testing::StringTransport;
//! use weft::{Protocol, Transport};
//!
//! /// Answers each line with its length.
//! #[derive(Default)]
//! struct Count(Option<LineSender>);
//!
//! impl Protocol for Count {
//!     fn connection_made(&mut self, transport: Transport) {
//!         self.0 = LineSender::of(&transport);
//!     }
//!
//!     fn data_received(&mut self, line: &[u8]) {
//!         let sender = self.0.as_ref().unwrap();
//!         sender.send_line(line.len().to_string().as_bytes()).unwrap();
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut protocol = LineReceiver::new(Count::default());
//! protocol.connection_made(record.transport());
//! protocol.data_received(b"hello\r\nwor");
//! protocol.data_received(b"ld!\r\n");
//! assert_eq!(record.written(), b"5\r\n6\r\n");
//! ```
//!
//! # Delivery rules
//!
//! - Each `data_received` above is one whole line (it may be empty), or in
//!   raw mode a run of raw bytes ([`LineControl::delivering_raw`] tells
//!   which). Lines of one chunk are delivered in order, one call each; a
//!   line that lies whole in the chunk, or whole in the decoder's buffer,
//!   is lent as it lies, without a copy.
//! - A mode switch made through the [`LineControl`] (during a delivery or
//!   between chunks) takes effect at the very next byte: every byte after
//!   the switch point, in the same chunk or later ones, is delivered in
//!   the new mode and none is lost.
//! - Once a close was asked for ([`Transport::is_disconnecting`]: after
//!   `lose_connection` or `abort_connection`, by the protocol or anyone
//!   else), the rest of the chunk is dropped, as Twisted's `LineReceiver`
//!   stops at `transport.disconnecting`. A half-close
//!   ([`Transport::shutdown_write`]) does not stop delivery: reading goes
//!   on.
//! - [`Transport::pause_reading`] stops the reactor from *reading* more;
//!   the lines of the chunk being delivered when it is called are still
//!   delivered (Twisted's behaviour when the transport is paused). The rest
//!   of a chunk is at most one read (64 KiB), so memory stays bounded; a
//!   protocol that must not act on those lines while paused queues them
//!   itself.
//! - A line longer than the maximum is not delivered: the protocol above
//!   hears [`LayerEvent::LineTooLong`] instead. By default the connection is
//!   then closed with [`CloseReason::Protocol`](crate::CloseReason::Protocol)
//!   naming the limit ("line too long: the peer sent a line over the
//!   maximum of 16384 bytes …"); with [`TooLong::Discard`]
//!   ([`LineReceiver::on_too_long`]) the rest of that line is skipped and
//!   the next one delivered, and a switch to raw mode during the event
//!   delivers the bytes after the point of detection raw. The decoder
//!   never buffers more than the maximum, whatever the peer sends.
//! - An unterminated last line is dropped when the connection ends.

use std::cell::Cell;
use std::rc::Rc;

use super::lines::{Delimiter, LineDecoder, LineEncodeError, LineEncoder, LineEvent, Mode};
use crate::layer::{Above, Layer, LayerEvent, Layered, WritePath};
use crate::{Protocol, Transport};

/// The line layer: a [`LineDecoder`] between a transport and the protocol
/// above. Used as [`LineReceiver`].
#[derive(Debug)]
pub struct LineLayer {
    decoder: LineDecoder,
    on_too_long: TooLong,
    state: Option<Rc<LineState>>,
}

/// A [`Protocol`] `P` fed one line per `data_received` (Twisted's
/// `LineReceiver`); see the [module docs](self) for the delivery rules.
///
/// Lines end with CR LF and are at most 16 KiB by default; change either
/// with [`with_delimiter`](Self::with_delimiter) and
/// [`with_max_line_length`](Self::with_max_line_length) before the
/// connection starts.
pub type LineReceiver<P> = Layered<LineLayer, P>;

impl<P: Protocol> LineReceiver<P> {
    /// Runs `protocol` over CR LF lines of at most
    /// [`DEFAULT_MAX_LINE_LENGTH`](super::lines::DEFAULT_MAX_LINE_LENGTH)
    /// bytes, in line mode.
    pub fn new(protocol: P) -> Self {
        Layered::wrap(
            LineLayer {
                decoder: LineDecoder::new(),
                on_too_long: TooLong::Close,
                state: None,
            },
            protocol,
        )
    }

    /// This receiver, ending lines with `delimiter` (reading, and the
    /// [`LineSender::of`] its protocol finds).
    pub fn with_delimiter(mut self, delimiter: Delimiter) -> Self {
        let layer = self.layer_mut();
        layer.decoder = layer.decoder.clone().with_delimiter(delimiter);
        self
    }

    /// This receiver, accepting lines of at most `max_line_length` bytes
    /// (delimiter not counted).
    pub fn with_max_line_length(mut self, max_line_length: usize) -> Self {
        let layer = self.layer_mut();
        layer.decoder = layer.decoder.clone().with_max_line_length(max_line_length);
        self
    }

    /// This receiver, doing `what` after a line over the maximum (closing
    /// the connection by default).
    pub fn on_too_long(mut self, what: TooLong) -> Self {
        self.layer_mut().on_too_long = what;
        self
    }

    /// The decoder (its mode, buffer and limit).
    pub fn decoder(&self) -> &LineDecoder {
        &self.layer().decoder
    }
}

impl Layer for LineLayer {
    type Shared = LineState;

    fn connection_made(&mut self, _lower: &Transport) -> Rc<LineState> {
        let state = Rc::new(LineState {
            request: Cell::new(None),
            raw: Cell::new(false),
            capacity: Cell::new(0),
            delimiter: self.decoder.delimiter().clone(),
        });
        self.state = Some(state.clone());
        state
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let Some(state) = &self.state else {
            return;
        };
        let mut input = data;
        loop {
            if let Some(mode) = state.request.take() {
                match mode {
                    Mode::Line => self.decoder.set_line_mode(),
                    Mode::Raw => self.decoder.set_raw_mode(),
                    Mode::RawFor { remaining } => self.decoder.set_raw_mode_for(remaining),
                }
            }
            state.capacity.set(self.decoder.buffer_capacity());
            let delivered = match self.decoder.next_event(&mut input) {
                None => return,
                Some(LineEvent::Line(line)) => {
                    state.raw.set(false);
                    above.deliver(line)
                }
                Some(LineEvent::Raw(raw)) => {
                    state.raw.set(true);
                    above.deliver(raw)
                }
                Some(LineEvent::LineTooLong) => {
                    state.capacity.set(self.decoder.buffer_capacity());
                    let error = self.decoder.too_long_error();
                    let told = above.event(&LayerEvent::LineTooLong(&error));
                    if told && self.on_too_long == TooLong::Close {
                        above.lower().lose_connection_because(&error.to_string());
                        return;
                    }
                    told
                }
            };
            if !delivered {
                return;
            }
        }
    }
}

/// What a line layer shares with its transport and its [`LineControl`]s.
#[derive(Debug)]
pub struct LineState {
    /// A mode asked for and not applied yet.
    request: Cell<Option<Mode>>,
    /// The bytes being delivered are raw.
    raw: Cell<bool>,
    /// The decoder's buffer capacity, as last measured.
    capacity: Cell<usize>,
    delimiter: Delimiter,
}

/// Writes pass through the line layer unchanged.
impl WritePath for LineState {
    fn write(&self, data: &[u8], lower: &Transport) {
        lower.write(data);
    }
}

/// What the line layer does after a line over the maximum
/// ([`LineReceiver::on_too_long`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooLong {
    /// Close the connection (flushing pending output) with a
    /// [`CloseReason::Protocol`](crate::CloseReason::Protocol) that names
    /// the maximum line length.
    Close,
    /// Keep the connection: the rest of the over-long line is discarded
    /// (unless the protocol switched to raw mode during the event) and the
    /// next line is delivered as usual.
    Discard,
}

/// A protocol's handle on the line layer under it: switches between line
/// and raw mode (Twisted's `setRawMode` / `setLineMode`). Cheap to clone;
/// found with [`of`](Self::of).
#[derive(Clone, Debug)]
pub struct LineControl {
    state: Rc<LineState>,
}

impl LineControl {
    /// The handle on the nearest line layer under `transport`, if any.
    pub fn of(transport: &Transport) -> Option<LineControl> {
        transport
            .layer::<LineState>()
            .map(|state| LineControl { state })
    }

    /// Delivers the bytes after the current line (or the next chunk)
    /// raw, as they come, until [`set_line_mode`](Self::set_line_mode)
    /// (Twisted's `setRawMode`).
    pub fn set_raw_mode(&self) {
        self.state.request.set(Some(Mode::Raw));
    }

    /// Delivers the next `count` bytes raw, then returns to line mode by
    /// itself: a body of known length between lines. `0` is line mode.
    pub fn set_raw_mode_for(&self, count: u64) {
        let mode = match count {
            0 => Mode::Line,
            remaining => Mode::RawFor { remaining },
        };
        self.state.request.set(Some(mode));
    }

    /// Cuts the bytes after the current delivery into lines again
    /// (Twisted's `setLineMode`).
    pub fn set_line_mode(&self) {
        self.state.request.set(Some(Mode::Line));
    }

    /// Inside `data_received`: whether the bytes being delivered are raw
    /// (Twisted's `rawDataReceived`) rather than a line.
    pub fn delivering_raw(&self) -> bool {
        self.state.raw.get()
    }

    /// The delimiter the layer cuts lines at.
    pub fn delimiter(&self) -> &Delimiter {
        &self.state.delimiter
    }

    /// The capacity of the layer's line buffer, measured before each line
    /// is cut and when a line is found too long: its memory cost, never
    /// more than the maximum line length plus the delimiter plus one.
    pub fn buffer_capacity(&self) -> usize {
        self.state.capacity.get()
    }
}

/// Sends lines to one peer: a [`Transport`] and the encoder of the
/// connection's delimiter. Cheap to clone; keep one to write lines from
/// anywhere (another connection, a timer).
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

    /// A sender writing to `transport` lines ended the way the line layer
    /// under it reads them; `None` without a line layer.
    pub fn of(transport: &Transport) -> Option<Self> {
        let control = LineControl::of(transport)?;
        Some(Self::new(transport.clone(), control.delimiter().clone()))
    }

    /// Writes `line` then the delimiter, in one write (Twisted's
    /// `sendLine`).
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::protocols::lines::DEFAULT_MAX_LINE_LENGTH;
    use crate::protocols::split::cut;
    use crate::testing::StringTransport;
    use crate::{CloseKind, CloseReason, HalfClose};

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
    /// `n` raw bytes, `PAUSE` pauses reading, `HALF` half-closes, `QUIT`
    /// closes.
    #[derive(Default)]
    struct Recorder {
        events: Rc<RefCell<Vec<Ev>>>,
        transport: Option<Transport>,
        control: Option<LineControl>,
    }

    impl Protocol for Recorder {
        fn connection_made(&mut self, transport: Transport) {
            self.events.borrow_mut().push(Ev::Made);
            self.control = LineControl::of(&transport);
            self.transport = Some(transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            let ctl = self.control.as_ref().unwrap();
            if ctl.delivering_raw() {
                assert!(!data.is_empty());
                let mut events = self.events.borrow_mut();
                match events.last_mut() {
                    Some(Ev::Raw(before)) => before.extend_from_slice(data),
                    _ => events.push(Ev::Raw(data.to_vec())),
                }
                if data.ends_with(b"LINE") {
                    ctl.set_line_mode();
                }
                return;
            }
            self.events.borrow_mut().push(Ev::Line(data.to_vec()));
            let transport = self.transport.as_ref().unwrap();
            match data {
                b"RAW" => ctl.set_raw_mode(),
                b"PAUSE" => transport.pause_reading(),
                b"HALF" => transport.shutdown_write(),
                b"QUIT" => transport.lose_connection(),
                _ => {
                    if let Some(n) = data.strip_prefix(b"BODY ") {
                        let n = std::str::from_utf8(n).unwrap().parse().unwrap();
                        ctl.set_raw_mode_for(n);
                    }
                }
            }
        }

        fn layer_event(&mut self, event: &LayerEvent<'_>) {
            if let LayerEvent::LineTooLong(_) = event {
                self.events.borrow_mut().push(Ev::TooLong);
            }
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
        let mut protocol = LineReceiver::new(Recorder::default())
            .with_max_line_length(max)
            .on_too_long(on_too_long);
        protocol.connection_made(record.transport());
        (protocol, record)
    }

    fn events(protocol: &LineReceiver<Recorder>) -> Vec<Ev> {
        protocol.inner().events.borrow().clone()
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
        // The line "BODY 4" comes from the decoder's buffer, the raw bytes
        // from the chunk, then line mode resumes by itself.
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
    fn a_switch_asked_for_between_chunks_applies_to_the_next() {
        let (mut protocol, _) = receiver(TooLong::Close);
        protocol.data_received(b"a\r\n");
        protocol
            .inner()
            .control
            .clone()
            .unwrap()
            .set_raw_mode_for(3);
        protocol.data_received(b"xyzb\r\n");
        assert_eq!(
            events(&protocol),
            [Ev::Made, line(b"a"), Ev::Raw(b"xyz".to_vec()), line(b"b")]
        );
    }

    #[test]
    fn lines_whole_in_the_chunk_are_not_copied() {
        let (mut protocol, _) = receiver(TooLong::Close);
        protocol.data_received(b"one\r\ntwo\r\n");
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
        impl Protocol for Quiet {
            fn data_received(&mut self, _line: &[u8]) {
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
    fn a_half_close_does_not_stop_delivery() {
        let (mut protocol, record) = receiver(TooLong::Close);
        protocol.data_received(b"a\r\nHALF\r\nb\r\n");
        protocol.data_received(b"c\r\n");
        assert_eq!(
            events(&protocol),
            [Ev::Made, line(b"a"), line(b"HALF"), line(b"b"), line(b"c")]
        );
        assert!(record.write_shut());
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

        let server = LineReceiver::new(Recorder::default());
        let mut pair = loopback(Peer(None), server);
        let peer = pair.client().0.clone().unwrap();
        peer.write(b"a\r\nPAUSE\r\nb\r\n");
        pair.pump();
        peer.write(b"c\r\n");
        pair.pump();
        let seen = [Ev::Made, line(b"a"), line(b"PAUSE"), line(b"b")];
        assert_eq!(events(pair.server()), seen);
        let server_transport = pair.server().inner().transport.clone().unwrap();
        server_transport.resume_reading();
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
    fn the_sender_found_from_the_transport_uses_the_layer_delimiter() {
        let record = StringTransport::new();
        let mut protocol = LineReceiver::new(Recorder::default()).with_delimiter(Delimiter::Lf);
        protocol.connection_made(record.transport());
        let transport = protocol.inner().transport.clone().unwrap();
        LineSender::of(&transport)
            .unwrap()
            .send_line(b"hi")
            .unwrap();
        assert_eq!(record.written(), b"hi\n");
        assert!(LineSender::of(&record.transport()).is_none());
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
    #[derive(Default)]
    struct Counted {
        events: Vec<Ev>,
        control: Option<LineControl>,
    }

    impl Protocol for Counted {
        fn connection_made(&mut self, transport: Transport) {
            self.control = LineControl::of(&transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            let ctl = self.control.as_ref().unwrap();
            if ctl.delivering_raw() {
                match self.events.last_mut() {
                    Some(Ev::Raw(before)) => before.extend_from_slice(data),
                    _ => self.events.push(Ev::Raw(data.to_vec())),
                }
                return;
            }
            self.events.push(Ev::Line(data.to_vec()));
            if data == b"RAW" {
                ctl.set_raw_mode_for(3);
            } else if let Some(n) = data.strip_prefix(b"BODY ") {
                ctl.set_raw_mode_for(u64::from(n[0] - b'0'));
            }
        }

        fn layer_event(&mut self, _event: &LayerEvent<'_>) {
            self.events.push(Ev::TooLong);
        }
    }

    fn counted(chunks: &[&[u8]]) -> Vec<Ev> {
        let record = StringTransport::new();
        let mut protocol = LineReceiver::new(Counted::default())
            .with_delimiter(Delimiter::CrLfOrLf)
            .with_max_line_length(10)
            .on_too_long(TooLong::Discard);
        protocol.connection_made(record.transport());
        for chunk in chunks {
            protocol.data_received(chunk);
        }
        std::mem::take(&mut protocol.inner_mut().events)
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
            proptest::prop_assert_eq!(counted(&cut(&stream, &cuts)), whole.clone());
            let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
            proptest::prop_assert_eq!(counted(&bytewise), whole);
        }
    }
}
