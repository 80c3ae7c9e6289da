//! [`ProxyHeader`]: what a PROXY header says, and how it is written.

use std::net::{IpAddr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::Address;

/// The twelve bytes that open a version 2 header.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// What opens a version 1 header.
pub const V1_PREFIX: &[u8; 6] = b"PROXY ";

/// The longest version 1 header, `\r\n` included (the specification's
/// bound).
pub const V1_MAX_LENGTH: usize = 107;

/// The fixed part of a version 2 header: signature, version and command,
/// family and transport, length of what follows.
pub const V2_FIXED_LENGTH: usize = 16;

/// The length of one Unix socket path in a version 2 address block.
pub(super) const V2_UNIX_PATH_LENGTH: usize = 108;

/// A PROXY protocol header (HAProxy's `proxy-protocol.txt`): the addresses
/// of the connection a proxy relays, sent by the proxy before anything
/// else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyHeader {
    /// The form it came in or is written in.
    pub version: Version,
    /// Whether it relays a client's connection or is the proxy's own.
    pub command: Command,
    /// The relayed connection's ends; [`ProxiedAddresses::Unknown`] for a
    /// [`Command::Local`] header.
    pub addresses: ProxiedAddresses,
    /// The type-length-value fields of a version 2 header, in order
    /// (none in version 1).
    pub tlvs: Vec<Tlv>,
}

/// Version 1 (a text line) or 2 (binary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n`.
    V1,
    /// The binary form, with a signature, families and TLVs.
    V2,
}

/// What the connection carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// The proxy's own connection (a health check): the addresses to use
    /// are the socket's own. Version 2 only.
    Local,
    /// A client's connection relayed by the proxy.
    Proxy,
}

/// The ends of the relayed connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxiedAddresses {
    /// Not told (`PROXY UNKNOWN`, the unspecified family, or a `LOCAL`
    /// header): the socket's own addresses stand.
    Unknown,
    /// A TCP (or UDP) connection over IPv4 or IPv6.
    Ip {
        /// The client's address.
        source: SocketAddr,
        /// The address the client connected to.
        destination: SocketAddr,
    },
    /// A Unix socket connection, with each end's path when it has one.
    /// Version 2 only.
    Unix {
        /// The client's socket path.
        source: Option<PathBuf>,
        /// The path the client connected to.
        destination: Option<PathBuf>,
    },
}

/// One type-length-value field of a version 2 header (`PP2_TYPE_*`:
/// ALPN, authority, CRC, unique id, TLS details …), kept as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlv {
    /// The field's type.
    pub kind: u8,
    /// Its value (at most 65,535 bytes).
    pub value: Vec<u8>,
}

impl ProxyHeader {
    /// The client's address, when the header relays a connection and
    /// says where it came from.
    pub fn source(&self) -> Option<Address> {
        match (&self.command, &self.addresses) {
            (Command::Proxy, ProxiedAddresses::Ip { source, .. }) => Some(Address::Tcp(*source)),
            (Command::Proxy, ProxiedAddresses::Unix { source, .. }) => {
                Some(Address::Unix(source.clone()))
            }
            _ => None,
        }
    }

    /// The address the client connected to, when the header relays a
    /// connection and says it.
    pub fn destination(&self) -> Option<Address> {
        match (&self.command, &self.addresses) {
            (Command::Proxy, ProxiedAddresses::Ip { destination, .. }) => {
                Some(Address::Tcp(*destination))
            }
            (Command::Proxy, ProxiedAddresses::Unix { destination, .. }) => {
                Some(Address::Unix(destination.clone()))
            }
            _ => None,
        }
    }

    /// The header as a proxy sends it, in its [`version`](Self::version).
    ///
    /// Version 1 cannot say everything: a `LOCAL` command and Unix
    /// addresses are written `PROXY UNKNOWN`, and TLVs are left out. An
    /// IPv4 address paired with an IPv6 one is written as two IPv6
    /// addresses (the IPv4 one mapped), in either version. A Unix path
    /// longer than 108 bytes is cut there; a TLV value longer than 65,535
    /// bytes too.
    pub fn encode(&self) -> Vec<u8> {
        match self.version {
            Version::V1 => self.encode_v1(),
            Version::V2 => self.encode_v2(),
        }
    }

    fn encode_v1(&self) -> Vec<u8> {
        let line = match (&self.command, &self.addresses) {
            (
                Command::Proxy,
                ProxiedAddresses::Ip {
                    source,
                    destination,
                },
            ) => {
                let (family, source_ip, destination_ip) = same_family(source, destination);
                let family = if family == Family::V4 { "TCP4" } else { "TCP6" };
                format!(
                    "PROXY {family} {source_ip} {destination_ip} {} {}\r\n",
                    source.port(),
                    destination.port()
                )
            }
            _ => "PROXY UNKNOWN\r\n".to_owned(),
        };
        line.into_bytes()
    }

    fn encode_v2(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let family_and_transport = match &self.addresses {
            ProxiedAddresses::Unknown => 0x00,
            ProxiedAddresses::Ip {
                source,
                destination,
            } => {
                let (family, source_ip, destination_ip) = same_family(source, destination);
                push_ip(&mut body, source_ip);
                push_ip(&mut body, destination_ip);
                body.extend_from_slice(&source.port().to_be_bytes());
                body.extend_from_slice(&destination.port().to_be_bytes());
                if family == Family::V4 { 0x11 } else { 0x21 }
            }
            ProxiedAddresses::Unix {
                source,
                destination,
            } => {
                push_unix_path(&mut body, source.as_ref());
                push_unix_path(&mut body, destination.as_ref());
                0x31
            }
        };
        for tlv in &self.tlvs {
            let value = &tlv.value[..tlv.value.len().min(usize::from(u16::MAX))];
            body.push(tlv.kind);
            body.extend_from_slice(&(value.len() as u16).to_be_bytes());
            body.extend_from_slice(value);
        }
        let command = match self.command {
            Command::Local => 0x20,
            Command::Proxy => 0x21,
        };
        let mut header = Vec::with_capacity(V2_FIXED_LENGTH + body.len());
        header.extend_from_slice(&V2_SIGNATURE);
        header.push(command);
        header.push(family_and_transport);
        let length = u16::try_from(body.len()).unwrap_or(u16::MAX);
        header.extend_from_slice(&length.to_be_bytes());
        header.extend_from_slice(&body[..usize::from(length)]);
        header
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// The two addresses in one family: IPv4 when both are, else IPv6 (an
/// IPv4 address mapped).
fn same_family(source: &SocketAddr, destination: &SocketAddr) -> (Family, IpAddr, IpAddr) {
    match (source.ip(), destination.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (Family::V4, s.into(), d.into()),
        (s, d) => (Family::V6, mapped(s).into(), mapped(d).into()),
    }
}

fn mapped(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

fn push_ip(body: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => body.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => body.extend_from_slice(&v6.octets()),
    }
}

fn push_unix_path(body: &mut Vec<u8>, path: Option<&PathBuf>) {
    let bytes = path.map_or(&[][..], |path| path.as_os_str().as_bytes());
    let bytes = &bytes[..bytes.len().min(V2_UNIX_PATH_LENGTH)];
    body.extend_from_slice(bytes);
    body.resize(body.len() + V2_UNIX_PATH_LENGTH - bytes.len(), 0);
}
