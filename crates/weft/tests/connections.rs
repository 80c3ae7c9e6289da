//! Connections over real sockets on 127.0.0.1: the life of a connection,
//! its ends, flow control, failures and their containment.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use common::{PATIENCE, Server, recv};
use weft::{Address, CloseReason, HalfClose, Protocol, Reactor, Transport};

/// What a probe protocol saw, sent to the test thread.
#[derive(Debug)]
enum Seen {
    Made(Address),
    Data(Vec<u8>),
    Eof,
    Lost(String, Option<std::io::ErrorKind>, bool),
    PauseWriting,
    ResumeWriting,
}

/// Reports every callback, and does what `on_data` says with each read.
struct Probe {
    events: mpsc::Sender<Seen>,
    transport: Option<Transport>,
    on_connect: fn(&Transport),
    on_data: fn(&Transport, &[u8]),
    half_close: HalfClose,
}

impl Probe {
    fn new(events: mpsc::Sender<Seen>) -> Self {
        Probe {
            events,
            transport: None,
            on_connect: |_| {},
            on_data: |_, _| {},
            half_close: HalfClose::Close,
        }
    }
}

impl Protocol for Probe {
    fn connection_made(&mut self, transport: Transport) {
        let _ = self.events.send(Seen::Made(transport.peer_address()));
        (self.on_connect)(&transport);
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let _ = self.events.send(Seen::Data(data.to_vec()));
        (self.on_data)(self.transport.as_ref().unwrap(), data);
    }

    fn eof_received(&mut self) -> HalfClose {
        let _ = self.events.send(Seen::Eof);
        self.half_close
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        let _ = self.events.send(Seen::Lost(
            reason.to_string(),
            reason.io_error_kind(),
            reason.is_clean(),
        ));
    }

    fn pause_writing(&mut self) {
        let _ = self.events.send(Seen::PauseWriting);
    }

    fn resume_writing(&mut self) {
        let _ = self.events.send(Seen::ResumeWriting);
    }
}

/// A server whose connections are probes configured by `configure`.
fn probe_server(configure: fn(&mut Probe)) -> (Server, mpsc::Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            let mut probe = Probe::new(tx.clone());
            configure(&mut probe);
            Some(probe)
        }
    });
    (server, rx)
}

/// Waits for the connection's end, skipping other events.
fn lost(rx: &mpsc::Receiver<Seen>) -> (String, Option<std::io::ErrorKind>, bool) {
    loop {
        if let Seen::Lost(text, kind, clean) = recv(rx) {
            return (text, kind, clean);
        }
    }
}

fn read_all(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all)?;
    Ok(all)
}

#[test]
fn data_flows_both_ways_and_peer_close_is_reported_once() {
    let (server, rx) = probe_server(|p| p.on_data = |t, d| t.write(&d.to_ascii_uppercase()));
    let mut client = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Made(Address::Tcp(_))));
    client.write_all(b"hello").unwrap();
    let mut reply = [0u8; 5];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HELLO");
    drop(client);
    let mut data = Vec::new();
    let (text, _, clean) = loop {
        match recv(&rx) {
            Seen::Data(d) => data.extend(d),
            Seen::Eof => {}
            Seen::Lost(text, kind, clean) => break (text, kind, clean),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(data, b"hello");
    assert!(clean, "{text}");
    assert!(text.contains("peer closed"), "{text}");
    server.stop();
    assert!(rx.try_recv().is_err(), "nothing after connection_lost");
}

#[test]
fn a_refused_connection_is_closed_at_once_and_never_made() {
    let (tx, rx) = mpsc::channel::<Seen>();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| -> Option<Probe> {
            let _ = tx.send(Seen::Eof);
            None
        }
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Eof), "the factory was asked");
    assert_eq!(read_all(&mut client).unwrap_or_default(), b"");
}

#[test]
fn lose_connection_after_a_large_write_delivers_every_byte() {
    const SIZE: usize = 4 * 1024 * 1024;
    let (server, rx) = probe_server(|p| {
        p.on_connect = |t| {
            t.write(&vec![7u8; SIZE]);
            t.lose_connection();
            t.write(b"after close: ignored");
        }
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    let all = read_all(&mut client).unwrap();
    assert_eq!(all.len(), SIZE);
    assert!(all.iter().all(|b| *b == 7));
    let (text, _, clean) = lost(&rx);
    assert!(clean && text.contains("closed cleanly"), "{text}");
}

#[test]
fn abort_connection_drops_pending_bytes() {
    const SIZE: usize = 64 * 1024 * 1024;
    let (server, rx) = probe_server(|p| {
        p.on_connect = |t| {
            t.write(&vec![7u8; SIZE]);
            t.abort_connection();
        }
    });
    let mut client = common::connect_with_small_window(server.address);
    let (text, _, clean) = lost(&rx);
    assert!(!clean && text.contains("aborted"), "{text}");
    let received = read_all(&mut client).map(|d| d.len()).unwrap_or(0);
    assert!(received < SIZE, "an abort must not deliver everything");
}

#[test]
fn a_reset_from_the_peer_is_an_io_error() {
    let (server, rx) = probe_server(|_| {});
    let client = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Made(_)));
    // Linger 0: close sends a reset.
    socket2::SockRef::from(&client)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(client);
    let (text, kind, clean) = lost(&rx);
    assert!(!clean, "{text}");
    assert_eq!(kind, Some(std::io::ErrorKind::ConnectionReset), "{text}");
}

#[test]
fn a_peer_closing_while_we_write_ends_the_connection_once() {
    let (server, rx) = probe_server(|p| {
        p.on_data = |t, _| {
            for _ in 0..64 {
                t.write(&vec![1u8; 1024 * 1024]);
            }
        }
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    client.write_all(b"go").unwrap();
    let mut first = [0u8; 1];
    client.read_exact(&mut first).unwrap();
    drop(client);
    let (text, kind, clean) = lost(&rx);
    assert!(!clean, "{text}");
    assert!(
        matches!(
            kind,
            Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe)
        ),
        "{text}"
    );
    server.stop();
    while let Ok(event) = rx.try_recv() {
        assert!(!matches!(event, Seen::Lost(..)), "connection_lost twice");
    }
}

#[test]
fn a_half_close_lets_the_protocol_answer_then_close() {
    let (server, rx) = probe_server(|p| {
        p.half_close = HalfClose::KeepOpen;
        p.on_data = |t, d| t.write(d);
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    client.write_all(b"last words").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    loop {
        if let Seen::Eof = recv(&rx) {
            break;
        }
    }
    let mut echoed = [0u8; 10];
    client.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"last words");
    server.stop();
    let (text, _, _) = lost(&rx);
    assert!(text.contains("shut down"), "{text}");
}

#[test]
fn a_half_close_by_default_closes_after_flushing() {
    let (server, rx) = probe_server(|p| p.on_data = |t, d| t.write(d));
    let mut client = TcpStream::connect(server.address).unwrap();
    client.write_all(b"bye").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_all(&mut client).unwrap(), b"bye");
    let (text, _, clean) = lost(&rx);
    assert!(clean && text.contains("peer closed"), "{text}");
}

#[test]
fn flow_control_pauses_and_resumes_writing() {
    let (server, rx) = probe_server(|p| {
        p.on_connect = |t| t.write(&vec![0u8; 8 * 1024 * 1024]);
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Made(_)));
    assert!(matches!(recv(&rx), Seen::PauseWriting));
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0;
    while total < 8 * 1024 * 1024 {
        total += client.read(&mut buffer).unwrap();
    }
    assert!(matches!(recv(&rx), Seen::ResumeWriting));
}

#[test]
fn a_panicking_protocol_loses_only_its_own_connection() {
    let (server, rx) = probe_server(|p| {
        p.on_data = |t, d| {
            if d.starts_with(b"panic") {
                panic!("asked to panic");
            }
            t.write(d);
        }
    });
    let mut healthy = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Made(_)));
    let mut doomed = TcpStream::connect(server.address).unwrap();
    assert!(matches!(recv(&rx), Seen::Made(_)));
    doomed.write_all(b"panic").unwrap();
    let (text, _, clean) = lost(&rx);
    assert!(!clean && text.contains("asked to panic"), "{text}");
    assert!(read_all(&mut doomed).map(|d| d.is_empty()).unwrap_or(true));
    healthy.write_all(b"still here").unwrap();
    let mut reply = [0u8; 10];
    healthy.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"still here");
}

#[test]
fn a_thousand_simultaneous_connections_are_served() {
    let (server, _rx) = probe_server(|p| p.on_data = |t, d| t.write(d));
    let mut clients: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(server.address).unwrap())
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.write_all(format!("{i:04}").as_bytes()).unwrap();
    }
    for (i, client) in clients.iter_mut().enumerate() {
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut reply = [0u8; 4];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, format!("{i:04}").as_bytes());
    }
}

/// What a [`Keeper`] held when its connection ended.
#[derive(Debug)]
struct Kept {
    in_place: Vec<u8>,
    in_place_reads: usize,
    lent: Vec<u8>,
    eof: bool,
}

/// Keeps what it receives: in its own vector, read in place with `room`
/// bytes of spare capacity each time, and what it is lent.
struct Keeper {
    room: usize,
    kept: Kept,
    report: mpsc::Sender<Kept>,
}

impl Protocol for Keeper {
    fn receive_in_place(&mut self, read: &mut dyn FnMut(&mut Vec<u8>) -> usize) {
        let own = &mut self.kept.in_place;
        own.reserve_exact(self.room);
        if read(own) > 0 {
            self.kept.in_place_reads += 1;
        }
        assert_eq!(read(own), 0, "only the first call reads");
    }

    fn data_received(&mut self, data: &[u8]) {
        self.kept.lent.extend_from_slice(data);
    }

    fn eof_received(&mut self) -> HalfClose {
        self.kept.eof = true;
        HalfClose::Close
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        let kept = std::mem::replace(
            &mut self.kept,
            Kept {
                in_place: Vec::new(),
                in_place_reads: 0,
                lent: Vec::new(),
                eof: false,
            },
        );
        let _ = self.report.send(kept);
    }
}

/// Sends `data` to a server of [`Keeper`]s with `room`, closes, and gives
/// what the keeper held.
fn keep(room: usize, data: &[u8]) -> Kept {
    let (tx, rx) = mpsc::channel();
    let server = Server::start(move |_: &Reactor| {
        move |_: &Address| {
            Some(Keeper {
                room,
                kept: Kept {
                    in_place: Vec::new(),
                    in_place_reads: 0,
                    lent: Vec::new(),
                    eof: false,
                },
                report: tx.clone(),
            })
        }
    });
    let mut client = TcpStream::connect(server.address).unwrap();
    client.write_all(data).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let kept = recv(&rx);
    server.stop();
    kept
}

#[test]
fn a_protocol_that_receives_in_place_gets_every_byte_in_its_own_vector_then_the_end() {
    let data: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let kept = keep(1000, &data);
    assert!(kept.in_place == data, "the bytes read in place differ");
    assert!(
        kept.lent.is_empty(),
        "nothing was lent: {}",
        kept.lent.len()
    );
    assert!(
        kept.in_place_reads >= data.len() / 1000,
        "each read took at most the room offered: {} reads",
        kept.in_place_reads
    );
    assert!(kept.eof, "the end of input was reported");
}

#[test]
fn a_protocol_that_offers_no_room_is_lent_the_bytes() {
    let kept = keep(0, b"hello");
    assert_eq!(kept.lent, b"hello");
    assert!(kept.in_place.is_empty());
    assert!(kept.eof);
}
