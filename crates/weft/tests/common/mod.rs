//! Shared helpers for weft's integration tests: a reactor on its own thread,
//! and the examples as child processes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use weft::time::Scheduler;
use weft::{Factory, Protocol, Reactor, Remote, Transport};

/// Upper bound for any single wait in a test: far above what any run
/// needs, so it only turns a hang into a failure.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A reactor running on its own thread, listening on `127.0.0.1:0`.
pub struct Server {
    pub address: SocketAddr,
    pub remote: Remote,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a reactor thread serving `make_factory(&reactor)`.
    pub fn start<F, M>(make_factory: M) -> Server
    where
        F: Factory,
        M: FnOnce(&Reactor) -> F + Send + 'static,
    {
        Server::start_on("tcp:port=0:interface=127.0.0.1", make_factory)
    }

    /// [`start`](Self::start) on `endpoint` (a server endpoint description).
    pub fn start_on<F, M>(endpoint: &str, make_factory: M) -> Server
    where
        F: Factory,
        M: FnOnce(&Reactor) -> F + Send + 'static,
    {
        let (ready_tx, ready_rx) = mpsc::channel();
        let endpoint = endpoint.to_owned();
        let thread = std::thread::spawn(move || {
            let reactor = Reactor::new().expect("reactor");
            let factory = make_factory(&reactor);
            let port = reactor.listen(&endpoint, factory).expect("listen");
            let address = port.address().tcp().expect("tcp address");
            ready_tx
                .send((address, reactor.remote()))
                .expect("send ready");
            reactor.run().expect("run");
        });
        let (address, remote) = ready_rx.recv_timeout(PATIENCE).expect("server ready");
        Server {
            address,
            remote,
            thread: Some(thread),
        }
    }

    /// Stops the reactor and waits for its thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.remote.stop();
            thread.join().expect("reactor thread panicked");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shut_down();
        }
    }
}

/// Connects to `address` with a 4 KiB receive window, so that the server
/// fills it quickly: its writes become partial and its output buffers.
pub fn connect_with_small_window(address: std::net::SocketAddr) -> std::net::TcpStream {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        None,
    )
    .expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket.connect(&address.into()).expect("connect");
    socket.into()
}

/// Receives from `rx`, failing the test after [`PATIENCE`].
pub fn recv<T>(rx: &mpsc::Receiver<T>) -> T {
    rx.recv_timeout(PATIENCE)
        .expect("expected event did not arrive")
}

/// The path of a built example (cargo test builds the examples).
pub fn example_path(name: &str) -> PathBuf {
    let mut path = std::env::current_exe().expect("test executable path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("examples").join(name)
}

/// Where an example announces `listening on ADDRESS`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Announces {
    /// On its standard output.
    OnStdout,
    /// On its standard error (an example that keeps its standard output
    /// for data and logs to standard error).
    OnStderr,
}

/// A running example and the address it said it listens on.
pub struct ExampleProcess {
    pub child: Child,
    pub address: String,
    /// The rest of the stream it announces on.
    announcements: Box<dyn BufRead + Send>,
    /// Its standard output, when it announces on standard error.
    pub stdout: Option<ChildStdout>,
}

impl ExampleProcess {
    /// Starts example `name` with `args` and waits for its
    /// `listening on ADDRESS` line on its standard output.
    pub fn start(name: &str, args: &[&str]) -> ExampleProcess {
        Self::start_announcing(name, args, Announces::OnStdout)
    }

    /// Starts example `name` with `args` and waits for its
    /// `listening on ADDRESS` line where it announces it.
    pub fn start_announcing(name: &str, args: &[&str], on: Announces) -> ExampleProcess {
        let path = example_path(name);
        let mut child = Command::new(&path)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(if on == Announces::OnStderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e} (a plain `cargo test` builds the examples; \
                     with `--test NAME` build them first: `cargo build -p weft --examples`)",
                    path.display()
                )
            });
        let stdout = child.stdout.take().expect("stdout");
        let (mut announcements, stdout): (Box<dyn BufRead + Send>, _) = match on {
            Announces::OnStdout => (Box::new(BufReader::new(stdout)), None),
            Announces::OnStderr => {
                let stderr = child.stderr.take().expect("stderr");
                (Box::new(BufReader::new(stderr)), Some(stdout))
            }
        };
        let address = listening_on(&mut announcements);
        ExampleProcess {
            child,
            address,
            announcements,
            stdout,
        }
    }

    /// What the next `listening on …` line of its output says.
    pub fn next_listening_on(&mut self) -> String {
        listening_on(&mut self.announcements)
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill has no memory-safety preconditions.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill failed");
    }
}

/// Reads lines up to one saying `listening on ADDRESS` and returns the
/// address.
fn listening_on(announcements: &mut dyn BufRead) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let read = announcements
            .read_line(&mut line)
            .expect("read the announcement");
        assert_ne!(read, 0, "the example ended without saying where it listens");
        if let Some((_, address)) = line.trim().split_once("listening on ") {
            return address.to_owned();
        }
    }
}

impl Drop for ExampleProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Echoes every byte back.
#[derive(Default)]
pub struct Echo(Option<Transport>);

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.0 = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(transport) = &self.0 {
            transport.write(data);
        }
    }
}

/// Writes one line, `PEER -> LOCAL` as its transport reports them, then
/// echoes.
#[derive(Default)]
pub struct TellAddresses(Echo);

impl Protocol for TellAddresses {
    fn connection_made(&mut self, transport: Transport) {
        let line = format!(
            "{} -> {}\n",
            transport.peer_address(),
            transport.local_address()
        );
        transport.write(line.as_bytes());
        self.0.connection_made(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.0.data_received(data);
    }
}

/// Reads one line from `stream`, within [`PATIENCE`].
pub fn read_line(stream: &std::net::TcpStream) -> String {
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("read a line");
    line
}

/// Runs `future` on `reactor`, failing the test if it takes longer than
/// [`PATIENCE`] (a hang becomes a failure).
pub fn run<T>(reactor: &Reactor, future: impl std::future::Future<Output = T>) -> T {
    let timers = reactor.timers();
    reactor
        .block_on(timers.timeout(PATIENCE, future))
        .expect("the reactor ran")
        .expect("the test finished in time")
}

/// A port nothing listens on: bound, then closed.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener that never accepts, its backlog full: connects to it hang.
pub fn full_backlog() -> (socket2::Socket, Vec<socket2::Socket>, SocketAddr) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(0).unwrap();
    let address = socket.local_addr().unwrap().as_socket().unwrap();
    let fillers = (0..8)
        .map(|_| {
            let filler =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            filler.set_nonblocking(true).unwrap();
            let _ = filler.connect(&address.into());
            filler
        })
        .collect();
    (socket, fillers, address)
}
