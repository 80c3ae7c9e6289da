//! The echo example over real TCP: large transfers with a slow reader.

mod common;
mod tls_support;

use std::io::{Read, Write};

use common::{Announces, ExampleProcess};

/// Deterministic, non-repeating-looking bytes.
fn pattern(offset: usize, len: usize) -> Vec<u8> {
    (offset..offset + len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

#[test]
fn thirty_two_mib_come_back_identical_to_a_slow_reader() {
    const TOTAL: usize = 32 * 1024 * 1024;
    let server = ExampleProcess::start_announcing(
        "echo",
        &["tcp:port=0:interface=127.0.0.1"],
        Announces::OnStderr,
    );
    // A small receive window forces the server into partial writes,
    // buffering, pausing and resuming.
    let stream = common::connect_with_small_window(server.address.parse().unwrap());
    let mut writer = stream.try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        let chunk = 256 * 1024;
        for offset in (0..TOTAL).step_by(chunk) {
            writer.write_all(&pattern(offset, chunk)).unwrap();
        }
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut reader = stream;
    let mut received = 0;
    let mut buffer = [0u8; 1024];
    loop {
        let n = reader.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        assert_eq!(
            &buffer[..n],
            &pattern(received, n)[..],
            "mismatch at byte {received}"
        );
        received += n;
    }
    sending.join().unwrap();
    assert_eq!(received, TOTAL);
}

#[test]
fn a_bad_endpoint_argument_is_named_and_exits_with_an_error() {
    let output = std::process::Command::new(common::example_path("echo"))
        .arg("tcp:80x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'tcp:80x'"), "{stderr}");
    assert!(stderr.contains("port must be a number"), "{stderr}");
}

#[test]
fn on_a_pool_one_signal_stops_every_reactor_after_they_flush() {
    let mut server = ExampleProcess::start_announcing(
        "echo",
        &["tcp:port=0:interface=127.0.0.1", "--threads", "2"],
        Announces::OnStderr,
    );
    let address: std::net::SocketAddr = server.address.parse().unwrap();
    // Enough connections that both reactors hold some (the kernel spreads
    // them); each has an echo on its way when the signal comes.
    let mut clients: Vec<std::net::TcpStream> = (0..32)
        .map(|_| std::net::TcpStream::connect(address).unwrap())
        .collect();
    for client in &mut clients {
        client.set_read_timeout(Some(common::PATIENCE)).unwrap();
        client.write_all(b"last words").unwrap();
        let mut echo = [0u8; 10];
        client.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"last words");
    }
    server.signal(libc::SIGTERM);
    for client in &mut clients {
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "a clean close");
    }
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn on_a_pool_with_one_acceptor_every_connection_is_echoed() {
    let server = ExampleProcess::start_announcing(
        "echo",
        &[
            "tcp:port=0:interface=127.0.0.1",
            "--threads",
            "2",
            "--balanced",
        ],
        Announces::OnStderr,
    );
    let address: std::net::SocketAddr = server.address.parse().unwrap();
    // Held open together, so that the acceptor hands them to both
    // reactors (each goes to the one with the fewest).
    let mut clients: Vec<std::net::TcpStream> = (0..8)
        .map(|_| std::net::TcpStream::connect(address).unwrap())
        .collect();
    for (n, client) in clients.iter_mut().enumerate() {
        client.set_read_timeout(Some(common::PATIENCE)).unwrap();
        let message = format!("client {n}");
        client.write_all(message.as_bytes()).unwrap();
        let mut echo = vec![0u8; message.len()];
        client.read_exact(&mut echo).unwrap();
        assert_eq!(echo, message.as_bytes());
    }
}

#[test]
fn balanced_without_a_pool_is_refused_with_the_usage() {
    let output = std::process::Command::new(common::example_path("echo"))
        .args(["tcp:0", "--balanced"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("usage: echo ENDPOINT [--threads N [--balanced]]"),
        "{stderr}"
    );
}

#[test]
fn a_bad_thread_count_is_named() {
    let output = std::process::Command::new(common::example_path("echo"))
        .args(["tcp:0", "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--threads"), "{stderr}");
}

/// Connects over TLS to `port` trusting `ca`, sends `message`, returns
/// what came back once as long.
fn tls_echo(port: &str, ca: &std::path::Path, message: &'static [u8]) -> Vec<u8> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use weft::{Address, Protocol, Reactor, Transport};

    struct Client(Rc<RefCell<Vec<u8>>>, &'static [u8]);
    impl Protocol for Client {
        fn connection_made(&mut self, transport: Transport) {
            transport.write(self.1);
        }
        fn data_received(&mut self, data: &[u8]) {
            self.0.borrow_mut().extend_from_slice(data);
        }
    }

    let reactor = Reactor::new().unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    let client = got.clone();
    reactor
        .connect(
            &format!("tls:host=localhost:port={port}:trustRoots={}", ca.display()),
            move |_: &Address| Some(Client(client.clone(), message)),
        )
        .unwrap();
    let watch = got.clone();
    reactor
        .run_until(common::PATIENCE, || watch.borrow().len() >= message.len())
        .unwrap();
    got.take()
}

#[test]
fn echo_serves_tls_and_prints_nothing_on_its_standard_output() {
    let pki = tls_support::Pki::new();
    let endpoint = format!(
        "ssl:port=0:interface=127.0.0.1:privateKey={}:certKey={}",
        pki.server.key.display(),
        pki.server.certificate.display()
    );
    let mut server = ExampleProcess::start_announcing("echo", &[&endpoint], Announces::OnStderr);
    let port = server.address.rsplit(':').next().unwrap().to_owned();
    assert_eq!(tls_echo(&port, &pki.ca, b"secure echo"), b"secure echo");
    server.signal(libc::SIGTERM);
    let mut stdout = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
    assert_eq!(stdout, "");
}

#[test]
fn a_missing_key_file_is_named_and_exits_with_an_error() {
    let output = std::process::Command::new(common::example_path("echo"))
        .arg("ssl:0:privateKey=/nonexistent/key.pem")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read the private key file '/nonexistent/key.pem'"),
        "{stderr}"
    );
}
