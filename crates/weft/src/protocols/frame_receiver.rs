//! [`FrameReceiver`]: a weft [`Protocol`] that decodes self-delimited
//! frames (netstrings, length prefixes) and hands them to a
//! [`FrameHandler`] (Twisted's `NetstringReceiver`, `Int16StringReceiver`
//! and `Int32StringReceiver`).
//!
//! One adapter drives any [`FrameDecoder`]; [`NetstringReceiver`],
//! [`Int16Receiver`] and [`Int32Receiver`] name the usual ones. Frames are
//! sent with [`send_netstring`] and [`send_prefixed`].
//!
//! ```
//! use weft::protocols::{FrameHandler, NetstringReceiver, send_netstring};
//! use weft::testing::StringTransport;
//! use weft::{Protocol, Transport};
//!
//! /// Answers each netstring with the same, upper-cased.
//! struct Shout;
//!
//! impl FrameHandler for Shout {
//!     fn frame_received(&mut self, frame: &[u8], transport: &Transport) {
//!         send_netstring(transport, &frame.to_ascii_uppercase());
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut protocol = NetstringReceiver::from_handler(Shout);
//! protocol.connection_made(record.transport());
//! protocol.data_received(b"5:hello,3:a");
//! assert_eq!(record.written(), b"5:HELLO,");
//! protocol.data_received(b"bc,x");
//! assert_eq!(record.take_written(), b"5:HELLO,3:ABC,");
//! assert_eq!(
//!     record.close_requested(),
//!     Some(weft::CloseKind::Flush(Some(
//!         "invalid netstring: the length must be ASCII digits followed by ':', found byte 0x78"
//!             .into()
//!     )))
//! );
//! ```
//!
//! # Delivery rules
//!
//! - Frames of one chunk are delivered in order, one call each; a frame
//!   that lies whole in the chunk is not copied.
//! - Malformed input (a bad length, a missing comma, a frame over the
//!   maximum) ends the connection: pending output is flushed and the
//!   handler's `connection_lost` receives [`CloseReason::Protocol`] with
//!   the decoder's error message, which names the fault. Frames before the
//!   fault are delivered; nothing after it is. Such a stream cannot be
//!   resynchronised, so there is no choice to offer.
//! - Once the connection is closing ([`Transport::is_closing`]), the rest
//!   of the chunk is dropped and later chunks are ignored.
//! - [`Transport::pause_reading`] stops the reactor from reading more; the
//!   frames of the chunk being delivered are still delivered (Twisted's
//!   behaviour), at most one read's worth (64 KiB).
//! - The decoder never buffers more than its maximum frame length.

use super::FrameDecoder;
use super::netstring::{self, NetstringDecoder};
use super::prefixed::{self, FrameTooLarge, Prefix, PrefixedDecoder};
use crate::{CloseReason, HalfClose, Protocol, Transport};

/// What a [`FrameHandler`] does with a peer's connection: the callbacks of
/// a frame-based protocol.
///
/// Only [`frame_received`](Self::frame_received) is required. The
/// connection callbacks are [`Protocol`]'s, passed through by
/// [`FrameReceiver`].
pub trait FrameHandler: 'static {
    /// The connection is up. Keep a clone of `transport` to write outside
    /// [`frame_received`](Self::frame_received).
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }

    /// A whole frame arrived: its payload, which may be empty. `transport`
    /// is this connection's.
    fn frame_received(&mut self, frame: &[u8], transport: &Transport);

    /// The peer half-closed (see [`Protocol::eof_received`]).
    fn eof_received(&mut self) -> HalfClose {
        HalfClose::Close
    }

    /// The connection is gone (see [`Protocol::connection_lost`]). After
    /// malformed input the reason is [`CloseReason::Protocol`] with the
    /// decoder's error message.
    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = reason;
    }

    /// See [`Protocol::pause_writing`].
    fn pause_writing(&mut self) {}

    /// See [`Protocol::resume_writing`].
    fn resume_writing(&mut self) {}
}

/// A [`Protocol`] that decodes frames with a [`FrameDecoder`] `D` and
/// delivers them to a [`FrameHandler`] `H`; see the [module docs](self)
/// for the delivery rules.
pub struct FrameReceiver<D: FrameDecoder, H: FrameHandler> {
    decoder: D,
    transport: Option<Transport>,
    handler: H,
}

/// Netstrings (`5:hello,`) delivered to `H` (Twisted's `NetstringReceiver`).
pub type NetstringReceiver<H> = FrameReceiver<NetstringDecoder, H>;

/// Frames with a big-endian length prefix of type `P` delivered to `H`.
pub type PrefixedReceiver<P, H> = FrameReceiver<PrefixedDecoder<P>, H>;

/// Frames with a big-endian `u16` length prefix (Twisted's
/// `Int16StringReceiver`).
pub type Int16Receiver<H> = PrefixedReceiver<u16, H>;

/// Frames with a big-endian `u32` length prefix (Twisted's
/// `Int32StringReceiver`).
pub type Int32Receiver<H> = PrefixedReceiver<u32, H>;

impl<D: FrameDecoder, H: FrameHandler> FrameReceiver<D, H> {
    /// An adapter reading with `decoder` (configured with its maximum frame
    /// length) into `handler`.
    pub fn new(decoder: D, handler: H) -> Self {
        FrameReceiver {
            decoder,
            transport: None,
            handler,
        }
    }

    /// An adapter reading with the decoder's default settings (a maximum
    /// of 99,999 bytes for netstrings and length prefixes).
    pub fn from_handler(handler: H) -> Self
    where
        D: Default,
    {
        Self::new(D::default(), handler)
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, mutably.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// The decoder.
    pub fn decoder(&self) -> &D {
        &self.decoder
    }
}

impl<D: FrameDecoder + 'static, H: FrameHandler> Protocol for FrameReceiver<D, H> {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport.clone());
        self.handler.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(transport) = &self.transport else {
            return;
        };
        let mut input = data;
        while !transport.is_closing() {
            match self.decoder.next_frame(&mut input) {
                Ok(Some(frame)) => self.handler.frame_received(frame, transport),
                Ok(None) => return,
                Err(error) => {
                    transport.lose_connection_because(&error.to_string());
                    return;
                }
            }
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

/// Writes `payload` to `transport` as a netstring (Twisted's
/// `sendString`), in one write.
pub fn send_netstring(transport: &Transport, payload: &[u8]) {
    let mut out = Vec::with_capacity(netstring::encoded_len(payload));
    netstring::encode(payload, &mut out);
    transport.write(&out);
}

/// Writes `payload` to `transport` preceded by its length as a big-endian
/// `P` (`u16` or `u32`), in one write.
///
/// Fails, writing nothing, if the length does not fit in `P`.
pub fn send_prefixed<P: Prefix>(
    transport: &Transport,
    payload: &[u8],
) -> Result<(), FrameTooLarge> {
    let mut out = Vec::with_capacity(P::SIZE + payload.len());
    prefixed::encode::<P>(payload, &mut out)?;
    transport.write(&out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::CloseKind;
    use crate::testing::StringTransport;

    /// Records frames; a frame `QUIT` closes the connection.
    #[derive(Default)]
    struct Recorder {
        frames: Rc<RefCell<Vec<Vec<u8>>>>,
        lost: Option<String>,
    }

    impl FrameHandler for Recorder {
        fn frame_received(&mut self, frame: &[u8], transport: &Transport) {
            self.frames.borrow_mut().push(frame.to_vec());
            if frame == b"QUIT" {
                transport.lose_connection();
            }
        }

        fn connection_lost(&mut self, reason: &CloseReason) {
            self.lost = Some(reason.to_string());
        }
    }

    fn start<D: FrameDecoder + 'static>(
        decoder: D,
    ) -> (FrameReceiver<D, Recorder>, StringTransport) {
        let record = StringTransport::new();
        let mut protocol = FrameReceiver::new(decoder, Recorder::default());
        protocol.connection_made(record.transport());
        (protocol, record)
    }

    fn frames<D: FrameDecoder>(protocol: &FrameReceiver<D, Recorder>) -> Vec<Vec<u8>> {
        protocol.handler().frames.borrow().clone()
    }

    fn close_reason(record: &StringTransport) -> String {
        match record.close_requested() {
            Some(CloseKind::Flush(Some(why))) => why.to_string(),
            other => panic!("expected a close with a reason, got {other:?}"),
        }
    }

    #[test]
    fn netstrings_cut_anywhere_are_delivered_whole() {
        let stream = b"5:hello,0:,3:a:b,";
        for cut in 0..=stream.len() {
            let (mut protocol, record) = start(NetstringDecoder::default());
            protocol.data_received(&stream[..cut]);
            protocol.data_received(&stream[cut..]);
            assert_eq!(
                frames(&protocol),
                [b"hello".to_vec(), b"".to_vec(), b"a:b".to_vec()]
            );
            assert_eq!(record.close_requested(), None);
        }
    }

    #[test]
    fn garbage_netstrings_close_with_a_reason_naming_the_fault() {
        for (input, fault) in [
            (&b"2:hi,x"[..], "found byte 0x78"),
            (b"05:hello,", "leading zero"),
            (b":,", "no length before ':'"),
            (b"2:hi;", "expected ','"),
            (b"100000:", "over the maximum of 99999"),
        ] {
            let (mut protocol, record) = start(NetstringDecoder::default());
            protocol.data_received(input);
            let why = close_reason(&record);
            assert!(why.contains(fault), "{input:?}: {why}");
            protocol.data_received(b"3:abc,");
            let delivered = frames(&protocol);
            assert!(delivered.iter().all(|f| f == b"hi"), "{delivered:?}");
        }
    }

    #[test]
    fn the_handler_hears_the_named_reason_when_the_connection_ends() {
        let (mut protocol, record) = start(NetstringDecoder::default());
        protocol.data_received(b"x");
        protocol.connection_lost(&CloseReason::Protocol(close_reason(&record).into()));
        let lost = protocol.handler().lost.clone().unwrap();
        assert!(
            lost.starts_with("closed by the protocol: invalid netstring"),
            "{lost}"
        );
    }

    #[test]
    fn length_prefixed_frames_of_both_widths() {
        let (mut protocol, _) = start(PrefixedDecoder::<u16>::default());
        protocol.data_received(b"\x00\x02hi\x00");
        protocol.data_received(b"\x00\x00\x03abc");
        assert_eq!(
            frames(&protocol),
            [b"hi".to_vec(), b"".to_vec(), b"abc".to_vec()]
        );
        let (mut protocol, _) = start(PrefixedDecoder::<u32>::default());
        protocol.data_received(b"\x00\x00\x00\x02hi");
        assert_eq!(frames(&protocol), [b"hi".to_vec()]);
    }

    #[test]
    fn an_over_long_prefix_closes_with_a_reason() {
        let (mut protocol, record) = start(PrefixedDecoder::<u32>::new(10));
        protocol.data_received(b"\x00\x00\x00\x01x\xff\xff\xff\xffpayload");
        assert_eq!(frames(&protocol), [b"x".to_vec()]);
        let why = close_reason(&record);
        assert!(
            why.contains("4294967295 bytes, over the maximum of 10"),
            "{why}"
        );
    }

    #[test]
    fn closing_stops_delivery_of_the_rest_of_the_chunk() {
        let (mut protocol, record) = start(NetstringDecoder::default());
        protocol.data_received(b"1:a,4:QUIT,1:b,");
        assert_eq!(frames(&protocol), [b"a".to_vec(), b"QUIT".to_vec()]);
        assert!(record.lose_connection_called());
    }

    #[test]
    fn senders_write_frames_the_receivers_read_back() {
        let record = StringTransport::new();
        let transport = record.transport();
        send_netstring(&transport, b"hello");
        send_prefixed::<u16>(&transport, b"hi").unwrap();
        send_prefixed::<u32>(&transport, b"").unwrap();
        assert_eq!(record.written(), b"5:hello,\x00\x02hi\x00\x00\x00\x00");
        let error = send_prefixed::<u16>(&transport, &vec![0; 70_000]).unwrap_err();
        assert_eq!(error.max, 65_535);
        assert_eq!(record.written().len(), 16);
    }
}
