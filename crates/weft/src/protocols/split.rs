//! Test support: cutting a byte stream into chunks, for the property
//! tests that any split of the input gives the same result, and decoding
//! the chunks with a frame decoder.

use super::FrameDecoder;

/// Cuts `input` at the points `cuts` name (each taken modulo the input's
/// length plus one, so any numbers do), in increasing order; empty chunks
/// are kept, since a reader may deliver them too.
pub(crate) fn cut<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in points {
        chunks.push(&input[start..point]);
        start = point;
    }
    chunks.push(&input[start..]);
    chunks
}

/// Decodes `chunks` with `decoder`: the frames, then the error if any.
/// After every call, checks that `bounded` holds of the decoder (its
/// memory stays within its bound) and that a chunk is used up once the
/// decoder asks for more.
pub(crate) fn decode_frames<D: FrameDecoder>(
    decoder: &mut D,
    chunks: &[&[u8]],
    bounded: impl Fn(&D) -> bool,
) -> (Vec<Vec<u8>>, Option<D::Error>) {
    let mut frames = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            match decoder.next_frame(&mut input) {
                Ok(Some(frame)) => frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(error) => return (frames, Some(error)),
            }
            assert!(bounded(decoder));
        }
        assert!(input.is_empty());
        assert!(bounded(decoder));
    }
    (frames, None)
}
