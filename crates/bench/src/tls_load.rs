//! The TLS load generator: the loads of [`load`](crate::load) (requests
//! and streaming over established connections), full handshakes, and
//! idle connections, spoken over rustls by the generator's threads
//! ([`generator`]), each with its own mio poll.
//!
//! Every handshake is a full one: the client keeps no session to resume.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Interest, Poll, Registry, Token};
use rustls::client::Resumption;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::generator::{self, Run, Worker};
use crate::load::Measured;

/// Size of the client's plaintext read buffer.
const READ_BUFFER: usize = 64 * 1024;

/// A client configuration for the benchmark's servers: trusts `ca` (a
/// PEM file) for `localhost`, and never resumes a session.
pub fn client_config(ca: &std::path::Path) -> io::Result<Arc<ClientConfig>> {
    let options = weft::tls::TlsClientOptions {
        trust_roots: Some(ca.to_path_buf()),
        ..weft::tls::TlsClientOptions::default()
    };
    let config = options.load().map_err(io::Error::other)?;
    let mut config = Arc::unwrap_or_clone(config);
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

/// One TLS connection of the load generator.
struct Connection {
    stream: TcpStream,
    tls: ClientConnection,
}

impl Connection {
    /// Connects to `address` and starts the handshake; registered with
    /// `registry` as `token`.
    fn open(
        address: SocketAddr,
        config: &Arc<ClientConfig>,
        registry: &Registry,
        token: Token,
    ) -> io::Result<Connection> {
        let stream = StdTcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(stream);
        registry.register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)?;
        let name = ServerName::try_from("localhost").expect("a valid name");
        let tls = ClientConnection::new(config.clone(), name).map_err(io::Error::other)?;
        let mut connection = Connection { stream, tls };
        connection.flush()?;
        Ok(connection)
    }

    /// Sends what rustls has ready, as far as the socket takes it;
    /// returns whether everything went.
    fn flush(&mut self) -> io::Result<bool> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut self.stream) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Reads everything the socket has, and returns how many plaintext
    /// bytes it carried (handshake messages are answered).
    fn receive(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let mut plaintext = 0;
        loop {
            match self.tls.read_tls(&mut self.stream) {
                Ok(0) => return Err(io::Error::other("the server closed a connection")),
                Ok(_) => {
                    self.tls.process_new_packets().map_err(io::Error::other)?;
                    loop {
                        match self.tls.reader().read(buffer) {
                            Ok(0) => break,
                            Ok(n) => plaintext += n,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.flush()?;
        Ok(plaintext)
    }

    /// Queues `data` to be encrypted and sent.
    fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.tls.writer().write_all(data)?;
        self.flush()?;
        Ok(())
    }
}

fn open_all(
    poll: &Poll,
    address: SocketAddr,
    config: &Arc<ClientConfig>,
    count: usize,
) -> io::Result<Vec<Connection>> {
    (0..count)
        .map(|i| Connection::open(address, config, poll.registry(), Token(i)))
        .collect()
}

/// `connections` connections each send a `size`-byte request, wait for
/// all of it to come back, and repeat; counts completed requests. The
/// handshakes happen during the warm-up.
pub fn request_response(
    run: &Run,
    config: &Arc<ClientConfig>,
    connections: usize,
    size: usize,
) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        request_response_share(
            worker,
            run.address,
            config,
            worker.share_of(connections),
            size,
        )
    })
}

/// One generator thread's part of [`request_response`]: `connections`
/// connections.
fn request_response_share(
    worker: &Worker,
    address: SocketAddr,
    config: &Arc<ClientConfig>,
    connections: usize,
    size: usize,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut all = open_all(&poll, address, config, connections)?;
    let request = vec![b'x'; size];
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut received = vec![0usize; connections];
    for connection in &mut all {
        connection.send(&request)?;
    }
    worker.run(&mut poll, |_, token, readable, writable| {
        let connection = &mut all[token.0];
        let mut done = 0;
        if readable {
            received[token.0] += connection.receive(&mut buffer)?;
            while received[token.0] >= size {
                received[token.0] -= size;
                done += 1;
                connection.send(&request)?;
            }
        }
        if writable {
            connection.flush()?;
        }
        Ok(done)
    })
}

/// `connections` connections each write `size`-byte messages, `batch` at
/// a time, whenever the socket took everything before, and read the echo
/// continuously; counts plaintext bytes echoed back.
pub fn streaming(
    run: &Run,
    config: &Arc<ClientConfig>,
    connections: usize,
    size: usize,
    batch: usize,
) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        let connections = worker.share_of(connections);
        streaming_share(
            worker,
            run.address,
            config,
            connections,
            size * batch.max(1),
        )
    })
}

/// One generator thread's part of [`streaming`]: `connections`
/// connections, writing `chunk`-byte batches.
fn streaming_share(
    worker: &Worker,
    address: SocketAddr,
    config: &Arc<ClientConfig>,
    connections: usize,
    chunk: usize,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut all = open_all(&poll, address, config, connections)?;
    let chunk = vec![b'y'; chunk];
    let mut buffer = vec![0u8; READ_BUFFER];
    // Writes while the socket takes every byte (the content does not
    // matter), so that rustls never holds more than one chunk.
    let fill = |connection: &mut Connection| -> io::Result<()> {
        while !connection.tls.is_handshaking() && connection.flush()? {
            connection.tls.writer().write_all(&chunk)?;
        }
        Ok(())
    };
    worker.run(&mut poll, |_, token, readable, writable| {
        let connection = &mut all[token.0];
        let mut echoed = 0;
        if readable {
            echoed = connection.receive(&mut buffer)? as u64;
        }
        if readable || writable {
            fill(connection)?;
        }
        Ok(echoed)
    })
}

/// `concurrent` connections at a time each connect, shake hands, send
/// one byte, wait for its echo, send `close_notify` and close, and are
/// replaced by a new one; counts connections completed.
pub fn handshakes(
    run: &Run,
    config: &Arc<ClientConfig>,
    concurrent: usize,
) -> io::Result<Measured> {
    generator::measure(run, |worker| {
        handshakes_share(worker, run.address, config, worker.share_of(concurrent))
    })
}

/// One generator thread's part of [`handshakes`]: `concurrent`
/// connections at a time.
fn handshakes_share(
    worker: &Worker,
    address: SocketAddr,
    config: &Arc<ClientConfig>,
    concurrent: usize,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut all = open_all(&poll, address, config, concurrent)?;
    let mut buffer = vec![0u8; READ_BUFFER];
    for connection in &mut all {
        connection.send(b"!")?;
    }
    worker.run(&mut poll, |registry, token, readable, writable| {
        let connection = &mut all[token.0];
        if writable {
            connection.flush()?;
        }
        if !readable || connection.receive(&mut buffer)? == 0 {
            return Ok(0);
        }
        connection.tls.send_close_notify();
        connection.flush()?;
        registry.deregister(&mut connection.stream)?;
        let mut fresh = Connection::open(address, config, registry, token)?;
        fresh.send(b"!")?;
        all[token.0] = fresh;
        Ok(1)
    })
}

/// Opens `count` TLS connections, each finishing its handshake and
/// getting one byte echoed, so that the server holds an established TLS
/// session for each; they are then left idle until the returned sockets
/// are dropped (the client's own TLS state is dropped at once).
pub fn open_idle(
    address: SocketAddr,
    config: &Arc<ClientConfig>,
    count: usize,
) -> io::Result<Vec<StdTcpStream>> {
    let name = ServerName::try_from("localhost").expect("a valid name");
    (0..count)
        .map(|_| {
            let socket = StdTcpStream::connect(address)?;
            socket.set_read_timeout(Some(Duration::from_secs(20)))?;
            socket.set_nodelay(true)?;
            let tls =
                ClientConnection::new(config.clone(), name.clone()).map_err(io::Error::other)?;
            let mut stream = StreamOwned::new(tls, socket);
            stream.write_all(b"!")?;
            stream.flush()?;
            let mut byte = [0u8; 1];
            stream.read_exact(&mut byte)?;
            Ok(stream.sock)
        })
        .collect()
}
