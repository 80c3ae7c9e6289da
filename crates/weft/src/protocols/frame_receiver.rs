//! [`FrameReceiver`]: the frame [layer](crate::layer). It decodes
//! self-delimited frames (netstrings, length prefixes) and hands each one
//! to the protocol above it (Twisted's `NetstringReceiver`,
//! `Int16StringReceiver` and `Int32StringReceiver`).
//!
//! One layer drives any [`FrameDecoder`]; [`NetstringReceiver`],
//! [`Int16Receiver`] and [`Int32Receiver`] name the usual ones. The
//! protocol above is any [`Protocol`]: each `data_received` it gets is
//! exactly one frame's payload. Writes pass through unchanged; frames are
//! sent with [`send_netstring`] and [`send_prefixed`].
//!
//! ```
//! use weft::protocols::{NetstringReceiver, send_netstring};
//! use weft::testing::StringTransport;
//! use weft::{Protocol, Transport};
//!
//! /// Answers each netstring with the same, upper-cased.
//! #[derive(Default)]
//! struct Shout(Option<Transport>);
//!
//! impl Protocol for Shout {
//!     fn connection_made(&mut self, transport: Transport) {
//!         self.0 = Some(transport);
//!     }
//!
//!     fn data_received(&mut self, frame: &[u8]) {
//!         send_netstring(self.0.as_ref().unwrap(), &frame.to_ascii_uppercase());
//!     }
//! }
//!
//! let record = StringTransport::new();
//! let mut protocol = NetstringReceiver::new(Shout::default());
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
//! - Each `data_received` above is one whole frame's payload (it may be
//!   empty). Frames of one chunk are delivered in order, one call each; a
//!   frame that lies whole in the chunk is not copied.
//! - Malformed input (a bad length, a missing comma, a frame over the
//!   maximum) ends the connection: pending output is flushed and the
//!   protocol's `connection_lost` receives [`CloseReason::Protocol`] with
//!   the decoder's error message, which names the fault. Frames before the
//!   fault are delivered; nothing after it is. Such a stream cannot be
//!   resynchronised, so there is no choice to offer.
//! - Once a close was asked for ([`Transport::is_disconnecting`]), the
//!   rest of the chunk is dropped and later chunks are ignored. A
//!   half-close ([`Transport::shutdown_write`]) does not stop delivery.
//! - [`Transport::pause_reading`] stops the reactor from reading more; the
//!   frames of the chunk being delivered are still delivered (Twisted's
//!   behaviour), at most one read's worth (64 KiB).
//! - The decoder never buffers more than its maximum frame length.
//!
//! [`CloseReason::Protocol`]: crate::CloseReason::Protocol

use std::rc::Rc;

use super::FrameDecoder;
use super::netstring::{self, NetstringDecoder};
use super::prefixed::{self, FrameTooLarge, Prefix, PrefixedDecoder};
use crate::layer::{Above, Layer, Layered, PassThrough};
use crate::{Protocol, Transport};

/// The frame layer: a [`FrameDecoder`] `D` between a transport and the
/// protocol above. Used as [`FrameReceiver`] and its named kinds.
#[derive(Debug)]
pub struct FrameLayer<D> {
    decoder: D,
}

/// A [`Protocol`] `P` fed one frame per `data_received`, decoded with `D`;
/// see the [module docs](self) for the delivery rules.
pub type FrameReceiver<D, P> = Layered<FrameLayer<D>, P>;

/// Netstrings (`5:hello,`) delivered to `P` (Twisted's `NetstringReceiver`).
pub type NetstringReceiver<P> = FrameReceiver<NetstringDecoder, P>;

/// Frames with a big-endian length prefix of type `L` delivered to `P`.
pub type PrefixedReceiver<L, P> = FrameReceiver<PrefixedDecoder<L>, P>;

/// Frames with a big-endian `u16` length prefix (Twisted's
/// `Int16StringReceiver`).
pub type Int16Receiver<P> = PrefixedReceiver<u16, P>;

/// Frames with a big-endian `u32` length prefix (Twisted's
/// `Int32StringReceiver`).
pub type Int32Receiver<P> = PrefixedReceiver<u32, P>;

impl<D: FrameDecoder + 'static, P: Protocol> FrameReceiver<D, P> {
    /// Runs `protocol` over frames read with the decoder's default
    /// settings (a maximum of 99,999 bytes for netstrings and length
    /// prefixes).
    pub fn new(protocol: P) -> Self
    where
        D: Default,
    {
        Self::with_decoder(D::default(), protocol)
    }

    /// Runs `protocol` over frames read with `decoder` (configured with
    /// its maximum frame length).
    pub fn with_decoder(decoder: D, protocol: P) -> Self {
        Layered::wrap(FrameLayer { decoder }, protocol)
    }

    /// The decoder.
    pub fn decoder(&self) -> &D {
        &self.layer().decoder
    }
}

impl<D: FrameDecoder + 'static> Layer for FrameLayer<D> {
    type Shared = PassThrough;

    fn connection_made(&mut self, _lower: &Transport) -> Rc<PassThrough> {
        Rc::new(PassThrough)
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let mut input = data;
        while above.is_receiving() {
            match self.decoder.next_frame(&mut input) {
                Ok(Some(frame)) => {
                    if !above.deliver(frame) {
                        return;
                    }
                }
                Ok(None) => return,
                Err(error) => {
                    above.lower().lose_connection_because(&error.to_string());
                    return;
                }
            }
        }
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

    use super::*;
    use crate::testing::StringTransport;
    use crate::{CloseKind, CloseReason};

    /// Records frames; a frame `QUIT` closes the connection, `HALF`
    /// half-closes it.
    #[derive(Default)]
    struct Recorder {
        transport: Option<Transport>,
        frames: Rc<RefCell<Vec<Vec<u8>>>>,
        lost: Option<String>,
    }

    impl Protocol for Recorder {
        fn connection_made(&mut self, transport: Transport) {
            self.transport = Some(transport);
        }

        fn data_received(&mut self, frame: &[u8]) {
            self.frames.borrow_mut().push(frame.to_vec());
            let transport = self.transport.as_ref().unwrap();
            match frame {
                b"QUIT" => transport.lose_connection(),
                b"HALF" => transport.shutdown_write(),
                _ => {}
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
        let mut protocol = FrameReceiver::with_decoder(decoder, Recorder::default());
        protocol.connection_made(record.transport());
        (protocol, record)
    }

    fn frames<D: FrameDecoder + 'static>(protocol: &FrameReceiver<D, Recorder>) -> Vec<Vec<u8>> {
        protocol.inner().frames.borrow().clone()
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
        let lost = protocol.inner().lost.clone().unwrap();
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
    fn a_half_close_does_not_stop_delivery() {
        let (mut protocol, record) = start(NetstringDecoder::default());
        protocol.data_received(b"1:a,4:HALF,1:b,");
        protocol.data_received(b"1:c,");
        assert_eq!(
            frames(&protocol),
            [
                b"a".to_vec(),
                b"HALF".to_vec(),
                b"b".to_vec(),
                b"c".to_vec()
            ]
        );
        assert!(record.write_shut());
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
