//! [`Member`]: one reactor of a [`Pool`](super::Pool), as its setup sees
//! it, and the two ways of spreading a listener's connections.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::Shared;
use super::services;
use crate::endpoints::{ServerEndpoint, TcpListenOptions, ToServerEndpoint};
use crate::protocols::proxy::BehindProxy;
use crate::tls::TlsServerFactory;
use crate::{
    Address, Error, Factory, HandOver, ListeningPort, Protocol, Reactor, Remote, Transport,
};

/// One reactor of a pool, handed to the pool's setup on that reactor's
/// thread.
pub struct Member {
    reactor: Reactor,
    index: usize,
    shared: Arc<Shared>,
}

impl Member {
    pub(crate) fn new(reactor: &Reactor, index: usize, shared: Arc<Shared>) -> Self {
        Member {
            reactor: reactor.clone(),
            index,
            shared,
        }
    }

    /// This reactor.
    pub fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    /// This reactor's place in the pool, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many reactors the pool has.
    pub fn size(&self) -> usize {
        self.shared.remotes.len()
    }

    /// The [`Remote`] of reactor `index` of the pool (panics past
    /// [`size`](Self::size)).
    pub fn remote(&self, index: usize) -> &Remote {
        &self.shared.remotes[index]
    }

    /// Listens on the TCP-based `endpoint` (`tcp:`, `ssl:`, `haproxy:`
    /// over either) with `SO_REUSEPORT`, serving with `factory` as
    /// [`Reactor::listen`] does (the TLS layer, the PROXY header). Called
    /// by every member's setup with the same endpoint, this gives each
    /// reactor a socket of its own on the same port, and the kernel
    /// spreads connections among them (by a hash of their addresses: even
    /// over many clients, not by load). With port 0, member 0 picks the
    /// port and the others wait for it and bind the same one. A `unix:` or
    /// `udp:` endpoint is refused: use
    /// [`listen_balanced`](Self::listen_balanced) for a Unix socket.
    pub fn listen_shared<F: Factory>(
        &self,
        endpoint: &str,
        factory: F,
    ) -> Result<ListeningPort, Error> {
        let mut parsed = endpoint.to_server_endpoint()?;
        let options = shared_tcp_options(&mut parsed, endpoint)?;
        options.reuse_port = true;
        let picks_port = options.address.port() == 0;
        if picks_port && self.index != 0 {
            options.address = self.port_picked_for(endpoint)?;
        }
        let port = self.reactor.listen(&parsed, factory)?;
        if picks_port && self.index == 0 {
            if let Some(address) = port.address().tcp() {
                let mut bound = lock(&self.shared.bound);
                bound.insert(endpoint.to_owned(), address);
                self.shared.bound_changed.notify_all();
            }
        }
        Ok(port)
    }

    /// The address member 0 bound for `endpoint`, once it did.
    fn port_picked_for(&self, endpoint: &str) -> Result<SocketAddr, Error> {
        let bound = lock(&self.shared.bound);
        let (bound, _) = self
            .shared
            .bound_changed
            .wait_timeout_while(bound, PORT_WAIT, |bound| !bound.contains_key(endpoint))
            .unwrap_or_else(PoisonError::into_inner);
        bound.get(endpoint).copied().ok_or_else(|| Error::Listen {
            address: endpoint.to_owned(),
            source: io::Error::new(
                io::ErrorKind::TimedOut,
                "reactor 0 of the pool did not bind this endpoint (its setup must listen on it too)",
            ),
        })
    }

    /// Serves `endpoint` with one acceptor: member 0 listens, and hands
    /// each connection it accepts to the member with the fewest
    /// connections (itself included), where `factory` builds its
    /// protocol. Called by every member's setup with the same endpoint
    /// (each gives its own factory); returns the listening port on member
    /// 0, `None` on the others.
    pub fn listen_balanced<F: Factory>(
        &self,
        endpoint: &str,
        factory: F,
    ) -> Result<Option<ListeningPort>, Error> {
        let shared = self.shared.clone();
        self.listen_dispatched(endpoint, factory, move |_| least_loaded(&shared))
    }

    /// [`listen_balanced`](Self::listen_balanced) with the choice of member
    /// made by `choose`, from the peer's address, on member 0's thread
    /// (for an application that keeps related connections on one reactor:
    /// players of one game, say). A choice past the pool's size closes the
    /// connection.
    pub fn listen_dispatched<F: Factory>(
        &self,
        endpoint: &str,
        factory: F,
        choose: impl Fn(&Address) -> usize + 'static,
    ) -> Result<Option<ListeningPort>, Error> {
        let base = register_service(endpoint, factory, &self.reactor)?;
        if self.index != 0 {
            return Ok(None);
        }
        let shared = self.shared.clone();
        let service: Arc<str> = Arc::from(endpoint);
        let choose: Rc<dyn Fn(&Address) -> usize> = Rc::new(choose);
        let acceptor = move |peer: &Address| {
            Some(Redirect {
                shared: shared.clone(),
                service: service.clone(),
                to: choose(peer),
            })
        };
        self.reactor.listen(&base, acceptor).map(Some)
    }

    /// Hands `hand_over` to reactor `to` of the pool, to be served there by
    /// the factory that member registered for `service` (the endpoint its
    /// setup gave [`listen_balanced`](Self::listen_balanced)). A connection
    /// no one can serve is closed.
    pub fn hand_over_to(&self, to: usize, service: &str, hand_over: HandOver) {
        send(&self.shared, to, Arc::from(service), hand_over);
    }

    /// The member with the fewest connections, counting those on their way
    /// to it.
    pub fn least_loaded(&self) -> usize {
        least_loaded(&self.shared)
    }

    /// A handle that hands connections to the pool's members, to keep in a
    /// protocol or a factory (for a connection that learns only from what
    /// it reads where it is to be served).
    pub fn dispatcher(&self) -> Dispatcher {
        Dispatcher {
            shared: self.shared.clone(),
        }
    }
}

/// Hands connections to the members of a pool
/// ([`Member::dispatcher`]); clones share the pool.
#[derive(Clone)]
pub struct Dispatcher {
    shared: Arc<Shared>,
}

impl Dispatcher {
    /// As [`Member::hand_over_to`]: `hand_over` goes to member `to`, to be
    /// served by the factory it registered for `service`.
    pub fn hand_over_to(&self, to: usize, service: &str, hand_over: HandOver) {
        send(&self.shared, to, Arc::from(service), hand_over);
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("members", &self.shared.remotes.len())
            .finish()
    }
}

/// How long a member waits for member 0 to pick the port of a shared
/// endpoint.
const PORT_WAIT: Duration = Duration::from_secs(30);

/// The TCP options at the bottom of `endpoint` (through `haproxy:` and
/// `ssl:`), which [`Member::listen_shared`] sets `SO_REUSEPORT` and the
/// port on; an error naming `description` for a Unix or UDP socket.
fn shared_tcp_options<'e>(
    endpoint: &'e mut ServerEndpoint,
    description: &str,
) -> Result<&'e mut TcpListenOptions, Error> {
    let refuse = |why: &str| Error::Listen {
        address: description.to_owned(),
        source: io::Error::new(io::ErrorKind::Unsupported, why.to_owned()),
    };
    match endpoint {
        ServerEndpoint::Tcp(options) => Ok(options),
        ServerEndpoint::Ssl(options) => Ok(&mut options.tcp),
        ServerEndpoint::Haproxy(inner) => shared_tcp_options(inner, description),
        ServerEndpoint::Unix(_) => Err(refuse(
            "a Unix socket cannot be shared by several reactors: use listen_balanced",
        )),
        ServerEndpoint::Udp(_) => Err(refuse(
            "a UDP socket serves datagrams, not connections: use Reactor::listen_udp",
        )),
        ServerEndpoint::Systemd(_) => Err(refuse(
            "systemd passes one socket, which cannot be shared by several reactors: use listen_balanced",
        )),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The member with the fewest connections, counting those on their way.
fn least_loaded(shared: &Shared) -> usize {
    (0..shared.remotes.len())
        .min_by_key(|&i| {
            shared.remotes[i].connection_count() + shared.in_flight[i].load(Ordering::Relaxed)
        })
        .unwrap_or(0)
}

/// Sends `hand_over` to member `to`'s thread, where it is adopted.
fn send(shared: &Arc<Shared>, to: usize, service: Arc<str>, hand_over: HandOver) {
    let Some(remote) = shared.remotes.get(to) else {
        tracing::warn!(to, "no such reactor in the pool; closing the connection");
        return;
    };
    shared.in_flight[to].fetch_add(1, Ordering::Relaxed);
    let arrived = shared.clone();
    let sent = remote.call_from_thread(move |reactor| {
        arrived.in_flight[to].fetch_sub(1, Ordering::Relaxed);
        services::adopt(reactor, &service, hand_over);
    });
    if sent.is_err() {
        shared.in_flight[to].fetch_sub(1, Ordering::Relaxed);
        tracing::debug!(to, "the reactor is gone; closing a connection handed to it");
    }
}

/// The acceptor's protocol: it hands its connection on at once, before
/// reading anything, to the member chosen when it was accepted.
struct Redirect {
    shared: Arc<Shared>,
    service: Arc<str>,
    to: usize,
}

impl Protocol for Redirect {
    fn connection_made(&mut self, transport: Transport) {
        match transport.hand_over(&[]) {
            Ok(hand_over) => send(&self.shared, self.to, self.service.clone(), hand_over),
            Err(error) => tracing::warn!(%error, "cannot hand an accepted connection over"),
        }
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

/// Registers `factory` on this thread for the connections handed over
/// for `endpoint`, and returns what the acceptor listens on. Under an
/// `ssl:` endpoint the acceptor takes plain TCP connections and the TLS
/// handshake happens on the reactor a connection is handed to, so the
/// factory is registered behind TLS.
fn register_service<F: Factory>(
    endpoint: &str,
    factory: F,
    reactor: &Reactor,
) -> Result<ServerEndpoint, Error> {
    match endpoint.to_server_endpoint()? {
        // Behind a proxy, the header is read on the member that serves the
        // connection: the acceptor hands over what it accepted, unread.
        ServerEndpoint::Haproxy(inner) => match *inner {
            ServerEndpoint::Ssl(options) => {
                let tls = TlsServerFactory::for_options(&options.tls, reactor, factory)?;
                services::register(endpoint, BehindProxy::new(tls, reactor));
                Ok(ServerEndpoint::Tcp(options.tcp))
            }
            plain => {
                services::register(endpoint, BehindProxy::new(factory, reactor));
                Ok(plain)
            }
        },
        ServerEndpoint::Ssl(options) => {
            services::register(
                endpoint,
                TlsServerFactory::for_options(&options.tls, reactor, factory)?,
            );
            Ok(ServerEndpoint::Tcp(options.tcp))
        }
        other => {
            services::register(endpoint, factory);
            Ok(other)
        }
    }
}
