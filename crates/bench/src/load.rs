//! The loads: request/response, streaming and UDP echo, each thread of
//! the generator ([`generator`]) driving its share of
//! the connections with mio (edge-triggered epoll), so that it stays
//! cheap next to the server.
//!
//! Every measurement runs a warm-up, then a measured window; the server's
//! CPU time is read from `/proc` at both ends of the window.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdTcpStream, UdpSocket as StdUdpSocket};
use std::time::{Duration, Instant};

use mio::net::{TcpStream, UdpSocket};
use mio::{Interest, Poll, Token};

use crate::generator::{self, Run, Worker};

/// Size of the client's read buffer.
const READ_BUFFER: usize = 64 * 1024;

/// Warm-up and measured durations of a run.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Load applied before measuring.
    pub warmup: Duration,
    /// Load applied while measuring.
    pub measure: Duration,
}

/// What a run measured, over its measured window only.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Units completed: requests (request/response) or bytes echoed back
    /// (streaming).
    pub units: u64,
    /// Length of the measured window.
    pub elapsed: Duration,
    /// CPU time the server used during the window.
    pub server_cpu: Duration,
    /// CPU time the load generator itself used during the window, all its
    /// threads together (to check that it is not the bottleneck).
    pub client_cpu: Duration,
}

impl Measured {
    /// Units per second.
    pub fn rate(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64()
    }

    /// Share of one core the server used, in percent.
    pub fn server_load(&self) -> f64 {
        100.0 * self.server_cpu.as_secs_f64() / self.elapsed.as_secs_f64()
    }

    /// Share of one core the load generator used, in percent.
    pub fn client_load(&self) -> f64 {
        100.0 * self.client_cpu.as_secs_f64() / self.elapsed.as_secs_f64()
    }

    /// Share of each of its `cores` cores the load generator used on
    /// average, in percent (near 100: the generator may be the limit).
    pub fn client_load_per_core(&self, cores: usize) -> f64 {
        self.client_load() / cores.max(1) as f64
    }

    /// MiB per second, where the units are bytes (streaming).
    pub fn mib_per_second(&self) -> f64 {
        self.rate() / MIB
    }

    /// Milliseconds of server CPU per MiB, where the units are bytes
    /// (streaming); 0 when nothing was streamed.
    pub fn server_cpu_ms_per_mib(&self) -> f64 {
        let mib = self.units as f64 / MIB;
        if mib == 0.0 {
            return 0.0;
        }
        self.server_cpu.as_secs_f64() * 1e3 / mib
    }
}

/// Bytes in a MiB.
const MIB: f64 = 1_048_576.0;

/// Opens `count` connections to `address`, made non-blocking for mio.
fn connect(address: SocketAddr, count: usize) -> io::Result<Vec<TcpStream>> {
    (0..count)
        .map(|_| {
            let stream = StdTcpStream::connect(address)?;
            stream.set_nodelay(true)?;
            stream.set_nonblocking(true)?;
            Ok(TcpStream::from_std(stream))
        })
        .collect()
}

/// Registers `streams` (TCP streams or UDP sockets, whose first writes
/// are already made) with a poll of this thread and runs it until the run
/// ends, calling `on_event(index, stream, readable, writable)` for each
/// readiness event; it returns how many units that event completed.
///
/// Registering after the first writes loses nothing: epoll reports the
/// readiness a socket already has when it is added.
fn drive<S: mio::event::Source>(
    worker: &Worker,
    mut streams: Vec<S>,
    mut on_event: impl FnMut(usize, &mut S, bool, bool) -> io::Result<u64>,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    for (index, stream) in streams.iter_mut().enumerate() {
        poll.registry().register(
            stream,
            Token(index),
            Interest::READABLE | Interest::WRITABLE,
        )?;
    }
    worker.run(&mut poll, |_, token, readable, writable| {
        on_event(token.0, &mut streams[token.0], readable, writable)
    })
}

/// `connections` connections (spread over the generator's threads) each
/// send a `size`-byte request, wait for all of it to come back, and
/// repeat. Counts completed requests.
pub fn request_response(run: &Run, connections: usize, size: usize) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        request_response_share(worker, run.address, worker.share_of(connections), size)
    })
}

/// One generator thread's part of [`request_response`]: `connections`
/// connections.
fn request_response_share(
    worker: &Worker,
    address: SocketAddr,
    connections: usize,
    size: usize,
) -> io::Result<()> {
    let mut streams = connect(address, connections)?;
    let request = vec![b'x'; size];
    let mut buffer = vec![0u8; READ_BUFFER];
    // Per connection: bytes of the current request not yet written, and
    // bytes of its echo received so far.
    let mut unsent = vec![size; connections];
    let mut received = vec![0usize; connections];
    // Writes what is left of the current request; `Ok` even if blocked.
    fn send(stream: &mut TcpStream, request: &[u8], unsent: &mut usize) -> io::Result<()> {
        while *unsent > 0 {
            match stream.write(&request[request.len() - *unsent..]) {
                Ok(n) => *unsent -= n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    for (stream, unsent) in streams.iter_mut().zip(&mut unsent) {
        send(stream, &request, unsent)?;
    }
    let on_event = |index: usize, stream: &mut TcpStream, readable: bool, writable: bool| {
        let mut done = 0;
        if readable {
            loop {
                match stream.read(&mut buffer) {
                    Ok(0) => return Err(io::Error::other("the server closed a connection")),
                    Ok(n) => {
                        received[index] += n;
                        if received[index] >= size {
                            received[index] -= size;
                            done += 1;
                            unsent[index] = size;
                            send(stream, &request, &mut unsent[index])?;
                        }
                        // One request in flight: a short read drained the
                        // socket, and the next echo raises a new edge.
                        if n < buffer.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if writable && unsent[index] > 0 {
            send(stream, &request, &mut unsent[index])?;
        }
        Ok(done)
    };
    drive(worker, streams, on_event)
}

/// `connections` connections (spread over the generator's threads) each
/// write `size`-byte messages as fast as
/// the server takes them (batched `batch` messages to a system call) and
/// read the echo continuously. Counts bytes echoed back.
pub fn streaming(run: &Run, connections: usize, size: usize, batch: usize) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        streaming_share(
            worker,
            run.address,
            worker.share_of(connections),
            size,
            batch,
        )
    })
}

/// One generator thread's part of [`streaming`]: `connections`
/// connections.
fn streaming_share(
    worker: &Worker,
    address: SocketAddr,
    connections: usize,
    size: usize,
    batch: usize,
) -> io::Result<()> {
    let mut streams = connect(address, connections)?;
    let chunk = vec![b'y'; size * batch.max(1)];
    let mut buffer = vec![0u8; READ_BUFFER];
    // Writes until the socket's send buffer is full (the byte stream's
    // content does not matter, so a short write needs no bookkeeping).
    let fill = |stream: &mut TcpStream| -> io::Result<u64> {
        loop {
            match stream.write(&chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    };
    for stream in &mut streams {
        fill(stream)?;
    }
    let on_event = |_: usize, stream: &mut TcpStream, readable: bool, writable: bool| {
        let mut echoed = 0u64;
        if readable {
            loop {
                match stream.read(&mut buffer) {
                    Ok(0) => return Err(io::Error::other("the server closed a connection")),
                    Ok(n) => echoed += n as u64,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if writable {
            fill(stream)?;
        }
        Ok(echoed)
    };
    drive(worker, streams, on_event)
}

/// Opens `count` connections and sends one byte on each, waiting for its
/// echo, so that the server has accepted every one and set it up. They
/// are then left idle until the returned streams are dropped.
pub fn open_idle(address: SocketAddr, count: usize) -> io::Result<Vec<StdTcpStream>> {
    const BATCH: usize = 100;
    let mut streams = Vec::with_capacity(count);
    while streams.len() < count {
        let first = streams.len();
        for _ in first..(first + BATCH).min(count) {
            let stream = StdTcpStream::connect(address)?;
            stream.set_read_timeout(Some(Duration::from_secs(20)))?;
            stream.set_nodelay(true)?;
            (&stream).write_all(b"!")?;
            streams.push(stream);
        }
        let mut byte = [0u8; 1];
        for stream in &streams[first..] {
            (&*stream).read_exact(&mut byte)?;
        }
    }
    Ok(streams)
}

/// `sockets` UDP sockets (spread over the generator's threads), each
/// connected to the server and keeping one `size`-byte datagram in
/// flight: send it, wait for its echo, send the next. Counts datagrams echoed. (Over loopback with one
/// datagram in flight per socket the server's receive buffer never fills,
/// so none is lost; a lost one would stall its socket, and show as a lower
/// rate.)
pub fn datagram_echo(run: &Run, sockets: usize, size: usize) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        datagram_echo_share(worker, run.address, worker.share_of(sockets), size)
    })
}

/// One generator thread's part of [`datagram_echo`]: `sockets` sockets.
fn datagram_echo_share(
    worker: &Worker,
    address: SocketAddr,
    sockets: usize,
    size: usize,
) -> io::Result<()> {
    let datagram = vec![b'x'; size];
    let mut clients = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let socket = UdpSocket::bind("127.0.0.1:0".parse().expect("an address"))?;
        socket.connect(address)?;
        socket.send(&datagram)?;
        clients.push(socket);
    }
    let mut buffer = vec![0u8; READ_BUFFER];
    let on_event = |_: usize, socket: &mut UdpSocket, readable: bool, _: bool| {
        let mut done = 0;
        if !readable {
            return Ok(done);
        }
        loop {
            match socket.recv(&mut buffer) {
                Ok(_) => {
                    done += 1;
                    socket.send(&datagram)?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    };
    drive(worker, clients, on_event)
}

/// Waits until the UDP echo server at `address` answers, for at most
/// `patience`: a server that prints nothing says it is ready only by
/// answering.
pub fn wait_for_datagram_echo(address: SocketAddr, patience: Duration) -> io::Result<()> {
    let deadline = Instant::now() + patience;
    let probe = StdUdpSocket::bind("127.0.0.1:0")?;
    probe.connect(address)?;
    probe.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut buffer = [0u8; 16];
    while Instant::now() < deadline {
        probe.send(b"ready?")?;
        match probe.recv(&mut buffer) {
            Ok(_) => return Ok(()),
            // Not bound yet (refused), or the probe was lost: ask again.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no echo from {address}"),
    ))
}

/// A UDP port of 127.0.0.1 free now (bound, then let go), for a server
/// that must be told its port.
pub fn free_udp_port() -> io::Result<SocketAddr> {
    StdUdpSocket::bind("127.0.0.1:0")?.local_addr()
}
