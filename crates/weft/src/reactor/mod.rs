//! The reactor: the "magic glue" that accepts connections, builds
//! protocols, reads, writes, connects and runs timers, on one thread.
//!
//! A [`Reactor`] is a cheap handle (clone it into callbacks and factories);
//! it and everything it runs live on the thread that created it. Several
//! reactors may run in one process, one per thread, sharing nothing. Other
//! threads reach a reactor through its [`Remote`].
//!
//! How a loop iteration goes: wait for readiness (until the next timer at
//! most); for each ready socket, accept, finish a connect, read (handing
//! `data_received` a slice of the reactor's single read buffer) or write;
//! run due timers; run [`Reactor::call_soon`] calls. After every callback
//! the reactor services the connections it touched: it flushes what they
//! wrote (one system call for all the writes of a callback), carries out
//! closes, and tells protocols to pause or resume writing.

mod connection;
mod connection_io;
mod connector;
mod listener;
mod remote;
mod shutdown;
mod signals;
mod stream;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Registry, Token};
use slab::Slab;

use crate::endpoints::{
    ClientEndpoint, ServerEndpoint, TcpListenOptions, ToClientEndpoint, ToServerEndpoint,
    UnixListenOptions,
};
use crate::time::{Callback, Scheduler, TimerTable, Timers};
use crate::{ClientFactory, Error, Factory};
pub use connector::Connector;
pub use listener::ListeningPort;
pub use remote::{ReactorGone, Remote};

use connection::Connection;
use connector::Connecting;
use listener::Listener;
use remote::RemoteShared;
use shutdown::RunState;

/// Token of the cross-thread waker.
const WAKER: Token = Token(usize::MAX);
/// Token of the signal pipe.
const SIGNALS: Token = Token(usize::MAX - 1);
/// Size of the read buffer every connection's reads go through.
const READ_BUFFER_SIZE: usize = 64 * 1024;

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
/// run due timers; run [`call_soon`](Self::call_soon) calls. After every
/// callback the reactor services the connections it touched: it flushes
/// what they wrote (one system call for all the writes of a callback),
/// carries out closes, and tells protocols to pause or resume writing.
#[derive(Clone)]
pub struct Reactor {
    inner: Rc<Inner>,
}

/// Everything registered with the poller.
enum Source {
    Listener(Box<Listener>),
    Connecting(Box<Connecting>),
    Connection(Connection),
}

/// The reactor's state. No borrow of any of these cells is held while user
/// code runs, which is what lets callbacks re-enter the reactor.
pub(crate) struct Inner {
    poll: RefCell<Poll>,
    registry: Registry,
    timers: Rc<TimerTable>,
    sources: RefCell<Slab<Source>>,
    /// Id for the next source; with its key it names a source uniquely.
    next_id: Cell<u64>,
    /// Connections to service once the current callback returns.
    touched: RefCell<Vec<(usize, u64)>>,
    /// Sources to service again without waiting for readiness (a read or
    /// accept budget ran out, or reading resumed).
    again: RefCell<Vec<(usize, u64)>>,
    soon: RefCell<VecDeque<Callback>>,
    read_buffer: RefCell<Box<[u8]>>,
    run_state: Cell<RunState>,
    shutdown_grace: Cell<Duration>,
    shutdown_hooks: RefCell<Vec<Callback>>,
    remote: Arc<RemoteShared>,
    signals: RefCell<Option<signal_hook_mio::v1_0::Signals>>,
}

impl Reactor {
    /// A new reactor for this thread.
    pub fn new() -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let remote = RemoteShared::new(&registry, WAKER)?;
        Ok(Reactor {
            inner: Rc::new(Inner {
                poll: RefCell::new(poll),
                registry,
                timers: TimerTable::system(),
                sources: RefCell::new(Slab::new()),
                next_id: Cell::new(0),
                touched: RefCell::new(Vec::new()),
                again: RefCell::new(Vec::new()),
                soon: RefCell::new(VecDeque::new()),
                read_buffer: RefCell::new(vec![0; READ_BUFFER_SIZE].into_boxed_slice()),
                run_state: Cell::new(RunState::IDLE),
                shutdown_grace: Cell::new(Duration::from_secs(5)),
                shutdown_hooks: RefCell::new(Vec::new()),
                remote,
                signals: RefCell::new(None),
            }),
        })
    }

    /// Runs the loop until [`stop`](Self::stop) (or a handled signal)
    /// and the graceful shutdown that follows complete.
    ///
    /// Fails with [`Error::AlreadyRunning`] when called from inside the
    /// loop, and with [`Error::Poll`] if the poller fails.
    pub fn run(&self) -> Result<(), Error> {
        self.inner.run(self)
    }

    /// Starts a graceful stop (at the next loop iteration): stop
    /// listening, cancel pending connects, run the shutdown hooks, ask
    /// every connection to flush and close ([`crate::CloseReason::Shutdown`]),
    /// wait for that at most the [shutdown grace](Self::set_shutdown_grace),
    /// abort what is left, and return from [`run`](Self::run). Calling it
    /// again while stopping changes nothing; calling it before `run` makes
    /// the next `run` stop at once.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Whether [`run`](Self::run) is in progress (stopping included).
    pub fn is_running(&self) -> bool {
        self.inner.run_state.get().is_running()
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

    /// Runs `callback` on the next loop iteration, after pending I/O.
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) {
        self.inner.soon.borrow_mut().push_back(Box::new(callback));
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
    /// `factory`.
    pub fn listen<F: Factory>(
        &self,
        endpoint: &(impl ToServerEndpoint + ?Sized),
        factory: F,
    ) -> Result<ListeningPort, Error> {
        let endpoint = endpoint.to_server_endpoint()?;
        match endpoint {
            ServerEndpoint::Tcp(options) => self.listen_tcp_with(&options, factory),
            ServerEndpoint::Unix(options) => self.listen_unix_with(&options, factory),
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

    /// Connects to `endpoint` (a string such as `"tcp:host=localhost:port=8900"`
    /// or a parsed [`ClientEndpoint`]); `factory` makes the protocol once
    /// connected, or hears of the failure.
    pub fn connect<F: ClientFactory>(
        &self,
        endpoint: &(impl ToClientEndpoint + ?Sized),
        factory: F,
    ) -> Result<Connector, Error> {
        let endpoint = endpoint.to_client_endpoint()?;
        Ok(connector::start(&self.inner, endpoint, factory))
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

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.inner
            .sources
            .borrow()
            .iter()
            .filter(|(_, source)| matches!(source, Source::Connection(_)))
            .count()
    }
}

impl Scheduler for Reactor {
    fn timers(&self) -> Timers {
        Timers::new(self.inner.timers.clone())
    }
}

impl Inner {
    fn take_id(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// Records that connection `(key, id)` needs servicing after the
    /// current callback.
    pub(crate) fn enqueue(&self, key: usize, id: u64) {
        self.touched.borrow_mut().push((key, id));
    }

    fn run(self: &Rc<Self>, reactor: &Reactor) -> Result<(), Error> {
        if self.run_state.get().is_running() {
            return Err(Error::AlreadyRunning);
        }
        self.run_state.set(self.run_state.get().started());
        let mut events = Events::with_capacity(1024);
        let outcome = loop {
            if self.shutdown_step() {
                break Ok(());
            }
            let timeout = self.poll_timeout();
            if let Err(error) = self.poll.borrow_mut().poll(&mut events, timeout) {
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                break Err(Error::Poll(error));
            }
            for event in events.iter() {
                self.dispatch(reactor, event);
            }
            self.service_again();
            self.timers.run_due(Instant::now());
            self.service_touched();
            self.run_soon();
        };
        self.run_state.set(RunState::IDLE);
        outcome
    }

    /// How long the poller may sleep: not at all when work is queued,
    /// otherwise until the next timer (or the end of the shutdown grace).
    fn poll_timeout(&self) -> Option<Duration> {
        if !self.soon.borrow().is_empty()
            || !self.again.borrow().is_empty()
            || !self.touched.borrow().is_empty()
        {
            return Some(Duration::ZERO);
        }
        let deadline = match (self.timers.next_deadline(), self.run_state.get().deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn dispatch(self: &Rc<Self>, reactor: &Reactor, event: &mio::event::Event) {
        match event.token() {
            WAKER => self.remote.run_calls(reactor),
            SIGNALS => self.on_signal(),
            Token(key) => match self.identify(key) {
                Some((SourceKind::Listener, id)) => self.accept(key, id),
                Some((SourceKind::Connecting, id)) => self.connect_ready(key, id),
                Some((SourceKind::Connection, id)) => self.connection_ready(key, id, event),
                None => {}
            },
        }
    }

    /// Services sources whose work was cut short or resumed.
    fn service_again(self: &Rc<Self>) {
        let batch = std::mem::take(&mut *self.again.borrow_mut());
        for (key, id) in batch {
            match self.identify(key) {
                Some((SourceKind::Listener, source_id)) if source_id == id => self.accept(key, id),
                Some((SourceKind::Connection, source_id)) if source_id == id => self.read(key, id),
                _ => {}
            }
        }
    }

    /// What is registered under `key`, and its id.
    fn identify(&self, key: usize) -> Option<(SourceKind, u64)> {
        self.sources.borrow().get(key).map(|source| match source {
            Source::Listener(l) => (SourceKind::Listener, l.id),
            Source::Connecting(c) => (SourceKind::Connecting, c.id),
            Source::Connection(c) => (SourceKind::Connection, c.shared.id),
        })
    }

    fn run_soon(self: &Rc<Self>) {
        let count = self.soon.borrow().len();
        for _ in 0..count {
            let Some(callback) = self.soon.borrow_mut().pop_front() else {
                break;
            };
            if let Err(panic) = catch_unwind(AssertUnwindSafe(callback)) {
                tracing::error!(
                    panic = %crate::panic_message(panic.as_ref()),
                    "a call_soon callback panicked; the reactor goes on"
                );
            }
            self.service_touched();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.remote.close();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Listener,
    Connecting,
    Connection,
}
