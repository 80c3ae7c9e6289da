//! Outgoing connections: name resolution, non-blocking connects racing
//! over the resolved addresses (Happy Eyeballs, RFC 8305) within one
//! timeout, and the [`Connector`] handle.
//!
//! The addresses are tried in RFC 8305's order (families alternating,
//! from the family of the first answer). Each attempt that has neither
//! connected nor failed after [`CONNECTION_ATTEMPT_DELAY`] is joined by
//! one to the next address, and an attempt that fails starts the next at
//! once; the first to connect wins, and the others are closed. So an
//! address that drops packets (a broken IPv6 route) costs 250 ms, not the
//! whole timeout, as in Twisted's `HostnameEndpoint` and in browsers.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::Inner;
use super::resolver::{Lookup, interleave_families};
use super::sources::{Source, SourceKey};
use super::stream::Stream;
use crate::endpoints::ClientEndpoint;
use crate::panic_guard::catch_panic;
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

/// How long an attempt to connect to one address runs alone before the
/// next address is tried alongside it: RFC 8305's recommended
/// "Connection Attempt Delay".
pub const CONNECTION_ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// A connection attempt in the reactor's table.
pub(crate) struct Connecting {
    /// The connects in flight, one per address being tried; empty while
    /// resolving.
    racing: Vec<Stream>,
    /// The name lookup in progress, if any.
    lookup: Option<Lookup>,
    target: Target,
    factory: SharedFactory,
    timeout: Option<DelayedCall>,
    /// Starts the next address when the last attempt started has waited
    /// [`CONNECTION_ATTEMPT_DELAY`].
    stagger: Option<DelayedCall>,
    last_error: Option<io::Error>,
}

impl Connecting {
    /// Whether an address is left to try.
    fn has_untried(&self) -> bool {
        matches!(&self.target, Target::Tcp { untried, .. } if !untried.is_empty())
    }

    /// The attempt is over: its timers and lookup are cancelled, and the
    /// connects still in flight closed.
    fn stop(&mut self, registry: &mio::Registry) {
        for call in [self.timeout.take(), self.stagger.take()]
            .into_iter()
            .flatten()
        {
            call.cancel();
        }
        if let Some(lookup) = self.lookup.take() {
            lookup.cancel();
        }
        for mut stream in self.racing.drain(..) {
            stream.deregister(registry);
        }
    }
}

/// A connection attempt in progress (Twisted's `IConnector`).
#[derive(Clone, Debug)]
pub struct Connector {
    reactor: Weak<Inner>,
    key: SourceKey,
}

impl Connector {
    /// Abandons the attempt if it has not connected yet; the factory hears
    /// [`ConnectError::Cancelled`]. Returns `false` when the attempt was
    /// already over (connected or failed).
    pub fn stop_connecting(&self) -> bool {
        let Some(inner) = self.reactor.upgrade() else {
            return false;
        };
        inner.fail_connect(self.key, |target| ConnectError::Cancelled { target })
    }

    /// Whether the attempt is still in progress.
    pub fn is_connecting(&self) -> bool {
        self.reactor.upgrade().is_some_and(|inner| {
            matches!(
                inner.sources.borrow().get(self.key),
                Some(Source::Connecting(_))
            )
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
        // The TLS itself is in the factory (see `Reactor::connect`).
        ClientEndpoint::Tls(options) => (
            Target::Tcp {
                host: options.host,
                port: options.port,
                untried: VecDeque::new(),
            },
            options.timeout,
        ),
    };
    let attempt = Connecting {
        racing: Vec::new(),
        lookup: None,
        target,
        factory: Rc::new(RefCell::new(factory)),
        timeout: None,
        stagger: None,
        last_error: None,
    };
    let key = inner
        .sources
        .borrow_mut()
        .insert(|_| Source::Connecting(Box::new(attempt)));
    if let Some(after) = timeout {
        let weak = Rc::downgrade(inner);
        let call = inner.timers.schedule(
            Instant::now() + after,
            Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.fail_connect(key, |target| ConnectError::TimedOut { target, after });
                }
            }),
        );
        inner.connecting(key, |c| c.timeout = Some(call));
    }
    let weak = Rc::downgrade(inner);
    inner.soon.borrow_mut().push_back(Box::new(move || {
        if let Some(inner) = weak.upgrade() {
            inner.begin_connect(key);
        }
    }));
    Connector {
        reactor: Rc::downgrade(inner),
        key,
    }
}

impl Inner {
    fn connecting<R>(&self, key: SourceKey, f: impl FnOnce(&mut Connecting) -> R) -> Option<R> {
        match self.sources.borrow_mut().get_mut(key) {
            Some(Source::Connecting(c)) => Some(f(c)),
            _ => None,
        }
    }

    fn begin_connect(self: &Rc<Self>, key: SourceKey) {
        enum Next {
            Resolve(String, u16),
            Tcp,
            Unix(PathBuf),
        }
        let next = self.connecting(key, |c| match &mut c.target {
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
            Some(Next::Tcp) => self.start_next_attempt(key),
            Some(Next::Unix(path)) => {
                let attempt = mio::net::UnixStream::connect(&path).map(Stream::Unix);
                if !self.await_connect(key, attempt) {
                    self.fail_if_nothing_racing(key);
                }
            }
            Some(Next::Resolve(host, port)) => self.resolve(key, host, port),
            None => {}
        }
    }

    /// Resolves `host` on the resolver pool, then continues on the
    /// reactor.
    fn resolve(self: &Rc<Self>, key: SourceKey, host: String, port: u16) {
        let remote = super::Remote::new(self.remote.clone());
        let name = host.clone();
        let lookup = self.resolver.lookup(host, port, move |result| {
            // If the reactor is gone there is nobody left to tell.
            let _ = remote.call_from_thread(move |reactor| {
                reactor.inner.resolved(key, name, result);
            });
        });
        match lookup {
            Ok(lookup) => {
                self.connecting(key, |c| c.lookup = Some(lookup));
            }
            Err(error) => {
                self.connecting(key, |c| c.last_error = Some(error));
                self.start_next_attempt_later(key);
            }
        }
    }

    fn resolved(
        self: &Rc<Self>,
        key: SourceKey,
        host: String,
        result: io::Result<Vec<SocketAddr>>,
    ) {
        match result {
            Ok(addresses) if !addresses.is_empty() => {
                self.connecting(key, |c| {
                    c.lookup = None;
                    if let Target::Tcp { untried, .. } = &mut c.target {
                        untried.extend(interleave_families(addresses));
                    }
                });
                self.start_next_attempt(key);
            }
            Ok(_) => {
                self.fail_connect(key, |_| ConnectError::Resolve {
                    host,
                    source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
                });
            }
            Err(source) => {
                self.fail_connect(key, |_| ConnectError::Resolve { host, source });
            }
        }
    }

    fn start_next_attempt_later(self: &Rc<Self>, key: SourceKey) {
        let weak = Rc::downgrade(self);
        self.soon.borrow_mut().push_back(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.start_next_attempt(key);
            }
        }));
    }

    /// Starts a connect to the next address that does not fail at once,
    /// alongside those in flight. With no address left, the attempt fails
    /// with the last error if nothing is in flight either.
    fn start_next_attempt(self: &Rc<Self>, key: SourceKey) {
        loop {
            let next = self.connecting(key, |c| match &mut c.target {
                Target::Tcp { untried, .. } => untried.pop_front(),
                Target::Unix(_) => None,
            });
            let address = match next {
                None => return,
                Some(Some(address)) => address,
                Some(None) => return self.fail_if_nothing_racing(key),
            };
            let attempt = mio::net::TcpStream::connect(address).map(Stream::Tcp);
            if self.await_connect(key, attempt) {
                return self.stagger_next_attempt(key);
            }
        }
    }

    /// Registers a socket whose connect is in progress and returns `true`,
    /// or notes why it failed at once and returns `false`.
    fn await_connect(self: &Rc<Self>, key: SourceKey, attempt: io::Result<Stream>) -> bool {
        let registered = attempt.and_then(|mut stream| {
            stream.register(&self.registry, key.token())?;
            Ok(stream)
        });
        self.connecting(key, |c| match registered {
            Ok(stream) => {
                c.racing.push(stream);
                true
            }
            Err(error) => {
                c.last_error = Some(error);
                false
            }
        })
        .unwrap_or(false)
    }

    /// Schedules the next address to join the race after
    /// [`CONNECTION_ATTEMPT_DELAY`], if one is left.
    fn stagger_next_attempt(self: &Rc<Self>, key: SourceKey) {
        let Some(true) = self.connecting(key, |c| {
            if let Some(stagger) = c.stagger.take() {
                stagger.cancel();
            }
            c.has_untried()
        }) else {
            return;
        };
        let weak = Rc::downgrade(self);
        let call = self.timers.schedule(
            Instant::now() + CONNECTION_ATTEMPT_DELAY,
            Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.start_next_attempt(key);
                }
            }),
        );
        self.connecting(key, |c| c.stagger = Some(call));
    }

    /// Fails the attempt with its last error, unless a connect is still in
    /// flight.
    fn fail_if_nothing_racing(&self, key: SourceKey) {
        let Some(Some(error)) = self.connecting(key, |c| {
            c.racing.is_empty().then(|| {
                c.last_error
                    .take()
                    .unwrap_or_else(|| io::Error::other("no address to connect to"))
            })
        }) else {
            return;
        };
        self.fail_connect(key, |target| ConnectError::from_io(target, error));
    }

    /// Readiness of a socket whose connect is in progress: the first of
    /// the racing connects to succeed wins; one that failed is dropped,
    /// and the next address starts at once.
    pub(crate) fn connect_ready(self: &Rc<Self>, key: SourceKey) {
        /// Where the race stands after a readiness event.
        enum Race {
            Won(Stream, Address),
            /// An attempt failed (and was dropped); none connected.
            OneFailed,
            /// Every attempt is still under way.
            Running,
        }
        let race = self.connecting(key, |c| {
            let mut race = Race::Running;
            let mut index = 0;
            while index < c.racing.len() {
                let stream = &c.racing[index];
                let status = match stream.take_error() {
                    Ok(None) => stream.peer_address(),
                    Ok(Some(error)) | Err(error) => Err(error),
                };
                match status {
                    Ok(peer) => return Race::Won(c.racing.swap_remove(index), peer),
                    Err(error) if error.kind() == io::ErrorKind::NotConnected => index += 1,
                    Err(error) => {
                        c.racing.swap_remove(index).deregister(&self.registry);
                        c.last_error = Some(error);
                        race = Race::OneFailed;
                    }
                }
            }
            race
        });
        match race {
            Some(Race::Won(winner, peer)) => self.connected(key, winner, peer),
            Some(Race::OneFailed) => self.start_next_attempt(key),
            Some(Race::Running) | None => {}
        }
    }

    /// `stream` connected to `peer`: the attempt ends, the other connects
    /// in flight are closed, and the factory's protocol gets the
    /// connection.
    fn connected(self: &Rc<Self>, key: SourceKey, mut stream: Stream, peer: Address) {
        let Some(Source::Connecting(mut attempt)) = self.sources.borrow_mut().remove(key) else {
            return;
        };
        attempt.stop(&self.registry);
        stream.deregister(&self.registry);
        let factory = attempt.factory;
        let built = catch_panic("build_protocol", || factory.borrow_mut().build(&peer));
        let Ok(Some(protocol)) = built else {
            return;
        };
        let on_lost = Box::new(move |reason: &CloseReason| factory.borrow_mut().lost(reason));
        self.adopt(stream, peer, protocol, Some(on_lost));
    }

    /// Ends attempt `key` with the error `make` builds from the
    /// target's description. Returns `false` if it was already over.
    pub(crate) fn fail_connect(
        &self,
        key: SourceKey,
        make: impl FnOnce(String) -> ConnectError,
    ) -> bool {
        let removed = {
            let mut sources = self.sources.borrow_mut();
            match sources.get(key) {
                Some(Source::Connecting(_)) => sources.remove(key),
                _ => return false,
            }
        };
        let Some(Source::Connecting(mut attempt)) = removed else {
            return false;
        };
        attempt.stop(&self.registry);
        let error = make(attempt.target.describe());
        let _ = catch_panic("connection_failed", || {
            attempt.factory.borrow_mut().failed(error)
        });
        true
    }

    /// Keys of every connection attempt.
    pub(crate) fn attempt_keys(&self) -> Vec<SourceKey> {
        self.sources
            .borrow()
            .keys()
            .filter_map(|(key, source)| matches!(source, Source::Connecting(_)).then_some(key))
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
