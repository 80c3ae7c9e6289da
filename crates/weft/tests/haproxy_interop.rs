//! A real HAProxy (`mode tcp`, `send-proxy` and `send-proxy-v2`) in front
//! of weft: the server sees the client's address, not HAProxy's, and the
//! echo example echoes through it. Skipped with a message when `haproxy`
//! is not installed, except in CI.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{Announces, ExampleProcess, Server, TellAddresses, read_line};
use weft::testing::haproxy::{self, Haproxy, SendProxy};
use weft::{Address, Reactor};

fn the_server_sees_the_client(send: SendProxy) {
    if !haproxy::available() {
        return;
    }
    let server = Server::start_on("haproxy:tcp:port=0:interface=127.0.0.1", |_: &Reactor| {
        |_: &Address| Some(TellAddresses::default())
    });
    let proxy = Haproxy::start(server.address, send).unwrap();
    let client = TcpStream::connect(proxy.address()).unwrap();
    assert_eq!(
        read_line(&client),
        format!("{} -> {}\n", client.local_addr().unwrap(), proxy.address())
    );
}

#[test]
fn behind_send_proxy_the_server_sees_the_client() {
    the_server_sees_the_client(SendProxy::V1);
}

#[test]
fn behind_send_proxy_v2_the_server_sees_the_client() {
    the_server_sees_the_client(SendProxy::V2);
}

#[test]
fn the_echo_example_echoes_behind_haproxy() {
    if !haproxy::available() {
        return;
    }
    for send in [SendProxy::V1, SendProxy::V2] {
        let echo = ExampleProcess::start_announcing(
            "echo",
            &["haproxy:tcp:port=0:interface=127.0.0.1"],
            Announces::OnStderr,
        );
        let proxy = Haproxy::start(echo.address.parse().unwrap(), send).unwrap();
        let mut client = TcpStream::connect(proxy.address()).unwrap();
        client.set_read_timeout(Some(common::PATIENCE)).unwrap();
        client.write_all(b"through the proxy").unwrap();
        let mut echoed = [0; 17];
        client.read_exact(&mut echoed).unwrap();
        assert_eq!(&echoed, b"through the proxy", "{send:?}");
    }
}
