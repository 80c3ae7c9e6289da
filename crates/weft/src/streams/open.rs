//! [`open_connection`] and [`start_server`]: streams on the client and
//! the server side, and their [`StreamLimits`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::buffer::Buffer;
use super::protocol::StreamProtocol;
use super::{StreamReader, StreamWriter};
use crate::client::Connecting;
use crate::endpoints::{ToClientEndpoint, ToServerEndpoint};
use crate::time::Scheduler;
use crate::{Address, ConnectError, Error, ListeningPort, Reactor};

/// How much a stream holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    /// Unread bytes above which (twice this) the connection stops reading
    /// and at which it reads again, and the longest line, newline
    /// included, that
    /// [`read_line`](StreamReader::read_line) accepts (asyncio's `limit`,
    /// 64 KiB by default).
    pub read_buffer: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            read_buffer: 64 * 1024,
        }
    }
}

/// A stream's two ends and the protocol that feeds them.
fn stream(limits: StreamLimits) -> (StreamProtocol, StreamReader, StreamWriter) {
    let buffer = Buffer::new(limits.read_buffer.max(1));
    (
        StreamProtocol::new(buffer.clone()),
        StreamReader::new(buffer.clone()),
        StreamWriter::new(buffer),
    )
}

/// Connects to `endpoint` and gives the stream's two ends (asyncio's
/// `open_connection`), with the default [`StreamLimits`]; or why the
/// connection could not be made. Fails at once if `endpoint` does not
/// parse.
pub fn open_connection(
    reactor: &Reactor,
    endpoint: &(impl ToClientEndpoint + ?Sized),
) -> Result<OpenConnection, Error> {
    open_connection_with(reactor, endpoint, StreamLimits::default())
}

/// [`open_connection`] with explicit limits.
pub fn open_connection_with(
    reactor: &Reactor,
    endpoint: &(impl ToClientEndpoint + ?Sized),
    limits: StreamLimits,
) -> Result<OpenConnection, Error> {
    let (protocol, reader, writer) = stream(limits);
    Ok(OpenConnection {
        connecting: reactor.connect_protocol(endpoint, protocol)?,
        ends: Some((reader, writer)),
    })
}

/// The future of [`open_connection`]. Dropping it abandons the attempt.
#[must_use = "dropping it abandons the connection attempt"]
pub struct OpenConnection {
    connecting: Connecting<StreamProtocol>,
    ends: Option<(StreamReader, StreamWriter)>,
}

impl Future for OpenConnection {
    type Output = Result<(StreamReader, StreamWriter), ConnectError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let connected = std::task::ready!(Pin::new(&mut self.connecting).poll(cx));
        Poll::Ready(connected.map(|_| self.ends.take().expect("an open connection completes once")))
    }
}

impl fmt::Debug for OpenConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenConnection")
            .field("connecting", &self.connecting)
            .finish()
    }
}

/// Listens on `endpoint` and runs `serve(reader, writer)` as a task for
/// each connection (asyncio's `start_server`). The connection is closed
/// once the task dropped both ends; a task that panics ends its
/// connection only.
pub fn start_server<S, Fut>(
    reactor: &Reactor,
    endpoint: &(impl ToServerEndpoint + ?Sized),
    limits: StreamLimits,
    mut serve: S,
) -> Result<ListeningPort, Error>
where
    S: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let timers = reactor.timers();
    reactor.listen(endpoint, move |_peer: &Address| {
        let (protocol, reader, writer) = stream(limits);
        timers.spawn(serve(reader, writer)).detach();
        Some(protocol)
    })
}
