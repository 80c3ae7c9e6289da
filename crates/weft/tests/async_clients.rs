//! Async clients over real sockets on 127.0.0.1: `connect_protocol` and
//! its failures (refused, timed out), streams on both sides, a reply
//! that does not come in time, and bad input against a stream server.

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{closed_port, full_backlog, run};
use weft::streams::{self, StreamError, StreamLimits};
use weft::time::Scheduler;
use weft::{ConnectError, Protocol, Reactor};

/// Records what arrives.
#[derive(Debug, Default)]
struct Collector {
    received: Rc<RefCell<Vec<u8>>>,
}

impl Protocol for Collector {
    fn data_received(&mut self, data: &[u8]) {
        self.received.borrow_mut().extend_from_slice(data);
    }
}

/// Listens on 127.0.0.1:0 with stream handlers; gives the address.
fn stream_server<S, F>(reactor: &Reactor, limits: StreamLimits, serve: S) -> SocketAddr
where
    S: FnMut(streams::StreamReader, streams::StreamWriter) -> F + 'static,
    F: std::future::Future<Output = ()> + 'static,
{
    let port = streams::start_server(reactor, "tcp:port=0:interface=127.0.0.1", limits, serve)
        .expect("listen");
    let address = port.address().tcp().unwrap();
    std::mem::forget(port);
    address
}

fn endpoint(address: SocketAddr) -> String {
    format!("tcp:host=127.0.0.1:port={}:timeout=10", address.port())
}

#[test]
fn a_refused_connection_is_the_outcome_of_connect_protocol() {
    let reactor = Reactor::new().unwrap();
    let target = format!("tcp:host=127.0.0.1:port={}", closed_port());
    let connecting = reactor
        .connect_protocol(&target, Collector::default())
        .unwrap();
    let outcome = run(&reactor, connecting);
    assert!(
        matches!(outcome, Err(ConnectError::Refused { .. })),
        "{outcome:?}"
    );
}

#[test]
fn a_connect_to_a_listener_with_a_full_backlog_times_out() {
    // A listener that never accepts, with a backlog of one, filled by
    // connections the kernel completes: further handshakes go unanswered.
    let (_listener, _fillers, address) = full_backlog();
    let reactor = Reactor::new().unwrap();
    let target = format!("tcp:host=127.0.0.1:port={}:timeout=0.5", address.port());
    let connecting = reactor
        .connect_protocol(&target, Collector::default())
        .unwrap();
    let outcome = run(&reactor, connecting);
    assert!(
        matches!(outcome, Err(ConnectError::TimedOut { .. })),
        "{outcome:?}"
    );
}

#[test]
fn connect_protocol_gives_a_handle_on_the_connected_protocol() {
    let reactor = Reactor::new().unwrap();
    let server = stream_server(
        &reactor,
        StreamLimits::default(),
        |_reader, writer| async move {
            writer.write(b"welcome\r\n");
            writer.close();
        },
    );
    let connecting = reactor
        .connect_protocol(&endpoint(server), Collector::default())
        .unwrap();
    let (received, reason) = run(&reactor, async move {
        let connected = connecting.await.expect("connected");
        let reason = connected.closed().await;
        (connected.with(|p| p.received.borrow().clone()), reason)
    });
    assert_eq!(received, b"welcome\r\n");
    assert!(reason.is_clean(), "{reason}");
}

#[test]
fn streams_carry_lines_both_ways_and_see_the_end() {
    let reactor = Reactor::new().unwrap();
    let server = stream_server(
        &reactor,
        StreamLimits::default(),
        |mut reader, writer| async move {
            loop {
                let line = reader.read_line().await.expect("read");
                if line.is_empty() {
                    return;
                }
                writer
                    .write_all(&line.to_ascii_uppercase())
                    .await
                    .expect("write");
            }
        },
    );
    let opening = streams::open_connection(&reactor, &endpoint(server)).unwrap();
    let replies = run(&reactor, async move {
        let (mut reader, writer) = opening.await.expect("connected");
        let mut replies = Vec::new();
        for word in ["one\n", "two\n", "three\n"] {
            writer.write_all(word.as_bytes()).await.unwrap();
            replies.push(String::from_utf8(reader.read_line().await.unwrap()).unwrap());
        }
        writer.write(b"four");
        writer.transport().unwrap().shutdown_write();
        let rest = reader.read_exact(5).await;
        (replies, rest.map_err(|e| e.to_string()))
    });
    assert_eq!(replies.0, ["ONE\n", "TWO\n", "THREE\n"]);
    // "four" had no newline: the server read it at the end of the stream
    // and answered it; then it closed.
    assert_eq!(
        replies.1,
        Err("the stream ended after 4 of 5 bytes".to_owned())
    );
}

#[test]
fn a_reply_that_does_not_come_in_time_is_a_timeout() {
    let reactor = Reactor::new().unwrap();
    let server = stream_server(
        &reactor,
        StreamLimits::default(),
        |mut reader, writer| async move {
            // Reads and never answers.
            while !reader.read(1024).await.unwrap_or_default().is_empty() {}
            drop(writer);
        },
    );
    let timers = reactor.timers();
    let opening = streams::open_connection(&reactor, &endpoint(server)).unwrap();
    let outcome = run(&reactor, async move {
        let (mut reader, writer) = opening.await.expect("connected");
        writer.write_all(b"anyone there?\n").await.unwrap();
        timers
            .timeout(Duration::from_millis(200), reader.read_line())
            .await
    });
    assert!(outcome.is_err(), "no reply came: {outcome:?}");
}

#[test]
fn a_line_past_the_limit_closes_that_connection_and_others_are_served() {
    let reactor = Reactor::new().unwrap();
    let errors = Rc::new(RefCell::new(Vec::new()));
    let seen = errors.clone();
    let server = stream_server(
        &reactor,
        StreamLimits { read_buffer: 16 },
        move |mut reader, writer| {
            let seen = seen.clone();
            async move {
                loop {
                    match reader.read_line().await {
                        Ok(line) if line.is_empty() => return,
                        Ok(line) => writer.write_all(&line).await.unwrap(),
                        Err(error) => return seen.borrow_mut().push(error.to_string()),
                    }
                }
            }
        },
    );
    let flooder = streams::open_connection(&reactor, &endpoint(server)).unwrap();
    let polite = streams::open_connection(&reactor, &endpoint(server)).unwrap();
    let (flood_end, polite_reply) = run(&reactor, async move {
        let (mut flood_reader, flood_writer) = flooder.await.expect("connected");
        let (mut reader, writer) = polite.await.expect("connected");
        flood_writer.write(&[b'x'; 4096]);
        let flood_end = flood_reader.read(100).await;
        writer.write_all(b"short\n").await.unwrap();
        (flood_end, reader.read_line().await)
    });
    assert!(
        matches!(&flood_end, Ok(bytes) if bytes.is_empty())
            || matches!(flood_end, Err(StreamError::Closed(_))),
        "the flooder's connection was closed: {flood_end:?}"
    );
    assert_eq!(polite_reply.unwrap(), b"short\n");
    assert_eq!(
        *errors.borrow(),
        ["a line longer than 16 bytes; the connection was closed"]
    );
}

/// Bytes that show where each one was: a shifted or lost chunk changes
/// what follows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_stream_echo_returns_a_bulk_transfer_whole_and_in_order_under_flow_control() {
    const SIZE: usize = 4 * 1024 * 1024;
    let reactor = Reactor::new().unwrap();
    let server = stream_server(
        &reactor,
        StreamLimits {
            read_buffer: 16 * 1024,
        },
        |mut reader, writer| async move {
            let mut chunk = Vec::new();
            while let Ok(1..) = reader.read_into(&mut chunk, 64 * 1024).await {
                writer.write(&chunk);
                if writer.drain().await.is_err() {
                    return;
                }
            }
        },
    );
    let (done, echoed) = std::sync::mpsc::channel();
    let remote = reactor.remote();
    let client = std::thread::spawn(move || {
        let stream = std::net::TcpStream::connect(server).unwrap();
        stream.set_read_timeout(Some(common::PATIENCE)).unwrap();
        let mut sending = stream.try_clone().unwrap();
        let sender = std::thread::spawn(move || {
            std::io::Write::write_all(&mut sending, &pattern(SIZE)).unwrap();
            sending.shutdown(std::net::Shutdown::Write).unwrap();
        });
        let mut received = Vec::new();
        std::io::Read::read_to_end(&mut &stream, &mut received).unwrap();
        sender.join().unwrap();
        done.send(received).unwrap();
        // Wakes the reactor to look at the channel.
        let _ = remote.call_from_thread(|_| {});
    });
    let mut received = None;
    reactor
        .run_until(common::PATIENCE, || {
            received = echoed.try_recv().ok();
            received.is_some()
        })
        .unwrap();
    client.join().unwrap();
    let received = received.expect("the echo came back in time");
    assert_eq!(received.len(), SIZE);
    assert!(
        received == pattern(SIZE),
        "the echo differs from what was sent"
    );
}
