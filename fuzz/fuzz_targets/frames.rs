//! Netstring and length-prefix decoders: any input, cut at any point, gives
//! the same frames and error as the same input in one piece, never panics
//! and never buffers past the maximum.
//!
//! Input layout: byte 0 picks the maximum length, bytes 1-2 the cut point;
//! the rest is the stream, decoded as netstrings, u16-prefixed and
//! u32-prefixed frames in turn.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::protocols::FrameDecoder;
use weft::protocols::netstring::NetstringDecoder;
use weft::protocols::prefixed::{Int16Decoder, Int32Decoder};

type Outcome<E> = (Vec<Vec<u8>>, Option<E>);

fn run<D: FrameDecoder>(mut decoder: D, chunks: &[&[u8]], max: usize) -> Outcome<D::Error> {
    let mut frames = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            match decoder.next_frame(&mut input) {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= max);
                    frames.push(frame.to_vec());
                }
                Ok(None) => break,
                Err(error) => return (frames, Some(error)),
            }
        }
        assert!(input.is_empty());
        assert!(decoder.buffered_len() <= max + 4);
    }
    (frames, None)
}

fn check<D: FrameDecoder + Clone>(decoder: D, stream: &[u8], cut: usize, max: usize)
where
    D::Error: PartialEq + std::fmt::Debug,
{
    let whole = run(decoder.clone(), &[stream], max);
    let split = run(decoder, &[&stream[..cut], &stream[cut..]], max);
    assert_eq!(split, whole);
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (header, stream) = data.split_at(3);
    let max = usize::from(header[0]);
    let cut = usize::from(u16::from_le_bytes([header[1], header[2]])) % (stream.len() + 1);
    check(NetstringDecoder::new(max), stream, cut, max);
    check(Int16Decoder::new(max), stream, cut, max);
    check(Int32Decoder::new(max), stream, cut, max);
});
