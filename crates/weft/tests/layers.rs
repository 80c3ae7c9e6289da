//! Layers stacked three deep without sockets: lines over telnet over a
//! scrambling layer that stands in for TLS (written here, with weft's
//! public API only), and flow control passed through every layer.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use weft::layer::{Above, Layer, Layered, WritePath};
use weft::protocols::lines::Delimiter;
use weft::protocols::telnet::{Event, Policy, TelnetOption, TelnetProtocol, TelnetSession};
use weft::protocols::{LineControl, LineReceiver, LineSender};
use weft::testing::{StringTransport, loopback};
use weft::{CloseKind, CloseReason, LayerEvent, Protocol, Transport, WriteLimits};

/// The byte the scrambler sends before it closes, as TLS sends its
/// `close_notify`.
const GOODBYE: u8 = 0x04;

/// A layer that XORs every byte both ways with a key, and says goodbye
/// before closing: what a TLS layer does, minus the cryptography.
struct Scrambler(u8);

impl Layer for Scrambler {
    type Shared = ScrambledWrites;

    fn connection_made(&mut self, _lower: &Transport) -> Rc<ScrambledWrites> {
        Rc::new(ScrambledWrites(self.0))
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        above.deliver(&scramble(data, self.0));
    }
}

struct ScrambledWrites(u8);

impl WritePath for ScrambledWrites {
    fn write(&self, data: &[u8], lower: &Transport) {
        lower.write(&scramble(data, self.0));
    }

    fn close(&self, kind: CloseKind, lower: &Transport) {
        lower.write(&scramble(&[GOODBYE], self.0));
        lower.close(kind);
    }
}

fn scramble(data: &[u8], key: u8) -> Vec<u8> {
    data.iter().map(|byte| byte ^ key).collect()
}

const KEY: u8 = 0x5a;

/// What the application at the top of the stack saw.
#[derive(Debug, Default)]
struct Seen {
    lines: Vec<Vec<u8>>,
    window: Option<(u16, u16)>,
    naws_enabled: bool,
    lost: Vec<String>,
}

/// A line protocol that answers `ping` with a line holding 0xFF and
/// `bye` by closing; it finds the telnet session and the line layer
/// through the stack.
#[derive(Default)]
struct App {
    seen: Rc<RefCell<Seen>>,
    transport: Option<Transport>,
    session: Option<TelnetSession>,
    sender: Option<LineSender>,
}

impl Protocol for App {
    fn connection_made(&mut self, transport: Transport) {
        self.session = TelnetSession::of(&transport);
        self.sender = LineSender::of(&transport);
        assert!(LineControl::of(&transport).is_some());
        self.transport = Some(transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        self.seen.borrow_mut().lines.push(line.to_vec());
        match line {
            b"ping" => self
                .sender
                .as_ref()
                .unwrap()
                .send_line(b"\xffpong")
                .unwrap(),
            b"bye" => self.transport.as_ref().unwrap().lose_connection(),
            _ => {}
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Telnet(Event::WindowSize { width, height }) = event {
            let mut seen = self.seen.borrow_mut();
            seen.window = Some((*width, *height));
            let session = self.session.as_ref().unwrap();
            seen.naws_enabled = session.is_enabled_remote(TelnetOption::NAWS);
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.borrow_mut().lost.push(reason.to_string());
    }
}

/// The client end: writes what the test says, keeps what arrives.
#[derive(Default)]
struct Peer {
    transport: Option<Transport>,
    got: Vec<u8>,
}

impl Protocol for Peer {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.got.extend_from_slice(data);
    }
}

type Stack = Layered<Scrambler, TelnetProtocol<LineReceiver<App>>>;

fn stack(seen: &Rc<RefCell<Seen>>) -> Stack {
    let app = App {
        seen: seen.clone(),
        ..App::default()
    };
    let lines = LineReceiver::new(app).with_delimiter(Delimiter::CrOrLf);
    Layered::wrap(
        Scrambler(KEY),
        TelnetProtocol::new(lines, Policy::character_mode()),
    )
}

#[test]
fn lines_over_telnet_over_a_scrambling_layer() {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut pair = loopback(Peer::default(), stack(&seen));
    pair.pump();
    // The telnet layer's opening negotiation came through the scrambler.
    let opening = scramble(&std::mem::take(&mut pair.client().got), KEY);
    assert_eq!(
        opening,
        [255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 252, 34]
    );

    // WILL NAWS and a window size, lines cut anywhere, Enter as CR NUL
    // (character mode) or CR LF, a DO the layer refuses before "ping".
    let client = pair.client().transport.clone().unwrap();
    let input: &[u8] = b"\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0hel\
        lo\r\0wor|ld\r\n\xff\xfd\x06ping\r\0";
    for piece in input.split(|&byte| byte == b'|') {
        client.write(&scramble(piece, KEY));
        pair.pump();
    }
    {
        let seen = seen.borrow();
        assert_eq!(seen.lines, [&b"hello"[..], b"world", b"ping"]);
        assert_eq!(seen.window, Some((80, 24)));
        assert!(seen.naws_enabled);
    }
    // The refusal (WONT TIMING-MARK) comes before the answer to the line
    // after it; the answer's 0xFF is escaped by telnet, then scrambled.
    let answer = scramble(&std::mem::take(&mut pair.client().got), KEY);
    assert_eq!(answer, b"\xff\xfc\x06\xff\xffpong\r\n");

    // A close asked for at the top goes down through every write path:
    // the scrambler says goodbye last, and each end hears of it once.
    client.write(&scramble(b"bye\r\nnot delivered\r\n", KEY));
    pair.pump();
    assert!(pair.is_closed());
    let goodbye = scramble(&std::mem::take(&mut pair.client().got), KEY);
    assert_eq!(goodbye, [GOODBYE]);
    let seen = seen.borrow();
    assert_eq!(seen.lines.last().map(Vec::as_slice), Some(&b"bye"[..]));
    assert_eq!(seen.lost, ["connection closed cleanly"]);
}

/// Records flow-control calls; pauses reading while told to pause writing
/// (what a protocol facing slow peers does).
#[derive(Default)]
struct Flow {
    transport: Option<Transport>,
    calls: Vec<&'static str>,
}

impl Protocol for Flow {
    fn connection_made(&mut self, transport: Transport) {
        transport.set_write_limits(WriteLimits {
            high: 1000,
            low: 100,
            max: Some(5000),
        });
        transport.set_nodelay(true).unwrap();
        transport
            .set_keepalive(Some(Duration::from_secs(60)))
            .unwrap();
        transport.set_send_buffer_size(4096).unwrap();
        self.transport = Some(transport);
    }

    fn data_received(&mut self, _line: &[u8]) {}

    fn pause_writing(&mut self) {
        self.calls.push("pause");
        self.transport.as_ref().unwrap().pause_reading();
    }

    fn resume_writing(&mut self) {
        self.calls.push("resume");
        self.transport.as_ref().unwrap().resume_reading();
    }
}

#[test]
fn flow_control_passes_through_two_layers() {
    let record = StringTransport::new();
    let mut stack = TelnetProtocol::new(LineReceiver::new(Flow::default()), Policy::new());
    stack.connection_made(record.transport());
    let top = stack.inner().inner().transport.clone().unwrap();

    // Settings made at the top land at the bottom.
    let limits = WriteLimits {
        high: 1000,
        low: 100,
        max: Some(5000),
    };
    assert_eq!(record.write_limits(), limits);
    assert_eq!(top.write_limits(), limits);
    assert_eq!(record.nodelay(), Some(true));
    assert_eq!(record.keepalive(), Some(Some(Duration::from_secs(60))));
    assert_eq!(record.send_buffer_size(), Some(4096));
    assert_eq!(top.peer_address(), record.transport().peer_address());

    // A peer that stopped reading: the bottom's pending bytes are seen at
    // the top, and the reactor's pause reaches the top, which stops
    // reading at the bottom.
    record.set_pending_bytes(2000);
    assert_eq!(top.pending_bytes(), 2000);
    stack.pause_writing();
    assert!(!record.is_reading());
    record.set_pending_bytes(50);
    stack.resume_writing();
    assert!(record.is_reading());
    assert_eq!(stack.inner().inner().calls, ["pause", "resume"]);

    // A half-close passes down too, and input goes on after it.
    top.shutdown_write();
    assert!(record.write_shut() && top.is_closing() && !top.is_disconnecting());
}
