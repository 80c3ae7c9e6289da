//! Endpoints and their string descriptions, in Twisted's grammar, so that
//! any command line can say where to listen or connect.
//!
//! A description is a type, then `:`-separated arguments, each positional
//! or `key=value`; a backslash escapes the next character (so an IPv6
//! address is written `\:\:1`).
//!
//! | description | meaning |
//! |---|---|
//! | `tcp:8900` | listen on TCP port 8900, all IPv4 interfaces |
//! | `tcp:port=8900:interface=127.0.0.1:backlog=128` | the same, on one interface, with a backlog |
//! | `tcp6:port=8900:interface=\:\:1` | listen on IPv6 (default interface `::`) |
//! | `unix:/run/boom.sock:mode=660` | listen on a Unix socket (also `address=` or `path=`) |
//! | `udp:port=9000:interface=127.0.0.1` | a UDP socket (`Reactor::listen_udp`; `reuseaddr=1` for several on one port) |
//! | `haproxy:tcp:8900` | listen behind a proxy speaking the PROXY protocol (any server endpoint after `haproxy:`) |
//! | `systemd:domain=INET:index=0` | the listening socket systemd passed (socket activation; also `INET6`, `UNIX`, and `name=` for a unit's `FileDescriptorName=`) |
//! | `tcp:host=localhost:port=8900:timeout=5` | connect over TCP (also `tcp:localhost:8900`) |
//! | `unix:path=/run/boom.sock` | connect to a Unix socket (also `unix:/run/boom.sock`) |
//! | `ssl:8443:privateKey=key.pem:certKey=cert.pem` | listen for TLS on TCP port 8443 (see below) |
//! | `tls:host=example.org:port=443` | connect over TLS, verifying the server against the web's roots |
//!
//! Server options: `backlog=N` (default 1024); TCP `reuseport=1` sets
//! `SO_REUSEPORT` so several reactors can share a port; Unix `mode=OCTAL`
//! sets the socket file's permissions, and `lockfile=0|1` is accepted for
//! compatibility with Twisted and ignored (a stale socket file is always
//! detected and replaced). Client option: `timeout=SECONDS`.
//!
//! TLS server (`ssl:`), with Twisted's names: `privateKey=FILE` (PEM),
//! `certKey=FILE` (the certificate chain; the key's file when not given,
//! for one PEM file holding both), `extraCertChain=FILE` (more
//! intermediates), `dhParameters=FILE` (accepted and ignored: the key
//! exchange is elliptic-curve only), `alpn=h2,http/1.1`,
//! `caCerts=FILE|DIR` (also Twisted's `caCertsDir=`: ask for client
//! certificates signed by these CAs) with `verifyClient=require|optional`
//! (default `require`), `handshakeTimeout=SECONDS` (default 10), and
//! `tcp:`'s `interface=` and `backlog=`. The files are read when the
//! endpoint is listened on; a missing or malformed one fails
//! [`Reactor::listen`](crate::Reactor::listen) with an error naming it.
//!
//! TLS client (`tls:HOST:PORT` or `tls:host=HOST:port=PORT`): the server
//! must present a certificate for HOST (also sent by SNI) chaining to the
//! web's roots (the `webpki-roots` crate, built in, so a program verifies
//! the same way on every machine) or to `trustRoots=FILE|DIR`;
//! `certificate=FILE` with `privateKey=FILE` presents a client
//! certificate; `alpn=`, `timeout=` (connecting) and
//! `handshakeTimeout=`. A failed handshake is the client factory's
//! `connection_failed` with [`ConnectError::Tls`](crate::ConnectError::Tls),
//! whose reason names the fault.

mod description;
mod haproxy;
mod systemd;
mod tcp;
mod tls;
mod udp;
mod unix;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use description::Description;
pub use systemd::{PassedSocket, SocketDomain, SystemdListenOptions};
pub use tls::{SslListenOptions, TlsConnectOptions};

const DEFAULT_BACKLOG: u32 = 1024;

const SERVER_FORMS: &str = "tcp:PORT, tcp6:PORT, unix:PATH, ssl:PORT:privateKey=FILE or systemd:domain=INET:index=N, with options";
const CLIENT_FORMS: &str =
    "tcp:host=HOST:port=PORT, unix:path=PATH or tls:host=HOST:port=PORT, with options";

/// A description that did not parse. Its message quotes the description,
/// names the fault and shows the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid endpoint '{description}': {fault}; expected {expected}")]
pub struct EndpointError {
    /// The description as given.
    pub description: String,
    /// What is wrong with it.
    pub fault: String,
    /// The form it should have.
    pub expected: &'static str,
}

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEndpoint {
    /// A TCP port.
    Tcp(TcpListenOptions),
    /// A Unix socket.
    Unix(UnixListenOptions),
    /// The endpoint a proxy connects to, each connection opening with a
    /// PROXY header ([`crate::protocols::proxy`]).
    Haproxy(Box<ServerEndpoint>),
    /// A UDP socket ([`Reactor::listen_udp`](crate::Reactor::listen_udp)).
    Udp(UdpListenOptions),
    /// A TCP port serving TLS.
    Ssl(SslListenOptions),
    /// A listening socket passed by systemd (socket activation).
    Systemd(SystemdListenOptions),
}

/// How to listen on TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpListenOptions {
    /// The interface address and port (port 0: any free port).
    pub address: SocketAddr,
    /// The accept queue's length.
    pub backlog: u32,
    /// Whether to set `SO_REUSEPORT` (several listeners, one port).
    pub reuse_port: bool,
}

impl TcpListenOptions {
    /// Listening on `address` with the default backlog and no `SO_REUSEPORT`.
    pub fn new(address: SocketAddr) -> Self {
        TcpListenOptions {
            address,
            backlog: DEFAULT_BACKLOG,
            reuse_port: false,
        }
    }
}

/// How to bind a UDP socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpListenOptions {
    /// The interface address and port (port 0: any free port).
    pub address: SocketAddr,
    /// Whether to set `SO_REUSEADDR` (several sockets on one port, as
    /// multicast listeners do).
    pub reuse_address: bool,
}

/// How to listen on a Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixListenOptions {
    /// The socket file.
    pub path: PathBuf,
    /// Permissions for the socket file, if set.
    pub mode: Option<u32>,
    /// The accept queue's length.
    pub backlog: u32,
}

impl UnixListenOptions {
    /// Listening on `path` with default permissions and backlog.
    pub fn new(path: &Path) -> Self {
        UnixListenOptions {
            path: path.to_path_buf(),
            mode: None,
            backlog: DEFAULT_BACKLOG,
        }
    }
}

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEndpoint {
    /// A TCP host (name or address) and port.
    Tcp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
        /// Give up after this long (resolution included).
        timeout: Option<Duration>,
    },
    /// A Unix socket.
    Unix {
        /// The socket file.
        path: PathBuf,
        /// Give up after this long.
        timeout: Option<Duration>,
    },
    /// A TLS server.
    Tls(TlsConnectOptions),
}

/// Anything that names a server endpoint: a description string or a parsed
/// [`ServerEndpoint`].
pub trait ToServerEndpoint {
    /// Parses or clones into a [`ServerEndpoint`].
    fn to_server_endpoint(&self) -> Result<ServerEndpoint, EndpointError>;
}

/// Anything that names a client endpoint: a description string or a parsed
/// [`ClientEndpoint`].
pub trait ToClientEndpoint {
    /// Parses or clones into a [`ClientEndpoint`].
    fn to_client_endpoint(&self) -> Result<ClientEndpoint, EndpointError>;
}

impl ToServerEndpoint for str {
    fn to_server_endpoint(&self) -> Result<ServerEndpoint, EndpointError> {
        self.parse()
    }
}

impl ToServerEndpoint for String {
    fn to_server_endpoint(&self) -> Result<ServerEndpoint, EndpointError> {
        self.parse()
    }
}

impl ToServerEndpoint for ServerEndpoint {
    fn to_server_endpoint(&self) -> Result<ServerEndpoint, EndpointError> {
        Ok(self.clone())
    }
}

impl ToClientEndpoint for str {
    fn to_client_endpoint(&self) -> Result<ClientEndpoint, EndpointError> {
        self.parse()
    }
}

impl ToClientEndpoint for String {
    fn to_client_endpoint(&self) -> Result<ClientEndpoint, EndpointError> {
        self.parse()
    }
}

impl ToClientEndpoint for ClientEndpoint {
    fn to_client_endpoint(&self) -> Result<ClientEndpoint, EndpointError> {
        Ok(self.clone())
    }
}

impl FromStr for ServerEndpoint {
    type Err = EndpointError;

    fn from_str(description: &str) -> Result<Self, EndpointError> {
        let mut parsed = Description::parse(description, SERVER_FORMS)?;
        match parsed.kind.clone().as_str() {
            "tcp" => tcp::parse_server(&mut parsed, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            "tcp6" => tcp::parse_server(&mut parsed, IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            "unix" => unix::parse_server(&mut parsed),
            "haproxy" => haproxy::parse_server(description),
            "udp" => udp::parse_server(&mut parsed),
            "ssl" => tls::parse_server(&mut parsed),
            "systemd" => systemd::parse_server(&mut parsed),
            other => Err(parsed.error(format!("unknown endpoint type '{other}'"), SERVER_FORMS)),
        }
    }
}

impl FromStr for ClientEndpoint {
    type Err = EndpointError;

    fn from_str(description: &str) -> Result<Self, EndpointError> {
        let mut parsed = Description::parse(description, CLIENT_FORMS)?;
        match parsed.kind.clone().as_str() {
            "tcp" | "tcp6" => tcp::parse_client(&mut parsed),
            "unix" => unix::parse_client(&mut parsed),
            "tls" => tls::parse_client(&mut parsed),
            other => Err(parsed.error(format!("unknown endpoint type '{other}'"), CLIENT_FORMS)),
        }
    }
}

impl fmt::Display for ServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerEndpoint::Tcp(o) => write!(f, "tcp:{}", o.address),
            ServerEndpoint::Unix(o) => write!(f, "unix:{}", o.path.display()),
            ServerEndpoint::Haproxy(inner) => write!(f, "haproxy:{inner}"),
            ServerEndpoint::Udp(o) => write!(f, "udp:{}", o.address),
            ServerEndpoint::Ssl(o) => write!(f, "ssl:{}", o.tcp.address),
            ServerEndpoint::Systemd(o) => {
                write!(f, "systemd:domain={}", o.domain.name())?;
                match &o.socket {
                    PassedSocket::Index(index) => write!(f, ":index={index}"),
                    PassedSocket::Name(name) => write!(f, ":name={name}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> ServerEndpoint {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn client(text: &str) -> ClientEndpoint {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn server_error(text: &str) -> String {
        text.parse::<ServerEndpoint>().unwrap_err().to_string()
    }

    fn client_error(text: &str) -> String {
        text.parse::<ClientEndpoint>().unwrap_err().to_string()
    }

    #[test]
    fn tcp_servers_in_every_form() {
        assert_eq!(
            server("tcp:8900"),
            ServerEndpoint::Tcp(TcpListenOptions::new("0.0.0.0:8900".parse().unwrap()))
        );
        assert_eq!(
            server("tcp:port=8900:interface=127.0.0.1:backlog=128"),
            ServerEndpoint::Tcp(TcpListenOptions {
                address: "127.0.0.1:8900".parse().unwrap(),
                backlog: 128,
                reuse_port: false,
            })
        );
        assert_eq!(
            server(r"tcp6:port=8900:interface=\:\:1"),
            ServerEndpoint::Tcp(TcpListenOptions::new("[::1]:8900".parse().unwrap()))
        );
        assert_eq!(
            server("tcp6:8900"),
            ServerEndpoint::Tcp(TcpListenOptions::new("[::]:8900".parse().unwrap()))
        );
        let ServerEndpoint::Tcp(options) = server("tcp:0:reuseport=1") else {
            panic!("not tcp");
        };
        assert!(options.reuse_port);
    }

    #[test]
    fn unix_servers() {
        assert_eq!(
            server("unix:/tmp/boom.sock:mode=660"),
            ServerEndpoint::Unix(UnixListenOptions {
                path: "/tmp/boom.sock".into(),
                mode: Some(0o660),
                backlog: DEFAULT_BACKLOG,
            })
        );
        assert_eq!(server("unix:address=/a:lockfile=1"), server("unix:path=/a"));
    }

    #[test]
    fn clients_in_every_form() {
        assert_eq!(
            client("tcp:host=localhost:port=8900:timeout=5"),
            ClientEndpoint::Tcp {
                host: "localhost".into(),
                port: 8900,
                timeout: Some(Duration::from_secs(5)),
            }
        );
        assert_eq!(
            client("tcp:localhost:8900"),
            client("tcp:host=localhost:port=8900")
        );
        assert_eq!(
            client(r"tcp:host=\:\:1:port=1"),
            ClientEndpoint::Tcp {
                host: "::1".into(),
                port: 1,
                timeout: None,
            }
        );
        assert_eq!(
            client("unix:path=/run/x.sock"),
            ClientEndpoint::Unix {
                path: "/run/x.sock".into(),
                timeout: None,
            }
        );
        assert_eq!(client("unix:/run/x.sock"), client("unix:path=/run/x.sock"));
    }

    #[test]
    fn errors_quote_the_description_name_the_fault_and_show_the_form() {
        assert_eq!(
            server_error("tcp:80x"),
            "invalid endpoint 'tcp:80x': port must be a number from 0 to 65535, not '80x'; \
             expected tcp:PORT[:interface=ADDRESS][:backlog=N][:reuseport=0|1]"
        );
        for (text, fault) in [
            ("", "the endpoint type is missing"),
            ("sctp:53", "unknown endpoint type 'sctp'"),
            ("tcp", "the port is missing"),
            (
                "tcp:70000",
                "port must be a number from 0 to 65535, not '70000'",
            ),
            (
                "tcp:80:interface=nowhere",
                "interface 'nowhere' is not an IP address",
            ),
            (
                "tcp:80:backlog=0",
                "backlog must be a positive number, not '0'",
            ),
            ("tcp:80:color=red", "unknown option 'color'"),
            ("tcp:80:port=81", "'port' is given twice"),
            ("tcp:80:81", "too many arguments ('81')"),
            (
                "tcp:80:reuseport=maybe",
                "reuseport must be 0 or 1, not 'maybe'",
            ),
            ("unix:", "the socket path is empty"),
            (
                "unix:/x:mode=999",
                "mode '999' is not an octal permission like 660",
            ),
            ("tcp:80\\", "it ends with a lone backslash"),
        ] {
            let message = server_error(text);
            assert!(
                message.starts_with(&format!("invalid endpoint '{text}': {fault}; expected ")),
                "{message}"
            );
        }
        for (text, fault) in [
            ("tcp:host=localhost", "the port is missing"),
            ("tcp:port=80", "the host is missing"),
            (
                "tcp:localhost:80:timeout=soon",
                "timeout must be a positive number of seconds, not 'soon'",
            ),
            ("unix:", "the socket path is empty"),
        ] {
            let message = client_error(text);
            assert!(
                message.starts_with(&format!("invalid endpoint '{text}': {fault}; expected ")),
                "{message}"
            );
        }
    }

    #[test]
    fn systemd_sockets_by_index_or_name_and_the_faults_named() {
        let by_index = server("systemd:domain=INET:index=0");
        assert_eq!(
            by_index,
            ServerEndpoint::Systemd(SystemdListenOptions {
                domain: SocketDomain::Inet,
                socket: PassedSocket::Index(0),
            })
        );
        assert_eq!(by_index.to_string(), "systemd:domain=INET:index=0");
        let behind = server("haproxy:systemd:domain=UNIX:name=web");
        assert_eq!(behind.to_string(), "haproxy:systemd:domain=UNIX:name=web");
        for (text, fault) in [
            ("systemd:domain=INET", "index= or name= is missing"),
            (
                "systemd:domain=IPX:index=0",
                "domain 'IPX' is not INET, INET6 or UNIX",
            ),
            (
                "systemd:domain=INET:index=-1",
                "index '-1' is not a number from 0",
            ),
            (
                "systemd:domain=INET:index=0:name=web",
                "give index= or name=, not both",
            ),
            ("systemd:index=0", "the domain is missing"),
        ] {
            let error = server_error(text);
            assert!(error.contains(fault), "{text}: {error}");
        }
    }
}
