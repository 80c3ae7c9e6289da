//! `haproxy:ssl:` over real sockets: the PROXY header comes first, in
//! plaintext, then the TLS handshake; the protocol above both sees the
//! client the header names, and a connection that skips the header is
//! closed before any TLS work.

mod common;
mod tls_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use common::{Server, TellAddresses};
use tls_support::Pki;
use weft::tls::ServerName;
use weft::{Address, Reactor};

fn tell_addresses(_: &Reactor) -> fn(&Address) -> Option<TellAddresses> {
    |_| Some(TellAddresses::default())
}

/// A server on `haproxy:ssl:` with the good certificate of `pki`.
fn behind_proxy_over_tls(pki: &Pki) -> Server {
    let endpoint = format!(
        "haproxy:ssl:port=0:interface=127.0.0.1:privateKey={}:certKey={}",
        pki.server.key.display(),
        pki.server.certificate.display()
    );
    Server::start_on(&endpoint, tell_addresses)
}

#[test]
fn the_header_comes_before_tls_and_names_the_client_to_the_protocol() {
    let pki = Pki::new();
    let server = behind_proxy_over_tls(&pki);
    let mut tcp = TcpStream::connect(server.address).unwrap();
    tcp.set_read_timeout(Some(common::PATIENCE)).unwrap();
    tcp.write_all(b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 8443\r\n")
        .unwrap();
    let connection = rustls::ClientConnection::new(
        pki.client_config(),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    tls.write_all(b"hello").unwrap();
    let mut reader = BufReader::new(tls);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "192.0.2.7:56324 -> 198.51.100.1:8443\n");
    let mut echoed = [0; 5];
    reader.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"hello", "bytes after the handshake go through");
}

#[test]
fn a_tls_hello_without_the_header_is_closed_unanswered() {
    let pki = Pki::new();
    let server = behind_proxy_over_tls(&pki);
    let mut tcp = TcpStream::connect(server.address).unwrap();
    tcp.set_read_timeout(Some(common::PATIENCE)).unwrap();
    let mut connection = rustls::ClientConnection::new(
        pki.client_config(),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    connection.write_tls(&mut tcp).unwrap();
    let mut answer = Vec::new();
    let read = tcp.read_to_end(&mut answer);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "the server closed without answering: {read:?} {answer:?}"
    );
    assert!(answer.is_empty(), "no TLS record came back: {answer:?}");
}
