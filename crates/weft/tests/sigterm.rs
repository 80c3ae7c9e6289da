//! SIGTERM during a transfer: the process flushes what it had to send,
//! closes cleanly and exits with status 0.
//!
//! The server runs in a child process: this test binary started again to
//! run only `child_server`, a test that is ignored in normal runs (it
//! serves until a signal, so it is only ever run as the child).

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use weft::{Address, Protocol, Reactor, Transport};

const PAYLOAD: usize = 8 * 1024 * 1024;

/// Sends [`PAYLOAD`] bytes as soon as a client connects.
struct Flood;

impl Protocol for Flood {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(&vec![b'x'; PAYLOAD]);
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

#[test]
#[ignore = "the server half of sigterm_flushes_pending_writes_and_exits_zero, run as its child"]
fn child_server() {
    let reactor = Reactor::new().unwrap();
    reactor.handle_signals().unwrap();
    let port = reactor
        .listen("tcp:port=0:interface=127.0.0.1", |_: &Address| Some(Flood))
        .unwrap();
    println!("listening on {}", port.address());
    reactor.run().unwrap();
    std::process::exit(0);
}

#[test]
fn sigterm_flushes_pending_writes_and_exits_zero() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_server",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("child output").unwrap();
        // The harness may print the test's name on the same line first.
        if let Some((_, address)) = line.split_once("listening on ") {
            break address.trim().to_owned();
        }
    };
    let mut stream = common::connect_with_small_window(address.parse().unwrap());
    let mut buffer = vec![0u8; 4096];
    let mut received = stream.read(&mut buffer).unwrap();
    assert!(received > 0);
    // The server has megabytes pending for us now.
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    loop {
        let n = stream.read(&mut buffer).expect("clean close, not a reset");
        if n == 0 {
            break;
        }
        assert!(buffer[..n].iter().all(|b| *b == b'x'));
        received += n;
    }
    assert_eq!(
        received, PAYLOAD,
        "every pending byte arrives before the close"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
