//! Helpers for the server tests: a boom server on a reactor thread bound
//! to 127.0.0.1, and blocking clients that read frames off the socket.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use boom::server::{Options, RenderMode, Server, Stats};
use weft::endpoints::ServerEndpoint;
use weft::{Reactor, Remote};

/// Upper bound of any single wait: only turns a hang into a failure.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How many frames a test reads, at most, waiting for a condition.
pub const MAX_FRAMES: usize = 2000;

/// The classic game with plain frames, fast frames and short fuses.
pub fn classic() -> Options {
    Options {
        frame_interval: Duration::from_millis(10),
        fuse: Duration::from_millis(600),
        burn: Duration::from_millis(300),
        render: RenderMode::Plain,
        endpoints: Vec::new(),
        ..Options::classic()
    }
}

/// The full game with plain frames, fast frames, short fuses and rounds.
pub fn full() -> Options {
    Options {
        frame_interval: Duration::from_millis(10),
        fuse: Duration::from_millis(600),
        burn: Duration::from_millis(300),
        render: RenderMode::Plain,
        rounds: Some(boom::game::RoundRules {
            min_pawns: 2,
            countdown: Duration::from_millis(100),
            pause: Duration::from_millis(300),
            time_limit: None,
        }),
        endpoints: Vec::new(),
        ..Options::default()
    }
}

/// A server running on its own reactor thread.
pub struct TestServer {
    pub address: SocketAddr,
    pub remote: Remote,
    pub stats: Arc<Stats>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with `options`, listening on a free port of
    /// 127.0.0.1.
    pub fn start(options: Options) -> TestServer {
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let reactor = Reactor::new().expect("reactor");
            let server = Server::new(&reactor, options).expect("server");
            let endpoint: ServerEndpoint = "tcp:port=0:interface=127.0.0.1".parse().unwrap();
            let port = server.listen(&endpoint).expect("listen");
            let address = port.address().tcp().expect("tcp address");
            // Also the endpoints the options name, if any but the default.
            let _others = server
                .listen_all()
                .expect("listen on the options' endpoints");
            ready_tx
                .send((address, reactor.remote(), server.stats()))
                .expect("send ready");
            reactor.run().expect("run");
            drop(server);
        });
        let (address, remote, stats) = ready_rx.recv_timeout(PATIENCE).expect("server ready");
        TestServer {
            address,
            remote,
            stats,
            thread: Some(thread),
        }
    }

    /// A client connected to this server.
    pub fn connect(&self) -> Client {
        Client::connect(self.address)
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

/// Waits until `condition` holds (it reads state the server updates as it
/// goes), failing the test after [`PATIENCE`].
pub fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::yield_now();
    }
}

/// A plain frame as a client saw it: the board's rows (without borders)
/// and the status lines that followed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub rows: Vec<String>,
    pub status: Vec<String>,
}

impl Frame {
    /// The glyph at `(x, y)`.
    pub fn at(&self, x: usize, y: usize) -> char {
        self.rows[y].as_bytes()[x] as char
    }

    /// Whether the glyph `c` is anywhere on the board.
    pub fn shows(&self, c: char) -> bool {
        self.rows.iter().any(|row| row.contains(c))
    }

    /// The status line starting with `prefix`, if any.
    pub fn status_line(&self, prefix: &str) -> Option<&str> {
        self.status
            .iter()
            .find(|line| line.starts_with(prefix))
            .map(String::as_str)
    }
}

/// A blocking client that speaks no telnet (like `nc`).
pub struct Client {
    pub stream: TcpStream,
    /// Bytes received and not parsed yet (telnet commands removed).
    pending: Vec<u8>,
    /// Every byte received, raw.
    pub raw: Vec<u8>,
    /// Where the telnet filter stands: bytes of an unfinished command.
    iac: Vec<u8>,
}

impl Client {
    /// Connects to `address`.
    pub fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        Client::from_stream(stream)
    }

    /// Wraps a connected stream.
    pub fn from_stream(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            pending: Vec::new(),
            raw: Vec::new(),
            iac: Vec::new(),
        }
    }

    /// Sends `bytes`.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// Reads once more from the socket; `false` at the end of the stream.
    pub fn read_more(&mut self) -> bool {
        let mut buf = [0u8; 16 * 1024];
        let n = self.stream.read(&mut buf).expect("read (timed out?)");
        self.raw.extend_from_slice(&buf[..n]);
        for &byte in &buf[..n] {
            self.filter(byte);
        }
        n > 0
    }

    /// Drops telnet commands from what the parser sees.
    fn filter(&mut self, byte: u8) {
        if self.iac.is_empty() {
            if byte == 255 {
                self.iac.push(byte);
            } else {
                self.pending.push(byte);
            }
            return;
        }
        self.iac.push(byte);
        let done = match self.iac[1] {
            255 => {
                self.pending.push(255);
                true
            }
            251..=254 => self.iac.len() == 3,
            250 => self.iac.ends_with(&[255, 240]),
            _ => true,
        };
        if done {
            self.iac.clear();
        }
    }

    /// Reads the next plain frame followed by `status_lines` lines.
    pub fn frame(&mut self, status_lines: usize) -> Frame {
        loop {
            if let Some(frame) = self.parse(status_lines) {
                return frame;
            }
            assert!(self.read_more(), "the server closed the connection");
        }
    }

    /// Reads frames until `condition` holds for one, reading at most
    /// [`MAX_FRAMES`].
    pub fn frame_until(
        &mut self,
        status_lines: usize,
        condition: impl Fn(&Frame) -> bool,
    ) -> Frame {
        let mut last = None;
        for _ in 0..MAX_FRAMES {
            let frame = self.frame(status_lines);
            if condition(&frame) {
                return frame;
            }
            last = Some(frame);
        }
        panic!("no frame matched in {MAX_FRAMES} frames; last: {last:#?}");
    }

    /// Parses one frame off the front of the pending bytes.
    fn parse(&mut self, status_lines: usize) -> Option<Frame> {
        // (start, end) of each complete line, without its CR LF.
        let mut lines = Vec::new();
        let mut from = 0;
        while let Some(n) = self.pending[from..].windows(2).position(|w| w == b"\r\n") {
            lines.push((from, from + n));
            from += n + 2;
        }
        let text =
            |(a, b): (usize, usize)| String::from_utf8_lossy(&self.pending[a..b]).into_owned();
        let starts = |(a, b): (usize, usize), c: u8| b > a && self.pending[a] == c;
        let start = lines.iter().position(|&l| starts(l, b'+'))?;
        let mut rows = Vec::new();
        let mut i = start + 1;
        while i < lines.len() && starts(lines[i], b'|') {
            let row = text(lines[i]);
            rows.push(row[1..row.len() - 1].to_owned());
            i += 1;
        }
        if i >= lines.len() || !starts(lines[i], b'+') {
            return None;
        }
        let end = i + 1 + status_lines;
        if end > lines.len() {
            return None;
        }
        let status = lines[i + 1..end].iter().map(|&l| text(l)).collect();
        let consumed = lines[end - 1].1 + 2;
        self.pending.drain(..consumed);
        Some(Frame { rows, status })
    }

    /// Reads until the stream ends; returns everything read as text.
    pub fn read_to_end(&mut self) -> String {
        while self.read_more() {}
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// Reads until `needle` has been received.
    pub fn read_until(&mut self, needle: &[u8]) {
        while !self.raw.windows(needle.len()).any(|w| w == needle) {
            assert!(self.read_more(), "closed before {needle:?} arrived");
        }
    }
}
