//! The web front end over real sockets: the page, a browser player that
//! moves, a telnet player and a browser player meeting in one arena, a
//! watcher, and every kind of bad input refused with its status or close
//! code while the others keep playing.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use boom::server::Options;
use support::browser_socket::PageSocket;
use support::net::TestServer;
use support::received::Frames;
use support::{PATIENCE, classic};
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

/// The classic game: one shared board, pawns at (0, 0), a frame every
/// tick.
fn server() -> TestServer {
    TestServer::start(Options {
        web_limits: weft::protocols::http::HttpLimits {
            head_timeout: Duration::from_millis(300),
            ..Default::default()
        },
        ..classic()
    })
}

/// Sends `request` and reads the whole answer (the server closes).
fn http(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.web_address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_page_is_served_whole() {
    let server = server();
    let answer = http(&server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Content-Type: text/html"));
    assert!(answer.contains("<canvas"));
    assert!(answer.contains("new WebSocket("));
    assert!(answer.trim_end().ends_with("</html>"));
    server.stop();
}

#[test]
fn a_browser_player_gets_the_board_then_deltas_and_moves() {
    let server = server();
    let mut ann = PageSocket::open(server.web_address, "/play?name=Ann");
    ann.read_until("the board", |page| page.snapshots == 1);
    assert_eq!(ann.page.find('A'), Some((0, 0)));
    assert_eq!(ann.page.own, Some(0));
    ann.key("d");
    ann.read_until("the pawn moved", |page| page.find('A') == Some((1, 0)));
    assert_eq!(ann.page.snapshots, 1, "deltas after the snapshot");
    assert!(ann.page.changed_cells >= 2);
    assert_eq!(ann.page.own, Some(1));
    server.stop();
}

#[test]
fn a_telnet_player_and_a_browser_player_see_each_other_move() {
    let server = server();
    let mut ann = PageSocket::open(server.web_address, "/play?name=Ann");
    ann.read_until("the board", |page| page.snapshots == 1);
    let mut bob = server.connect();
    // Bob (B) steps down; Ann (A) steps right.
    bob.send(b"s");
    ann.read_until("B below", |page| page.find('B') == Some((0, 1)));
    ann.key("d");
    bob.frame_until(0, |frame| frame.at(1, 0) == 'A' && frame.at(0, 1) == 'B');
    server.stop();
}

#[test]
fn a_watcher_sees_the_players_moves() {
    let server = server();
    let mut bob = server.connect();
    bob.send(b"s");
    bob.frame_until(0, |frame| frame.at(0, 1) == 'A');
    let list = http(&server, b"GET /watch HTTP/1.1\r\n\r\n");
    assert!(
        list.contains("<a href=\"/?watch=0.0\">Arena 0.0</a>: 1 playing"),
        "{list}"
    );
    let mut eve = PageSocket::open(server.web_address, "/view?arena=0.0");
    eve.read_until("the player", |page| page.find('A') == Some((0, 1)));
    assert_eq!(eve.page.own, None);
    eve.key("d");
    bob.send(b"w");
    eve.read_until("the move", |page| page.find('A') == Some((0, 0)));
    assert_eq!(eve.page.snapshots, 1, "then only what changed");
    server.stop();
}

#[test]
fn bad_requests_get_their_status() {
    let server = server();
    let cases: [(&[u8], &str); 6] = [
        (b"GET /nowhere HTTP/1.1\r\n\r\n", "404"),
        (b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "405"),
        (b"GET /play HTTP/1.1\r\n\r\n", "426"),
        (b"GET /view?arena=0 HTTP/1.1\r\n\r\n", "400"),
        (b"\x16\x03\x01\x02\x00 not http\r\n\r\n", "400"),
        (
            b"GET /play HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Version: 13\r\n\r\n",
            "400",
        ),
    ];
    for (request, status) in cases {
        let answer = http(&server, request);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{request:?}: {answer}"
        );
    }
    let mut huge = b"GET / HTTP/1.1\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b"X-Junk: aaaaaaaaaaaaaaaaaaaa\r\n", 1000).flatten());
    assert!(http(&server, &huge).starts_with("HTTP/1.1 431 "));
    server.stop();
}

#[test]
fn connections_past_the_per_address_cap_are_answered_503() {
    let server = TestServer::start(Options {
        max_per_address: 1,
        ..classic()
    });
    let mut ann = PageSocket::open(server.web_address, "/play?name=Ann");
    ann.read_until("the board", |page| page.snapshots == 1);
    let answer = http(&server, b"GET / HTTP/1.1\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );
    assert!(answer.contains("at most 1"));
    server.stop();
}

#[test]
fn a_head_that_trickles_past_the_timeout_is_answered_408() {
    let server = server();
    let mut stream = TcpStream::connect(server.web_address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"GET / HT").unwrap();
    // The rest never comes: the server answers when its timer runs out.
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 408 Request Timeout\r\n"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    server.stop();
}

/// Sends a raw frame on `page`'s socket, and reads until it closes;
/// returns the close code received.
fn close_code_after(page: &mut PageSocket, frame: Frame) -> Option<CloseCode> {
    let mut bytes = Vec::new();
    frame.format(&mut bytes).unwrap();
    page.socket.get_mut().write_all(&bytes).unwrap();
    loop {
        match page.socket.read() {
            Ok(tungstenite::Message::Close(close)) => return close.map(|c| c.code),
            Ok(_) => {}
            Err(error) => panic!("no close frame: {error}"),
        }
    }
}

#[test]
fn bad_frames_are_closed_with_their_code_and_the_others_play_on() {
    let server = server();
    let mut ann = PageSocket::open(server.web_address, "/play?name=Ann");
    ann.read_until("the board", |page| page.snapshots == 1);
    let text = |payload: Vec<u8>, masked: bool| {
        let mut frame = Frame::message(payload, OpCode::Data(Data::Text), true);
        if masked {
            frame.header_mut().mask = Some([1, 2, 3, 4]);
        }
        frame
    };
    let cases = [
        (text(b"d".to_vec(), false), CloseCode::Protocol),
        (text(vec![b'd'; 100_000], true), CloseCode::Size),
        (text(b"\xff\xfe".to_vec(), true), CloseCode::Invalid),
    ];
    for (frame, code) in cases {
        let mut bad = PageSocket::open(server.web_address, "/play?name=Bad");
        assert_eq!(close_code_after(&mut bad, frame), Some(code));
        // Ann plays on.
        let (x, _) = ann.page.find('A').unwrap();
        ann.key(if x == 0 { "d" } else { "a" });
        ann.read_until("Ann moved", |page| page.find('A').unwrap().0 != x);
    }
    server.stop();
}
