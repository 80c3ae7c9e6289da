//! `boom --listen haproxy:…`: the game served behind a proxy speaking the
//! PROXY protocol, its per-address limit counting the clients the headers
//! name, on one reactor and on a pool; then behind a real HAProxy
//! (skipped with a message when `haproxy` is not installed, except in CI).

mod support;

use std::net::SocketAddr;
use std::process::{Child, Command};

use support::binary::start_announced;
use support::net::Client;
use weft::testing::haproxy::{self, Haproxy, SendProxy};

const REFUSAL: &str = "Too many connections from your address (at most 1).";

/// The `boom` command, listening behind a proxy, one connection per
/// address; killed when dropped.
struct Boom {
    child: Child,
    address: SocketAddr,
}

impl Boom {
    fn start(threads: &str) -> Boom {
        let (child, line) = start_announced(
            Command::new(env!("CARGO_BIN_EXE_boom"))
                .args(["--listen", "haproxy:tcp:port=0:interface=127.0.0.1"])
                .args(["--max-per-address", "1", "--threads", threads]),
        );
        // "boom: listening on 127.0.0.1:PORT for a proxy …; players join
        // through the proxy"
        assert!(line.contains("players join through the proxy"), "{line}");
        let address = line
            .split_whitespace()
            .nth(3)
            .and_then(|word| word.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Boom { child, address }
    }
}

impl Drop for Boom {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client whose connection opens with a PROXY header naming `client`.
fn relayed(boom: &Boom, client: &str) -> Client {
    let mut connection = Client::connect(boom.address);
    connection.send(format!("PROXY TCP4 {client} 203.0.113.1 50000 8900\r\n").as_bytes());
    connection
}

fn assert_playing(client: &mut Client) {
    client.read_until(b"You are ");
}

fn assert_refused(client: &mut Client) {
    let said = client.read_to_end();
    assert!(said.starts_with(REFUSAL), "{said:?}");
}

fn the_limit_counts_the_clients_the_headers_name(threads: &str) {
    let boom = Boom::start(threads);
    let mut first = relayed(&boom, "192.0.2.1");
    assert_playing(&mut first);
    let mut other = relayed(&boom, "192.0.2.2");
    assert_playing(&mut other);
    let mut again = relayed(&boom, "192.0.2.1");
    assert_refused(&mut again);
}

#[test]
fn on_one_reactor_the_limit_counts_the_clients_behind_the_proxy() {
    the_limit_counts_the_clients_the_headers_name("1");
}

#[test]
fn on_a_pool_the_limit_counts_the_clients_behind_the_proxy() {
    the_limit_counts_the_clients_the_headers_name("2");
}

#[test]
fn a_connection_without_a_header_is_closed_and_players_keep_playing() {
    let boom = Boom::start("1");
    let mut player = relayed(&boom, "192.0.2.1");
    assert_playing(&mut player);
    let mut stray = Client::connect(boom.address);
    stray.send(b"hello\r\n");
    assert_eq!(stray.read_to_end(), "");
    player.send(b"d");
    assert_playing(&mut player);
}

#[test]
fn behind_a_real_haproxy_the_limit_counts_each_client() {
    if !haproxy::available() {
        return;
    }
    for send in [SendProxy::V1, SendProxy::V2] {
        let boom = Boom::start("2");
        let proxy = Haproxy::start(boom.address, send).unwrap();
        let mut first = Client::connect(proxy.address());
        assert_playing(&mut first);
        // Through the proxy, every connection comes from its address; the
        // header tells boom this one is another client.
        let mut other = Client::connect_from("127.0.0.2".parse().unwrap(), proxy.address());
        assert_playing(&mut other);
        let mut again = Client::connect(proxy.address());
        assert_refused(&mut again);
    }
}
