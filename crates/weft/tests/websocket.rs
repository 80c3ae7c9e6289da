//! The HTTP front door and the WebSocket layer on the fake transport and
//! the fake clock: requests answered and refused, messages both ways,
//! each fault of a peer closed with its code.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use weft::protocols::http::{
    Handler, HttpLimits, HttpServer, Reply, RequestHead, Response, Status,
};
use weft::testing::{Clock, StringTransport};
use weft::{CloseReason, Protocol, Transport};

const UPGRADE: &str = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
                       Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                       Sec-WebSocket-Version: 13\r\n\r\n";

/// Echoes each message in upper case; records what it got.
struct Shout {
    transport: Option<Transport>,
    heard: Rc<RefCell<Vec<Vec<u8>>>>,
}

impl Protocol for Shout {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.heard.borrow_mut().push(data.to_vec());
        if let Some(transport) = &self.transport {
            transport.write(&data.to_ascii_uppercase());
        }
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {}
}

/// `/` is a page, `/echo` a WebSocket to [`Shout`], anything else 404.
struct Site {
    heard: Rc<RefCell<Vec<Vec<u8>>>>,
}

impl Handler for Site {
    type Upgraded = Shout;

    fn handle(&mut self, request: &RequestHead, _transport: &Transport) -> Reply<Shout> {
        match request.path() {
            "/" => Reply::Respond(Response::new(Status::OK).body("text/plain", "hello")),
            "/elsewhere" => Reply::HandOver(Box::new(|_| unreachable!("nothing to hand over"))),
            "/echo" => Reply::WebSocket(Shout {
                transport: None,
                heard: self.heard.clone(),
            }),
            _ => Reply::Respond(Response::error(Status::NOT_FOUND, "no such page")),
        }
    }
}

struct Connection {
    clock: Clock,
    record: StringTransport,
    server: HttpServer<Site>,
    heard: Rc<RefCell<Vec<Vec<u8>>>>,
}

fn connect() -> Connection {
    let clock = Clock::new();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let limits = HttpLimits {
        max_head: 1024,
        head_timeout: Duration::from_secs(5),
        ..HttpLimits::default()
    };
    let mut server = HttpServer::new(
        Site {
            heard: heard.clone(),
        },
        &clock,
        limits,
    );
    let record = StringTransport::new();
    server.connection_made(record.transport());
    Connection {
        clock,
        record,
        server,
        heard,
    }
}

fn upgraded() -> Connection {
    let mut connection = connect();
    connection.server.data_received(UPGRADE.as_bytes());
    let answer = String::from_utf8(connection.record.take_written()).unwrap();
    assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
    connection
}

/// A frame as a client sends it: masked unless told otherwise.
fn client_frame(mut frame: Frame, masked: bool) -> Vec<u8> {
    if masked {
        frame.header_mut().mask = Some([7, 1, 9, 3]);
    }
    let mut bytes = Vec::new();
    frame.format(&mut bytes).unwrap();
    bytes
}

fn text(payload: &[u8]) -> Vec<u8> {
    client_frame(
        Frame::message(payload.to_vec(), OpCode::Data(Data::Text), true),
        true,
    )
}

/// The frames a server wrote (unmasked): opcode and payload each.
fn server_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let (len, start) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => panic!("no test frame is that long"),
            n => (n as usize, 2),
        };
        frames.push((opcode, bytes[start..start + len].to_vec()));
        bytes = &bytes[start + len..];
    }
    assert!(bytes.is_empty(), "a partial frame: {bytes:?}");
    frames
}

/// The code of the close frame among `frames`.
fn close_code(frames: &[(u8, Vec<u8>)]) -> Option<u16> {
    frames
        .iter()
        .find(|(opcode, _)| *opcode == 0x8)
        .map(|(_, payload)| u16::from_be_bytes([payload[0], payload[1]]))
}

#[test]
fn a_page_is_served_and_the_connection_closed() {
    let mut c = connect();
    c.server.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let answer = String::from_utf8(c.record.written()).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nhello"));
    assert!(c.record.lose_connection_called());
    assert_eq!(c.clock.pending_calls(), 0, "the head timer is cancelled");
}

#[test]
fn the_handlers_refusal_is_sent() {
    let mut c = connect();
    c.server.data_received(b"GET /nowhere HTTP/1.1\r\n\r\n");
    assert!(
        c.record
            .written()
            .starts_with(b"HTTP/1.1 404 Not Found\r\n")
    );
    assert!(c.record.lose_connection_called());
}

#[test]
fn a_request_that_cannot_be_handed_over_is_answered_500() {
    // A test transport has no socket to hand over.
    let mut c = connect();
    c.server.data_received(b"GET /elsewhere HTTP/1.1\r\n\r\n");
    assert!(
        c.record
            .written()
            .starts_with(b"HTTP/1.1 500 Internal Server Error\r\n")
    );
    assert!(c.record.lose_connection_called());
}

#[test]
fn a_malformed_head_is_answered_400() {
    let mut c = connect();
    c.server.data_received(b"\x00\x01\x02 what\r\n\r\n");
    assert!(
        c.record
            .written()
            .starts_with(b"HTTP/1.1 400 Bad Request\r\n")
    );
    assert!(c.record.lose_connection_called());
}

#[test]
fn an_oversized_head_is_answered_431() {
    let mut c = connect();
    c.server.data_received(b"GET / HTTP/1.1\r\nX-Junk: ");
    for _ in 0..100 {
        c.server.data_received(&[b'a'; 100]);
    }
    let answer = c.record.written();
    assert!(answer.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    assert_eq!(answer.windows(9).filter(|w| w == b"HTTP/1.1 ").count(), 1);
}

#[test]
fn a_head_trickling_past_the_timeout_is_answered_408() {
    let mut c = connect();
    for byte in b"GET / HT" {
        c.server.data_received(&[*byte]);
        c.clock.advance(Duration::from_millis(500));
    }
    assert!(c.record.written().is_empty());
    c.clock.advance(Duration::from_secs(1));
    assert!(
        c.record
            .written()
            .starts_with(b"HTTP/1.1 408 Request Timeout\r\n")
    );
    assert!(c.record.lose_connection_called());
}

#[test]
fn a_plain_get_of_a_websocket_address_is_answered_426() {
    let mut c = connect();
    c.server.data_received(b"GET /echo HTTP/1.1\r\n\r\n");
    let answer = String::from_utf8(c.record.written()).unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    assert!(answer.contains("Sec-WebSocket-Version: 13\r\n"));
}

#[test]
fn messages_go_up_one_by_one_and_each_write_is_one_message() {
    let mut c = upgraded();
    let mut both = text(b"hi");
    both.extend(text(b"there"));
    // Split in the middle of the second frame.
    let (first, second) = both.split_at(both.len() - 2);
    c.server.data_received(first);
    c.server.data_received(second);
    assert_eq!(*c.heard.borrow(), [b"hi".to_vec(), b"there".to_vec()]);
    assert_eq!(
        server_frames(&c.record.written()),
        [(0x1, b"HI".to_vec()), (0x1, b"THERE".to_vec())]
    );
    assert!(!c.record.lose_connection_called());
}

#[test]
fn frames_sent_right_after_the_head_are_read() {
    let mut c = connect();
    let mut bytes = UPGRADE.as_bytes().to_vec();
    bytes.extend(text(b"early"));
    c.server.data_received(&bytes);
    assert_eq!(*c.heard.borrow(), [b"early".to_vec()]);
}

#[test]
fn a_ping_is_answered_with_a_pong() {
    let mut c = upgraded();
    c.server
        .data_received(&client_frame(Frame::ping(b"p".to_vec()), true));
    assert_eq!(server_frames(&c.record.written()), [(0xA, b"p".to_vec())]);
}

#[test]
fn an_unmasked_frame_is_closed_with_1002() {
    let mut c = upgraded();
    let unmasked = Frame::message(b"hi".to_vec(), OpCode::Data(Data::Text), true);
    c.server.data_received(&client_frame(unmasked, false));
    assert_eq!(close_code(&server_frames(&c.record.written())), Some(1002));
    assert!(c.record.lose_connection_called());
    assert!(c.heard.borrow().is_empty());
}

#[test]
fn an_oversized_frame_is_closed_with_1009_from_its_header() {
    let mut c = upgraded();
    let frame = text(&vec![b'a'; 20_000]);
    // Only the header and a little of the payload have arrived.
    c.server.data_received(&frame[..100]);
    assert_eq!(close_code(&server_frames(&c.record.written())), Some(1009));
    assert!(c.record.lose_connection_called());
}

#[test]
fn invalid_utf8_in_a_text_frame_is_closed_with_1007() {
    let mut c = upgraded();
    c.server.data_received(&text(b"\xff\xfe"));
    assert_eq!(close_code(&server_frames(&c.record.written())), Some(1007));
    assert!(c.record.lose_connection_called());
}

#[test]
fn a_close_from_the_peer_is_answered_and_the_connection_closed() {
    let mut c = upgraded();
    let goodbye = CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    };
    c.server
        .data_received(&client_frame(Frame::close(Some(goodbye)), true));
    assert_eq!(close_code(&server_frames(&c.record.written())), Some(1000));
    assert!(c.record.lose_connection_called());
}

#[test]
fn closing_from_above_sends_a_close_frame_first() {
    let c = upgraded();
    let transport = c.server.upgraded().unwrap().transport.clone().unwrap();
    transport.lose_connection();
    assert_eq!(close_code(&server_frames(&c.record.written())), Some(1000));
    assert!(c.record.lose_connection_called());
}
