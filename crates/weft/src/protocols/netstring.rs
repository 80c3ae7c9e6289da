//! Netstrings (Twisted's `NetstringReceiver`), sans-I/O.
//!
//! A netstring is a byte string preceded by its length in decimal and a
//! colon, followed by a comma: `12:hello world!,` carries `hello world!`.
//!
//! [`NetstringDecoder`] reads them strictly, following D. J. Bernstein's
//! definition:
//! - the length is one or more ASCII digits, with no sign, space or leading
//!   zero (`0:,` is the empty string; `01:a,` is refused, so that every
//!   payload has exactly one encoding);
//! - a length over the decoder's maximum is refused as soon as its digits
//!   say so, before any payload is read (memory stays bounded by the
//!   maximum);
//! - the payload is followed by exactly one `,`.
//!
//! Any other byte is a [`NetstringError`] naming the fault, and the decoder
//! stays failed: a netstring stream cannot be resynchronised, so the
//! connection should be closed. [`encode`] writes netstrings.
//!
//! ```
//! use weft::protocols::netstring::{self, NetstringDecoder, NetstringError};
//!
//! let mut out = Vec::new();
//! netstring::encode(b"hello world!", &mut out);
//! assert_eq!(out, b"12:hello world!,");
//!
//! let mut decoder = NetstringDecoder::new(100);
//! let mut input: &[u8] = b"12:hello world!,2:hi;";
//! assert_eq!(decoder.next_frame(&mut input), Ok(Some(&b"hello world!"[..])));
//! assert_eq!(
//!     decoder.next_frame(&mut input),
//!     Err(NetstringError::MissingComma { length: 2, found: b';' })
//! );
//! ```

use super::FrameDecoder;
use super::frame::PayloadBuffer;

/// The default maximum payload length, in bytes (Twisted's `MAX_LENGTH`).
pub const DEFAULT_MAX_LENGTH: usize = 99_999;

/// What was wrong with a netstring. Every variant is fatal to the stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetstringError {
    /// A byte other than a digit or `:` where the length was expected.
    #[error(
        "invalid netstring: the length must be ASCII digits followed by ':', found byte 0x{byte:02x}"
    )]
    NonDigitLength {
        /// The offending byte.
        byte: u8,
    },
    /// A `:` with no digit before it.
    #[error("invalid netstring: no length before ':' (the empty string is \"0:,\")")]
    EmptyLength,
    /// A length of more than one digit starting with `0`.
    #[error("invalid netstring: the length has a leading zero (write \"5:\", not \"05:\")")]
    LeadingZero,
    /// A length over the decoder's maximum.
    #[error(
        "netstring too long: its length is at least {length} bytes, over the maximum of {max} (raise the decoder's maximum to accept it)"
    )]
    TooLong {
        /// The length read so far: the digits seen when the maximum was
        /// passed (more may follow).
        length: u64,
        /// The decoder's maximum.
        max: usize,
    },
    /// A byte other than `,` after the payload.
    #[error(
        "invalid netstring: expected ',' after the {length}-byte payload, found byte 0x{found:02x} (is the length right?)"
    )]
    MissingComma {
        /// The payload length the netstring announced.
        length: usize,
        /// The byte found where the comma belongs.
        found: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Reading the length: its value and number of digits so far.
    Length {
        value: u64,
        digits: usize,
    },
    /// Reading a payload of `length` bytes, the buffer holding its start.
    Payload {
        length: usize,
    },
    /// The payload is whole in the buffer; the comma is next.
    Comma {
        length: usize,
    },
    Failed(NetstringError),
}

/// A sans-I/O netstring decoder: bytes in, payloads out.
///
/// Contract (see also [`FrameDecoder`]):
/// - [`next_frame`](Self::next_frame) returns each payload in order, as a
///   slice of the input when the whole netstring lies in it, otherwise from
///   the decoder's buffer.
/// - Any split of the stream yields the same payloads and the same error.
/// - The buffer never holds more than the maximum payload length; an
///   emptied buffer over 1 KiB is freed.
/// - After an error every call returns that error and consumes nothing.
#[derive(Clone, Debug)]
pub struct NetstringDecoder {
    max_length: usize,
    state: State,
    buf: PayloadBuffer,
}

impl Default for NetstringDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LENGTH)
    }
}

impl NetstringDecoder {
    /// A decoder accepting payloads of at most `max_length` bytes.
    pub fn new(max_length: usize) -> Self {
        NetstringDecoder {
            max_length,
            state: State::Length {
                value: 0,
                digits: 0,
            },
            buf: PayloadBuffer::default(),
        }
    }

    /// The longest payload accepted.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The error the decoder failed with, if it did.
    pub fn error(&self) -> Option<&NetstringError> {
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
    /// `Ok(None)` means `input` is used up (it is then empty, a partial
    /// netstring kept for the next call). The payload borrows the decoder
    /// until it is dropped.
    pub fn next_frame<'s, 'c: 's>(
        &'s mut self,
        input: &mut &'c [u8],
    ) -> Result<Option<&'s [u8]>, NetstringError> {
        self.buf.begin();
        loop {
            let data: &'c [u8] = input;
            match self.state {
                State::Failed(ref error) => return Err(error.clone()),
                State::Length { value, digits } => {
                    let Some((&byte, rest)) = data.split_first() else {
                        return Ok(self.buf.need_more());
                    };
                    self.state = match byte {
                        b'0'..=b'9' if digits == 1 && value == 0 => {
                            State::Failed(NetstringError::LeadingZero)
                        }
                        b'0'..=b'9' => {
                            let value = value
                                .saturating_mul(10)
                                .saturating_add(u64::from(byte - b'0'));
                            if value > self.max_length as u64 {
                                State::Failed(NetstringError::TooLong {
                                    length: value,
                                    max: self.max_length,
                                })
                            } else {
                                *input = rest;
                                State::Length {
                                    value,
                                    digits: digits + 1,
                                }
                            }
                        }
                        b':' if digits == 0 => State::Failed(NetstringError::EmptyLength),
                        b':' => {
                            *input = rest;
                            // value <= max_length, a usize
                            State::Payload {
                                length: value as usize,
                            }
                        }
                        byte => State::Failed(NetstringError::NonDigitLength { byte }),
                    };
                }
                State::Payload { length } => {
                    if self.buf.is_empty() && data.len() > length {
                        // Zero copy: payload and comma are in this chunk.
                        let (payload, rest) = data.split_at(length);
                        if rest[0] != b',' {
                            return Err(self.fail_comma(length, rest[0]));
                        }
                        *input = &rest[1..];
                        self.state = State::Length {
                            value: 0,
                            digits: 0,
                        };
                        return Ok(Some(payload));
                    }
                    let wanted = length - self.buf.len();
                    let take = wanted.min(data.len());
                    if take == 0 && wanted > 0 {
                        return Ok(self.buf.need_more());
                    }
                    self.buf.extend(&data[..take], length);
                    *input = &data[take..];
                    if take == wanted {
                        self.state = State::Comma { length };
                    }
                }
                State::Comma { length } => {
                    let Some((&byte, rest)) = data.split_first() else {
                        return Ok(self.buf.need_more());
                    };
                    if byte != b',' {
                        return Err(self.fail_comma(length, byte));
                    }
                    *input = rest;
                    self.state = State::Length {
                        value: 0,
                        digits: 0,
                    };
                    return Ok(Some(self.buf.hand_out()));
                }
            }
        }
    }

    fn fail_comma(&mut self, length: usize, found: u8) -> NetstringError {
        let error = NetstringError::MissingComma { length, found };
        self.state = State::Failed(error.clone());
        self.buf.free();
        error
    }
}

impl FrameDecoder for NetstringDecoder {
    type Error = NetstringError;

    fn next_frame<'s, 'c: 's>(
        &'s mut self,
        input: &mut &'c [u8],
    ) -> Result<Option<&'s [u8]>, NetstringError> {
        NetstringDecoder::next_frame(self, input)
    }

    fn buffered_len(&self) -> usize {
        self.buf.buffered()
    }
}

/// The length of `payload` encoded as a netstring.
pub fn encoded_len(payload: &[u8]) -> usize {
    let mut digits = 1;
    let mut n = payload.len();
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits + 1 + payload.len() + 1
}

/// Appends `payload` to `out` as a netstring (`<length>:<payload>,`).
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(payload));
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = payload.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.push(b':');
    out.extend_from_slice(payload);
    out.push(b',');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::split::{cut, decode_frames};
    use proptest::prelude::*;

    /// Decodes `chunks`: the payloads, then the error if any.
    fn decode(
        decoder: &mut NetstringDecoder,
        chunks: &[&[u8]],
    ) -> (Vec<Vec<u8>>, Option<NetstringError>) {
        decode_frames(decoder, chunks, |d| {
            d.buffer_capacity() <= d.max_length().max(64)
        })
    }

    fn decode_all(input: &[u8], max: usize) -> (Vec<Vec<u8>>, Option<NetstringError>) {
        decode(&mut NetstringDecoder::new(max), &[input])
    }

    #[test]
    fn decodes_a_sequence_of_netstrings() {
        let (frames, error) = decode_all(b"12:hello world!,0:,3:\0\0\0,", 100);
        assert_eq!(frames, [&b"hello world!"[..], b"", b"\0\0\0"]);
        assert_eq!(error, None);
    }

    #[test]
    fn whole_netstrings_are_not_copied() {
        let chunk = b"3:abc,3:def,";
        let range = chunk.as_ptr_range();
        let mut decoder = NetstringDecoder::default();
        let mut input = &chunk[..];
        while let Some(frame) = decoder.next_frame(&mut input).unwrap() {
            assert!(range.contains(&frame.as_ptr()));
        }
        assert_eq!(decoder.buffer_capacity(), 0);
    }

    #[test]
    fn payload_split_across_chunks_is_reassembled() {
        let mut decoder = NetstringDecoder::default();
        let (frames, error) = decode(&mut decoder, &[b"1", b"1:hello", b" world", b",1"]);
        assert_eq!(frames, [b"hello world".to_vec()]);
        assert_eq!(error, None);
        assert_eq!(decoder.buffered_len(), 0);
        assert_eq!(decode(&mut decoder, &[b":x,"]).0, [b"x".to_vec()]);
    }

    #[test]
    fn each_fault_is_named() {
        let cases: [(&[u8], NetstringError); 7] = [
            (b"x:", NetstringError::NonDigitLength { byte: b'x' }),
            (b"1 :a,", NetstringError::NonDigitLength { byte: b' ' }),
            (b"-1:", NetstringError::NonDigitLength { byte: b'-' }),
            (b":", NetstringError::EmptyLength),
            (b"01:a,", NetstringError::LeadingZero),
            (
                b"101:",
                NetstringError::TooLong {
                    length: 101,
                    max: 100,
                },
            ),
            (
                b"2:abc",
                NetstringError::MissingComma {
                    length: 2,
                    found: b'c',
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                decode_all(input, 100),
                (vec![], Some(expected)),
                "{input:?}"
            );
        }
    }

    #[test]
    fn error_messages_name_the_fault() {
        let error = decode_all(b"1000000:", 1000).1.unwrap();
        assert_eq!(
            error.to_string(),
            "netstring too long: its length is at least 10000 bytes, over the maximum of 1000 \
             (raise the decoder's maximum to accept it)"
        );
        assert!(error.to_string().contains("maximum of 1000"));
        let comma = decode_all(b"1:ab", 10).1.unwrap().to_string();
        assert!(comma.contains("expected ','"), "{comma}");
    }

    #[test]
    fn huge_length_is_refused_before_any_payload() {
        let mut decoder = NetstringDecoder::new(1 << 20);
        let (frames, error) = decode(&mut decoder, &[b"99999999999999999999999999999999:"]);
        assert!(frames.is_empty());
        assert!(matches!(error, Some(NetstringError::TooLong { .. })));
        assert_eq!(decoder.buffer_capacity(), 0);
    }

    #[test]
    fn a_failed_decoder_stays_failed() {
        let mut decoder = NetstringDecoder::default();
        let mut input: &[u8] = b"3:abc,x3:def,";
        assert_eq!(decoder.next_frame(&mut input), Ok(Some(&b"abc"[..])));
        let error = NetstringError::NonDigitLength { byte: b'x' };
        assert_eq!(decoder.next_frame(&mut input), Err(error.clone()));
        assert_eq!(input, b"x3:def,");
        let mut more: &[u8] = b"1:a,";
        assert_eq!(decoder.next_frame(&mut more), Err(error.clone()));
        assert_eq!(more, b"1:a,");
        assert_eq!(decoder.error(), Some(&error));
    }

    #[test]
    fn garbage_streams_fail_without_panicking() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let garbage: Vec<u8> = (0..64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let (_, error) = decode_all(&garbage, 16);
            let digits_first = garbage[0].is_ascii_digit();
            assert!(error.is_some() || digits_first, "{garbage:?}");
        }
    }

    #[test]
    fn encoder_writes_the_length_in_decimal() {
        let mut out = Vec::new();
        encode(b"", &mut out);
        encode(b"hello world!", &mut out);
        assert_eq!(out, b"0:,12:hello world!,");
        let long = vec![7u8; 12345];
        let mut out = Vec::new();
        encode(&long, &mut out);
        assert_eq!(&out[..6], b"12345:");
        assert_eq!(out.len(), encoded_len(&long));
    }

    fn netstring_streams() -> impl Strategy<Value = Vec<u8>> {
        // Mostly valid netstrings, sometimes with a fault spliced in.
        let piece = prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|payload| {
                let mut out = Vec::new();
                encode(&payload, &mut out);
                out
            }),
            1 => proptest::collection::vec(
                prop_oneof![Just(b'0'), Just(b'9'), Just(b':'), Just(b','), any::<u8>()],
                0..6,
            ),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_frames_and_error(
            input in netstring_streams(),
            max in prop_oneof![0usize..50, Just(DEFAULT_MAX_LENGTH)],
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let whole = decode_all(&input, max);
            let chunks = cut(&input, &cuts);
            prop_assert_eq!(&decode(&mut NetstringDecoder::new(max), &chunks), &whole);
            let bytewise: Vec<&[u8]> = input.chunks(1).collect();
            prop_assert_eq!(decode(&mut NetstringDecoder::new(max), &bytewise), whole);
        }

        #[test]
        fn encoded_payloads_decode_back(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..100), 0..10),
        ) {
            let mut out = Vec::new();
            for payload in &payloads {
                encode(payload, &mut out);
            }
            prop_assert_eq!(decode_all(&out, 100), (payloads, None));
        }
    }
}
