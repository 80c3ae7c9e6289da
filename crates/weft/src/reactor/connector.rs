//! Outgoing connections: name resolution, non-blocking connect with a
//! timeout, trying each resolved address in turn, and the [`Connector`]
//! handle.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::time::Instant;

use mio::Token;

use super::connection_io::guarded;
use super::stream::Stream;
use super::{Inner, Source};
use crate::endpoints::ClientEndpoint;
use crate::time::DelayedCall;
use crate::{Address, ClientFactory, CloseReason, ConnectError, Protocol};

/// A client factory with its protocol type erased.
trait ErasedClientFactory {
    fn build(&mut self, peer: &Address) -> Option<Box<dyn Protocol>>;
    fn failed(&mut self, error: ConnectError);
    fn lost(&mut self, reason: &CloseReason);
}

impl<F: ClientFactory> ErasedClientFactory for F {
    fn build(&mut self, peer: &Address) -> Option<Box<dyn Protocol>> {
        self.build_protocol(peer)
            .map(|p| Box::new(p) as Box<dyn Protocol>)
    }

    fn failed(&mut self, error: ConnectError) {
        self.connection_failed(error);
    }

    fn lost(&mut self, reason: &CloseReason) {
        self.connection_lost(reason);
    }
}

type SharedFactory = Rc<RefCell<dyn ErasedClientFactory>>;

/// Where a connection attempt goes.
enum Target {
    Tcp {
        host: String,
        port: u16,
        /// Resolved addresses not tried yet.
        untried: VecDeque<SocketAddr>,
    },
    Unix(PathBuf),
}

impl Target {
    fn describe(&self) -> String {
        match self {
            Target::Tcp { host, port, .. } => format!("{host}:{port}"),
            Target::Unix(path) => format!("unix:{}", path.display()),
        }
    }
}

/// A connection attempt in the reactor's table.
pub(crate) struct Connecting {
    pub(crate) id: u64,
    /// `None` while resolving or between two addresses.
    stream: Option<Stream>,
    target: Target,
    factory: SharedFactory,
    timeout: Option<DelayedCall>,
    last_error: Option<io::Error>,
}

/// A connection attempt in progress (Twisted's `IConnector`).
#[derive(Clone, Debug)]
pub struct Connector {
    reactor: Weak<Inner>,
    key: usize,
    id: u64,
}

impl Connector {
    /// Abandons the attempt if it has not connected yet; the factory hears
    /// [`ConnectError::Cancelled`]. Returns `false` when the attempt was
    /// already over (connected or failed).
    pub fn stop_connecting(&self) -> bool {
        let Some(inner) = self.reactor.upgrade() else {
            return false;
        };
        inner.fail_connect(self.key, self.id, |target| ConnectError::Cancelled {
            target,
        })
    }

    /// Whether the attempt is still in progress.
    pub fn is_connecting(&self) -> bool {
        self.reactor.upgrade().is_some_and(|inner| {
            matches!(inner.sources.borrow().get(self.key),
                Some(Source::Connecting(c)) if c.id == self.id)
        })
    }
}

/// Starts connecting to `endpoint`. Every outcome, even an immediate
/// failure, reaches the factory from the loop, never from this call.
pub(crate) fn start<F: ClientFactory>(
    inner: &Rc<Inner>,
    endpoint: ClientEndpoint,
    factory: F,
) -> Connector {
    let (target, timeout) = match endpoint {
        ClientEndpoint::Tcp {
            host,
            port,
            timeout,
        } => (
            Target::Tcp {
                host,
                port,
                untried: VecDeque::new(),
            },
            timeout,
        ),
        ClientEndpoint::Unix { path, timeout } => (Target::Unix(path), timeout),
    };
    let id = inner.take_id();
    let key = inner
        .sources
        .borrow_mut()
        .insert(Source::Connecting(Box::new(Connecting {
            id,
            stream: None,
            target,
            factory: Rc::new(RefCell::new(factory)),
            timeout: None,
            last_error: None,
        })));
    if let Some(after) = timeout {
        let weak = Rc::downgrade(inner);
        let call = inner.timers.schedule(
            Instant::now() + after,
            Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.fail_connect(key, id, |target| ConnectError::TimedOut { target, after });
                }
            }),
        );
        inner.connecting(key, id, |c| c.timeout = Some(call));
    }
    let weak = Rc::downgrade(inner);
    inner.soon.borrow_mut().push_back(Box::new(move || {
        if let Some(inner) = weak.upgrade() {
            inner.begin_connect(key, id);
        }
    }));
    Connector {
        reactor: Rc::downgrade(inner),
        key,
        id,
    }
}

impl Inner {
    fn connecting<R>(
        &self,
        key: usize,
        id: u64,
        f: impl FnOnce(&mut Connecting) -> R,
    ) -> Option<R> {
        match self.sources.borrow_mut().get_mut(key) {
            Some(Source::Connecting(c)) if c.id == id => Some(f(c)),
            _ => None,
        }
    }

    fn begin_connect(self: &Rc<Self>, key: usize, id: u64) {
        enum Next {
            Resolve(String, u16),
            Tcp,
            Unix(PathBuf),
        }
        let next = self.connecting(key, id, |c| match &mut c.target {
            Target::Tcp {
                host,
                port,
                untried,
            } => match host.parse::<IpAddr>() {
                Ok(ip) => {
                    untried.push_back(SocketAddr::new(ip, *port));
                    Next::Tcp
                }
                Err(_) => Next::Resolve(host.clone(), *port),
            },
            Target::Unix(path) => Next::Unix(path.clone()),
        });
        match next {
            Some(Next::Tcp) => self.try_next_address(key, id),
            Some(Next::Unix(path)) => {
                let attempt = mio::net::UnixStream::connect(&path).map(Stream::Unix);
                self.await_connect(key, id, attempt);
            }
            Some(Next::Resolve(host, port)) => self.resolve(key, id, host, port),
            None => {}
        }
    }

    /// Resolves `host` on a thread of its own (the system resolver
    /// blocks), then continues on the reactor.
    fn resolve(self: &Rc<Self>, key: usize, id: u64, host: String, port: u16) {
        let remote = super::Remote::new(self.remote.clone());
        let spawned = std::thread::Builder::new()
            .name("weft-resolver".into())
            .spawn(move || {
                let result = (host.as_str(), port)
                    .to_socket_addrs()
                    .map(|addrs| addrs.collect::<Vec<_>>());
                // If the reactor is gone there is nobody left to tell.
                let _ = remote.call_from_thread(move |reactor| {
                    reactor.inner.resolved(key, id, host, result);
                });
            });
        if let Err(error) = spawned {
            self.connecting(key, id, |c| c.last_error = Some(error));
            self.try_next_address_later(key, id);
        }
    }

    fn resolved(
        self: &Rc<Self>,
        key: usize,
        id: u64,
        host: String,
        result: io::Result<Vec<SocketAddr>>,
    ) {
        match result {
            Ok(addresses) if !addresses.is_empty() => {
                self.connecting(key, id, |c| {
                    if let Target::Tcp { untried, .. } = &mut c.target {
                        untried.extend(addresses);
                    }
                });
                self.try_next_address(key, id);
            }
            Ok(_) => {
                self.fail_connect(key, id, |_| ConnectError::Resolve {
                    host,
                    source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
                });
            }
            Err(source) => {
                self.fail_connect(key, id, |_| ConnectError::Resolve { host, source });
            }
        }
    }

    fn try_next_address_later(self: &Rc<Self>, key: usize, id: u64) {
        let weak = Rc::downgrade(self);
        self.soon.borrow_mut().push_back(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.try_next_address(key, id);
            }
        }));
    }

    fn try_next_address(self: &Rc<Self>, key: usize, id: u64) {
        let next = self.connecting(key, id, |c| match &mut c.target {
            Target::Tcp { untried, .. } => untried.pop_front(),
            Target::Unix(_) => None,
        });
        match next {
            Some(Some(address)) => {
                let attempt = mio::net::TcpStream::connect(address).map(Stream::Tcp);
                self.await_connect(key, id, attempt);
            }
            Some(None) => {
                let error = self
                    .connecting(key, id, |c| c.last_error.take())
                    .flatten()
                    .unwrap_or_else(|| io::Error::other("no address to connect to"));
                self.fail_connect(key, id, |target| ConnectError::from_io(target, error));
            }
            None => {}
        }
    }

    /// Registers a socket whose connect is in progress, or moves on after
    /// an immediate failure.
    fn await_connect(self: &Rc<Self>, key: usize, id: u64, attempt: io::Result<Stream>) {
        let registered = attempt.and_then(|mut stream| {
            stream.register(&self.registry, Token(key))?;
            Ok(stream)
        });
        match registered {
            Ok(stream) => {
                self.connecting(key, id, |c| c.stream = Some(stream));
            }
            Err(error) => {
                self.connecting(key, id, |c| c.last_error = Some(error));
                self.try_next_address(key, id);
            }
        }
    }

    /// Readiness of a socket whose connect is in progress.
    pub(crate) fn connect_ready(self: &Rc<Self>, key: usize, id: u64) {
        let status = self.connecting(key, id, |c| {
            let stream = c.stream.as_ref()?;
            Some(match stream.take_error() {
                Ok(None) => stream.peer_address(),
                Ok(Some(error)) | Err(error) => Err(error),
            })
        });
        match status.flatten() {
            Some(Ok(peer)) => self.connected(key, id, peer),
            Some(Err(error)) if error.kind() == io::ErrorKind::NotConnected => {}
            Some(Err(error)) => {
                self.connecting(key, id, |c| {
                    if let Some(mut stream) = c.stream.take() {
                        stream.deregister(&self.registry);
                    }
                    c.last_error = Some(error);
                });
                self.try_next_address(key, id);
            }
            None => {}
        }
    }

    fn connected(self: &Rc<Self>, key: usize, id: u64, peer: Address) {
        let parts = self.connecting(key, id, |c| {
            if let Some(timeout) = c.timeout.take() {
                timeout.cancel();
            }
            (c.stream.take(), c.factory.clone())
        });
        let Some((Some(mut stream), factory)) = parts else {
            return;
        };
        stream.deregister(&self.registry);
        let mut built = None;
        guarded("build_protocol", || {
            built = factory.borrow_mut().build(&peer)
        });
        let Some(protocol) = built else {
            self.sources.borrow_mut().remove(key);
            return;
        };
        let on_lost = Box::new(move |reason: &CloseReason| factory.borrow_mut().lost(reason));
        self.adopt(Some(key), stream, peer, protocol, Some(on_lost));
    }

    /// Ends attempt `(key, id)` with the error `make` builds from the
    /// target's description. Returns `false` if it was already over.
    pub(crate) fn fail_connect(
        &self,
        key: usize,
        id: u64,
        make: impl FnOnce(String) -> ConnectError,
    ) -> bool {
        let removed = {
            let mut sources = self.sources.borrow_mut();
            match sources.get(key) {
                Some(Source::Connecting(c)) if c.id == id => sources.remove(key),
                _ => return false,
            }
        };
        let Source::Connecting(mut attempt) = removed else {
            unreachable!("checked to be a connection attempt above");
        };
        if let Some(mut stream) = attempt.stream.take() {
            stream.deregister(&self.registry);
        }
        if let Some(timeout) = attempt.timeout.take() {
            timeout.cancel();
        }
        let error = make(attempt.target.describe());
        guarded("connection_failed", || {
            attempt.factory.borrow_mut().failed(error)
        });
        true
    }

    /// Keys and ids of every connection attempt.
    pub(crate) fn attempts(&self) -> Vec<(usize, u64)> {
        self.sources
            .borrow()
            .iter()
            .filter_map(|(key, source)| match source {
                Source::Connecting(c) => Some((key, c.id)),
                _ => None,
            })
            .collect()
    }
}

impl ConnectError {
    fn from_io(target: String, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::ConnectionRefused {
            ConnectError::Refused { target }
        } else {
            ConnectError::Io { target, source }
        }
    }
}
