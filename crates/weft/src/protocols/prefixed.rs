//! Length-prefixed frames (Twisted's `Int16StringReceiver` and
//! `Int32StringReceiver`), sans-I/O.
//!
//! Each frame is its payload's length as a big-endian unsigned integer (the
//! [`Prefix`]: `u16` or `u32`), then the payload. One generic decoder,
//! [`PrefixedDecoder`], serves both widths; [`Int16Decoder`] and
//! [`Int32Decoder`] name them. A length over the decoder's maximum is a
//! [`PrefixedError`] and the decoder stays failed. [`encode`] writes frames.
//!
//! ```
//! use weft::protocols::prefixed::{self, Int16Decoder, PrefixedError};
//!
//! let mut out = Vec::new();
//! prefixed::encode::<u16>(b"hi", &mut out).unwrap();
//! assert_eq!(out, b"\x00\x02hi");
//!
//! let mut decoder = Int16Decoder::new(10);
//! let mut input: &[u8] = b"\x00\x02hi\x01\x00";
//! assert_eq!(decoder.next_frame(&mut input), Ok(Some(&b"hi"[..])));
//! assert_eq!(
//!     decoder.next_frame(&mut input),
//!     Err(PrefixedError::TooLong { length: 256, max: 10 })
//! );
//! ```

use std::fmt::Debug;
use std::marker::PhantomData;

use super::FrameDecoder;
use super::frame::PayloadBuffer;

/// The default maximum payload length, in bytes (Twisted's `MAX_LENGTH`);
/// with a `u16` prefix it means any length.
pub const DEFAULT_MAX_LENGTH: usize = 99_999;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

/// The integer type of a length prefix: `u16` or `u32`, big-endian.
///
/// Sealed: implemented for `u16` and `u32` only.
pub trait Prefix: sealed::Sealed + Copy + Debug + 'static {
    /// The prefix's size in bytes.
    const SIZE: usize;
    /// The largest payload length the prefix can express.
    const MAX_LENGTH: u64;

    /// Reads a length from exactly [`SIZE`](Self::SIZE) big-endian bytes.
    fn read(bytes: &[u8]) -> u64;

    /// Appends `length` (at most [`MAX_LENGTH`](Self::MAX_LENGTH)) as
    /// [`SIZE`](Self::SIZE) big-endian bytes.
    fn write(length: u64, out: &mut Vec<u8>);
}

macro_rules! prefix {
    ($ty:ty) => {
        impl Prefix for $ty {
            const SIZE: usize = size_of::<$ty>();
            const MAX_LENGTH: u64 = <$ty>::MAX as u64;

            fn read(bytes: &[u8]) -> u64 {
                let mut array = [0; size_of::<$ty>()];
                array.copy_from_slice(bytes);
                u64::from(<$ty>::from_be_bytes(array))
            }

            fn write(length: u64, out: &mut Vec<u8>) {
                let length = <$ty>::try_from(length).expect("length fits the prefix");
                out.extend_from_slice(&length.to_be_bytes());
            }
        }
    };
}

prefix!(u16);
prefix!(u32);

/// A decoder of frames with a big-endian `u16` length prefix.
pub type Int16Decoder = PrefixedDecoder<u16>;
/// A decoder of frames with a big-endian `u32` length prefix.
pub type Int32Decoder = PrefixedDecoder<u32>;

/// What was wrong with a length-prefixed stream. Fatal to the stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrefixedError {
    /// A prefix announcing more bytes than the decoder's maximum.
    #[error(
        "frame too long: the length prefix announces {length} bytes, over the maximum of {max} (raise the decoder's maximum to accept it)"
    )]
    TooLong {
        /// The length the prefix announced.
        length: u64,
        /// The decoder's maximum.
        max: usize,
    },
}

/// A payload too long for the length prefix, refused by [`encode`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot encode a {length}-byte frame: a {bits}-bit length prefix carries at most {max} bytes (use a wider prefix or split the payload)"
)]
pub struct FrameTooLarge {
    /// The payload's length.
    pub length: usize,
    /// The largest length the prefix can express.
    pub max: u64,
    /// The prefix's width in bits.
    pub bits: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Reading the prefix: `header[..filled]` holds its first bytes.
    Header {
        filled: usize,
    },
    /// Reading a payload of `length` bytes, the buffer holding its start.
    Payload {
        length: usize,
    },
    Failed(PrefixedError),
}

/// A sans-I/O decoder of length-prefixed frames: bytes in, payloads out.
///
/// Contract (see also [`FrameDecoder`]):
/// - [`next_frame`](Self::next_frame) returns each payload in order, as a
///   slice of the input when the whole frame lies in it, otherwise from the
///   decoder's buffer.
/// - A prefix over the maximum is refused before any payload is read, so the
///   buffer never holds more than the maximum; an emptied buffer over 1 KiB
///   is freed.
/// - Any split of the stream yields the same payloads and the same error.
/// - After an error every call returns that error and consumes nothing.
#[derive(Clone, Debug)]
pub struct PrefixedDecoder<P: Prefix> {
    max_length: usize,
    header: [u8; 8],
    state: State,
    buf: PayloadBuffer,
    prefix: PhantomData<P>,
}

impl<P: Prefix> Default for PrefixedDecoder<P> {
    /// A decoder with the maximum [`DEFAULT_MAX_LENGTH`].
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LENGTH)
    }
}

impl<P: Prefix> PrefixedDecoder<P> {
    /// A decoder accepting payloads of at most `max_length` bytes (a larger
    /// value than the prefix can express means "any length").
    pub fn new(max_length: usize) -> Self {
        PrefixedDecoder {
            max_length,
            header: [0; 8],
            state: State::Header { filled: 0 },
            buf: PayloadBuffer::default(),
            prefix: PhantomData,
        }
    }

    /// The longest payload accepted.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The error the decoder failed with, if it did.
    pub fn error(&self) -> Option<&PrefixedError> {
        match &self.state {
            State::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// The capacity of the internal buffer, in bytes (at most the maximum
    /// payload length).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Decodes the next payload from `input`, advancing it past the bytes
    /// used.
    ///
    /// `Ok(None)` means `input` is used up (it is then empty, a partial frame
    /// kept for the next call). The payload borrows the decoder until it is
    /// dropped.
    pub fn next_frame<'s, 'c: 's>(
        &'s mut self,
        input: &mut &'c [u8],
    ) -> Result<Option<&'s [u8]>, PrefixedError> {
        self.buf.begin();
        loop {
            let data: &'c [u8] = input;
            match self.state {
                State::Failed(ref error) => return Err(error.clone()),
                State::Header { filled: 0 } if data.len() >= P::SIZE => {
                    let (prefix, rest) = data.split_at(P::SIZE);
                    let length = self.check(P::read(prefix))?;
                    *input = rest;
                    if rest.len() >= length {
                        // Zero copy: the whole payload is in this chunk.
                        let (payload, rest) = rest.split_at(length);
                        *input = rest;
                        return Ok(Some(payload));
                    }
                    self.state = State::Payload { length };
                }
                State::Header { filled } => {
                    if data.is_empty() {
                        return Ok(self.buf.need_more());
                    }
                    let take = (P::SIZE - filled).min(data.len());
                    self.header[filled..filled + take].copy_from_slice(&data[..take]);
                    let filled = filled + take;
                    if filled < P::SIZE {
                        *input = &data[take..];
                        self.state = State::Header { filled };
                        continue;
                    }
                    let length = self.check(P::read(&self.header[..P::SIZE]))?;
                    *input = &data[take..];
                    self.state = State::Payload { length };
                }
                State::Payload { length } => {
                    let wanted = length - self.buf.len();
                    let take = wanted.min(data.len());
                    if take < wanted && data.is_empty() {
                        return Ok(self.buf.need_more());
                    }
                    self.buf.extend(&data[..take], length);
                    *input = &data[take..];
                    if take == wanted {
                        self.state = State::Header { filled: 0 };
                        return Ok(Some(self.buf.hand_out()));
                    }
                }
            }
        }
    }

    /// Checks an announced length against the maximum, failing the decoder
    /// if it is over.
    fn check(&mut self, length: u64) -> Result<usize, PrefixedError> {
        match usize::try_from(length) {
            Ok(length) if length <= self.max_length => Ok(length),
            _ => {
                let error = PrefixedError::TooLong {
                    length,
                    max: self.max_length,
                };
                self.state = State::Failed(error.clone());
                Err(error)
            }
        }
    }
}

impl<P: Prefix> FrameDecoder for PrefixedDecoder<P> {
    type Error = PrefixedError;

    fn next_frame<'s, 'c: 's>(
        &'s mut self,
        input: &mut &'c [u8],
    ) -> Result<Option<&'s [u8]>, PrefixedError> {
        PrefixedDecoder::next_frame(self, input)
    }

    fn buffered_len(&self) -> usize {
        let header = match self.state {
            State::Header { filled } => filled,
            _ => 0,
        };
        header + self.buf.buffered()
    }
}

/// Appends `payload` to `out` preceded by its length as a big-endian `P`.
///
/// Fails, leaving `out` unchanged, if the length does not fit in `P`.
pub fn encode<P: Prefix>(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FrameTooLarge> {
    let length = payload.len() as u64;
    if length > P::MAX_LENGTH {
        return Err(FrameTooLarge {
            length: payload.len(),
            max: P::MAX_LENGTH,
            bits: P::SIZE * 8,
        });
    }
    out.reserve(P::SIZE + payload.len());
    P::write(length, out);
    out.extend_from_slice(payload);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::split::{cut, decode_frames};
    use proptest::prelude::*;

    /// Decodes `chunks`: the payloads, then the error if any.
    fn decode<P: Prefix>(
        decoder: &mut PrefixedDecoder<P>,
        chunks: &[&[u8]],
    ) -> (Vec<Vec<u8>>, Option<PrefixedError>) {
        decode_frames(decoder, chunks, |d| {
            d.buffer_capacity() <= d.max_length().max(64)
        })
    }

    #[test]
    fn decodes_u16_and_u32_frames() {
        let mut decoder = Int16Decoder::default();
        let input = b"\x00\x03abc\x00\x00\x00\x01\0";
        assert_eq!(
            decode(&mut decoder, &[input]),
            (vec![b"abc".to_vec(), vec![], vec![0]], None)
        );
        let mut decoder = Int32Decoder::default();
        let input = b"\x00\x00\x00\x03abc\x00\x00\x00\x00";
        assert_eq!(
            decode(&mut decoder, &[input]),
            (vec![b"abc".to_vec(), vec![]], None)
        );
    }

    #[test]
    fn whole_frames_are_not_copied() {
        let chunk = b"\x00\x02ab\x00\x02cd";
        let range = chunk.as_ptr_range();
        let mut decoder = Int16Decoder::default();
        let mut input = &chunk[..];
        while let Some(frame) = decoder.next_frame(&mut input).unwrap() {
            assert!(range.contains(&frame.as_ptr()));
        }
        assert_eq!(decoder.buffer_capacity(), 0);
    }

    #[test]
    fn prefix_and_payload_split_across_chunks() {
        let mut decoder = Int32Decoder::default();
        let (frames, error) = decode(&mut decoder, &[b"\x00", b"\x00\x00", b"\x05he", b"llo\x00"]);
        assert_eq!(frames, [b"hello".to_vec()]);
        assert_eq!(error, None);
        assert_eq!(decoder.buffered_len(), 1);
    }

    #[test]
    fn huge_length_prefix_is_refused_before_any_payload() {
        let mut decoder = Int32Decoder::new(1 << 20);
        let (frames, error) = decode(&mut decoder, &[b"\x00\x00\x00\x01x\xff\xff", b"\xff\xff"]);
        assert_eq!(frames, [b"x".to_vec()]);
        let expected = PrefixedError::TooLong {
            length: u64::from(u32::MAX),
            max: 1 << 20,
        };
        assert_eq!(error, Some(expected.clone()));
        assert_eq!(
            expected.to_string(),
            "frame too long: the length prefix announces 4294967295 bytes, over the maximum of \
             1048576 (raise the decoder's maximum to accept it)"
        );
        assert_eq!(decoder.buffer_capacity(), 0);
        let mut more: &[u8] = b"\x00\x00\x00\x00";
        assert_eq!(decoder.next_frame(&mut more), Err(expected.clone()));
        assert_eq!(more.len(), 4);
        assert_eq!(decoder.error(), Some(&expected));
    }

    #[test]
    fn the_maximum_is_inclusive() {
        let mut decoder = Int16Decoder::new(3);
        assert_eq!(
            decode(&mut decoder, &[b"\x00\x03abc\x00\x04abcd"]),
            (
                vec![b"abc".to_vec()],
                Some(PrefixedError::TooLong { length: 4, max: 3 })
            )
        );
    }

    #[test]
    fn a_slow_sender_of_a_large_frame_grows_the_buffer_gradually() {
        let mut decoder = Int32Decoder::new(1 << 20);
        let mut input: &[u8] = b"\x00\x10\x00\x00ab";
        assert_eq!(decoder.next_frame(&mut input), Ok(None));
        assert!(decoder.buffer_capacity() <= 64);
    }

    #[test]
    fn encoder_refuses_what_the_prefix_cannot_carry() {
        let mut out = b"kept".to_vec();
        let big = vec![0u8; 70_000];
        assert_eq!(
            encode::<u16>(&big, &mut out),
            Err(FrameTooLarge {
                length: 70_000,
                max: 65_535,
                bits: 16
            })
        );
        assert_eq!(out, b"kept");
        encode::<u32>(&big, &mut out).unwrap();
        assert_eq!(&out[4..8], &70_000u32.to_be_bytes());
        assert_eq!(out.len(), 4 + 4 + 70_000);
    }

    fn streams() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|payload| {
                let mut out = Vec::new();
                encode::<u16>(&payload, &mut out).unwrap();
                out
            }),
            1 => proptest::collection::vec(any::<u8>(), 0..4),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_frames_and_error(
            input in streams(),
            max in prop_oneof![0usize..50, Just(DEFAULT_MAX_LENGTH)],
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let chunks = cut(&input, &cuts);
            let bytewise: Vec<&[u8]> = input.chunks(1).collect();
            let whole = decode(&mut Int16Decoder::new(max), &[&input]);
            prop_assert_eq!(&decode(&mut Int16Decoder::new(max), &chunks), &whole);
            prop_assert_eq!(&decode(&mut Int16Decoder::new(max), &bytewise), &whole);
            let whole = decode(&mut Int32Decoder::new(max), &[&input]);
            prop_assert_eq!(&decode(&mut Int32Decoder::new(max), &chunks), &whole);
            prop_assert_eq!(&decode(&mut Int32Decoder::new(max), &bytewise), &whole);
        }

        #[test]
        fn encoded_payloads_decode_back(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..100), 0..10),
        ) {
            let mut out16 = Vec::new();
            let mut out32 = Vec::new();
            for payload in &payloads {
                encode::<u16>(payload, &mut out16).unwrap();
                encode::<u32>(payload, &mut out32).unwrap();
            }
            prop_assert_eq!(decode(&mut Int16Decoder::new(100), &[&out16]), (payloads.clone(), None));
            prop_assert_eq!(decode(&mut Int32Decoder::new(100), &[&out32]), (payloads, None));
        }
    }
}
