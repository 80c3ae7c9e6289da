//! Line decoder: any input, cut at any point, with any delimiter and limit,
//! gives the same events as the same input in one piece, never panics and
//! never buffers past the limit.
//!
//! Input layout: byte 0 picks the delimiter, byte 1 the maximum line length,
//! bytes 2-3 the cut point; the rest is the stream. The decoder's user
//! switches modes in response to lines (see `react`), so mode switches are
//! exercised too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::protocols::lines::{DEFAULT_MAX_LINE_LENGTH, Delimiter, LineDecoder, LineEvent};

#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Line(Vec<u8>),
    Raw(Vec<u8>),
    TooLong,
}

fn react(decoder: &mut LineDecoder, event: &Ev) {
    match event {
        Ev::Line(line) if line == b"RAW" => decoder.set_raw_mode(),
        Ev::Line(line) if line.first() == Some(&b'R') => {
            decoder.set_raw_mode_for(line.len() as u64)
        }
        Ev::Line(line) if line.first() == Some(&b'L') => decoder.set_line_mode(),
        Ev::TooLong if decoder.max_line_length() % 2 == 1 => decoder.set_raw_mode_for(3),
        _ => {}
    }
}

fn run(mut decoder: LineDecoder, chunks: &[&[u8]]) -> Vec<Ev> {
    let bound = decoder
        .max_line_length()
        .saturating_add(decoder.delimiter().as_bytes().len() + 1);
    let mut events: Vec<Ev> = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            let event = match decoder.next_event(&mut input) {
                None => break,
                Some(LineEvent::Line(line)) => Ev::Line(line.to_vec()),
                Some(LineEvent::Raw(raw)) => {
                    assert!(!raw.is_empty());
                    Ev::Raw(raw.to_vec())
                }
                Some(LineEvent::LineTooLong) => Ev::TooLong,
            };
            assert!(decoder.buffer_capacity() <= bound);
            react(&mut decoder, &event);
            match (events.last_mut(), event) {
                (Some(Ev::Raw(before)), Ev::Raw(more)) => before.extend(more),
                (_, event) => events.push(event),
            }
        }
        assert!(input.is_empty());
        assert!(decoder.buffer_capacity() <= bound);
    }
    events
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (header, stream) = data.split_at(4);
    let delimiter = match header[0] % 8 {
        0 => Delimiter::CrLf,
        1 => Delimiter::Lf,
        2 => Delimiter::CrLfOrLf,
        3 => Delimiter::bytes(b"aba".to_vec()).unwrap(),
        4 => Delimiter::bytes(b"\r\n\r\n".to_vec()).unwrap(),
        5 => Delimiter::bytes(vec![0]).unwrap(),
        6 => Delimiter::CrOrLf,
        // A delimiter taken from the stream's first 1-6 bytes.
        _ => {
            let len = usize::from(1 + (header[0] >> 3) % 6).min(stream.len());
            let Ok(delimiter) = Delimiter::bytes(&stream[..len]) else {
                return;
            };
            delimiter
        }
    };
    let max = match header[1] {
        255 => DEFAULT_MAX_LINE_LENGTH,
        n => usize::from(n % 64),
    };
    let cut = usize::from(u16::from_le_bytes([header[2], header[3]])) % (stream.len() + 1);
    let decoder = LineDecoder::new()
        .with_delimiter(delimiter)
        .with_max_line_length(max);
    let whole = run(decoder.clone(), &[stream]);
    let split = run(decoder.clone(), &[&stream[..cut], &stream[cut..]]);
    assert_eq!(split, whole);
});
