//! [`Reactor::connect_protocol`]: connecting as a future (Twisted's
//! `connectProtocol`), and [`Connected`], the handle it gives.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::closed::{Closed, WhenClosed};
use crate::deferred::{Deferred, DeferredError, Resolver};
use crate::endpoints::{ClientEndpoint, ToClientEndpoint};
use crate::{
    Address, ClientFactory, CloseReason, ConnectError, Connector, Error, HalfClose, LayerEvent,
    Protocol, Reactor, Transport,
};

impl Reactor {
    /// Connects `protocol` to `endpoint` and completes once it is
    /// connected (Twisted's `connectProtocol`): with a [`Connected`]
    /// handle through which the caller reaches the protocol, or with why
    /// the connection could not be made ([`ConnectError`]: refused, timed
    /// out, name not resolved…).
    ///
    /// The protocol's `connection_made` has run when the future
    /// completes. Dropping the future before that abandons the attempt;
    /// a connection made after nobody waits any more is closed.
    ///
    /// Fails at once (before any attempt) if `endpoint` does not parse.
    ///
    /// ```no_run
    /// # use weft::{Protocol, Transport};
    /// # struct Greeter;
    /// # impl Protocol for Greeter { fn data_received(&mut self, _: &[u8]) {} }
    /// weft::react(|reactor| async move {
    ///     match reactor.connect_protocol("tcp:host=localhost:port=8900:timeout=2", Greeter) {
    ///         Ok(connecting) => match connecting.await {
    ///             Ok(connected) => connected.transport().write(b"hello\r\n"),
    ///             Err(error) => eprintln!("{error}"),
    ///         },
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// })
    /// # .unwrap();
    /// ```
    pub fn connect_protocol<P: Protocol>(
        &self,
        endpoint: &(impl ToClientEndpoint + ?Sized),
        protocol: P,
    ) -> Result<Connecting<P>, Error> {
        let connector: Rc<RefCell<Option<Connector>>> = Rc::default();
        let stop = connector.clone();
        let (deferred, resolver) = Deferred::with_canceller(move |_| {
            if let Some(connector) = stop.borrow_mut().take() {
                connector.stop_connecting();
            }
        });
        let factory = ConnectOnce {
            protocol: Some(protocol),
            resolver: Some(resolver),
        };
        let endpoint = endpoint.to_client_endpoint()?;
        let target = describe(&endpoint);
        *connector.borrow_mut() = Some(self.connect(&endpoint, factory)?);
        Ok(Connecting { deferred, target })
    }
}

/// The future of [`Reactor::connect_protocol`]: the connected protocol's
/// handle, or why the connection could not be made. Dropping it abandons
/// the attempt.
#[must_use = "dropping it abandons the connection attempt"]
pub struct Connecting<P> {
    deferred: Deferred<Connected<P>, ConnectError>,
    target: String,
}

impl<P> Future for Connecting<P> {
    type Output = Result<Connected<P>, ConnectError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.deferred)
            .poll(cx)
            .map_err(|error| match error {
                DeferredError::Failed(error) => error,
                // Dropped unfinished: the reactor stopped.
                _ => ConnectError::Cancelled {
                    target: self.target.clone(),
                },
            })
    }
}

impl<P> fmt::Debug for Connecting<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connecting")
            .field("target", &self.target)
            .finish()
    }
}

/// Where an endpoint leads, as connect errors name it.
fn describe(endpoint: &ClientEndpoint) -> String {
    match endpoint {
        ClientEndpoint::Tcp { host, port, .. } => format!("{host}:{port}"),
        ClientEndpoint::Unix { path, .. } => format!("unix:{}", path.display()),
        ClientEndpoint::Tls(options) => format!("{}:{}", options.host, options.port),
    }
}

/// A connected protocol, reached through this handle (the protocol
/// itself lives in the reactor, which calls it as bytes arrive). Clones
/// reach the same protocol; dropping them does not close the connection.
pub struct Connected<P> {
    protocol: Rc<RefCell<P>>,
    transport: Transport,
    closed: Rc<Closed>,
}

impl<P> Clone for Connected<P> {
    fn clone(&self) -> Self {
        Connected {
            protocol: self.protocol.clone(),
            transport: self.transport.clone(),
            closed: self.closed.clone(),
        }
    }
}

impl<P> Connected<P> {
    /// Runs `f` on the protocol: to read its state or call its methods.
    ///
    /// # Panics
    ///
    /// If called from inside one of the protocol's own methods.
    pub fn with<R>(&self, f: impl FnOnce(&mut P) -> R) -> R {
        f(&mut self.protocol.borrow_mut())
    }

    /// The connection's transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed.reason().is_some()
    }

    /// Completes when the connection ends, with why.
    pub fn closed(&self) -> WhenClosed {
        WhenClosed::new(self.closed.clone())
    }
}

impl<P: fmt::Debug> fmt::Debug for Connected<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connected")
            .field("protocol", &self.protocol)
            .field("transport", &self.transport)
            .finish()
    }
}

/// The client factory of one `connect_protocol`: hands over its protocol
/// once, and tells the deferred how the attempt went.
struct ConnectOnce<P> {
    protocol: Option<P>,
    resolver: Option<Resolver<Connected<P>, ConnectError>>,
}

impl<P: Protocol> ClientFactory for ConnectOnce<P> {
    type Protocol = Reached<P>;

    fn build_protocol(&mut self, _peer: &Address) -> Option<Reached<P>> {
        Some(Reached {
            protocol: Rc::new(RefCell::new(self.protocol.take()?)),
            resolver: self.resolver.take(),
            closed: Rc::default(),
        })
    }

    fn connection_failed(&mut self, error: ConnectError) {
        if let Some(resolver) = self.resolver.take() {
            resolver.fail(error);
        }
    }
}

/// The protocol as the reactor sees it: the caller's, shared with the
/// [`Connected`] handle.
struct Reached<P> {
    protocol: Rc<RefCell<P>>,
    resolver: Option<Resolver<Connected<P>, ConnectError>>,
    closed: Rc<Closed>,
}

impl<P: Protocol> Protocol for Reached<P> {
    fn connection_made(&mut self, transport: Transport) {
        self.protocol
            .borrow_mut()
            .connection_made(transport.clone());
        let Some(resolver) = self.resolver.take() else {
            return;
        };
        let connected = Connected {
            protocol: self.protocol.clone(),
            transport: transport.clone(),
            closed: self.closed.clone(),
        };
        if !resolver.resolve(connected) {
            transport.lose_connection_because("nobody waits for this connection any more");
        }
    }

    fn data_received(&mut self, data: &[u8]) {
        self.protocol.borrow_mut().data_received(data);
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        self.protocol.borrow_mut().layer_event(event);
    }

    fn eof_received(&mut self) -> HalfClose {
        self.protocol.borrow_mut().eof_received()
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.protocol.borrow_mut().connection_lost(reason);
        self.closed.close(reason);
    }

    fn pause_writing(&mut self) {
        self.protocol.borrow_mut().pause_writing();
    }

    fn resume_writing(&mut self) {
        self.protocol.borrow_mut().resume_writing();
    }
}
