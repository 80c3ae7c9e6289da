//! `ssl:` and `tls:` endpoints over real sockets on 127.0.0.1: a server
//! and clients on one reactor, driven until what the test waits for
//! happens (with a bound).

mod common;
mod tls_support;

use std::cell::RefCell;
use std::rc::Rc;

use common::{Echo, PATIENCE};
use tls_support::Pki;
use weft::{Address, ClientFactory, CloseReason, ConnectError, Protocol, Reactor, Transport};

/// What a client saw.
#[derive(Default)]
struct Seen {
    received: Vec<u8>,
    failed: Option<String>,
    lost: Option<String>,
}

/// Sends `message` once connected, and records.
struct Client {
    message: &'static [u8],
    seen: Rc<RefCell<Seen>>,
}

struct ClientProtocol {
    message: &'static [u8],
    seen: Rc<RefCell<Seen>>,
}

impl Protocol for ClientProtocol {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(self.message);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen.borrow_mut().received.extend_from_slice(data);
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.borrow_mut().lost = Some(reason.to_string());
    }
}

impl ClientFactory for Client {
    type Protocol = ClientProtocol;

    fn build_protocol(&mut self, _peer: &Address) -> Option<ClientProtocol> {
        Some(ClientProtocol {
            message: self.message,
            seen: self.seen.clone(),
        })
    }

    fn connection_failed(&mut self, error: ConnectError) {
        self.seen.borrow_mut().failed = Some(error.to_string());
    }
}

/// A reactor serving echo on `ssl:` with the server certificate of `pki`
/// (or `server` as given); returns it and the port.
fn ssl_echo(pki: &Pki, options: &str) -> (Reactor, u16) {
    let reactor = Reactor::new().unwrap();
    let description = format!(
        "ssl:0:interface=127.0.0.1:privateKey={}:certKey={}{options}",
        pki.server.key.display(),
        pki.server.certificate.display()
    );
    let port = reactor
        .listen(&description, |_: &Address| Some(Echo::default()))
        .unwrap();
    let port = port.address().tcp().unwrap().port();
    (reactor, port)
}

/// Connects to `description` sending `message`; runs until the client
/// got `expected` bytes back or ended.
fn exchange(reactor: &Reactor, description: &str, message: &'static [u8]) -> Rc<RefCell<Seen>> {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let client = Client {
        message,
        seen: seen.clone(),
    };
    reactor.connect(description, client).unwrap();
    let watch = seen.clone();
    reactor
        .run_until(PATIENCE, || {
            let seen = watch.borrow();
            seen.received.len() >= message.len() || seen.failed.is_some() || seen.lost.is_some()
        })
        .unwrap();
    seen
}

fn tls_client(port: u16, pki: &Pki, host: &str) -> String {
    format!(
        "tls:host={host}:port={port}:trustRoots={}",
        pki.ca.display()
    )
}

#[test]
fn a_tls_client_echoes_through_an_ssl_server() {
    let pki = Pki::new();
    let (reactor, port) = ssl_echo(&pki, "");
    let seen = exchange(&reactor, &tls_client(port, &pki, "localhost"), b"over TLS");
    assert_eq!(seen.borrow().received, b"over TLS");
    let seen = exchange(
        &reactor,
        &tls_client(port, &pki, "127.0.0.1"),
        b"by address",
    );
    assert_eq!(seen.borrow().received, b"by address");
}

#[test]
fn one_pem_file_holding_key_and_certificate_is_enough() {
    let pki = Pki::new();
    let reactor = Reactor::new().unwrap();
    let description = format!(
        "ssl:port=0:interface=127.0.0.1:privateKey={}",
        pki.server_combined.display()
    );
    let port = reactor
        .listen(&description, |_: &Address| Some(Echo::default()))
        .unwrap();
    let port = port.address().tcp().unwrap().port();
    let seen = exchange(&reactor, &tls_client(port, &pki, "localhost"), b"one file");
    assert_eq!(seen.borrow().received, b"one file");
}

/// Serves `identity` and connects to it as `localhost`, trusting the test
/// CA; returns why the connection failed.
fn failure_against(pki: &Pki, identity: &tls_support::Identity) -> String {
    let reactor = Reactor::new().unwrap();
    let description = format!(
        "ssl:0:interface=127.0.0.1:privateKey={}:certKey={}",
        identity.key.display(),
        identity.certificate.display()
    );
    let port = reactor
        .listen(&description, |_: &Address| Some(Echo::default()))
        .unwrap();
    let port = port.address().tcp().unwrap().port();
    let seen = exchange(&reactor, &tls_client(port, pki, "localhost"), b"x");
    let failed = seen.borrow().failed.clone();
    assert!(
        seen.borrow().lost.is_none(),
        "the client protocol was never made"
    );
    failed.expect("the connection failed")
}

#[test]
fn an_expired_certificate_fails_the_connection_naming_it() {
    let pki = Pki::new();
    let failure = failure_against(&pki, &pki.expired);
    assert!(
        failure.starts_with("TLS connection to localhost:"),
        "{failure}"
    );
    assert!(
        failure.contains("invalid peer certificate: certificate expired"),
        "{failure}"
    );
}

#[test]
fn a_certificate_for_another_name_fails_the_connection_naming_it() {
    let pki = Pki::new();
    let failure = failure_against(&pki, &pki.wrong_name);
    assert!(
        failure.contains("certificate not valid for name \"localhost\""),
        "{failure}"
    );
}

#[test]
fn an_untrusted_certificate_fails_the_connection_naming_it() {
    let pki = Pki::new();
    let failure = failure_against(&pki, &pki.untrusted);
    assert!(
        failure.contains("invalid peer certificate: UnknownIssuer"),
        "{failure}"
    );
}

#[test]
fn the_web_roots_do_not_trust_a_private_ca() {
    let pki = Pki::new();
    let (reactor, port) = ssl_echo(&pki, "");
    let seen = exchange(&reactor, &format!("tls:localhost:{port}"), b"x");
    let failure = seen.borrow().failed.clone().unwrap();
    assert!(failure.contains("UnknownIssuer"), "{failure}");
}

#[test]
fn plaintext_to_an_ssl_port_is_closed_and_other_clients_are_served() {
    let pki = Pki::new();
    let (reactor, port) = ssl_echo(&pki, "");
    let plain = exchange(
        &reactor,
        &format!("tcp:127.0.0.1:{port}"),
        b"HELLO plaintext\r\n",
    );
    let watch = plain.clone();
    reactor
        .run_until(PATIENCE, || watch.borrow().lost.is_some())
        .unwrap();
    let plain = plain.borrow();
    assert_eq!(
        plain.lost.as_deref(),
        Some("the peer closed the connection")
    );
    assert_eq!(plain.received.first(), Some(&0x15), "a TLS alert came back");
    let seen = exchange(
        &reactor,
        &tls_client(port, &pki, "localhost"),
        b"still served",
    );
    assert_eq!(seen.borrow().received, b"still served");
}

#[test]
fn a_silent_client_is_closed_after_the_handshake_timeout() {
    let pki = Pki::new();
    let (reactor, port) = ssl_echo(&pki, ":handshakeTimeout=0.2");
    let seen = exchange(&reactor, &format!("tcp:127.0.0.1:{port}"), b"");
    let watch = seen.clone();
    reactor
        .run_until(PATIENCE, || watch.borrow().lost.is_some())
        .unwrap();
    assert_eq!(
        seen.borrow().lost.as_deref(),
        Some("the peer closed the connection")
    );
}

#[test]
fn a_required_client_certificate_over_sockets() {
    let pki = Pki::new();
    let (reactor, port) = ssl_echo(&pki, &format!(":caCerts={}", pki.ca.display()));
    let with_certificate = format!(
        "{}:certificate={}:privateKey={}",
        tls_client(port, &pki, "localhost"),
        pki.client.certificate.display(),
        pki.client.key.display()
    );
    let seen = exchange(&reactor, &with_certificate, b"it's me");
    assert_eq!(seen.borrow().received, b"it's me");
    let seen = exchange(&reactor, &tls_client(port, &pki, "localhost"), b"anonymous");
    let watch = seen.clone();
    reactor
        .run_until(PATIENCE, || {
            watch.borrow().lost.is_some() || watch.borrow().failed.is_some()
        })
        .unwrap();
    let seen = seen.borrow();
    assert!(seen.received.is_empty());
    let end = seen.lost.clone().or(seen.failed.clone()).unwrap();
    assert!(
        end.contains("CertificateRequired") || end.contains("certificate"),
        "{end}"
    );
}

fn listen_error(description: &str) -> String {
    let reactor = Reactor::new().unwrap();
    reactor
        .listen(description, |_: &Address| Some(Echo::default()))
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_missing_key_file_is_named_when_listening() {
    let error = listen_error("ssl:0:interface=127.0.0.1:privateKey=/nonexistent/key.pem");
    assert_eq!(
        error,
        "cannot read the private key file '/nonexistent/key.pem': No such file or directory (os error 2)"
    );
}

#[test]
fn unparsable_files_are_named_when_listening() {
    let pki = Pki::new();
    let garbage = pki.dir().join("garbage.pem");
    std::fs::write(&garbage, "this is not PEM\n").unwrap();
    let error = listen_error(&format!(
        "ssl:0:privateKey={}:certKey={}",
        pki.server.key.display(),
        garbage.display()
    ));
    assert_eq!(
        error,
        format!(
            "the certificate file '{}' holds no usable PEM certificate: no CERTIFICATE section was found",
            garbage.display()
        )
    );
    let error = listen_error(&format!(
        "ssl:0:privateKey={}:certKey={}",
        pki.server.certificate.display(),
        pki.server.certificate.display()
    ));
    assert!(
        error.contains("no PRIVATE KEY section was found"),
        "{error}"
    );
    let error = listen_error(&format!(
        "ssl:0:privateKey={}:certKey={}",
        pki.client.key.display(),
        pki.server.certificate.display()
    ));
    assert!(error.starts_with("the certificate '"), "{error}");
    assert!(error.contains("cannot be used"), "{error}");
}

#[test]
fn a_missing_trust_roots_file_is_named_when_connecting() {
    let reactor = Reactor::new().unwrap();
    let error = reactor
        .connect(
            "tls:localhost:443:trustRoots=/nonexistent/ca.pem",
            |_: &Address| Some(Echo::default()),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "cannot read the CA certificate file '/nonexistent/ca.pem': No such file or directory (os error 2)"
    );
}
