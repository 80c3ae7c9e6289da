//! [`HeaderParser`]: a PROXY header, version 1 or 2, read from a byte
//! stream (sans-I/O).

use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::header::{
    Command, ProxiedAddresses, ProxyHeader, Tlv, V1_MAX_LENGTH, V1_PREFIX, V2_FIXED_LENGTH,
    V2_SIGNATURE, V2_UNIX_PATH_LENGTH, Version,
};

/// The longest version 2 header accepted by default, fixed part included:
/// room for the addresses and a few hundred bytes of TLVs.
pub const DEFAULT_MAX_V2_LENGTH: usize = 4096;

/// Why the bytes at the start of a connection are not a PROXY header the
/// parser accepts. Each message names the fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The connection does not start with `PROXY ` nor the version 2
    /// signature.
    #[error("the connection does not start with a PROXY header")]
    NotProxy,
    /// A version 1 line went past 107 bytes without its `\r\n`.
    #[error("the PROXY v1 line is longer than {V1_MAX_LENGTH} bytes")]
    V1TooLong,
    /// A version 1 line that does not follow the grammar.
    #[error("malformed PROXY v1 line: {0}")]
    V1Malformed(&'static str),
    /// A version 2 header longer than the parser's limit.
    #[error("the PROXY v2 header is {length} bytes long, more than the limit of {limit}")]
    V2TooLong {
        /// The length the header announced, fixed part included.
        length: usize,
        /// The parser's limit.
        limit: usize,
    },
    /// A version 2 header that does not follow the format.
    #[error("malformed PROXY v2 header: {0}")]
    V2Malformed(&'static str),
}

/// Reads one PROXY header, version 1 or 2, from the start of a stream fed
/// in chunks of any size.
///
/// Follows the pull API of [`crate::protocols`]: [`next_header`](Self::next_header)
/// advances the cursor past the bytes it used and never beyond the end of
/// the header, so what follows it in the same chunk stays in the cursor
/// for the protocol behind. Any split of the input gives the same result.
/// Garbage is refused as soon as it cannot be the start of a header; the
/// parser holds at most 107 bytes for version 1 and its limit for version
/// 2 ([`DEFAULT_MAX_V2_LENGTH`] unless set).
#[derive(Clone, Debug)]
pub struct HeaderParser {
    buffer: Vec<u8>,
    max_v2_length: usize,
}

impl Default for HeaderParser {
    fn default() -> Self {
        Self::new()
    }
}

/// What the bytes read so far are.
enum Form {
    /// Too few to tell.
    Undecided,
    V1,
    V2,
}

impl HeaderParser {
    /// A parser with the default version 2 limit.
    pub fn new() -> Self {
        HeaderParser {
            buffer: Vec::new(),
            max_v2_length: DEFAULT_MAX_V2_LENGTH,
        }
    }

    /// Refuses version 2 headers longer than `limit` bytes, fixed part
    /// included (at least 16 + 216, for any address block; at most
    /// 16 + 65,535, the format's own bound).
    pub fn with_max_v2_length(mut self, limit: usize) -> Self {
        self.max_v2_length = limit.clamp(
            V2_FIXED_LENGTH + 2 * V2_UNIX_PATH_LENGTH,
            V2_FIXED_LENGTH + 0xFFFF,
        );
        self
    }

    /// Bytes held for a header not yet complete.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Reads from `input`: the header once it is complete (the cursor then
    /// stands right after it), `Ok(None)` when more input is needed (the
    /// cursor is then empty), or the fault that makes it no header. After
    /// a result or an error, the parser is spent.
    pub fn next_header(&mut self, input: &mut &[u8]) -> Result<Option<ProxyHeader>, HeaderError> {
        loop {
            let wanted = match self.form()? {
                // Never past "PROXY ": the shortest v1 line is not much longer.
                Form::Undecided if self.buffer.len() < V1_PREFIX.len() => {
                    V1_PREFIX.len() - self.buffer.len()
                }
                Form::Undecided => V2_SIGNATURE.len() - self.buffer.len(),
                Form::V1 => return self.next_v1(input),
                Form::V2 => self.v2_length()? - self.buffer.len(),
            };
            if wanted == 0 {
                return parse_v2(&self.buffer).map(Some);
            }
            if input.is_empty() {
                return Ok(None);
            }
            self.take(input, wanted);
        }
    }

    fn take(&mut self, input: &mut &[u8], count: usize) {
        let (taken, rest) = input.split_at(count.min(input.len()));
        self.buffer.extend_from_slice(taken);
        *input = rest;
    }

    /// What the buffer starts with, or the fault when it can start no
    /// header.
    fn form(&self) -> Result<Form, HeaderError> {
        let held = &self.buffer[..];
        if held.len() >= V1_PREFIX.len() && held.starts_with(V1_PREFIX) {
            Ok(Form::V1)
        } else if held.len() >= V2_SIGNATURE.len() && held.starts_with(&V2_SIGNATURE) {
            Ok(Form::V2)
        } else if V1_PREFIX.starts_with(&held[..held.len().min(V1_PREFIX.len())])
            || V2_SIGNATURE.starts_with(held)
        {
            Ok(Form::Undecided)
        } else {
            Err(HeaderError::NotProxy)
        }
    }

    /// Takes bytes up to the line's `\n`, within the version 1 bound.
    fn next_v1(&mut self, input: &mut &[u8]) -> Result<Option<ProxyHeader>, HeaderError> {
        if !self.buffer.contains(&b'\n') {
            let room = V1_MAX_LENGTH.saturating_sub(self.buffer.len());
            let window = &input[..room.min(input.len())];
            let count = memchr::memchr(b'\n', window).map_or(window.len(), |at| at + 1);
            self.take(input, count);
        }
        if self.buffer.contains(&b'\n') {
            parse_v1(&self.buffer).map(Some)
        } else if self.buffer.len() >= V1_MAX_LENGTH {
            Err(HeaderError::V1TooLong)
        } else {
            Ok(None)
        }
    }

    /// The whole length of a version 2 header, once its fixed part is in.
    fn v2_length(&self) -> Result<usize, HeaderError> {
        let Some(fixed) = self.buffer.get(..V2_FIXED_LENGTH) else {
            return Ok(V2_FIXED_LENGTH);
        };
        let length = V2_FIXED_LENGTH + usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
        if length > self.max_v2_length {
            return Err(HeaderError::V2TooLong {
                length,
                limit: self.max_v2_length,
            });
        }
        Ok(length)
    }
}

/// Parses a version 1 line, `\r\n` included (and nowhere else).
fn parse_v1(line: &[u8]) -> Result<ProxyHeader, HeaderError> {
    let malformed = HeaderError::V1Malformed;
    let text = line
        .strip_suffix(b"\r\n")
        .ok_or(malformed("the line does not end with \\r\\n"))?;
    if text.contains(&b'\r') {
        return Err(malformed("a stray \\r inside the line"));
    }
    let text = std::str::from_utf8(text).map_err(|_| malformed("the line is not ASCII"))?;
    let mut fields = text.split(' ');
    fields.next(); // "PROXY", checked before.
    let addresses = match fields.next() {
        Some("UNKNOWN") => ProxiedAddresses::Unknown,
        Some("TCP4") => v1_addresses(fields, |text| text.parse::<Ipv4Addr>().ok().map(IpAddr::V4))?,
        Some("TCP6") => v1_addresses(fields, |text| text.parse::<Ipv6Addr>().ok().map(IpAddr::V6))?,
        _ => return Err(malformed("the protocol is not TCP4, TCP6 or UNKNOWN")),
    };
    Ok(ProxyHeader {
        version: Version::V1,
        command: Command::Proxy,
        addresses,
        tlvs: Vec::new(),
    })
}

/// Source, destination, source port, destination port, and nothing more.
fn v1_addresses<'a>(
    mut fields: impl Iterator<Item = &'a str>,
    ip: impl Fn(&str) -> Option<IpAddr>,
) -> Result<ProxiedAddresses, HeaderError> {
    let malformed = HeaderError::V1Malformed;
    let mut next = || {
        fields
            .next()
            .ok_or(malformed("an address or port is missing"))
    };
    let source = ip(next()?).ok_or(malformed("the source is not an address of the protocol"))?;
    let destination = ip(next()?).ok_or(malformed(
        "the destination is not an address of the protocol",
    ))?;
    let source_port = v1_port(next()?)?;
    let destination_port = v1_port(next()?)?;
    if fields.next().is_some() {
        return Err(malformed("more fields than a TCP line has"));
    }
    Ok(ProxiedAddresses::Ip {
        source: SocketAddr::new(source, source_port),
        destination: SocketAddr::new(destination, destination_port),
    })
}

fn v1_port(text: &str) -> Result<u16, HeaderError> {
    let digits = !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse().ok())
        .flatten()
        .ok_or(HeaderError::V1Malformed(
            "a port is not a number from 0 to 65535",
        ))
}

/// Parses a whole version 2 header (its length already checked).
fn parse_v2(header: &[u8]) -> Result<ProxyHeader, HeaderError> {
    let malformed = HeaderError::V2Malformed;
    let (version_command, family_transport) = (header[12], header[13]);
    if version_command >> 4 != 2 {
        return Err(malformed("the version is not 2"));
    }
    let command = match version_command & 0x0F {
        0 => Command::Local,
        1 => Command::Proxy,
        _ => return Err(malformed("the command is neither LOCAL nor PROXY")),
    };
    if family_transport & 0x0F > 2 {
        return Err(malformed("the transport is neither STREAM nor DGRAM"));
    }
    let address_length = match family_transport >> 4 {
        0 => 0,
        1 => 12,
        2 => 36,
        3 => 2 * V2_UNIX_PATH_LENGTH,
        _ => return Err(malformed("the address family is not INET, INET6 or UNIX")),
    };
    let body = &header[V2_FIXED_LENGTH..];
    if body.len() < address_length {
        return Err(malformed(
            "the address block is shorter than its family needs",
        ));
    }
    let (block, tlvs) = body.split_at(address_length);
    let addresses = match command {
        Command::Local => ProxiedAddresses::Unknown,
        Command::Proxy => v2_addresses(family_transport >> 4, block),
    };
    Ok(ProxyHeader {
        version: Version::V2,
        command,
        addresses,
        tlvs: v2_tlvs(tlvs)?,
    })
}

fn v2_addresses(family: u8, block: &[u8]) -> ProxiedAddresses {
    let port = |at: usize| u16::from_be_bytes([block[at], block[at + 1]]);
    let ip = |from: usize, to: usize| -> IpAddr {
        match <[u8; 16]>::try_from(&block[from..to]) {
            Ok(v6) => Ipv6Addr::from(v6).into(),
            Err(_) => Ipv4Addr::new(
                block[from],
                block[from + 1],
                block[from + 2],
                block[from + 3],
            )
            .into(),
        }
    };
    match family {
        1 => ProxiedAddresses::Ip {
            source: SocketAddr::new(ip(0, 4), port(8)),
            destination: SocketAddr::new(ip(4, 8), port(10)),
        },
        2 => ProxiedAddresses::Ip {
            source: SocketAddr::new(ip(0, 16), port(32)),
            destination: SocketAddr::new(ip(16, 32), port(34)),
        },
        3 => {
            let (source, destination) = block.split_at(V2_UNIX_PATH_LENGTH);
            ProxiedAddresses::Unix {
                source: unix_path(source),
                destination: unix_path(destination),
            }
        }
        _ => ProxiedAddresses::Unknown,
    }
}

/// A path padded with NULs to 108 bytes; `None` when empty.
fn unix_path(padded: &[u8]) -> Option<PathBuf> {
    let end = memchr::memchr(0, padded).unwrap_or(padded.len());
    (end > 0).then(|| PathBuf::from(OsStr::from_bytes(&padded[..end])))
}

/// The TLVs after the address block, each within the header's bounds.
fn v2_tlvs(mut rest: &[u8]) -> Result<Vec<Tlv>, HeaderError> {
    let mut tlvs = Vec::new();
    while !rest.is_empty() {
        let overrun = HeaderError::V2Malformed("a TLV runs past the end of the header");
        let [kind, high, low, after @ ..] = rest else {
            return Err(overrun);
        };
        let length = usize::from(u16::from_be_bytes([*high, *low]));
        if after.len() < length {
            return Err(overrun);
        }
        let (value, after) = after.split_at(length);
        tlvs.push(Tlv {
            kind: *kind,
            value: value.to_vec(),
        });
        rest = after;
    }
    Ok(tlvs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Option<ProxyHeader>, HeaderError> {
        HeaderParser::new().next_header(&mut &bytes[..])
    }

    fn v2(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
        let mut header = V2_SIGNATURE.to_vec();
        header.extend_from_slice(&[command, family]);
        header.extend_from_slice(&(body.len() as u16).to_be_bytes());
        header.extend_from_slice(body);
        header
    }

    #[test]
    fn v1_lines_of_each_protocol() {
        let tcp6 = parse(b"PROXY TCP6 2001:db8::1 ::1 1 65535\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            tcp6.addresses,
            ProxiedAddresses::Ip {
                source: "[2001:db8::1]:1".parse().unwrap(),
                destination: "[::1]:65535".parse().unwrap(),
            }
        );
        let unknown = parse(b"PROXY UNKNOWN ffff::1 ::1 1 2\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(unknown.addresses, ProxiedAddresses::Unknown);
        assert_eq!(unknown.source(), None);
    }

    #[test]
    fn v1_faults_are_named() {
        let malformed = |line: &[u8]| match parse(line) {
            Err(HeaderError::V1Malformed(why)) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"),
            "the line does not end with \\r\\n"
        );
        assert_eq!(
            malformed(b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"),
            "the protocol is not TCP4, TCP6 or UNKNOWN"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 ::1 5.6.7.8 1 2\r\n"),
            "the source is not an address of the protocol"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"),
            "an address or port is missing"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n"),
            "a port is not a number from 0 to 65535"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"),
            "a port is not a number from 0 to 65535"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"),
            "more fields than a TCP line has"
        );
        assert_eq!(
            malformed(b"PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n"),
            "a stray \\r inside the line"
        );
    }

    #[test]
    fn garbage_is_refused_at_its_first_wrong_byte() {
        let mut parser = HeaderParser::new();
        let mut input: &[u8] = b"GET / HTTP/1.1\r\n";
        assert_eq!(parser.next_header(&mut input), Err(HeaderError::NotProxy));
        assert!(parser.buffered() <= V1_PREFIX.len());
        assert_eq!(parse(b"\r\n\r\n\0\r\nQUIX"), Err(HeaderError::NotProxy));
        assert_eq!(parse(b"PROXY"), Ok(None));
    }

    #[test]
    fn a_v1_line_stops_at_107_bytes() {
        let mut line = b"PROXY UNKNOWN ".to_vec();
        line.resize(V1_MAX_LENGTH - 2, b'x');
        line.extend_from_slice(b"\r\n");
        assert!(parse(&line).unwrap().is_some(), "107 bytes is allowed");
        let mut parser = HeaderParser::new();
        let mut endless: &[u8] = &[b'x'; 4096];
        assert_eq!(parser.next_header(&mut &b"PROXY "[..]), Ok(None));
        assert_eq!(
            parser.next_header(&mut endless),
            Err(HeaderError::V1TooLong)
        );
        assert_eq!(parser.buffered(), V1_MAX_LENGTH);
    }

    #[test]
    fn v2_local_ignores_the_addresses_and_unspec_tells_none() {
        let local = parse(&v2(0x20, 0x11, &[9; 12])).unwrap().unwrap();
        assert_eq!(local.command, Command::Local);
        assert_eq!(local.addresses, ProxiedAddresses::Unknown);
        let unspec = parse(&v2(0x21, 0x00, &[])).unwrap().unwrap();
        assert_eq!((unspec.command, unspec.source()), (Command::Proxy, None));
    }

    #[test]
    fn v2_unix_paths_end_at_their_nul() {
        let mut body = vec![0; 216];
        body[..4].copy_from_slice(b"/src");
        let header = parse(&v2(0x21, 0x31, &body)).unwrap().unwrap();
        assert_eq!(
            header.addresses,
            ProxiedAddresses::Unix {
                source: Some("/src".into()),
                destination: None,
            }
        );
    }

    #[test]
    fn v2_faults_are_named() {
        let malformed = |header: Vec<u8>| match parse(&header) {
            Err(HeaderError::V2Malformed(why)) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(malformed(v2(0x11, 0x11, &[0; 12])), "the version is not 2");
        assert_eq!(
            malformed(v2(0x22, 0x11, &[0; 12])),
            "the command is neither LOCAL nor PROXY"
        );
        assert_eq!(
            malformed(v2(0x21, 0x41, &[0; 12])),
            "the address family is not INET, INET6 or UNIX"
        );
        assert_eq!(
            malformed(v2(0x21, 0x13, &[0; 12])),
            "the transport is neither STREAM nor DGRAM"
        );
        assert_eq!(
            malformed(v2(0x21, 0x21, &[0; 12])),
            "the address block is shorter than its family needs"
        );
        let mut overrun = vec![0; 12];
        overrun.extend_from_slice(&[0x04, 0x00, 0x09, 1, 2]);
        assert_eq!(
            malformed(v2(0x21, 0x11, &overrun)),
            "a TLV runs past the end of the header"
        );
        assert_eq!(
            malformed(v2(0x21, 0x11, &[0; 14])),
            "a TLV runs past the end of the header"
        );
    }

    #[test]
    fn an_oversized_v2_header_is_refused_from_its_fixed_part() {
        let mut fixed = V2_SIGNATURE.to_vec();
        fixed.extend_from_slice(&[0x21, 0x11, 0xFF, 0xFF]);
        let mut parser = HeaderParser::new();
        assert_eq!(
            parser.next_header(&mut &fixed[..]),
            Err(HeaderError::V2TooLong {
                length: 16 + 0xFFFF,
                limit: DEFAULT_MAX_V2_LENGTH,
            })
        );
        assert_eq!(parser.buffered(), V2_FIXED_LENGTH);
    }

    #[test]
    fn the_cursor_stops_right_after_the_header() {
        let mut bytes = v2(0x21, 0x11, &[127, 0, 0, 2, 127, 0, 0, 1, 0, 80, 1, 187]);
        bytes.extend_from_slice(b"GET /");
        let mut input = &bytes[..];
        let header = HeaderParser::new()
            .next_header(&mut input)
            .unwrap()
            .unwrap();
        assert_eq!(header.source().unwrap().to_string(), "127.0.0.2:80");
        assert_eq!(header.destination().unwrap().to_string(), "127.0.0.1:443");
        assert_eq!(input, b"GET /");
    }
}
