//! weft's TLS against real peers: `openssl s_client` and Python's `ssl`
//! module against weft's `ssl:` server, and weft's `tls:` client against
//! `openssl s_server`. Each test is skipped with a message when its
//! program is missing, except under CI (the `CI` variable set), where
//! `.ci/install` installs them and a missing one fails.

mod common;
mod tls_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use common::{Echo, PATIENCE};
use tls_support::Pki;
use weft::{Address, ClientFactory, ConnectError, Protocol, Reactor, Remote, Transport};

/// Whether `program` runs; if not, says why the test is skipped (or
/// fails it under CI).
fn available(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
        || Command::new(program)
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is missing under CI: .ci/install should have installed it"
        );
        eprintln!("skipped: {program} is not installed (bash .ci/install installs it)");
    }
    found
}

/// weft's TLS echo server on a reactor thread of its own.
struct EchoServer {
    address: SocketAddr,
    remote: Remote,
    thread: Option<JoinHandle<()>>,
}

impl EchoServer {
    fn start(pki: &Pki) -> EchoServer {
        let description = format!(
            "ssl:0:interface=127.0.0.1:privateKey={}:certKey={}",
            pki.server.key.display(),
            pki.server.certificate.display()
        );
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let reactor = Reactor::new().unwrap();
            let port = reactor
                .listen(&description, |_: &Address| Some(Echo::default()))
                .unwrap();
            ready_tx
                .send((port.address().tcp().unwrap(), reactor.remote()))
                .unwrap();
            reactor.run().unwrap();
        });
        let (address, remote) = ready_rx.recv_timeout(PATIENCE).unwrap();
        EchoServer {
            address,
            remote,
            thread: Some(thread),
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.remote.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads lines of `child`'s standard output on a thread until one equals
/// `wanted`; returns whether it came (within the patience).
fn wait_for_line(child: &mut Child, wanted: &str) -> bool {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let wanted = wanted.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.trim_end() == wanted {
                let _ = tx.send(());
                return;
            }
        }
    });
    rx.recv_timeout(PATIENCE).is_ok()
}

#[test]
fn openssl_s_client_talks_to_weft() {
    if !available("openssl") {
        return;
    }
    let pki = Pki::new();
    let server = EchoServer::start(&pki);
    let mut client = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-verify_return_error",
            "-servername",
            "localhost",
        ])
        .arg("-connect")
        .arg(server.address.to_string())
        .arg("-CAfile")
        .arg(&pki.ca)
        .args(["-verify_hostname", "localhost"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    client
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"ping from openssl\n")
        .unwrap();
    let echoed = wait_for_line(&mut client, "ping from openssl");
    let _ = client.kill();
    let _ = client.wait();
    assert!(echoed, "openssl s_client did not get its line back");
}

/// Runs the Python `script` with the test CA's file and `server`'s port
/// as its arguments.
fn python_client(script: &str, pki: &Pki, server: &EchoServer) -> Output {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&pki.ca)
        .arg(server.address.port().to_string())
        .output()
        .unwrap()
}

#[test]
fn python_ssl_talks_to_weft() {
    if !available("python3") {
        return;
    }
    let pki = Pki::new();
    let server = EchoServer::start(&pki);
    let script = r#"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"ping from python")
        got = b""
        while len(got) < 16:
            chunk = tls.recv(100)
            if not chunk:
                break
            got += chunk
        print(got.decode(), tls.version())
        tls.unwrap()
"#;
    let output = python_client(script, &pki, &server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim(), "ping from python TLSv1.3");
}

#[test]
fn python_sees_weft_refuse_a_plaintext_client_and_serve_the_next() {
    if !available("python3") {
        return;
    }
    let pki = Pki::new();
    let server = EchoServer::start(&pki);
    let mut plain = std::net::TcpStream::connect(server.address).unwrap();
    plain.set_read_timeout(Some(PATIENCE)).unwrap();
    plain.write_all(b"hello in plaintext\r\n").unwrap();
    let mut answer = Vec::new();
    plain.read_to_end(&mut answer).unwrap();
    assert_eq!(answer.first(), Some(&0x15), "a TLS alert, then the close");
    let script = r#"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"ok")
        print(tls.recv(2).decode())
"#;
    let output = python_client(script, &pki, &server);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

/// Sends a line, collects what comes back until `expected` bytes.
struct LineClient {
    done: mpsc::Sender<Result<Vec<u8>, String>>,
}

struct LineProtocol {
    got: Vec<u8>,
    done: mpsc::Sender<Result<Vec<u8>, String>>,
}

impl Protocol for LineProtocol {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(b"hello openssl\n");
    }

    fn data_received(&mut self, data: &[u8]) {
        self.got.extend_from_slice(data);
        if self.got.ends_with(b"\n") {
            let _ = self.done.send(Ok(self.got.clone()));
        }
    }
}

impl ClientFactory for LineClient {
    type Protocol = LineProtocol;

    fn build_protocol(&mut self, _peer: &Address) -> Option<LineProtocol> {
        Some(LineProtocol {
            got: Vec::new(),
            done: self.done.clone(),
        })
    }

    fn connection_failed(&mut self, error: ConnectError) {
        let _ = self.done.send(Err(error.to_string()));
    }
}

/// `openssl s_server -rev` with `identity`, and the port it took.
fn openssl_server(identity: &tls_support::Identity) -> (Child, u16) {
    let mut server = Command::new("openssl")
        .args(["s_server", "-rev", "-accept", "127.0.0.1:0", "-cert"])
        .arg(&identity.certificate)
        .arg("-key")
        .arg(&identity.key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "s_server ended");
        if let Some(address) = line.trim().strip_prefix("ACCEPT ") {
            break address.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (server, port)
}

/// Connects weft's TLS client to `port` trusting the test CA; returns
/// what came back or why it failed.
fn weft_client(pki: &Pki, port: u16) -> Result<Vec<u8>, String> {
    let reactor = Reactor::new().unwrap();
    let (done, result) = mpsc::channel();
    let description = format!(
        "tls:host=localhost:port={port}:trustRoots={}",
        pki.ca.display()
    );
    reactor.connect(&description, LineClient { done }).unwrap();
    let mut outcome = None;
    reactor
        .run_until(PATIENCE, || {
            outcome = outcome.take().or_else(|| result.try_recv().ok());
            outcome.is_some()
        })
        .unwrap();
    outcome.expect("the client finished")
}

/// Runs `openssl s_server` with `identity`, connects weft's TLS client to
/// it, and stops the server; returns what the client got.
fn weft_client_against_openssl(
    pki: &Pki,
    identity: &tls_support::Identity,
) -> Result<Vec<u8>, String> {
    let (mut server, port) = openssl_server(identity);
    let result = weft_client(pki, port);
    let _ = server.kill();
    let _ = server.wait();
    result
}

#[test]
fn weft_talks_to_openssl_s_server() {
    if !available("openssl") {
        return;
    }
    let pki = Pki::new();
    let result = weft_client_against_openssl(&pki, &pki.server);
    assert_eq!(result.unwrap(), b"lssnepo olleh\n");
}

#[test]
fn weft_names_an_expired_certificate_from_openssl() {
    if !available("openssl") {
        return;
    }
    let pki = Pki::new();
    let result = weft_client_against_openssl(&pki, &pki.expired);
    let error = result.unwrap_err();
    assert!(error.contains("certificate expired"), "{error}");
}
