//! `haproxy:` endpoints over real sockets: the protocol sees the client
//! the header names, what follows the header reaches it untouched, and a
//! connection without a valid header is closed while others are served.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;

use common::{Server, TellAddresses, read_line};
use weft::policies::LimitPerAddress;
use weft::{Address, Reactor};

const BEHIND_PROXY: &str = "haproxy:tcp:port=0:interface=127.0.0.1";

fn tell_addresses(_: &Reactor) -> fn(&Address) -> Option<TellAddresses> {
    |_| Some(TellAddresses::default())
}

#[test]
fn a_v1_header_names_the_peer_and_the_bytes_after_it_are_echoed() {
    let server = Server::start_on(BEHIND_PROXY, tell_addresses);
    let mut client = TcpStream::connect(server.address).unwrap();
    client
        .write_all(b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 8900\r\nhello")
        .unwrap();
    let expected = "192.0.2.7:56324 -> 198.51.100.1:8900\nhello";
    let mut received = vec![0; expected.len()];
    client.set_read_timeout(Some(common::PATIENCE)).unwrap();
    client.read_exact(&mut received).unwrap();
    assert_eq!(String::from_utf8_lossy(&received), expected);
}

#[test]
fn a_v2_local_header_leaves_the_socket_addresses() {
    let server = Server::start_on(BEHIND_PROXY, tell_addresses);
    let client = TcpStream::connect(server.address).unwrap();
    let local = weft::protocols::proxy::ProxyHeader {
        version: weft::protocols::proxy::Version::V2,
        command: weft::protocols::proxy::Command::Local,
        addresses: weft::protocols::proxy::ProxiedAddresses::Unknown,
        tlvs: Vec::new(),
    };
    (&client).write_all(&local.encode()).unwrap();
    assert_eq!(
        read_line(&client),
        format!("{} -> {}\n", client.local_addr().unwrap(), server.address)
    );
}

#[test]
fn garbage_is_closed_and_a_good_connection_alongside_is_served() {
    let server = Server::start_on(BEHIND_PROXY, tell_addresses);
    let mut bad = TcpStream::connect(server.address).unwrap();
    let good = TcpStream::connect(server.address).unwrap();
    (&good)
        .write_all(b"PROXY TCP6 2001:db8::1 ::1 1 2\r\n")
        .unwrap();
    bad.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    bad.set_read_timeout(Some(common::PATIENCE)).unwrap();
    let mut rest = Vec::new();
    assert!(bad.read_to_end(&mut rest).is_ok_and(|n| n == 0), "{rest:?}");
    assert_eq!(read_line(&good), "[2001:db8::1]:1 -> [::1]:2\n");
}

#[test]
fn a_limit_per_address_counts_the_clients_behind_the_proxy() {
    let server = Server::start_on(BEHIND_PROXY, |_: &Reactor| {
        LimitPerAddress::new(|_: &Address| Some(TellAddresses::default()), 1)
            .with_refusal(b"busy\n")
    });
    let from = |client: &str| {
        let stream = TcpStream::connect(server.address).unwrap();
        (&stream)
            .write_all(format!("PROXY TCP4 {client} 10.0.0.1 1000 8900\r\n").as_bytes())
            .unwrap();
        stream
    };
    let first = from("192.0.2.1");
    assert!(read_line(&first).starts_with("192.0.2.1:1000"));
    let second = from("192.0.2.2");
    assert!(read_line(&second).starts_with("192.0.2.2:1000"));
    let again = from("192.0.2.1");
    assert_eq!(read_line(&again), "busy\n");
    first.shutdown(Shutdown::Both).unwrap();
}

#[test]
fn behind_a_unix_socket_the_header_names_the_peer_and_the_destination() {
    let path = std::env::temp_dir().join(format!("weft-proxy-{}.sock", std::process::id()));
    let reactor = Reactor::new().unwrap();
    let endpoint = format!("haproxy:unix:{}", path.display());
    let port = reactor
        .listen(&endpoint, |_: &Address| Some(TellAddresses::default()))
        .unwrap();
    let mut client = UnixStream::connect(&path).unwrap();
    client
        .write_all(b"PROXY TCP6 2001:db8::7 2001:db8::1 56324 8900\r\n")
        .unwrap();
    client.set_nonblocking(true).unwrap();
    let mut said = Vec::new();
    let outcome = reactor.run_until(common::PATIENCE, || {
        let mut buffer = [0; 256];
        if let Ok(n) = client.read(&mut buffer) {
            said.extend_from_slice(&buffer[..n]);
        }
        said.ends_with(b"\n")
    });
    assert_eq!(outcome.unwrap(), weft::RunUntil::Met);
    assert_eq!(
        String::from_utf8_lossy(&said),
        "[2001:db8::7]:56324 -> [2001:db8::1]:8900\n"
    );
    port.stop_listening();
}
