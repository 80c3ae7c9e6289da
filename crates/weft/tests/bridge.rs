//! weft::bridge: protocols served over tokio byte streams — an in-memory
//! `DuplexStream` and real TCP — with the tokio side on a runtime thread
//! of its own and the protocol on a reactor on the test's thread.
#![cfg(feature = "tokio-bridge")]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{Notify, oneshot};
use weft::bridge::{CHUNKS_IN_FLIGHT, Gateway, Link, TokioThread};
use weft::protocols::LineReceiver;
use weft::protocols::telnet::{Policy, TelnetProtocol};
use weft::{Address, CloseReason, LayerEvent, Protocol, Reactor, RunUntil, Transport, WriteLimits};

/// Bounds every wait: only turns a hang into a failure.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the protocols of a test saw, on the reactor's thread.
#[derive(Default)]
struct Seen {
    received: Vec<u8>,
    lost: Option<String>,
    paused_writing: usize,
    resumed_writing: usize,
    /// Set when a protocol paused since it was made resumes reading.
    resumed: Arc<AtomicBool>,
    /// Told when a protocol is told to pause writing.
    pausing: Arc<Notify>,
    /// Told when a protocol lost its connection.
    ended: Arc<Notify>,
}

type Shared = Rc<RefCell<Seen>>;

/// What a test protocol does when the connection is made.
#[derive(Clone, Copy)]
enum Script {
    /// Echoes what it receives.
    Echo,
    /// Writes this many bytes, then closes after they are written.
    SendAndClose(usize),
    /// Writes this many bytes, then aborts.
    SendAndAbort(usize),
    /// Pauses reading until it is sent a `Resume` message; closes once it
    /// received this many bytes.
    PausedUntilResume(usize),
    /// Writes this many bytes with low write limits, counting pauses.
    Flood(usize),
}

struct Resume;

struct Scripted {
    script: Script,
    seen: Shared,
    transport: Option<Transport>,
}

impl Protocol for Scripted {
    fn connection_made(&mut self, transport: Transport) {
        match self.script {
            Script::Echo => {}
            Script::SendAndClose(n) => {
                transport.write(&pattern(n));
                transport.lose_connection();
            }
            Script::SendAndAbort(n) => {
                transport.write(&pattern(n));
                transport.abort_connection();
            }
            Script::PausedUntilResume(_) => transport.pause_reading(),
            Script::Flood(n) => {
                transport.set_write_limits(WriteLimits {
                    high: 4 * 1024,
                    low: 1024,
                    max: None,
                });
                for chunk in pattern(n).chunks(1024) {
                    transport.write(chunk);
                }
                transport.lose_connection();
            }
        }
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let transport = self.transport.as_ref().expect("connected");
        let mut seen = self.seen.borrow_mut();
        seen.received.extend_from_slice(data);
        match self.script {
            Script::Echo => transport.write(data),
            Script::PausedUntilResume(enough) if seen.received.len() >= enough => {
                transport.lose_connection();
            }
            _ => {}
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Message(message) = event
            && message.is::<Resume>()
        {
            self.seen.borrow().resumed.store(true, Ordering::SeqCst);
            self.transport.as_ref().expect("connected").resume_reading();
        }
    }

    fn pause_writing(&mut self) {
        self.seen.borrow_mut().paused_writing += 1;
        self.seen.borrow().pausing.notify_one();
    }

    fn resume_writing(&mut self) {
        self.seen.borrow_mut().resumed_writing += 1;
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.borrow_mut().lost = Some(format!("{reason:?}"));
        self.seen.borrow().ended.notify_one();
    }
}

/// `n` bytes of a recognisable sequence.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// A reactor on this thread, a tokio runtime on another, and a gateway
/// to protocols following `script`.
struct Bridge {
    reactor: Reactor,
    tokio: TokioThread,
    gateway: Gateway<()>,
    seen: Shared,
}

impl Bridge {
    fn new(script: Script) -> Bridge {
        let reactor = Reactor::new().expect("reactor");
        let seen = Shared::default();
        let shared = seen.clone();
        let gateway = Gateway::new(&reactor, move |_peer: &Address, ()| {
            Some(Scripted {
                script,
                seen: shared.clone(),
                transport: None,
            })
        });
        Bridge {
            reactor,
            tokio: TokioThread::start("bridge-test").expect("tokio thread"),
            gateway,
            seen,
        }
    }

    /// Opens a bridged connection over `stream` on the tokio thread.
    fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(&self, stream: S) -> Link {
        let link = self
            .gateway
            .open(Address::Memory("peer"), Address::Memory("local"), ())
            .expect("open");
        let running = link.clone();
        self.tokio
            .handle()
            .spawn(async move { running.run(stream).await });
        link
    }

    /// Runs `client` on the tokio thread and the reactor until the
    /// protocol lost its connection and the client finished; returns what
    /// the client returned.
    fn run<T: Send + 'static>(&self, client: impl Future<Output = T> + Send + 'static) -> T {
        let (done, mut result) = oneshot::channel();
        let remote = self.reactor.remote();
        self.tokio.handle().spawn(async move {
            let _ = done.send(client.await);
            // Wakes the reactor so that it sees the result.
            let _ = remote.call_from_thread(|_| {});
        });
        let seen = self.seen.clone();
        let mut value = None;
        let outcome = self
            .reactor
            .run_until(PATIENCE, || {
                if value.is_none() {
                    value = result.try_recv().ok();
                }
                value.is_some() && seen.borrow().lost.is_some()
            })
            .expect("run");
        assert_eq!(outcome, RunUntil::Met, "timed out");
        value.expect("the client's result")
    }

    fn lost(&self) -> String {
        self.seen.borrow().lost.clone().expect("connection lost")
    }
}

#[test]
fn echo_over_a_duplex_stream_then_the_peer_half_closes() {
    let bridge = Bridge::new(Script::Echo);
    let (client, server) = tokio::io::duplex(1024);
    bridge.serve(server);
    let echoed = bridge.run(async move {
        let mut client = client;
        client.write_all(b"hello, bridge").await.unwrap();
        let mut echoed = vec![0; 13];
        client.read_exact(&mut echoed).await.unwrap();
        client.shutdown().await.unwrap();
        // The protocol closes in turn: end of stream.
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        (echoed, rest)
    });
    assert_eq!(echoed.0, b"hello, bridge");
    assert!(echoed.1.is_empty());
    assert_eq!(bridge.lost(), "PeerClosed");
    assert_eq!(bridge.seen.borrow().received, b"hello, bridge");
}

#[test]
fn a_close_from_the_protocol_delivers_everything_first() {
    let bridge = Bridge::new(Script::SendAndClose(300_000));
    let (client, server) = tokio::io::duplex(4096);
    bridge.serve(server);
    let received = bridge.run(async move {
        let mut client = client;
        let mut all = Vec::new();
        client.read_to_end(&mut all).await.unwrap();
        all
    });
    assert_eq!(received, pattern(300_000));
    assert_eq!(bridge.lost(), "Done");
}

#[test]
fn an_abort_from_the_protocol_ends_the_stream_at_once() {
    let bridge = Bridge::new(Script::SendAndAbort(300_000));
    // A stream with room for less than was written, and a peer that reads
    // only once the connection is lost: aborting must not wait for it.
    let (client, server) = tokio::io::duplex(1024);
    bridge.serve(server);
    let ended = bridge.seen.borrow().ended.clone();
    let received = bridge.run(async move {
        ended.notified().await;
        let mut client = client;
        let mut all = Vec::new();
        let _ = client.read_to_end(&mut all).await;
        all.len()
    });
    assert!(
        received <= 1024,
        "the queue was dropped: {received} bytes came"
    );
    assert_eq!(bridge.lost(), "Aborted");
}

#[test]
fn a_peer_that_vanishes_ends_the_connection() {
    let bridge = Bridge::new(Script::Echo);
    let (client, server) = tokio::io::duplex(1024);
    bridge.serve(server);
    bridge.run(async move { drop(client) });
    assert_eq!(bridge.lost(), "PeerClosed");
}

#[test]
fn writes_past_the_high_water_mark_pause_the_protocol_until_the_peer_reads() {
    let bridge = Bridge::new(Script::Flood(64 * 1024));
    // The peer reads only once the protocol paused: everything written is
    // still queued or in the small stream.
    let (client, server) = tokio::io::duplex(512);
    bridge.serve(server);
    let pausing = bridge.seen.borrow().pausing.clone();
    let received = bridge.run(async move {
        pausing.notified().await;
        let mut client = client;
        let mut all = Vec::new();
        client.read_to_end(&mut all).await.unwrap();
        all
    });
    assert_eq!(received, pattern(64 * 1024));
    let seen = bridge.seen.borrow();
    assert_eq!(seen.paused_writing, 1, "paused once: it wrote all at once");
    assert_eq!(seen.resumed_writing, 1, "resumed when the peer caught up");
    assert_eq!(seen.lost.as_deref(), Some("Done"));
}

/// An endless source that counts its reads, and checks that none is made
/// past [`CHUNKS_IN_FLIGHT`] while its reader is paused.
struct Source {
    reads: Arc<AtomicUsize>,
    resumed: Arc<AtomicBool>,
    overrun: Arc<AtomicBool>,
    link: Option<Link>,
}

impl AsyncRead for Source {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let reads = self.reads.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.resumed.load(Ordering::SeqCst) && reads > CHUNKS_IN_FLIGHT {
            self.overrun.store(true, Ordering::SeqCst);
        }
        if reads == CHUNKS_IN_FLIGHT
            && let Some(link) = &self.link
        {
            // The protocol resumes after this read's chunk arrives.
            link.send(Resume).unwrap();
        }
        let n = buf.remaining().min(1024);
        buf.put_slice(&vec![7; n]);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Source {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        b: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn a_protocol_that_pauses_reading_stops_the_link_reading_its_stream() {
    let bridge = Bridge::new(Script::PausedUntilResume(64 * 1024));
    let reads = Arc::new(AtomicUsize::new(0));
    let resumed = Arc::new(AtomicBool::new(false));
    let overrun = Arc::new(AtomicBool::new(false));
    let link = bridge
        .gateway
        .open(Address::Memory("peer"), Address::Memory("local"), ())
        .unwrap();
    let source = Source {
        reads: reads.clone(),
        resumed: resumed.clone(),
        overrun: overrun.clone(),
        link: Some(link.clone()),
    };
    // The protocol resumes (and says so) when the message sent at the
    // last read allowed while paused arrives; from then on reads are free.
    bridge.seen.borrow_mut().resumed = resumed;
    let running = link.clone();
    bridge
        .tokio
        .handle()
        .spawn(async move { running.run(source).await });
    let seen = bridge.seen.clone();
    let outcome = bridge
        .reactor
        .run_until(PATIENCE, || seen.borrow().lost.is_some())
        .unwrap();
    assert_eq!(outcome, RunUntil::Met);
    assert!(
        !overrun.load(Ordering::SeqCst),
        "the link read past its credits while the protocol was paused"
    );
    assert!(bridge.seen.borrow().received.len() >= 64 * 1024);
    assert!(reads.load(Ordering::SeqCst) > CHUNKS_IN_FLIGHT);
}

/// A stream that never reads nor writes a byte: a peer gone in a way
/// its stream cannot tell (an SSH channel waiting for window space whose
/// session ended).
struct Stuck;

impl AsyncRead for Stuck {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
}

impl AsyncWrite for Stuck {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Pending
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
}

#[test]
fn a_link_dropped_without_running_ends_its_connection() {
    let bridge = Bridge::new(Script::Echo);
    let link = bridge
        .gateway
        .open(Address::Memory("peer"), Address::Memory("local"), ())
        .unwrap();
    drop(link);
    ends_aborted(&bridge);
}

#[test]
fn a_link_whose_task_is_dropped_mid_way_ends_its_connection() {
    let bridge = Bridge::new(Script::SendAndClose(100));
    let link = bridge
        .gateway
        .open(Address::Memory("peer"), Address::Memory("local"), ())
        .unwrap();
    let task = bridge
        .tokio
        .handle()
        .spawn(async move { link.run(Stuck).await });
    // The closing protocol's bytes never go out: the link waits for them.
    let seen = bridge.seen.clone();
    let outcome = bridge
        .reactor
        .run_until(Duration::from_millis(200), || seen.borrow().lost.is_some())
        .unwrap();
    assert_eq!(outcome, RunUntil::TimedOut, "{:?}", seen.borrow().lost);
    // Whoever owns the stream knows it dead, and drops the link's task.
    task.abort();
    ends_aborted(&bridge);
}

/// Waits until the protocol of `bridge` is told its connection ended,
/// and checks that it ended as aborted with no link left.
fn ends_aborted(bridge: &Bridge) {
    let seen = bridge.seen.clone();
    let outcome = bridge
        .reactor
        .run_until(PATIENCE, || seen.borrow().lost.is_some())
        .unwrap();
    assert_eq!(outcome, RunUntil::Met, "the protocol was told");
    let lost = bridge.lost();
    assert!(lost.contains("ConnectionAborted"), "{lost}");
    assert_eq!(bridge.gateway.connections(), 0, "no link left");
}

/// A TCP listener on the tokio thread whose one connection is bridged.
fn tcp_pair(bridge: &Bridge) -> SocketAddr {
    let (ready, address) = std::sync::mpsc::channel();
    let gateway = bridge.gateway.clone();
    bridge.tokio.handle().spawn(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        ready.send(listener.local_addr().unwrap()).unwrap();
        let (stream, peer) = listener.accept().await.unwrap();
        let link = gateway
            .open(
                Address::Tcp(peer),
                Address::Tcp(stream.local_addr().unwrap()),
                (),
            )
            .unwrap();
        link.run(stream).await;
    });
    address.recv_timeout(PATIENCE).expect("listening")
}

#[test]
fn echo_over_tcp() {
    let bridge = Bridge::new(Script::Echo);
    let address = tcp_pair(&bridge);
    let echoed = bridge.run(async move {
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        let message = pattern(100_000);
        let (mut read, mut write) = client.split();
        let sending = async {
            write.write_all(&message).await.unwrap();
            write.shutdown().await.unwrap();
        };
        let mut echoed = Vec::new();
        let receiving = read.read_to_end(&mut echoed);
        let ((), received) = tokio::join!(sending, receiving);
        received.unwrap();
        echoed
    });
    assert_eq!(echoed, pattern(100_000));
    assert_eq!(bridge.lost(), "PeerClosed");
}

#[test]
fn a_tcp_peer_that_resets_is_an_io_error() {
    let bridge = Bridge::new(Script::Echo);
    let address = tcp_pair(&bridge);
    bridge.run(async move {
        let client = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut client = client;
        client.write_all(b"ping").await.unwrap();
        let mut echoed = [0; 4];
        client.read_exact(&mut echoed).await.unwrap();
        // Closing with a zero linger time sends a reset.
        let client = client.into_std().unwrap();
        socket2::SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(client);
    });
    let lost = bridge.lost();
    assert!(lost.contains("ConnectionReset"), "{lost}");
}

#[test]
fn a_refused_connection_ends_its_link() {
    let reactor = Reactor::new().unwrap();
    let tokio = TokioThread::start("bridge-test").unwrap();
    let gateway: Gateway<bool> =
        Gateway::new(&reactor, |_: &Address, admit: bool| admit.then_some(NoOp));
    let link = gateway
        .open(Address::Memory("peer"), Address::Memory("local"), false)
        .unwrap();
    let (client, server) = tokio::io::duplex(64);
    let (done, mut ended) = oneshot::channel();
    let remote = reactor.remote();
    tokio.handle().spawn(async move {
        link.run(server).await;
        drop(link);
        let mut client = client;
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest).await;
        let _ = done.send(rest.len());
        let _ = remote.call_from_thread(|_| {});
    });
    let mut read = None;
    let outcome = reactor
        .run_until(PATIENCE, || {
            read = read.or(ended.try_recv().ok());
            read.is_some()
        })
        .unwrap();
    assert_eq!(outcome, RunUntil::Met);
    assert_eq!(read, Some(0), "the stream ends without a byte");
    assert_eq!(gateway.connections(), 0, "no link left");
}

struct NoOp;

impl Protocol for NoOp {
    fn data_received(&mut self, _data: &[u8]) {}
}

/// Writes a greeting, half-closes, and echoes in upper case what it reads
/// after (which goes nowhere: its sending side is shut).
struct HalfCloser {
    seen: Shared,
    transport: Option<Transport>,
}

impl Protocol for HalfCloser {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(b"hello");
        transport.shutdown_write();
        assert!(transport.is_closing(), "writes are ignored from now on");
        assert!(!transport.is_disconnecting(), "reading goes on");
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen.borrow_mut().received.extend_from_slice(data);
        // Ignored: the sending side is shut.
        self.transport.as_ref().unwrap().write(b"ignored");
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.borrow_mut().lost = Some(format!("{reason:?}"));
    }
}

#[test]
fn a_half_close_from_the_protocol_ends_its_output_and_reading_goes_on() {
    let reactor = Reactor::new().unwrap();
    let tokio = TokioThread::start("bridge-test").unwrap();
    let seen = Shared::default();
    let shared = seen.clone();
    let gateway = Gateway::new(&reactor, move |_: &Address, ()| {
        Some(HalfCloser {
            seen: shared.clone(),
            transport: None,
        })
    });
    let link = gateway
        .open(Address::Memory("peer"), Address::Memory("local"), ())
        .unwrap();
    let (client, server) = tokio::io::duplex(1024);
    let (done, mut result) = oneshot::channel();
    let remote = reactor.remote();
    tokio.handle().spawn(async move { link.run(server).await });
    tokio.handle().spawn(async move {
        let mut client = client;
        let mut greeting = Vec::new();
        // The end of the protocol's output comes after the greeting.
        client.read_to_end(&mut greeting).await.unwrap();
        client.write_all(b"still reading?").await.unwrap();
        client.shutdown().await.unwrap();
        let _ = done.send(greeting);
        let _ = remote.call_from_thread(|_| {});
    });
    let mut greeting = None;
    let outcome = reactor
        .run_until(PATIENCE, || {
            greeting = greeting.take().or(result.try_recv().ok());
            greeting.is_some() && seen.borrow().lost.is_some()
        })
        .unwrap();
    assert_eq!(outcome, RunUntil::Met);
    assert_eq!(greeting.as_deref(), Some(&b"hello"[..]));
    assert_eq!(seen.borrow().received, b"still reading?");
    assert_eq!(seen.borrow().lost.as_deref(), Some("PeerClosed"));
}

/// Keeps each line it is given; closes after the second.
struct TwoLines {
    seen: Shared,
    transport: Option<Transport>,
}

impl Protocol for TwoLines {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        let mut seen = self.seen.borrow_mut();
        seen.received.extend_from_slice(line);
        seen.received.push(b'|');
        if seen.received.iter().filter(|&&b| b == b'|').count() == 2 {
            self.transport.as_ref().unwrap().lose_connection();
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.borrow_mut().lost = Some(format!("{reason:?}"));
    }
}

#[test]
fn lines_over_telnet_run_over_the_bridge_unchanged() {
    let reactor = Reactor::new().unwrap();
    let tokio = TokioThread::start("bridge-test").unwrap();
    let seen = Shared::default();
    let shared = seen.clone();
    let gateway = Gateway::new(&reactor, move |_: &Address, ()| {
        let lines = LineReceiver::new(TwoLines {
            seen: shared.clone(),
            transport: None,
        });
        Some(TelnetProtocol::new(lines, Policy::new()))
    });
    let link = gateway
        .open(Address::Memory("peer"), Address::Memory("local"), ())
        .unwrap();
    let (client, server) = tokio::io::duplex(1024);
    tokio.handle().spawn(async move { link.run(server).await });
    let remote = reactor.remote();
    tokio.handle().spawn(async move {
        let mut client = client;
        // A telnet command (NOP) inside the first line, the second line
        // split across writes.
        client.write_all(b"on\xff\xf1e\r\ntw").await.unwrap();
        client.write_all(b"o\r\n").await.unwrap();
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest).await;
        let _ = remote.call_from_thread(|_| {});
    });
    let outcome = reactor
        .run_until(PATIENCE, || seen.borrow().lost.is_some())
        .unwrap();
    assert_eq!(outcome, RunUntil::Met);
    assert_eq!(seen.borrow().received, b"one|two|");
    assert_eq!(seen.borrow().lost.as_deref(), Some("Done"));
}
