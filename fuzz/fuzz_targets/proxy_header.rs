//! PROXY header parser: any input, cut at any point, gives the same result
//! as the same input in one piece, never panics, never holds more than its
//! bound; a header it accepts is accepted again once re-encoded.
//!
//! Input layout: bytes 0-1 pick the cut point; the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::protocols::proxy::header::V1_MAX_LENGTH;
use weft::protocols::proxy::parser::DEFAULT_MAX_V2_LENGTH;
use weft::protocols::proxy::{HeaderError, HeaderParser, ProxyHeader};

fn run(chunks: &[&[u8]]) -> (Result<Option<ProxyHeader>, HeaderError>, usize) {
    let mut parser = HeaderParser::new();
    let mut left = 0;
    let mut result = Ok(None);
    for chunk in chunks {
        if !matches!(result, Ok(None)) {
            left += chunk.len();
            continue;
        }
        let mut input = *chunk;
        result = parser.next_header(&mut input);
        assert!(parser.buffered() <= V1_MAX_LENGTH.max(DEFAULT_MAX_V2_LENGTH));
        if result == Ok(None) {
            assert!(input.is_empty());
        }
        left += input.len();
    }
    (result, left)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (header, stream) = data.split_at(2);
    let cut = usize::from(u16::from_le_bytes([header[0], header[1]])) % (stream.len() + 1);
    let whole = run(&[stream]);
    let split = run(&[&stream[..cut], &stream[cut..]]);
    assert_eq!(split.0, whole.0);
    if let Ok(Some(parsed)) = &whole.0 {
        assert_eq!(split.1, whole.1);
        let again = run(&[&parsed.encode()]);
        assert_eq!(again, (Ok(Some(parsed.clone())), 0));
    }
});
