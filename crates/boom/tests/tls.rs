//! `boom --listen ssl:…`: the game served over TLS, on one reactor and on
//! a pool of them, and a bad key file named with a non-zero exit.

mod support;

use std::cell::RefCell;
use std::path::Path;
use std::process::{Child, Command};
use std::rc::Rc;

use support::PATIENCE;
use support::binary::start_announced;
use support::certificate::Certificate;
use weft::{Address, Protocol, Reactor};

/// A running `boom`, killed if a failing test leaves it running.
struct Boom(Child);

impl Drop for Boom {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `boom` with `args`; returns it and the port of its announcement.
fn start(args: &[&str]) -> (Boom, u16) {
    let (child, line) = start_announced(Command::new(env!("CARGO_BIN_EXE_boom")).args(args));
    assert!(
        line.contains("join with: openssl s_client -quiet -connect 127.0.0.1:"),
        "{line}"
    );
    let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    (Boom(child), port)
}

/// Collects what the server sends.
struct Player(Rc<RefCell<Vec<u8>>>);

impl Protocol for Player {
    fn data_received(&mut self, data: &[u8]) {
        self.0.borrow_mut().extend_from_slice(data);
    }
}

/// Joins over TLS, trusting `certificate`, and returns what arrived once
/// it shows `wanted`.
fn join(port: u16, certificate: &Path, wanted: &str) -> String {
    let reactor = Reactor::new().unwrap();
    let received = Rc::new(RefCell::new(Vec::new()));
    let sink = received.clone();
    reactor
        .connect(
            &format!(
                "tls:host=localhost:port={port}:trustRoots={}",
                certificate.display()
            ),
            move |_: &Address| Some(Player(sink.clone())),
        )
        .unwrap();
    let shows = |bytes: &[u8]| String::from_utf8_lossy(bytes).contains(wanted);
    let watch = received.clone();
    reactor
        .run_until(PATIENCE, || shows(&watch.borrow()))
        .unwrap();
    String::from_utf8_lossy(&received.borrow()).into_owned()
}

/// Stops `boom` with SIGTERM; it exits with 0.
fn stop(mut boom: Boom) {
    let pid = i32::try_from(boom.0.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    assert_eq!(boom.0.wait().unwrap().code(), Some(0));
}

#[test]
fn the_classic_game_is_served_over_tls() {
    let certificate = Certificate::new("classic");
    let endpoint = certificate.ssl_endpoint("127.0.0.1");
    let (child, port) = start(&["--classic", "--listen", &endpoint]);
    let text = join(port, &certificate.certificate, "|A ");
    assert!(text.contains("+-----------+"), "{text}");
    stop(child);
}

#[test]
fn the_full_game_is_served_over_tls_on_a_pool_of_reactors() {
    let certificate = Certificate::new("pool");
    let endpoint = certificate.ssl_endpoint("127.0.0.1");
    let (child, port) = start(&["--threads", "2", "--listen", &endpoint]);
    for _ in 0..2 {
        let text = join(port, &certificate.certificate, "You are ");
        assert!(text.contains("+-----------+"), "{text}");
    }
    stop(child);
}

#[test]
fn a_bad_key_file_is_named_and_boom_exits_with_an_error() {
    for threads in ["1", "2"] {
        let output = Command::new(env!("CARGO_BIN_EXE_boom"))
            .args([
                "--threads",
                threads,
                "--listen",
                "ssl:port=0:privateKey=/nonexistent/key.pem",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr.trim_end(),
            "boom: cannot listen on ssl:port=0:privateKey=/nonexistent/key.pem: cannot read the \
             private key file '/nonexistent/key.pem': No such file or directory (os error 2)"
        );
    }
}
