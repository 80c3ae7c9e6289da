//! The loop: [`Inner`], the reactor's state, and one iteration of its work.
//!
//! One iteration: wait for readiness (until the next timer at most); for
//! each ready source accept, finish a connect, read (polling the tasks
//! each read woke right after it) or write; give the
//! connections and listeners that still had work their next turn; run due
//! timers; poll the tasks that are ready (at most [`TASK_TURN`]); run
//! [`call_soon`](super::Reactor::call_soon) calls. After every
//! callback the connections it touched are serviced: what they wrote is
//! flushed (one system call for all the writes of a callback), closes are
//! carried out, protocols are told to pause or resume writing.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Registry, Token};

use super::Reactor;
use super::connection::Connection;
use super::current::Running;
use super::datagram::DatagramSocket;
use super::lifecycle::Lifecycle;
use super::process::Children;
use super::remote::RemoteShared;
use super::resolver::Resolver;
use super::sources::{Source, SourceKey, SourceTable};
use super::thread_pool::ThreadPool;
use crate::Error;
use crate::panic_guard::catch_panic;
use crate::task::Executor;
use crate::time::{Callback, TimerTable};

/// Token of the cross-thread waker.
pub(super) const WAKER: Token = Token(usize::MAX);
/// Token of the signal pipe.
pub(super) const SIGNALS: Token = Token(usize::MAX - 1);
/// Token of the `SIGCHLD` pipe (children exited).
pub(super) const CHILDREN: Token = Token(usize::MAX - 2);
/// Size of the read buffer every connection's reads go through. One per
/// reactor, so its size costs nothing per connection; large, so that a
/// busy stream is read (and, when echoed or forwarded, written) in few
/// system calls: 256 KiB reads took a third less CPU per MiB streamed than
/// 64 KiB ones (docs/benchmarks.md).
const READ_BUFFER_SIZE: usize = 256 * 1024;
/// Task polls per loop iteration at most. Each task ready when the turn
/// begins is polled at most once (one woken meanwhile waits for the next
/// iteration), and no more than this many, so that a crowd of busy tasks
/// delays I/O and timers by one bounded turn, as the read turn bounds a
/// busy connection.
pub(crate) const TASK_TURN: usize = 256;

/// Threads of [`Reactor::defer_to_thread`](super::Reactor::defer_to_thread)
/// at most, unless set otherwise (Twisted's default).
const DEFAULT_THREAD_POOL_SIZE: usize = 10;

/// The reactor's state. No borrow of any of these cells is held while user
/// code runs, which is what lets callbacks re-enter the reactor.
pub(crate) struct Inner {
    pub(super) poll: RefCell<Poll>,
    pub(crate) registry: Registry,
    pub(crate) timers: Rc<TimerTable>,
    /// The tasks spawned on this reactor.
    pub(crate) tasks: Rc<Executor>,
    pub(crate) sources: RefCell<SourceTable>,
    /// Connections to service once the current callback returns.
    pub(crate) touched: RefCell<Vec<Rc<Connection>>>,
    /// Connections to read on the next iteration without waiting for
    /// readiness (their read turn ran out, or reading resumed).
    pub(crate) read_again: RefCell<Vec<Rc<Connection>>>,
    /// Listeners to accept on again on the next iteration (their accept
    /// turn ran out).
    pub(crate) accept_again: RefCell<Vec<SourceKey>>,
    /// Counts loop iterations: a connection gets one read turn per
    /// iteration.
    pub(crate) iteration: Cell<u64>,
    pub(crate) soon: RefCell<VecDeque<Callback>>,
    /// The one read buffer; out of its cell while a read turn lends it to
    /// a protocol, so no borrow is held while user code runs.
    read_buffer: Cell<Option<Box<[u8]>>>,
    pub(super) lifecycle: Cell<Lifecycle>,
    /// Inside `run` or `run_until`.
    pub(super) in_loop: Cell<bool>,
    pub(super) shutdown_grace: Cell<Duration>,
    pub(super) shutdown_hooks: RefCell<Vec<Callback>>,
    pub(crate) remote: Arc<RemoteShared>,
    pub(super) resolver: Resolver,
    /// Where [`Reactor::defer_to_thread`](super::Reactor::defer_to_thread)
    /// runs blocking functions.
    pub(super) thread_pool: ThreadPool,
    pub(super) signals: RefCell<Option<signal_hook_mio::v1_0::Signals>>,
    /// The child processes it started that have not exited.
    pub(super) children: RefCell<Children>,
}

/// What ended a [`Reactor::run_until`](super::Reactor::run_until).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunUntil {
    /// The condition held.
    Met,
    /// The time limit passed first.
    TimedOut,
    /// The reactor stopped (and finished its graceful shutdown) first.
    Stopped,
}

impl Inner {
    pub(super) fn new() -> io::Result<Inner> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let remote = RemoteShared::new(&registry, WAKER)?;
        let tasks = Executor::new(Some(remote.clone()));
        Ok(Inner {
            poll: RefCell::new(poll),
            registry,
            timers: TimerTable::system(),
            tasks,
            sources: RefCell::new(SourceTable::new(remote.clone())),
            touched: RefCell::new(Vec::new()),
            read_again: RefCell::new(Vec::new()),
            accept_again: RefCell::new(Vec::new()),
            iteration: Cell::new(0),
            soon: RefCell::new(VecDeque::new()),
            read_buffer: Cell::new(None),
            lifecycle: Cell::new(Lifecycle::LIVE),
            in_loop: Cell::new(false),
            shutdown_grace: Cell::new(Duration::from_secs(5)),
            shutdown_hooks: RefCell::new(Vec::new()),
            remote,
            resolver: Resolver::default(),
            thread_pool: ThreadPool::new("weft-thread", DEFAULT_THREAD_POOL_SIZE),
            signals: RefCell::new(None),
            children: RefCell::new(Children::default()),
        })
    }

    /// Runs iterations until the reactor stopped, or `until`'s condition
    /// holds (checked before each iteration), or its deadline, if any,
    /// passes.
    pub(super) fn run_loop(
        self: &Rc<Self>,
        reactor: &Reactor,
        mut until: Option<(Option<Instant>, &mut dyn FnMut() -> bool)>,
    ) -> Result<RunUntil, Error> {
        if self.in_loop.get() {
            return Err(Error::AlreadyRunning);
        }
        if self.lifecycle.get().is_stopped() {
            return Err(Error::Stopped);
        }
        self.in_loop.set(true);
        let _current = Running::enter(reactor);
        let mut events = Events::with_capacity(1024);
        let outcome = loop {
            if self.shutdown_step() {
                break Ok(RunUntil::Stopped);
            }
            let mut limit = None;
            if let Some((deadline, condition)) = until.as_mut() {
                if condition() {
                    break Ok(RunUntil::Met);
                }
                if let Some(deadline) = *deadline {
                    if Instant::now() >= deadline {
                        break Ok(RunUntil::TimedOut);
                    }
                    limit = Some(deadline);
                }
            }
            if let Err(error) = self.iterate(reactor, &mut events, limit) {
                break Err(error);
            }
        };
        self.in_loop.set(false);
        outcome
    }

    /// One iteration; the wait for readiness ends at `limit` at the latest.
    fn iterate(
        self: &Rc<Self>,
        reactor: &Reactor,
        events: &mut Events,
        limit: Option<Instant>,
    ) -> Result<(), Error> {
        let mut timeout = self.poll_timeout(limit);
        let sleeps = timeout != Some(Duration::ZERO);
        if sleeps {
            self.remote.set_asleep(true);
            // A task woken on another thread before the mark found the
            // reactor awake and skipped the waker: look once more.
            if self.tasks.has_ready() {
                timeout = Some(Duration::ZERO);
            }
        }
        let polled = self.poll.borrow_mut().poll(events, timeout);
        if sleeps {
            self.remote.set_asleep(false);
        }
        if let Err(error) = polled {
            if error.kind() == io::ErrorKind::Interrupted {
                return Ok(());
            }
            return Err(Error::Poll(error));
        }
        self.iteration.set(self.iteration.get() + 1);
        self.sources.borrow_mut().begin_batch();
        for event in events.iter() {
            self.dispatch(reactor, event);
        }
        self.give_turns_again();
        self.timers.run_due(Instant::now());
        self.service_touched();
        self.tasks.run_ready(TASK_TURN, || self.service_touched());
        self.run_soon();
        Ok(())
    }

    /// How long the poller may sleep: not at all when work is queued (or a
    /// stop was asked for outside a callback, by a `run_until` condition),
    /// otherwise until the next timer, the end of the shutdown grace, or
    /// `limit`, whichever comes first.
    fn poll_timeout(&self, limit: Option<Instant>) -> Option<Duration> {
        if !self.soon.borrow().is_empty()
            || !self.read_again.borrow().is_empty()
            || !self.accept_again.borrow().is_empty()
            || !self.touched.borrow().is_empty()
            || self.tasks.has_ready()
            || self.lifecycle.get().stop_requested()
        {
            return Some(Duration::ZERO);
        }
        [
            self.timers.next_deadline(),
            self.lifecycle.get().grace_deadline(),
            limit,
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    fn dispatch(self: &Rc<Self>, reactor: &Reactor, event: &mio::event::Event) {
        enum Ready {
            Accept(SourceKey),
            Connect(SourceKey),
            Connection(Rc<Connection>),
            Datagram(Rc<DatagramSocket>),
        }
        let ready = match event.token() {
            WAKER => return self.remote.run_calls(reactor),
            SIGNALS => return self.on_signal(),
            CHILDREN => return self.on_child_signal(),
            token => match self.sources.borrow().by_token(token) {
                Some((key, Source::Listener(_))) => Ready::Accept(key),
                Some((key, Source::Connecting(_))) => Ready::Connect(key),
                Some((_, Source::Connection(conn))) => Ready::Connection(conn.clone()),
                Some((_, Source::Datagram(socket))) => Ready::Datagram(socket.clone()),
                None => return,
            },
        };
        match ready {
            Ready::Accept(key) => self.accept(key),
            Ready::Connect(key) => self.connect_ready(key),
            Ready::Connection(conn) => self.connection_ready(&conn, event),
            Ready::Datagram(socket) => self.datagram_ready(&socket, event),
        }
    }

    /// Gives the connections and listeners whose turn was cut short (or
    /// that resumed reading) their next turn.
    fn give_turns_again(self: &Rc<Self>) {
        let connections = std::mem::take(&mut *self.read_again.borrow_mut());
        for conn in connections {
            conn.read_queued.set(false);
            self.read(&conn);
        }
        let listeners = std::mem::take(&mut *self.accept_again.borrow_mut());
        for key in listeners {
            self.accept_queued(key);
        }
    }

    fn run_soon(self: &Rc<Self>) {
        let count = self.soon.borrow().len();
        for _ in 0..count {
            let Some(callback) = self.soon.borrow_mut().pop_front() else {
                break;
            };
            let _ = catch_panic("call_soon", callback);
            self.service_touched();
        }
    }

    /// The read buffer, lent out for one read turn.
    pub(crate) fn take_read_buffer(&self) -> Box<[u8]> {
        self.read_buffer
            .take()
            .unwrap_or_else(|| vec![0; READ_BUFFER_SIZE].into_boxed_slice())
    }

    /// Gives the read buffer back after a read turn.
    pub(crate) fn return_read_buffer(&self, buffer: Box<[u8]>) {
        self.read_buffer.set(Some(buffer));
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.remote.close();
        self.timers.close();
        self.tasks.close();
        self.thread_pool.close();
    }
}
