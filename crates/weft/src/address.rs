//! [`Address`]: where a connection's end is.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// One end of a connection or a listening port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// A TCP address, IPv4 or IPv6.
    Tcp(SocketAddr),
    /// A Unix domain socket, with its path when it has one (client sockets
    /// usually have none).
    Unix(Option<PathBuf>),
    /// An in-memory connection ([`crate::testing::loopback`]), by name.
    Memory(&'static str),
    /// A child process's standard input and output
    /// ([`Reactor::spawn_process`](crate::Reactor::spawn_process)), by its
    /// process id.
    Process(u32),
}

impl Address {
    /// The TCP socket address, if this is a TCP address.
    pub fn tcp(&self) -> Option<SocketAddr> {
        match self {
            Address::Tcp(addr) => Some(*addr),
            _ => None,
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(addr: SocketAddr) -> Self {
        Address::Tcp(addr)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(addr) => write!(f, "{addr}"),
            Address::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            Address::Unix(None) => f.write_str("unix:(unnamed)"),
            Address::Memory(name) => write!(f, "memory:{name}"),
            Address::Process(pid) => write!(f, "process:{pid}"),
        }
    }
}
