//! The PROXY protocol (HAProxy's `proxy-protocol.txt`), versions 1 and 2:
//! how a proxy in front of a server tells it the client's address.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`header`] | [`ProxyHeader`]: what a header says, and [`ProxyHeader::encode`] |
//! | [`parser`] | [`HeaderParser`]: a header read from a stream (sans-I/O), [`HeaderError`] |
//! | [`layer`] | [`ProxyHeaderLayer`]: the header read at a connection's start, then the stream passed through; [`ProxyInfo`] |
//! | [`behind`] | [`BehindProxy`]: a factory asked for each protocol once the client's address is known |
//!
//! A server behind HAProxy listens on `haproxy:tcp:8900` (any server
//! endpoint after `haproxy:`), which serves its factory through
//! [`BehindProxy`]:
//!
//! ```
//! use weft::protocols::proxy::{HeaderParser, ProxiedAddresses, ProxyHeader};
//!
//! let mut parser = HeaderParser::new();
//! let mut input: &[u8] = b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 8900\r\nhello";
//! let header = parser.next_header(&mut input).unwrap().unwrap();
//! assert_eq!(header.source().unwrap().to_string(), "192.0.2.7:56324");
//! assert_eq!(input, b"hello"); // what follows the header is left for the protocol
//! ```

pub mod behind;
pub mod header;
pub mod layer;
pub mod parser;

pub use behind::{AfterHeader, BehindProxy};
pub use header::{Command, ProxiedAddresses, ProxyHeader, Tlv, Version};
pub use layer::{ProxyHeaderLayer, ProxyHeaderOptions, ProxyInfo};
pub use parser::{HeaderError, HeaderParser};
