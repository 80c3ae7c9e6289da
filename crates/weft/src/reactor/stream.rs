//! The sockets a reactor drives: connected streams and listening sockets,
//! TCP or Unix, behind one interface.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use mio::event::Source;
use mio::{Interest, Registry, Token};
use socket2::{SockRef, TcpKeepalive};

use crate::Address;

/// A connected, non-blocking stream socket.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
}

impl Stream {
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).read(buf),
            Stream::Unix(s) => (&*s).read(buf),
        }
    }

    /// Reads into `buffer`'s spare capacity and appends what came; gives
    /// how many bytes that was (0 at the end of input).
    pub(crate) fn read_appending(&self, buffer: &mut Vec<u8>) -> io::Result<usize> {
        let socket = match self {
            Stream::Tcp(s) => SockRef::from(s),
            Stream::Unix(s) => SockRef::from(s),
        };
        let count = socket.recv(buffer.spare_capacity_mut())?;
        // SAFETY: `recv` initialised the first `count` bytes of the spare
        // capacity (it never reports more than it was given).
        unsafe { buffer.set_len(buffer.len() + count) };
        Ok(count)
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).write(buf),
            Stream::Unix(s) => (&*s).write(buf),
        }
    }

    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        }
    }

    /// The pending socket error (`SO_ERROR`), which is how a non-blocking
    /// connect reports failure.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Unix(s) => s.take_error(),
        }
    }

    pub(crate) fn peer_address(&self) -> io::Result<Address> {
        match self {
            Stream::Tcp(s) => s.peer_addr().map(Address::Tcp),
            Stream::Unix(s) => s.peer_addr().map(|a| unix_address(&a)),
        }
    }

    pub(crate) fn local_address(&self) -> io::Result<Address> {
        match self {
            Stream::Tcp(s) => s.local_addr().map(Address::Tcp),
            Stream::Unix(s) => s.local_addr().map(|a| unix_address(&a)),
        }
    }

    pub(crate) fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_nodelay(nodelay),
            Stream::Unix(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    pub(crate) fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        let Stream::Tcp(s) = self else {
            return Err(io::ErrorKind::Unsupported.into());
        };
        let socket = SockRef::from(s);
        match idle {
            Some(idle) => socket.set_tcp_keepalive(&TcpKeepalive::new().with_time(idle)),
            None => socket.set_keepalive(false),
        }
    }

    /// Bounds the kernel's send buffer (`SO_SNDBUF`; Linux doubles the
    /// value for its bookkeeping and stops growing the buffer on its own).
    pub(crate) fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => SockRef::from(s).set_send_buffer_size(bytes),
            Stream::Unix(s) => SockRef::from(s).set_send_buffer_size(bytes),
        }
    }

    /// Makes the coming close a reset (`SO_LINGER` 0): the kernel drops
    /// unsent data at once instead of keeping it for a peer that may never
    /// read it.
    pub(crate) fn set_linger_zero(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => SockRef::from(s).set_linger(Some(Duration::ZERO)),
            // A Unix socket's unsent data is freed with it anyway.
            Stream::Unix(_) => Ok(()),
        }
    }

    pub(crate) fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => s.register(registry, token, interest),
            Stream::Unix(s) => s.register(registry, token, interest),
        }
    }

    pub(crate) fn deregister(&mut self, registry: &Registry) {
        // Closing the descriptor removes it from epoll anyway; a failure
        // here changes nothing for the caller.
        let _ = match self {
            Stream::Tcp(s) => s.deregister(registry),
            Stream::Unix(s) => s.deregister(registry),
        };
    }
}

/// A listening, non-blocking socket.
#[derive(Debug)]
pub(crate) enum ListenSocket {
    Tcp(mio::net::TcpListener),
    Unix(mio::net::UnixListener),
}

impl ListenSocket {
    pub(crate) fn accept(&self) -> io::Result<(Stream, Address)> {
        match self {
            ListenSocket::Tcp(l) => l
                .accept()
                .map(|(s, addr)| (Stream::Tcp(s), Address::Tcp(addr))),
            ListenSocket::Unix(l) => l
                .accept()
                .map(|(s, addr)| (Stream::Unix(s), unix_address(&addr))),
        }
    }

    pub(crate) fn local_address(&self) -> io::Result<Address> {
        match self {
            ListenSocket::Tcp(l) => l.local_addr().map(Address::Tcp),
            ListenSocket::Unix(l) => l.local_addr().map(|a| unix_address(&a)),
        }
    }

    pub(crate) fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        match self {
            ListenSocket::Tcp(l) => l.register(registry, token, Interest::READABLE),
            ListenSocket::Unix(l) => l.register(registry, token, Interest::READABLE),
        }
    }

    pub(crate) fn deregister(&mut self, registry: &Registry) {
        // As for streams: closing the descriptor deregisters it.
        let _ = match self {
            ListenSocket::Tcp(l) => l.deregister(registry),
            ListenSocket::Unix(l) => l.deregister(registry),
        };
    }
}

pub(crate) fn unix_address(addr: &std::os::unix::net::SocketAddr) -> Address {
    Address::Unix(addr.as_pathname().map(|p| p.to_path_buf()))
}
