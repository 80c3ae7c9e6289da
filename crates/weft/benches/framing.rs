//! Throughput of the sans-I/O framers, without sockets.
//!
//! Run with `cargo bench -p weft --bench framing [NAME-FILTER]`. Each case decodes a
//! stream fed in 64 KiB chunks (as a reactor's read buffer would) for about
//! a second and prints MiB/s and frames/s. A plain `memchr` count of the
//! delimiters over the same bytes is printed as the floor a line decoder
//! cannot beat. The length-prefixed decoder never reads a payload that lies
//! whole in a chunk, so its MiB/s counts bytes skipped, not scanned: compare
//! frames/s there. The machines are shared and noisy: compare ratios within
//! one run, not absolute figures across runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use weft::protocols::lines::{LineDecoder, LineEvent};
use weft::protocols::netstring::{self, NetstringDecoder};
use weft::protocols::prefixed::{self, Int32Decoder};

const CHUNK: usize = 64 * 1024;
const STREAM: usize = 8 * 1024 * 1024;
const RUN_FOR: Duration = Duration::from_secs(1);

/// A stream of CR LF lines of `len` bytes each (delimiter included).
fn lines(len: usize) -> Vec<u8> {
    let mut line = vec![b'x'; len - 2];
    line.extend_from_slice(b"\r\n");
    line.repeat(STREAM / len)
}

/// Runs `pass` over `stream` repeatedly for about [`RUN_FOR`], then prints
/// the rate. `pass` returns the number of frames it decoded.
fn measure(name: &str, stream: &[u8], mut pass: impl FnMut(&[u8]) -> usize) {
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    if filter.is_some_and(|filter| !name.contains(&filter)) {
        return;
    }
    black_box(pass(stream)); // warm up
    let start = Instant::now();
    let mut bytes = 0usize;
    let mut frames = 0usize;
    while start.elapsed() < RUN_FOR {
        frames += black_box(pass(black_box(stream)));
        bytes += stream.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{name:<34} {:>9.0} MiB/s {:>12.0} frames/s",
        bytes as f64 / seconds / (1024.0 * 1024.0),
        frames as f64 / seconds,
    );
}

fn line_pass(decoder: &mut LineDecoder, stream: &[u8]) -> usize {
    let mut count = 0;
    for chunk in stream.chunks(CHUNK) {
        let mut input = chunk;
        while let Some(event) = decoder.next_event(&mut input) {
            if let LineEvent::Line(line) = event {
                black_box(line);
                count += 1;
            }
        }
    }
    count
}

fn memchr_pass(stream: &[u8]) -> usize {
    let mut count = 0;
    for chunk in stream.chunks(CHUNK) {
        let mut start = 0;
        while let Some(i) = memchr::memchr(b'\n', &chunk[start..]) {
            black_box(&chunk[start..start + i]);
            start += i + 1;
            count += 1;
        }
    }
    count
}

fn main() {
    for len in [16, 4096] {
        let stream = lines(len);
        let mut decoder = LineDecoder::new();
        measure(&format!("lines, {len}-byte lines"), &stream, |s| {
            line_pass(&mut decoder, s)
        });
        measure(
            &format!("memchr floor, {len}-byte lines"),
            &stream,
            memchr_pass,
        );
    }

    for len in [16usize, 4096] {
        let mut stream = Vec::new();
        let payload = vec![b'x'; len];
        while stream.len() < STREAM {
            netstring::encode(&payload, &mut stream);
        }
        let mut decoder = NetstringDecoder::new(1 << 20);
        measure(&format!("netstrings, {len}-byte payloads"), &stream, |s| {
            let mut count = 0;
            for chunk in s.chunks(CHUNK) {
                let mut input = chunk;
                while let Some(frame) = decoder.next_frame(&mut input).unwrap() {
                    black_box(frame);
                    count += 1;
                }
            }
            count
        });

        let mut stream = Vec::new();
        while stream.len() < STREAM {
            prefixed::encode::<u32>(&payload, &mut stream).unwrap();
        }
        let mut decoder = Int32Decoder::new(1 << 20);
        measure(
            &format!("u32 prefixed, {len}-byte payloads"),
            &stream,
            |s| {
                let mut count = 0;
                for chunk in s.chunks(CHUNK) {
                    let mut input = chunk;
                    while let Some(frame) = decoder.next_frame(&mut input).unwrap() {
                        black_box(frame);
                        count += 1;
                    }
                }
                count
            },
        );
    }
}
