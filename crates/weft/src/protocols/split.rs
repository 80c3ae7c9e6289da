//! Test support: cutting a byte stream into chunks, for the property
//! tests that any split of the input gives the same result.

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
