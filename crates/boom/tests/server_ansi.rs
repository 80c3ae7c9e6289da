//! ANSI rendering, on a fake clock: telnet clients are recognised, drawn
//! once and then updated cell by cell; terminals are restored on leaving
//! and when the server goes down.

mod support;

use boom::server::{Options, RenderMode};
use support::fake::{FakeClient, FakeServer};
use support::received::Frames;
use support::{TELNET_HELLO, contains, full};

fn auto() -> Options {
    Options {
        render: RenderMode::Auto,
        bots: Some(0),
        ..full()
    }
}

fn telnet_client(server: &FakeServer) -> FakeClient {
    let mut client = server.connect();
    client.send(TELNET_HELLO);
    client.read_until(b"Keys:");
    client
}

#[test]
fn auto_gives_ansi_to_telnet_clients_and_plain_to_the_others() {
    let server = FakeServer::start(auto());
    let mut telnet = telnet_client(&server);
    assert!(contains(&telnet.raw(), b"\x1b[?25l"));
    // Centred in 80 x 24.
    assert!(contains(&telnet.raw(), b"\x1b[4;34H+-----------+"));
    let mut nc = server.connect();
    let frame = nc.frame(3);
    assert!(frame.shows('B'));
    let after = telnet.received_len();
    telnet.read_until(b"B");
    assert!(!contains(&nc.raw(), b"\x1b["), "nc got escape sequences");
    // B's arrival reached the telnet client as an update, not a redraw.
    assert!(!contains(&telnet.raw()[after..], b"\x1b[2J"));
}

#[test]
fn only_changed_cells_are_sent() {
    let server = FakeServer::start(auto());
    let mut a = telnet_client(&server);
    let mut b = telnet_client(&server);
    b.read_until(b"Round 1: playing");
    a.read_until(b"Round 1: playing");
    // A (at the first spawn point, the top-left corner) moves right with
    // the arrow key: B's screen gets a small update.
    let before = b.received_len();
    a.send(b"\x1b[C");
    let mut got = Vec::new();
    while !contains(&got, b"A") {
        assert!(b.read_more());
        got = b.raw()[before..].to_vec();
    }
    assert!(!contains(&got, b"\x1b[2J"), "a full redraw");
    assert!(got.len() < 200, "{:?}", String::from_utf8_lossy(&got));
}

#[test]
fn a_resize_redraws_centred_in_the_new_window() {
    let server = FakeServer::start(auto());
    let mut client = telnet_client(&server);
    let before = client.received_len();
    client.send(&[255, 250, 31, 0, 100, 0, 30, 255, 240]);
    client.read_until(b"\x1b[7;44H+-----------+");
    assert!(contains(&client.raw()[before..], b"\x1b[2J"));
}

#[test]
fn q_restores_the_terminal_says_goodbye_and_closes() {
    let server = FakeServer::start(auto());
    let mut client = telnet_client(&server);
    assert_eq!(server.stats().players(), 1);
    client.send(b"q");
    let text = client.read_to_end();
    let tail = &text[text.rfind("\x1b[?25l").unwrap()..];
    assert!(tail.contains("\x1b[0m\x1b[?25h"), "{tail:?}");
    assert!(tail.contains("Bye"));
    assert_eq!(server.stats().players(), 0);
}

#[test]
fn the_server_going_down_tells_everyone_and_restores_terminals() {
    let server = FakeServer::start(auto());
    let mut telnet = telnet_client(&server);
    let mut nc = server.connect();
    nc.frame(3);
    server.stop();
    let text = telnet.read_to_end();
    assert!(text.contains("\x1b[?25h"));
    assert!(text.contains("The server is going down"));
    assert!(nc.read_to_end().contains("The server is going down"));
}

#[test]
fn render_plain_gives_telnet_clients_plain_frames() {
    let server = FakeServer::start(Options {
        bots: Some(0),
        ..full()
    });
    let mut client = server.connect();
    client.send(TELNET_HELLO);
    let frame = client.frame(3);
    assert!(frame.shows('A'));
    assert!(!contains(&client.raw(), b"\x1b["));
}

#[test]
fn render_ansi_draws_for_every_client_even_without_telnet() {
    let server = FakeServer::start(Options {
        render: RenderMode::Ansi,
        bots: Some(0),
        ..full()
    });
    let mut nc = server.connect();
    // Window size unknown: drawn from the top-left corner.
    nc.read_until(b"\x1b[?25l");
    nc.read_until(b"\x1b[1;1H+-----------+");
    nc.read_until(b"You are A");
}
