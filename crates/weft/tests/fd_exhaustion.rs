//! Accepting while the process is out of file descriptors: the reactor
//! pauses accepting instead of spinning or dying, and recovers as soon as
//! descriptors free up.
//!
//! This file holds one test because it lowers the process's descriptor
//! limit.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use common::{Echo, PATIENCE, Server};
use weft::{Address, Reactor};

/// Collects log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

/// Sets the soft descriptor limit, returning the previous one.
fn set_descriptor_limit(soft: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read/write the struct we pass.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        let previous = limit.rlim_cur;
        limit.rlim_cur = soft;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        previous
    }
}

#[test]
fn accepting_backs_off_when_out_of_descriptors_and_recovers() {
    const CLIENTS: usize = 40;
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let server = Server::start(|_: &Reactor| |_: &Address| Some(Echo::default()));
    // Client sockets are made first; then the limit leaves room for only
    // a few accepted connections.
    let sockets: Vec<socket2::Socket> = (0..CLIENTS)
        .map(|_| socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap())
        .collect();
    let original = set_descriptor_limit(open_descriptors() + 4);
    let mut clients: Vec<TcpStream> = sockets
        .into_iter()
        .map(|socket| {
            socket.connect(&server.address.into()).unwrap();
            socket.into()
        })
        .collect();
    // Serve every client in turn; each one dropped frees descriptors for
    // the next accepts.
    for (i, client) in clients.drain(..).enumerate() {
        let mut client = client;
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        client.write_all(format!("{i:03}").as_bytes()).unwrap();
        let mut reply = [0u8; 3];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, format!("{i:03}").as_bytes());
    }
    set_descriptor_limit(original);
    server.stop();
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let pauses = log.matches("pausing accepts").count();
    assert!(
        pauses >= 1,
        "the reactor ran out of descriptors and paused:\n{log}"
    );
}
