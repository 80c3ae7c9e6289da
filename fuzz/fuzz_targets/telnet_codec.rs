//! Feeds arbitrary bytes to a Telnet session, once whole and once split at
//! an arbitrary point, and checks that both give the same events and the
//! same output (and that nothing panics). The first byte picks the split
//! point, the second the requests the application makes before any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::protocols::telnet::{Event, Policy, Telnet, TelnetOption};

/// An owned event; adjacent data merged, so splits compare equal.
#[derive(Debug, PartialEq, Eq)]
enum Owned {
    Data(Vec<u8>),
    Other(String),
}

fn run(requests: u8, chunks: &[&[u8]]) -> (Vec<Owned>, Vec<u8>) {
    let policy = Policy::character_mode()
        .request_remote(TelnetOption::TTYPE)
        .accept_remote(TelnetOption::LINEMODE);
    let mut telnet = Telnet::new(policy);
    telnet.set_max_subnegotiation(32);
    for (bit, option) in [TelnetOption::ECHO, TelnetOption::NAWS]
        .into_iter()
        .enumerate()
    {
        let bits = requests >> (bit * 4);
        if bits & 1 != 0 {
            telnet.disable_local(option);
        }
        if bits & 2 != 0 {
            telnet.enable_local(option);
        }
        if bits & 4 != 0 {
            telnet.disable_remote(option);
        }
        if bits & 8 != 0 {
            telnet.enable_remote(option);
        }
    }
    let mut events = Vec::new();
    let mut output = telnet.take_output();
    for chunk in chunks {
        telnet.receive(chunk, |event| match event {
            Event::Data(data) => {
                assert!(!data.is_empty(), "empty data event");
                match events.last_mut() {
                    Some(Owned::Data(last)) => last.extend_from_slice(data),
                    _ => events.push(Owned::Data(data.to_vec())),
                }
            }
            other => events.push(Owned::Other(format!("{other:?}"))),
        });
        let before = output.len();
        telnet.drain_output_into(&mut output);
        assert!(output.len() - before <= 3 * chunk.len() + 9, "output bound");
    }
    (events, output)
}

fuzz_target!(|data: &[u8]| {
    let [split, requests, input @ ..] = data else {
        return;
    };
    let whole = run(*requests, &[input]);
    let at = usize::from(*split) * input.len() / 255;
    let (head, tail) = input.split_at(at);
    assert_eq!(run(*requests, &[head, tail]), whole);
});
