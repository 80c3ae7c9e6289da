//! The reactor: the "magic glue" that accepts connections, builds
//! protocols, reads, writes, connects and runs timers, on one thread.
//!
//! | file | what it holds |
//! | --- | --- |
//! | this one | [`Reactor`], the handle, and its public operations |
//! | [`event_loop`] | the reactor's state and one iteration of its loop |
//! | [`lifecycle`] | live, stopping (the graceful shutdown), stopped |
//! | [`current`] | [`Reactor::current`]: the reactor running on this thread |
//! | [`sources`] | the table of what it polls, by typed key |
//! | [`connection`] | one connection: socket, protocol, output, state machine; **where a byte is read** |
//! | [`listener`] | listening sockets and accepting |
//! | [`memory`] | freed memory given back once most connections are gone |
//! | [`connector`] | outgoing connections |
//! | [`datagram`] | UDP sockets: datagrams in, a bounded send queue out |
//! | [`hand_over`] | a live connection moving to another reactor |
//! | [`moved_layers`] | the state of layers that moves with it (a TLS session) |
//! | [`passed_sockets`] | listening sockets systemd passed (socket activation) |
//! | [`process`] | child processes whose standard input and output are a connection |
//! | [`resolver`] | host names resolved on a bounded pool of threads |
//! | [`stream`] | the sockets, TCP or Unix, behind one interface |
//! | [`remote`] | the `Send` handle for other threads |
//! | [`thread_pool`] | a bounded pool of threads for blocking work |
//! | [`signals`] | SIGINT and SIGTERM as loop events |

mod block_on;
mod connection;
mod connector;
mod current;
mod datagram;
mod event_loop;
mod hand_over;
mod lifecycle;
mod listener;
mod memory;
mod moved_layers;
mod passed_sockets;
mod process;
mod remote;
mod resolver;
mod signals;
mod sources;
mod stream;
mod thread_pool;

use std::future::Future;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::endpoints::{
    ClientEndpoint, ServerEndpoint, TcpListenOptions, ToClientEndpoint, ToServerEndpoint,
    UdpListenOptions, UnixListenOptions,
};
use crate::protocols::proxy::{BehindProxy, ProxyHeaderOptions};
use crate::task::{InThread, Task};
use crate::time::{Scheduler, Timers};
use crate::tls::{TlsClientFactory, TlsServerFactory};
use crate::udp::{DatagramProtocol, DatagramTransport};
use crate::{ClientFactory, Error, Factory, Protocol};
pub use block_on::{react, react_main};
pub use connector::{CONNECTION_ATTEMPT_DELAY, Connector};
pub use event_loop::RunUntil;
pub use hand_over::{HandOver, HandOverError};
pub use listener::ListeningPort;
pub use moved_layers::MovedLayers;
pub use process::{Process, ProcessExit};
pub use remote::{ReactorGone, Remote};
pub use resolver::{NameResolver, SystemResolver};

pub(crate) use event_loop::Inner;
pub(crate) use thread_pool::ThreadPool;

/// The event loop: the "magic glue" that accepts connections, builds
/// protocols, reads, writes, connects and runs timers, on one thread.
///
/// A `Reactor` is a cheap handle (clone it into callbacks and factories);
/// it and everything it runs live on the thread that created it. Several
/// reactors may run in one process, one per thread, sharing nothing. Other
/// threads reach a reactor through its [`Remote`].
///
/// One loop iteration: wait for readiness (until the next timer at most);
/// for each ready socket accept, finish a connect, read (handing
/// `data_received` a slice of the reactor's single read buffer) or write;
/// run due timers; poll ready tasks ([`spawn`](Self::spawn), a bounded
/// turn); run [`call_soon`](Self::call_soon) calls. After every
/// callback the reactor services the connections it touched: it flushes
/// what they wrote (one system call for all the writes of a callback),
/// carries out closes, and tells protocols to pause or resume writing.
#[derive(Clone)]
pub struct Reactor {
    inner: Rc<Inner>,
}

impl Reactor {
    /// A new reactor for this thread.
    pub fn new() -> Result<Reactor, Error> {
        let inner = Inner::new().map_err(Error::Poll)?;
        Ok(Reactor {
            inner: Rc::new(inner),
        })
    }

    /// Runs the loop until [`stop`](Self::stop) (or a handled signal)
    /// and the graceful shutdown that follows complete.
    ///
    /// Fails with [`Error::AlreadyRunning`] when called from inside the
    /// loop, with [`Error::Stopped`] once the reactor has stopped (it
    /// cannot run again), and with [`Error::Poll`] if the poller fails.
    pub fn run(&self) -> Result<(), Error> {
        self.inner.run_loop(self, None).map(|_| ())
    }

    /// Runs the loop until `condition` holds (it is checked before each
    /// iteration), `timeout` passes, or the reactor stops, and says which.
    /// The loop can be run again afterwards, unless it stopped.
    ///
    /// This is how tests drive a reactor on their own thread: start a
    /// server and a client on one reactor, then
    /// `reactor.run_until(Duration::from_secs(10), || done.get())`.
    /// Fails like [`run`](Self::run).
    pub fn run_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut() -> bool,
    ) -> Result<RunUntil, Error> {
        let deadline = Instant::now() + timeout;
        self.inner
            .run_loop(self, Some((Some(deadline), &mut condition)))
    }

    /// Starts a graceful stop (at the next loop iteration): stop
    /// listening, cancel pending connects, run the shutdown hooks, ask
    /// every connection to flush and close ([`crate::CloseReason::Shutdown`]),
    /// wait for that at most the [shutdown grace](Self::set_shutdown_grace),
    /// reset what is left, and return from [`run`](Self::run). Then the
    /// reactor is stopped for good: its pending timers are cancelled,
    /// queued calls dropped, and its [`Remote`]s refuse calls. Calling it
    /// again while stopping changes nothing; calling it before `run` makes
    /// the next `run` stop at once.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Whether [`run`](Self::run) is in progress (stopping included).
    pub fn is_running(&self) -> bool {
        self.inner.in_loop.get()
    }

    /// How long a graceful stop waits for connections to flush (default
    /// 5 s).
    pub fn set_shutdown_grace(&self, grace: Duration) {
        self.inner.shutdown_grace.set(grace);
    }

    /// Runs `hook` when a stop begins, after listening stopped and before
    /// connections are closed (Twisted's "before shutdown" trigger).
    pub fn add_shutdown_hook(&self, hook: impl FnOnce() + 'static) {
        self.inner.shutdown_hooks.borrow_mut().push(Box::new(hook));
    }

    /// Runs `callback` on the next loop iteration, after pending I/O
    /// (never, once the reactor stopped).
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) {
        if !self.inner.lifecycle.get().is_stopped() {
            self.inner.soon.borrow_mut().push_back(Box::new(callback));
        }
    }

    /// Runs `future` as a task on this reactor's thread (it need not be
    /// `Send`); it is first polled in the next loop iteration. See
    /// [`Task`] for awaiting, cancelling and detaching it, and
    /// [`crate::task`] for how tasks are woken and when they run. On a
    /// stopped reactor the task is cancelled at once.
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        self.inner.tasks.spawn(future)
    }

    /// Runs the blocking `function` on the reactor's pool of threads and
    /// gives a future of its value (Twisted's `deferToThread`, asyncio's
    /// `to_thread`), so that a task can await a blocking call without
    /// blocking the loop. The future is woken through the reactor's
    /// cross-thread waker.
    ///
    /// At most [`set_thread_pool_size`](Self::set_thread_pool_size)
    /// functions (10 by default) run at once; more wait their turn. A
    /// panic in `function` gives [`ThreadError::Panicked`](crate::task::ThreadError::Panicked).
    /// Dropping the future before the function started means it never
    /// starts. When the reactor stops, functions not started are dropped
    /// (their futures give [`ThreadError::ShutDown`](crate::task::ThreadError::ShutDown));
    /// running ones finish on their threads.
    pub fn defer_to_thread<T: Send + 'static>(
        &self,
        function: impl FnOnce() -> T + Send + 'static,
    ) -> InThread<T> {
        InThread::start(&self.inner.thread_pool, function)
    }

    /// How many functions given to [`defer_to_thread`](Self::defer_to_thread)
    /// may run at once (at least 1; 10 unless set).
    pub fn set_thread_pool_size(&self, size: usize) {
        self.inner.thread_pool.set_size(size);
    }

    /// A `Send` handle for other threads to run code on this reactor.
    pub fn remote(&self) -> Remote {
        Remote::new(self.inner.remote.clone())
    }

    /// Makes SIGINT and SIGTERM start a graceful [`stop`](Self::stop) of
    /// this reactor while it runs (a second signal ends the grace period).
    /// Only one reactor of a process should handle signals.
    pub fn handle_signals(&self) -> Result<(), Error> {
        self.inner.handle_signals()
    }

    /// Listens on `endpoint` (a string such as `"tcp:8900"` or a parsed
    /// [`ServerEndpoint`]) and serves each connection with a protocol from
    /// `factory`. Behind `haproxy:`, `factory` is asked for each protocol
    /// once the PROXY header told the client's address
    /// ([`BehindProxy`]).
    pub fn listen<F: Factory>(
        &self,
        endpoint: &(impl ToServerEndpoint + ?Sized),
        factory: F,
    ) -> Result<ListeningPort, Error> {
        self.listen_under(endpoint.to_server_endpoint()?, factory, None)
    }

    /// Listens on `endpoint`; with `proxy`, each connection first reads a
    /// PROXY header, *below* every layer `endpoint` itself adds (the
    /// header comes first, in plaintext): an arm that adds a layer wraps
    /// the factory in it, then serves that through
    /// [`serve_under`](Self::serve_under).
    fn listen_under<F: Factory>(
        &self,
        endpoint: ServerEndpoint,
        factory: F,
        proxy: Option<ProxyHeaderOptions>,
    ) -> Result<ListeningPort, Error> {
        match endpoint {
            ServerEndpoint::Tcp(options) => {
                self.serve_under(listener::bind_tcp(&options)?, factory, proxy)
            }
            ServerEndpoint::Unix(options) => {
                self.serve_under(listener::bind_unix(&options)?, factory, proxy)
            }
            ServerEndpoint::Haproxy(inner) => {
                self.listen_under(*inner, factory, Some(ProxyHeaderOptions::default()))
            }
            ServerEndpoint::Ssl(options) => {
                let factory = TlsServerFactory::for_options(&options.tls, self, factory)?;
                self.serve_under(listener::bind_tcp(&options.tcp)?, factory, proxy)
            }
            ServerEndpoint::Udp(options) => Err(udp_is_not_a_stream(&options)),
            ServerEndpoint::Systemd(options) => {
                self.serve_under(passed_sockets::take(&options)?, factory, proxy)
            }
        }
    }

    /// Serves `socket` with `factory`, behind the PROXY header when
    /// `proxy` says so.
    fn serve_under<F: Factory>(
        &self,
        socket: listener::Bound,
        factory: F,
        proxy: Option<ProxyHeaderOptions>,
    ) -> Result<ListeningPort, Error> {
        match proxy {
            None => listener::start(&self.inner, socket, factory),
            Some(options) => listener::start(
                &self.inner,
                socket,
                BehindProxy::new(factory, self).with_options(options),
            ),
        }
    }

    /// Listens on the TCP address `address` (IPv4 or IPv6; port 0 picks a
    /// free port, see [`ListeningPort::address`]).
    pub fn listen_tcp<F: Factory>(
        &self,
        address: std::net::SocketAddr,
        factory: F,
    ) -> Result<ListeningPort, Error> {
        self.listen_tcp_with(&TcpListenOptions::new(address), factory)
    }

    /// Listens on TCP with explicit options (backlog, `SO_REUSEPORT`).
    pub fn listen_tcp_with<F: Factory>(
        &self,
        options: &TcpListenOptions,
        factory: F,
    ) -> Result<ListeningPort, Error> {
        let socket = listener::bind_tcp(options)?;
        listener::start(&self.inner, socket, factory)
    }

    /// Listens on the Unix socket at `path`, replacing a stale socket file
    /// left by a server that is gone.
    pub fn listen_unix<F: Factory>(
        &self,
        path: impl AsRef<Path>,
        factory: F,
    ) -> Result<ListeningPort, Error> {
        self.listen_unix_with(&UnixListenOptions::new(path.as_ref()), factory)
    }

    /// Listens on a Unix socket with explicit options (file mode, backlog).
    pub fn listen_unix_with<F: Factory>(
        &self,
        options: &UnixListenOptions,
        factory: F,
    ) -> Result<ListeningPort, Error> {
        let socket = listener::bind_unix(options)?;
        listener::start(&self.inner, socket, factory)
    }

    /// Binds the UDP `endpoint` (a string such as `"udp:port=9000"` or a
    /// parsed [`ServerEndpoint::Udp`]) and serves its datagrams with
    /// `protocol`. The transport returned tells the bound address
    /// ([`DatagramTransport::local_address`]) and closes the socket.
    pub fn listen_udp<P: DatagramProtocol>(
        &self,
        endpoint: &(impl ToServerEndpoint + ?Sized),
        protocol: P,
    ) -> Result<DatagramTransport, Error> {
        match endpoint.to_server_endpoint()? {
            ServerEndpoint::Udp(options) => {
                datagram::start(&self.inner, datagram::bind_udp(&options)?, protocol)
            }
            other => Err(Error::Listen {
                address: other.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "datagrams need a udp: endpoint (udp:port=PORT)",
                ),
            }),
        }
    }

    /// Connects to `endpoint` (a string such as `"tcp:host=localhost:port=8900"`
    /// or a parsed [`ClientEndpoint`]); `factory` makes the protocol once
    /// connected, or hears of the failure.
    ///
    /// A host name is resolved off the reactor's thread (by the system,
    /// or by the [`NameResolver`] installed with
    /// [`install_name_resolver`](Self::install_name_resolver)), and its
    /// addresses race as Twisted's `HostnameEndpoint` and browsers do
    /// (Happy Eyeballs, RFC 8305): families alternating, the next address
    /// joining after [`CONNECTION_ATTEMPT_DELAY`] (250 ms) or as soon as
    /// an attempt fails, the first to connect winning. The endpoint's
    /// timeout bounds the whole attempt, name resolution included.
    pub fn connect<F: ClientFactory>(
        &self,
        endpoint: &(impl ToClientEndpoint + ?Sized),
        factory: F,
    ) -> Result<Connector, Error> {
        let endpoint = endpoint.to_client_endpoint()?;
        Ok(match &endpoint {
            ClientEndpoint::Tls(options) => {
                let factory = TlsClientFactory::for_endpoint(options, self, factory)?;
                connector::start(&self.inner, endpoint, factory)
            }
            _ => connector::start(&self.inner, endpoint, factory),
        })
    }

    /// Connects over TCP to `host` (a name or an IP address) and `port`,
    /// giving up after `timeout` if given.
    pub fn connect_tcp<F: ClientFactory>(
        &self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
        factory: F,
    ) -> Connector {
        let endpoint = ClientEndpoint::Tcp {
            host: host.to_owned(),
            port,
            timeout,
        };
        connector::start(&self.inner, endpoint, factory)
    }

    /// Connects to the Unix socket at `path`.
    pub fn connect_unix<F: ClientFactory>(
        &self,
        path: impl AsRef<Path>,
        timeout: Option<Duration>,
        factory: F,
    ) -> Connector {
        let endpoint = ClientEndpoint::Unix {
            path: path.as_ref().to_path_buf(),
            timeout,
        };
        connector::start(&self.inner, endpoint, factory)
    }

    /// Serves a connection handed over by another reactor (or by this
    /// one) with a protocol from `factory`, as if it had just been
    /// accepted here: what the old reactor had not sent goes out first,
    /// and the new protocol receives what the old one read and did not use
    /// right after `connection_made`, then whatever the peer sends. The
    /// protocol comes from [`Factory::adopt_protocol`], which rebuilds
    /// the layers whose state moved with the connection (a TLS session).
    /// If the factory refuses, or leaves a layer's state untaken, the
    /// connection is closed. Returns whether it is served.
    pub fn adopt<F: Factory>(&self, hand_over: HandOver, factory: &mut F) -> bool {
        let HandOver {
            socket,
            peer,
            carried,
            layers,
        } = hand_over;
        let built = crate::catch_panic("adopt_protocol", || layers.build_with(factory, &peer));
        let Ok(Some(protocol)) = built else {
            return false;
        };
        self.inner
            .adopt_carrying(socket, peer, Box::new(protocol), None, carried);
        true
    }

    /// Starts `command` as a child process whose standard input and
    /// output are a connection served by `protocol` (Twisted's
    /// `spawnProcess`, asyncio's `subprocess_exec`): what the protocol
    /// writes is the child's input, what the child writes comes to
    /// `data_received`, [`shutdown_write`](crate::Transport::shutdown_write)
    /// ends the child's input, and `connection_lost` comes when the child
    /// (and anything it gave its output to) closed its output, usually on
    /// exit. Write limits, pausing and layers work as on a socket: lines
    /// over a process are a [`LineReceiver`](crate::protocols::LineReceiver).
    /// The child's standard error is whatever `command` says (inherited
    /// unless set); its standard input and output are replaced (and left
    /// inherited afterwards, should `command` start another). The
    /// transport's peer is [`Address::Process`](crate::Address::Process).
    ///
    /// The child's input and output are one end of a Unix socket pair:
    /// its output ends when it closed both (usually on exit), and it
    /// cannot open `/dev/stdout` by path.
    ///
    /// The returned [`Process`] gives the child's id, sends it signals and
    /// waits for its exit status. A program that cannot be started fails
    /// with [`Error::Spawn`], naming it.
    pub fn spawn_process<P: Protocol>(
        &self,
        command: &mut std::process::Command,
        protocol: P,
    ) -> Result<Process, Error> {
        self.inner.spawn_process(command, Box::new(protocol), None)
    }

    /// [`spawn_process`](Self::spawn_process), with the child's standard
    /// error a second connection, served by `errors` (Twisted's
    /// `errReceived`): its `data_received` gets what the child writes
    /// there, and its `connection_lost` comes when the child closed it.
    /// (What `errors` writes would be input on the child's standard
    /// error, which programs do not read.)
    pub fn spawn_process_with_errors<P: Protocol, E: Protocol>(
        &self,
        command: &mut std::process::Command,
        protocol: P,
        errors: E,
    ) -> Result<Process, Error> {
        self.inner
            .spawn_process(command, Box::new(protocol), Some(Box::new(errors)))
    }

    /// Resolves the host names of outgoing connections with `resolver`
    /// from now on, instead of the system's (Twisted's
    /// `installNameResolver`): a DNS client of your choice, or a fixed
    /// table in tests. Connects already resolving keep the resolver they
    /// started with.
    pub fn install_name_resolver(&self, resolver: impl NameResolver) {
        self.inner.resolver.install(std::sync::Arc::new(resolver));
    }

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.inner.sources.borrow().connection_count()
    }
}

impl Scheduler for Reactor {
    fn timers(&self) -> Timers {
        Timers::new(self.inner.timers.clone(), self.inner.tasks.clone())
    }
}

/// Why a `udp:` endpoint cannot serve a stream [`Factory`].
fn udp_is_not_a_stream(options: &UdpListenOptions) -> Error {
    Error::Listen {
        address: format!("udp:{}", options.address),
        source: std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "a udp: endpoint carries datagrams: serve it with Reactor::listen_udp and a DatagramProtocol",
        ),
    }
}
