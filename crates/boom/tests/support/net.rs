//! A boom server on a reactor thread bound to 127.0.0.1, and blocking
//! clients that read frames off the socket. Every wait blocks — on a
//! socket read, a channel or the server's counters — bounded by
//! [`PATIENCE`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use boom::server::{Options, Server, Stats};
use weft::{Reactor, Remote};

use super::PATIENCE;
use super::received::{Frame, Frames, Received};

/// A server running on its own reactor thread.
pub struct TestServer {
    pub address: SocketAddr,
    /// Where the web front end listens.
    pub web_address: SocketAddr,
    pub remote: Remote,
    pub stats: Arc<Stats>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with `options`, listening on a free port of
    /// 127.0.0.1 for telnet and another for the web, and on the options'
    /// endpoints.
    pub fn start(options: Options) -> TestServer {
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let reactor = Reactor::new().expect("reactor");
            let server = Server::on_reactor(&reactor, options).expect("server");
            let endpoint = "tcp:port=0:interface=127.0.0.1".parse().unwrap();
            let port = server.listen(&reactor, &endpoint).expect("listen");
            let address = port.address().tcp().expect("tcp address");
            let web = server.listen_web(&reactor, &endpoint).expect("listen web");
            let web_address = web.address().tcp().expect("tcp address");
            let _others = server
                .listen_all(&reactor)
                .expect("listen on the options' endpoints");
            ready_tx
                .send((address, web_address, reactor.remote(), server.stats()))
                .expect("send ready");
            reactor.run().expect("run");
        });
        let (address, web_address, remote, stats) =
            ready_rx.recv_timeout(PATIENCE).expect("server ready");
        TestServer {
            address,
            web_address,
            remote,
            stats,
            thread: Some(thread),
        }
    }

    /// A client connected to this server.
    pub fn connect(&self) -> Client {
        Client::connect(self.address)
    }

    /// Blocks until the server's counters satisfy `condition`, failing the
    /// test after [`PATIENCE`].
    pub fn wait_for(&self, what: &str, condition: impl Fn(&Stats) -> bool) {
        assert!(
            self.stats.wait_until(PATIENCE, condition),
            "timed out waiting for {what}"
        );
    }

    /// Stops the reactor and waits for its thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.remote.stop();
            thread.join().expect("server thread panicked");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shut_down();
        }
    }
}

/// A blocking client that speaks no telnet (like `nc`).
pub struct Client {
    pub stream: TcpStream,
    received: Received,
}

impl Client {
    /// Connects to `address`.
    pub fn connect(address: SocketAddr) -> Client {
        Client::over(TcpStream::connect(address).expect("connect"))
    }

    /// Connects to `address` from the local address `from` (any port):
    /// another client address on the loopback network, 127.0.0.2 say.
    pub fn connect_from(from: std::net::IpAddr, address: SocketAddr) -> Client {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(address),
            socket2::Type::STREAM,
            None,
        )
        .expect("socket");
        socket
            .bind(&SocketAddr::new(from, 0).into())
            .expect("bind the client's address");
        socket.connect(&address.into()).expect("connect");
        Client::over(socket.into())
    }

    fn over(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            received: Received::default(),
        }
    }

    /// Every byte received so far.
    pub fn raw(&self) -> &[u8] {
        &self.received.raw
    }

    /// Sends `bytes`.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// Reads once more from the socket; `false` at the end of the stream.
    pub fn read_more(&mut self) -> bool {
        let mut buf = [0u8; 16 * 1024];
        let n = self.stream.read(&mut buf).expect("read (timed out?)");
        self.received.push(&buf[..n]);
        n > 0
    }

    /// Waits until the server has read everything sent so far and a frame
    /// tick has passed since: it answers a telnet request sent now (`DO`
    /// an option it refuses: `WONT`) after reading what came before, and a
    /// frame that starts after the answer was sent at a later tick. For
    /// the classic game, which sends a frame at every tick.
    pub fn wait_for_a_tick_after_reading(&mut self) {
        const REFUSED: u8 = 100;
        self.send(&[255, 253, REFUSED]);
        self.read_until(&[255, 252, REFUSED]);
        let answered = self.received.raw.len();
        while !super::contains(&self.received.raw[answered..], b"+\r\n|") {
            assert!(self.read_more(), "the server closed the connection");
        }
    }

    /// Reads until the stream ends; returns everything read as text.
    pub fn read_to_end(&mut self) -> String {
        while self.read_more() {}
        String::from_utf8_lossy(&self.received.raw).into_owned()
    }

    /// Reads until `needle` has been received.
    pub fn read_until(&mut self, needle: &[u8]) {
        while !self.received.has(needle) {
            assert!(self.read_more(), "closed before {needle:?} arrived");
        }
    }
}

impl Frames for Client {
    /// Reads the next plain frame followed by `status_lines` lines.
    fn frame(&mut self, status_lines: usize) -> Frame {
        loop {
            if let Some(frame) = self.received.frame(status_lines) {
                return frame;
            }
            assert!(self.read_more(), "the server closed the connection");
        }
    }
}
