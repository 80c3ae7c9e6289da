//! [`ProxyHeaderLayer`]: reads the PROXY header at the start of a
//! connection, then passes the stream through; [`ProxyInfo`]: what it
//! learnt, shared with the transport it hands up.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::header::ProxyHeader;
use super::parser::{DEFAULT_MAX_V2_LENGTH, HeaderParser};
use crate::layer::{Above, Layer, LayerEvent, WritePath};
use crate::time::{DelayedCall, Scheduler, Timers};
use crate::{Address, CloseReason, HandOver, HandOverError, Protocol, Transport};

/// How long a connection may take to send its whole header, by default.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`ProxyHeaderLayer`] reads the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyHeaderOptions {
    /// The time the whole header may take from the connection's start
    /// ([`DEFAULT_HEADER_TIMEOUT`] by default).
    pub timeout: Duration,
    /// The longest version 2 header accepted, fixed part included
    /// ([`DEFAULT_MAX_V2_LENGTH`] by default; see
    /// [`HeaderParser::with_max_v2_length`]).
    pub max_v2_length: usize,
}

impl Default for ProxyHeaderOptions {
    fn default() -> Self {
        ProxyHeaderOptions {
            timeout: DEFAULT_HEADER_TIMEOUT,
            max_v2_length: DEFAULT_MAX_V2_LENGTH,
        }
    }
}

/// A [layer](crate::layer) for connections that come through a proxy
/// speaking the PROXY protocol (HAProxy's `send-proxy` and
/// `send-proxy-v2`, most cloud load balancers).
///
/// It reads the header (version 1 or 2) that the proxy sends first, then
/// tells the protocol above with [`LayerEvent::ProxyHeader`] and from then
/// on passes every byte through untouched, starting with those that came
/// after the header in the same read. From that event on, the transport
/// above reports the relayed connection's addresses: its peer address is
/// the client's, its local address the one the client connected to. A
/// `LOCAL` header (the proxy's health check) and an `UNKNOWN` one leave
/// the socket's own addresses.
///
/// A connection whose first bytes are no header, a malformed or oversized
/// header, or a header not complete within the
/// [timeout](ProxyHeaderOptions::timeout) is closed, with the reason
/// logged (a warning: a proxy that does not send the header is a setting
/// to fix) and given to `connection_lost`; nothing reaches the protocol
/// above but `connection_lost`.
///
/// To build each connection's protocol only once the client's address is
/// known (so that a factory such as
/// [`LimitPerAddress`](crate::policies::LimitPerAddress) counts the
/// client, not the proxy), use [`BehindProxy`](super::BehindProxy), which
/// is what the `haproxy:` endpoints do.
pub struct ProxyHeaderLayer {
    state: Reading,
    timers: Timers,
    options: ProxyHeaderOptions,
    deadline: Option<DelayedCall>,
    info: Rc<ProxyInfo>,
}

/// Where the layer is in the stream.
enum Reading {
    /// Before the end of the header.
    Header(HeaderParser),
    /// After it: bytes pass through.
    Through,
    /// The header was refused; the connection is closing.
    Refused,
}

impl ProxyHeaderLayer {
    /// A layer that reads the header within `options`' bounds, timing it
    /// on `scheduler` (the reactor, or a test clock).
    pub fn new(scheduler: &dyn Scheduler, options: ProxyHeaderOptions) -> Self {
        ProxyHeaderLayer {
            state: Reading::Header(HeaderParser::new().with_max_v2_length(options.max_v2_length)),
            timers: scheduler.timers(),
            options,
            deadline: None,
            info: Rc::new(ProxyInfo::default()),
        }
    }

    fn stop_the_clock(&mut self) {
        if let Some(deadline) = self.deadline.take() {
            deadline.cancel();
        }
    }

    fn refuse(&mut self, lower: &Transport, why: &str) {
        self.state = Reading::Refused;
        self.stop_the_clock();
        close_without_header(lower, why);
    }
}

/// Closes `lower`, saying `why` in the log and to `connection_lost`.
fn close_without_header(lower: &Transport, why: &str) {
    tracing::warn!(peer = %lower.peer_address(), why, "closing a connection without a valid PROXY header");
    lower.lose_connection_because(why);
}

impl Layer for ProxyHeaderLayer {
    type Shared = ProxyInfo;

    fn connection_made(&mut self, lower: &Transport) -> Rc<ProxyInfo> {
        let transport = lower.clone();
        let timeout = self.options.timeout;
        self.deadline = Some(self.timers.call_at(
            self.timers.now() + timeout,
            Box::new(move || {
                let why = format!("no complete PROXY header within {timeout:?}");
                close_without_header(&transport, &why);
            }),
        ));
        self.info.clone()
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let parser = match &mut self.state {
            Reading::Through => {
                above.deliver(data);
                return;
            }
            Reading::Refused => return,
            Reading::Header(parser) => parser,
        };
        let mut rest = data;
        match parser.next_header(&mut rest) {
            Ok(None) => {}
            Ok(Some(header)) => {
                self.state = Reading::Through;
                self.stop_the_clock();
                tracing::debug!(peer = %above.lower().peer_address(), ?header, "PROXY header");
                *self.info.header.borrow_mut() = Some(header.clone());
                let _ = above.event(&LayerEvent::ProxyHeader(&header))
                    && !rest.is_empty()
                    && above.deliver(rest);
            }
            Err(error) => self.refuse(&above.lower().clone(), &error.to_string()),
        }
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        self.stop_the_clock();
    }
}

/// What a [`ProxyHeaderLayer`] learnt, found from any transport above it
/// with [`ProxyInfo::of`]; also the layer's way down (writes pass
/// through, the addresses are the relayed connection's).
#[derive(Debug, Default)]
pub struct ProxyInfo {
    header: RefCell<Option<ProxyHeader>>,
}

impl ProxyInfo {
    /// The state of the nearest PROXY layer under `transport`, if any.
    pub fn of(transport: &Transport) -> Option<Rc<ProxyInfo>> {
        transport.layer::<ProxyInfo>()
    }

    /// The header, once it was read (its TLVs, its version, the addresses
    /// it gave).
    pub fn header(&self) -> Option<ProxyHeader> {
        self.header.borrow().clone()
    }
}

impl WritePath for ProxyInfo {
    fn write(&self, data: &[u8], lower: &Transport) {
        lower.write(data);
    }

    fn write_vectored(&self, parts: &[&[u8]], lower: &Transport) {
        lower.write_vectored(parts);
    }

    fn peer_address(&self, lower: &Transport) -> Address {
        let told = self.header.borrow().as_ref().and_then(ProxyHeader::source);
        told.unwrap_or_else(|| lower.peer_address())
    }

    fn local_address(&self, lower: &Transport) -> Address {
        let told = self
            .header
            .borrow()
            .as_ref()
            .and_then(ProxyHeader::destination);
        told.unwrap_or_else(|| lower.local_address())
    }

    /// Hands the connection over with its header written back in front
    /// of `unused`, so that the reactor adopting it reads the header
    /// again (its service is a [`BehindProxy`](super::BehindProxy), as
    /// for every connection of a `haproxy:` endpoint on a
    /// [pool](crate::pool)) and the protocol built there sees the client's
    /// address, its TLVs and all. Refused
    /// ([`HandOverError::Unsupported`]) before the header was read:
    /// nothing above has read anything then.
    fn hand_over(&self, unused: &[u8], lower: &Transport) -> Result<HandOver, HandOverError> {
        let header = self.header.borrow().as_ref().map(ProxyHeader::encode);
        let header = header.ok_or(HandOverError::Unsupported)?;
        lower.hand_over(&[header.as_slice(), unused].concat())
    }
}
