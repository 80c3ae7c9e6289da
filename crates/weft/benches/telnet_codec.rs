//! Throughput of the Telnet decoder against a plain `memchr` scan of the same
//! buffer.
//!
//! Run with `cargo bench -p weft --bench telnet_codec`. Prints MiB/s (best of
//! several rounds) for each input: a `memchr` loop stopping at every IAC, a
//! `memchr2` loop stopping at every IAC and CR, and a `Telnet` session fed
//! in 64 KiB and in 4 KiB chunks (events consumed, output drained). Inputs, 1 MiB each:
//! - `text`: printable lines ending in CR LF (64 bytes a line), no IAC;
//! - `binary-free`: one byte value repeated, no IAC, no CR;
//! - `random`: uniformly random bytes (one IAC and one CR in 256, each IAC
//!   doubled as on the wire);
//! - `commands`: 4 bytes of text then `IAC NOP`, over and over;
//! - `negotiation`: `IAC WILL x` / `IAC DO x` for refused options, a NAWS
//!   subnegotiation every 16 messages.

use std::hint::black_box;
use std::time::{Duration, Instant};

use weft::protocols::telnet::{Event, Policy, Telnet, TelnetOption};

const SIZE: usize = 1 << 20;

fn text() -> Vec<u8> {
    let line: Vec<u8> = (0..62u8).map(|i| b' ' + (i % 94)).chain(*b"\r\n").collect();
    line.iter().copied().cycle().take(SIZE).collect()
}

fn binary_free() -> Vec<u8> {
    vec![b'x'; SIZE]
}

fn random() -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = Vec::with_capacity(SIZE + 1);
    while out.len() < SIZE {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let byte = (state >> 24) as u8;
        out.push(byte);
        if byte == 0xff {
            out.push(0xff);
        }
    }
    out.truncate(SIZE);
    out
}

fn commands() -> Vec<u8> {
    b"abcd\xff\xf1".iter().copied().cycle().take(SIZE).collect()
}

fn negotiation() -> Vec<u8> {
    let mut out = Vec::with_capacity(SIZE + 64);
    let mut i = 0u32;
    while out.len() < SIZE {
        if i % 16 == 15 {
            out.extend_from_slice(&[255, 250, 31, 0, 80, 0, 24, 255, 240]);
        } else {
            let verb = if i % 2 == 0 { 251 } else { 253 };
            out.extend_from_slice(&[255, verb, 100 + (i % 100) as u8]);
        }
        i += 1;
    }
    out.truncate(SIZE);
    out
}

/// Best throughput in MiB/s of `f` over `input` (several rounds of ~200 ms).
fn measure(input: &[u8], mut f: impl FnMut(&[u8]) -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let start = Instant::now();
        let mut iterations = 0u32;
        while start.elapsed() < Duration::from_millis(200) {
            black_box(f(black_box(input)));
            iterations += 1;
        }
        let per_pass = start.elapsed().as_secs_f64() / f64::from(iterations);
        best = best.min(per_pass);
    }
    input.len() as f64 / (1024.0 * 1024.0) / best
}

/// The floor: find every IAC with `memchr`, stopping at each one (what any
/// IAC-aware scanner must at least do).
fn memchr_scan(input: &[u8]) -> usize {
    let (mut found, mut pos) = (0, 0);
    while let Some(k) = memchr::memchr(0xff, &input[pos..]) {
        found += 1;
        pos += k + 1;
    }
    found
}

/// The same, stopping at every IAC and every CR, as the decoder does.
fn memchr2_scan(input: &[u8]) -> usize {
    let (mut found, mut pos) = (0, 0);
    while let Some(k) = memchr::memchr2(0xff, b'\r', &input[pos..]) {
        found += 1;
        pos += k + 1;
    }
    found
}

fn decode(telnet: &mut Telnet, input: &[u8], chunk: usize) -> usize {
    let mut total = 0usize;
    for piece in input.chunks(chunk) {
        telnet.receive(piece, |event| {
            total += match event {
                Event::Data(data) => data.len(),
                _ => 1,
            }
        });
        total += telnet.take_output().len();
    }
    total
}

fn main() {
    let inputs = [
        ("text", text()),
        ("binary-free", binary_free()),
        ("random", random()),
        ("commands", commands()),
        ("negotiation", negotiation()),
    ];
    let policy = Policy::character_mode().accept_remote(TelnetOption::NAWS);
    println!(
        "{:<12} {:>14} {:>14} {:>16} {:>16}",
        "input", "memchr MiB/s", "memchr2 MiB/s", "telnet 64K MiB/s", "telnet 4K MiB/s"
    );
    for (name, input) in &inputs {
        let plain = measure(input, memchr_scan);
        let plain2 = measure(input, memchr2_scan);
        let mut telnet = Telnet::new(policy.clone());
        telnet.take_output();
        let big = measure(input, |bytes| decode(&mut telnet, bytes, 64 * 1024));
        let small = measure(input, |bytes| decode(&mut telnet, bytes, 4 * 1024));
        println!("{name:<12} {plain:>14.0} {plain2:>14.0} {big:>16.0} {small:>16.0}");
    }
}
