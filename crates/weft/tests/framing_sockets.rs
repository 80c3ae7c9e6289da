//! The line and frame adapters over real sockets on 127.0.0.1: bad input
//! (NUL bytes, an endless line, garbage netstrings) ends the offending
//! connection with a named reason, memory stays bounded, and the other
//! connections keep being served.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;

use common::{PATIENCE, Server, recv};
use weft::protocols::lines::Delimiter;
use weft::protocols::{
    Int32Receiver, LineControl, LineReceiver, LineSender, NetstringReceiver, TooLong,
    send_netstring, send_prefixed,
};
use weft::{Address, CloseReason, LayerEvent, Protocol, Reactor, Transport};

/// What a server-side handler saw, sent to the test thread.
#[derive(Debug)]
enum Seen {
    /// A line or frame, with the line decoder's buffer capacity then.
    Message(Vec<u8>, usize),
    /// An over-long line, with the decoder's buffer capacity then.
    TooLong(usize),
    /// The end: the reason as text, and the protocol's own reason if it
    /// was one.
    Lost(String, Option<String>),
}

fn lost(reason: &CloseReason) -> Seen {
    let why = match reason {
        CloseReason::Protocol(why) => Some(why.to_string()),
        _ => None,
    };
    Seen::Lost(reason.to_string(), why)
}

/// Echoes each line back and reports what it saw.
struct LineEcho {
    events: mpsc::Sender<Seen>,
    lines: Option<(LineSender, LineControl)>,
}

impl LineEcho {
    fn capacity(&self) -> usize {
        self.lines.as_ref().unwrap().1.buffer_capacity()
    }
}

impl Protocol for LineEcho {
    fn connection_made(&mut self, transport: Transport) {
        self.lines = LineSender::of(&transport).zip(LineControl::of(&transport));
    }

    fn data_received(&mut self, line: &[u8]) {
        self.lines.as_ref().unwrap().0.send_line(line).unwrap();
        let _ = self
            .events
            .send(Seen::Message(line.to_vec(), self.capacity()));
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::LineTooLong(_) = event {
            let _ = self.events.send(Seen::TooLong(self.capacity()));
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.events.send(lost(reason));
    }
}

fn line_server(on_too_long: TooLong) -> (Server, mpsc::Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            Some(
                LineReceiver::new(LineEcho {
                    events: tx.clone(),
                    lines: None,
                })
                .with_delimiter(Delimiter::CrLfOrLf)
                .on_too_long(on_too_long),
            )
        }
    });
    (server, rx)
}

/// Echoes each frame back with `send`, and reports what it saw.
struct FrameEcho {
    events: mpsc::Sender<Seen>,
    send: fn(&Transport, &[u8]),
    transport: Option<Transport>,
}

impl Protocol for FrameEcho {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, frame: &[u8]) {
        (self.send)(self.transport.as_ref().unwrap(), frame);
        let _ = self.events.send(Seen::Message(frame.to_vec(), 0));
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.events.send(lost(reason));
    }
}

/// Waits for a connection's end with a protocol reason, skipping other
/// events; returns that reason.
fn protocol_close(rx: &mpsc::Receiver<Seen>) -> String {
    loop {
        if let Seen::Lost(text, why) = recv(rx) {
            return why.unwrap_or_else(|| panic!("closed without a protocol reason: {text}"));
        }
    }
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Reads what the server sends until it closes (a reset counts as closed:
/// the server may close with unread input).
fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("reading until closed: {e}"),
    }
    rest
}

fn read_line(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).unwrap();
    line
}

/// Starts a thread writing `total` bytes of `x` (no delimiter) to a
/// clone of `stream`, then `tail`; it stops early, without failing, when
/// the server closes. Returns how many bytes of `x` went out.
fn flood(stream: &TcpStream, total: usize, tail: &'static [u8]) -> std::thread::JoinHandle<usize> {
    let mut writer = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            if writer.write_all(&chunk).is_err() {
                return sent;
            }
            sent += chunk.len();
        }
        let _ = writer.write_all(tail);
        sent
    })
}

const HUNDRED_MIB: usize = 100 * 1024 * 1024;

/// The most a line decoder with the default limit may hold.
const LINE_BOUND: usize = 16 * 1024 + 3;

#[test]
fn nul_filled_lines_are_echoed_intact() {
    let (server, rx) = line_server(TooLong::Close);
    let stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut input = vec![0u8; 5000];
    input.extend_from_slice(b"\r\n\0\n\n");
    (&stream).write_all(&input).unwrap();
    let mut expected = vec![0u8; 5000];
    expected.extend_from_slice(b"\r\n");
    assert_eq!(read_line(&mut reader), expected);
    assert_eq!(read_line(&mut reader), b"\0\r\n");
    assert_eq!(read_line(&mut reader), b"\r\n");
    assert!(matches!(recv(&rx), Seen::Message(line, _) if line == vec![0; 5000]));
}

#[test]
fn an_endless_line_closes_with_the_too_long_reason_while_others_are_served() {
    let (server, rx) = line_server(TooLong::Close);
    let flooder = connect(&server);
    let other = connect(&server);
    let mut other_reader = BufReader::new(other.try_clone().unwrap());
    let flooding = flood(&flooder, HUNDRED_MIB, b"\r\n");

    // Served during the flood.
    (&other).write_all(b"during\n").unwrap();
    assert_eq!(read_line(&mut other_reader), b"during\r\n");

    // The flooder's connection ends with the documented reason, after the
    // decoder held no more than the limit.
    let why = loop {
        match recv(&rx) {
            Seen::TooLong(capacity) => assert!(capacity <= LINE_BOUND, "{capacity}"),
            Seen::Message(line, _) => assert_eq!(line, b"during"),
            Seen::Lost(text, why) => break why.unwrap_or(text),
        }
    };
    assert!(
        why.starts_with("line too long") && why.contains("maximum of 16384 bytes"),
        "{why}"
    );
    let mut flooder = flooder;
    assert_eq!(until_closed(&mut flooder), b"");
    let sent = flooding.join().unwrap();
    assert!(sent < HUNDRED_MIB, "the server read the whole line");

    // And after it.
    (&other).write_all(b"after\r\n").unwrap();
    assert_eq!(read_line(&mut other_reader), b"after\r\n");
}

#[test]
fn a_discarded_endless_line_costs_bounded_memory_and_the_connection_goes_on() {
    let (server, rx) = line_server(TooLong::Discard);
    let flooder = connect(&server);
    let mut reader = BufReader::new(flooder.try_clone().unwrap());
    let flooding = flood(&flooder, HUNDRED_MIB, b"\r\nafter\r\n");

    // The whole 100 MiB line is read and discarded; the next line comes
    // through on the same connection.
    assert_eq!(read_line(&mut reader), b"after\r\n");
    assert_eq!(flooding.join().unwrap(), HUNDRED_MIB);
    let mut too_long = 0;
    loop {
        match recv(&rx) {
            Seen::TooLong(capacity) => {
                assert!(capacity <= LINE_BOUND, "{capacity}");
                too_long += 1;
            }
            Seen::Message(line, capacity) => {
                assert_eq!(line, b"after");
                assert!(capacity <= LINE_BOUND, "{capacity}");
                break;
            }
            Seen::Lost(text, _) => panic!("connection lost: {text}"),
        }
    }
    assert_eq!(too_long, 1, "one over-long line, reported once");
    flooder.shutdown(Shutdown::Write).unwrap();
}

fn netstring_server() -> (Server, mpsc::Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            Some(NetstringReceiver::new(FrameEcho {
                events: tx.clone(),
                send: send_netstring,
                transport: None,
            }))
        }
    });
    (server, rx)
}

#[test]
fn garbage_netstrings_close_with_a_reason_while_others_are_served() {
    let (server, rx) = netstring_server();
    let mut bad = connect(&server);
    let mut good = connect(&server);
    bad.write_all(b"5:hello,").unwrap();
    let mut echo = [0u8; 8];
    bad.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"5:hello,");

    bad.write_all(b"3:abc;garbage").unwrap();
    assert_eq!(until_closed(&mut bad), b"");
    let why = protocol_close(&rx);
    assert!(
        why.contains("invalid netstring") && why.contains("expected ','"),
        "{why}"
    );

    good.write_all(b"2:ok,").unwrap();
    let mut echo = [0u8; 5];
    good.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"2:ok,");

    // A length past the maximum is refused before any payload is read.
    let mut huge = connect(&server);
    huge.write_all(b"123456789:").unwrap();
    assert_eq!(until_closed(&mut huge), b"");
    let why = protocol_close(&rx);
    assert!(why.contains("over the maximum of 99999"), "{why}");
}

#[test]
fn length_prefixed_frames_echo_and_an_over_long_prefix_closes() {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            Some(Int32Receiver::new(FrameEcho {
                events: tx.clone(),
                send: |t, f| send_prefixed::<u32>(t, f).unwrap(),
                transport: None,
            }))
        }
    });
    let mut client = connect(&server);
    client.write_all(b"\x00\x00\x00\x03abc\x00\x00").unwrap();
    client.write_all(b"\x00\x00").unwrap();
    let mut echo = [0u8; 11];
    client.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\x00\x00\x00\x03abc\x00\x00\x00\x00");
    client.write_all(b"\x7f\xff\xff\xff").unwrap();
    assert_eq!(until_closed(&mut client), b"");
    let why = protocol_close(&rx);
    assert!(why.contains("frame too long"), "{why}");
}
