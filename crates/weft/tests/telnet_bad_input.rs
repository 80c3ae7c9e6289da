//! Hostile and broken Telnet input over real sockets: floods of commands
//! and requests, sequences cut at the end of every write, endless and
//! malformed subnegotiations. Each time the connection ends as documented
//! (or goes on), memory stays bounded, and other connections keep being
//! served.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;

use common::{PATIENCE, Server, recv};
use weft::protocols::telnet::{
    Command, Decoder, Discarded, Event, Policy, TelnetOption, TelnetProtocol, Token, Verb,
};
use weft::{Address, CloseReason, LayerEvent, Protocol, Reactor, Transport};

const IAC: u8 = 255;
const DO: u8 = 253;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const NOP: u8 = 241;

/// What the server's application saw, tagged with its connection's number
/// (1 for the first accepted).
#[derive(Debug)]
enum Seen {
    Data(Vec<u8>),
    /// A Telnet event other than `IAC NOP`, as `{:?}` prints it.
    Event(String),
    PauseWriting,
    Lost {
        clean: bool,
        reason: String,
        /// How many `IAC NOP` the connection received.
        nops: usize,
    },
}

/// An echo server application with back-pressure (reading pauses while the
/// peer does not read), reporting what it sees.
struct Echo {
    number: usize,
    seen: mpsc::Sender<(usize, Seen)>,
    transport: Option<Transport>,
    nops: usize,
}

impl Echo {
    fn report(&self, seen: Seen) {
        let _ = self.seen.send((self.number, seen));
    }
}

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.report(Seen::Data(data.to_vec()));
        if let Some(transport) = &self.transport {
            transport.write(data);
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.report(Seen::Lost {
            clean: reason.is_clean(),
            reason: reason.to_string(),
            nops: self.nops,
        });
    }

    fn pause_writing(&mut self) {
        self.report(Seen::PauseWriting);
        if let Some(transport) = &self.transport {
            transport.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.resume_reading();
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Telnet(event) = event {
            self.telnet_event(event);
        }
    }
}

impl Echo {
    fn telnet_event(&mut self, event: &Event<'_>) {
        match event {
            Event::Command(Command::Nop) => self.nops += 1,
            other => self.report(Seen::Event(format!("{other:?}"))),
        }
    }
}

/// A server running [`Echo`] over Telnet in character mode.
fn echo_server() -> (Server, mpsc::Receiver<(usize, Seen)>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        let mut accepted = 0;
        move |_: &Address| {
            accepted += 1;
            let echo = Echo {
                number: accepted,
                seen: tx.clone(),
                transport: None,
                nops: 0,
            };
            Some(TelnetProtocol::new(echo, Policy::character_mode()))
        }
    });
    (server, rx)
}

/// Collects what connection `number` saw until (and including) its end;
/// what other connections saw is skipped.
fn until_lost(rx: &mpsc::Receiver<(usize, Seen)>, number: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    loop {
        let (from, what) = recv(rx);
        if from != number {
            continue;
        }
        let lost = matches!(what, Seen::Lost { .. });
        seen.push(what);
        if lost {
            return seen;
        }
    }
}

/// The data and the events in `seen`, in order.
fn data_and_events(seen: &[Seen]) -> (Vec<u8>, Vec<String>) {
    let mut data = Vec::new();
    let mut events = Vec::new();
    for what in seen {
        match what {
            Seen::Data(bytes) => data.extend_from_slice(bytes),
            Seen::Event(event) => events.push(event.clone()),
            _ => {}
        }
    }
    (data, events)
}

/// The end of a connection, from what it saw.
fn end(seen: &[Seen]) -> (bool, &str, usize) {
    match seen.last() {
        Some(Seen::Lost {
            clean,
            reason,
            nops,
        }) => (*clean, reason, *nops),
        other => panic!("not an end: {other:?}"),
    }
}

fn event(event: Event<'_>) -> String {
    format!("{event:?}")
}

/// A raw client that decodes the server's Telnet stream but never answers
/// it.
struct Client {
    stream: TcpStream,
    decoder: Decoder,
    /// The application data received, decoded.
    data: Vec<u8>,
    /// The negotiation received.
    negotiation: Vec<(Verb, TelnetOption)>,
}

impl Client {
    fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            decoder: Decoder::new(),
            data: Vec::new(),
            negotiation: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads once; returns false at the end of the stream.
    fn read(&mut self) -> bool {
        let mut buffer = [0u8; 64 * 1024];
        let n = self.stream.read(&mut buffer).expect("read");
        let (data, negotiation) = (&mut self.data, &mut self.negotiation);
        self.decoder.decode(&buffer[..n], |token| match token {
            Token::Data(bytes) => data.extend_from_slice(bytes),
            Token::Negotiation(verb, option) => negotiation.push((verb, option)),
            _ => {}
        });
        n > 0
    }

    /// Reads until the data received ends with `tail`.
    fn read_until(&mut self, tail: &[u8]) {
        while !self.data.ends_with(tail) {
            assert!(
                self.read(),
                "the server closed before sending {:?}; got {:?}",
                String::from_utf8_lossy(tail),
                String::from_utf8_lossy(&self.data)
            );
        }
    }

    /// Reads until the server closes.
    fn read_to_end(&mut self) {
        while self.read() {}
    }
}

/// Another connection to `server` is served: a line sent comes back.
fn another_connection_is_served(server: &Server) {
    let mut client = Client::connect(server.address);
    client.send(b"still there?\r\n");
    client.read_until(b"still there?\r\n");
    client.stream.shutdown(Shutdown::Write).unwrap();
    client.read_to_end();
}

/// A small deterministic generator of pseudo-random bytes (xorshift).
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

/// An option the character-mode policy refuses to enable on the server's
/// side, so that each `DO` gets a `WONT`.
fn refused_option(random: &mut Bytes) -> u8 {
    loop {
        let option = random.next();
        if option != TelnetOption::ECHO.0 && option != TelnetOption::SGA.0 {
            return option;
        }
    }
}

#[test]
fn a_flood_of_commands_and_requests_is_answered_in_order_and_the_session_goes_on() {
    let (server, rx) = echo_server();
    let mut client = Client::connect(server.address);
    let mut writer = client.stream.try_clone().unwrap();
    // 1 MiB of IAC NOP and IAC DO <option> in random order, then a line;
    // written while the replies are read.
    let flood = std::thread::spawn(move || {
        let mut random = Bytes(0x9e37_79b9_7f4a_7c15);
        let (mut nops, mut requests) = (0, Vec::new());
        let mut chunk = Vec::with_capacity(64 * 1024);
        let mut written = 0;
        while written < 1024 * 1024 {
            chunk.clear();
            while chunk.len() < 64 * 1024 - 3 {
                if random.next() < 128 {
                    chunk.extend_from_slice(&[IAC, NOP]);
                    nops += 1;
                } else {
                    let option = refused_option(&mut random);
                    chunk.extend_from_slice(&[IAC, DO, option]);
                    requests.push(TelnetOption(option));
                }
            }
            writer.write_all(&chunk).unwrap();
            written += chunk.len();
        }
        writer.write_all(b"after the flood\r\n").unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
        (nops, requests)
    });
    client.read_to_end();
    let (nops, requests) = flood.join().unwrap();
    // The opening negotiation, then one refusal per request, in order.
    let opening = [
        (Verb::Will, TelnetOption::ECHO),
        (Verb::Will, TelnetOption::SGA),
        (Verb::Do, TelnetOption::NAWS),
        (Verb::Wont, TelnetOption::LINEMODE),
    ];
    assert_eq!(client.negotiation[..4], opening);
    let refusals: Vec<_> = requests.iter().map(|&o| (Verb::Wont, o)).collect();
    assert!(
        client.negotiation[4..] == refusals[..],
        "expected {} refusals in order, got {} replies",
        refusals.len(),
        client.negotiation.len() - 4
    );
    assert_eq!(client.data, b"after the flood\r\n");
    // The application saw every NOP, the line, and an orderly end.
    let seen = until_lost(&rx, 1);
    let (data, events) = data_and_events(&seen);
    assert_eq!(data, b"after the flood\r\n");
    assert!(events.is_empty(), "unexpected events: {events:?}");
    let (clean, reason, seen_nops) = end(&seen);
    assert!(clean, "{reason}");
    assert_eq!(seen_nops, nops);
    another_connection_is_served(&server);
}

#[test]
fn a_peer_that_floods_requests_without_reading_is_held_back() {
    let (server, rx) = echo_server();
    let mut client = Client::connect(server.address);
    let mut writer = client.stream.try_clone().unwrap();
    // 16 MiB of refused requests call for 16 MiB of refusals, far more
    // than the kernel's socket buffers hold, and the client reads nothing
    // until the server is seen to hold back.
    let flood = std::thread::spawn(move || {
        let mut random = Bytes(0x2545_f491_4f6c_dd1d);
        let mut chunk = Vec::with_capacity(64 * 1024);
        for _ in 0..256 {
            chunk.clear();
            while chunk.len() < 64 * 1024 - 3 {
                chunk.extend_from_slice(&[IAC, DO, refused_option(&mut random)]);
            }
            writer.write_all(&chunk).unwrap();
        }
        writer.write_all(b"done\r\n").unwrap();
    });
    // The refusals pile up in the server's transport past its high-water
    // mark: the application is told and stops reading, so the server's
    // memory stays bounded.
    loop {
        match recv(&rx) {
            (1, Seen::PauseWriting) => break,
            (1, Seen::Lost { reason, .. }) => panic!("connection lost: {reason}"),
            _ => {}
        }
    }
    another_connection_is_served(&server);
    // Once the client reads, the server catches up.
    client.read_until(b"done\r\n");
    flood.join().unwrap();
    assert_eq!(client.data, b"done\r\n");
    client.stream.shutdown(Shutdown::Write).unwrap();
    client.read_to_end();
    let seen = until_lost(&rx, 1);
    let (clean, reason, _) = end(&seen);
    assert!(clean, "{reason}");
}

#[test]
fn sequences_cut_after_iac_at_the_end_of_every_write_are_completed_by_the_next() {
    let (server, rx) = echo_server();
    let mut client = Client::connect(server.address);
    // Each write but the last ends with IAC; the next begins with what
    // follows it. Waiting for each write's data to come back makes sure
    // the server read it on its own.
    let writes: [(&[u8], &[u8]); 7] = [
        (b"one\xff", b"one"),
        // IAC NOP
        (b"\xf1two\xff", b"two"),
        // IAC IAC: a data byte 255.
        (b"\xffthree\xff", b"\xffthree"),
        // IAC DO 99: refused.
        (b"\xfd\x63four\xff", b"four"),
        // IAC NOP, then IAC SB NAWS 120 50 IAC, and SE in the next write.
        (b"\xf1five\xff\xfa\x1f\x00\x78\x00\x32\xff", b"five"),
        (b"\xf0six\xff", b"six"),
        // IAC WILL TTYPE: refused.
        (b"\xfb\x18seven", b"seven"),
    ];
    let mut expected = Vec::new();
    for (write, data) in writes {
        client.send(write);
        expected.extend_from_slice(data);
        // The server's echo doubles the 255 again; the client decodes it.
        client.read_until(&expected);
    }
    // A last IAC, then the end of the stream: nothing follows it.
    client.send(b"eight\xff");
    expected.extend_from_slice(b"eight");
    client.read_until(&expected);
    client.stream.shutdown(Shutdown::Write).unwrap();
    client.read_to_end();
    assert_eq!(client.data, expected);
    assert_eq!(
        client.negotiation[4..],
        [
            (Verb::Wont, TelnetOption(99)),
            (Verb::Dont, TelnetOption::TTYPE)
        ]
    );
    let seen = until_lost(&rx, 1);
    let (data, events) = data_and_events(&seen);
    assert_eq!(data, expected);
    assert_eq!(
        events,
        [event(Event::WindowSize {
            width: 120,
            height: 50
        })]
    );
    let (clean, reason, nops) = end(&seen);
    assert!(clean, "{reason}");
    assert_eq!(nops, 2);
    another_connection_is_served(&server);
}

/// This process's resident memory, in bytes (Linux).
fn resident_memory() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("resident pages");
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * usize::try_from(page).expect("page size")
}

#[test]
fn an_endless_subnegotiation_is_skipped_without_being_kept() {
    const CONTENT: usize = 64 * 1024 * 1024;
    let (server, rx) = echo_server();
    let mut client = Client::connect(server.address);
    let mut writer = client.stream.try_clone().unwrap();
    let before = resident_memory();
    // IAC SB 200, then 64 MiB of content without an IAC; half of it is
    // sent, then the test looks around, then the rest and the IAC SE.
    let (halfway_tx, halfway_rx) = mpsc::channel();
    let (go_on_tx, go_on_rx) = mpsc::channel::<()>();
    let flood = std::thread::spawn(move || {
        writer.write_all(&[IAC, SB, 200]).unwrap();
        let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        for i in 0..CONTENT / chunk.len() {
            if i == CONTENT / chunk.len() / 2 {
                halfway_tx.send(()).unwrap();
                go_on_rx.recv_timeout(PATIENCE).unwrap();
            }
            writer.write_all(&chunk).unwrap();
        }
        writer.write_all(&[IAC, SE]).unwrap();
        writer.write_all(b"after\r\n").unwrap();
    });
    recv(&halfway_rx);
    // In the middle of the subnegotiation, other connections are served.
    another_connection_is_served(&server);
    go_on_tx.send(()).unwrap();
    // After its end, so is this one.
    client.read_until(b"after\r\n");
    flood.join().unwrap();
    // The server's decoder discarded the content past its bound instead of
    // keeping it: the whole process grew by far less than 64 MiB.
    let grown = resident_memory().saturating_sub(before);
    assert!(
        grown < CONTENT / 2,
        "resident memory grew by {grown} bytes during a {CONTENT}-byte subnegotiation"
    );
    client.stream.shutdown(Shutdown::Write).unwrap();
    client.read_to_end();
    assert_eq!(client.data, b"after\r\n");
    let seen = until_lost(&rx, 1);
    let (data, events) = data_and_events(&seen);
    assert_eq!(data, b"after\r\n");
    assert_eq!(
        events,
        [event(Event::Discarded(Discarded::SubnegotiationTooLong {
            option: TelnetOption(200),
            limit: 512
        }))]
    );
    let (clean, reason, _) = end(&seen);
    assert!(clean, "{reason}");
}

#[test]
fn malformed_subnegotiations_are_reported_and_dropped() {
    let (server, rx) = echo_server();
    let mut client = Client::connect(server.address);
    let mut input = Vec::new();
    // Interrupted by a request: dropped, and the request is decoded.
    input.extend_from_slice(&[IAC, SB, 31, 0, 80, IAC, WILL, 24]);
    // A window size of the wrong length.
    input.extend_from_slice(&[IAC, SB, 31, 0, 80, 0, IAC, SE]);
    // No option at all.
    input.extend_from_slice(&[IAC, SB, IAC, NOP]);
    input.extend_from_slice(b"ok\r\n");
    // And one cut off by the end of the stream.
    input.extend_from_slice(&[IAC, SB, 31, 0]);
    client.send(&input);
    client.stream.shutdown(Shutdown::Write).unwrap();
    client.read_to_end();
    assert_eq!(client.data, b"ok\r\n");
    assert_eq!(client.negotiation[4..], [(Verb::Dont, TelnetOption::TTYPE)]);
    let seen = until_lost(&rx, 1);
    let (data, events) = data_and_events(&seen);
    assert_eq!(data, b"ok\r\n");
    assert_eq!(
        events,
        [
            event(Event::Discarded(Discarded::UnterminatedSubnegotiation {
                option: TelnetOption::NAWS
            })),
            event(Event::Discarded(Discarded::MalformedSubnegotiation {
                option: TelnetOption::NAWS,
                length: 3
            })),
            event(Event::Discarded(Discarded::SubnegotiationWithoutOption)),
        ]
    );
    let (clean, reason, nops) = end(&seen);
    assert!(clean, "{reason}");
    assert_eq!(nops, 1);
    another_connection_is_served(&server);
}
