//! A pool of reactors: one per core, each its own shared-nothing loop on
//! its own thread (as Netty's event loop group and nginx's workers are).
//!
//! | file | what it holds |
//! | --- | --- |
//! | this one | [`Pool`]: starting the threads, the setup on each, stopping them all |
//! | [`member`] | [`Member`]: one reactor of the pool, as its setup sees it; spreading connections |
//! | `services` | the factories each reactor registered for connections handed to it |
//! | `affinity` | pinning a reactor's thread to a core |
//!
//! A `setup` closure runs on every reactor's thread before its loop starts,
//! and installs listeners and factories there, so protocols still need not
//! be `Send`. Connections are spread over the reactors in one of two ways,
//! chosen per listener ([`Member::listen_shared`], [`Member::listen_balanced`]):
//! the kernel spreads them among `SO_REUSEPORT` sockets, or one acceptor
//! hands each to the reactor with the fewest connections
//! ([`Transport::hand_over`](crate::Transport::hand_over) and
//! [`Reactor::adopt`](crate::Reactor::adopt), which any code can also use
//! to move a live connection). Reactors reach each other through their
//! [`Remote`]s. A stop of any reactor (a signal, [`PoolHandle::stop`],
//! [`Reactor::stop`](crate::Reactor::stop)) stops them all; each flushes its
//! connections within its grace period, and the pool returns when all are
//! done.

mod affinity;
pub mod member;
mod services;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use crate::{Error, Reactor, Remote, catch_panic};
pub use member::{Dispatcher, Member};

/// What a pool's threads share: each reactor's [`Remote`], and the
/// connections on their way to each.
pub(crate) struct Shared {
    pub(crate) remotes: Vec<Remote>,
    pub(crate) in_flight: Vec<AtomicUsize>,
    /// The addresses member 0 bound for shared endpoints that asked for
    /// port 0, so that the others bind the same port.
    pub(crate) bound: Mutex<HashMap<String, SocketAddr>>,
    pub(crate) bound_changed: Condvar,
}

impl Shared {
    /// Asks every reactor but `except` to stop.
    fn stop_all_but(&self, except: usize) {
        for (index, remote) in self.remotes.iter().enumerate() {
            if index != except {
                let _ = remote.stop();
            }
        }
    }
}

/// How to run a pool of reactors: how many, pinned or not, with what
/// shutdown grace. [`Pool::run`] runs it until a signal; [`Pool::start`]
/// gives a handle to stop it.
#[derive(Clone, Debug)]
pub struct Pool {
    threads: usize,
    pin: bool,
    grace: Option<Duration>,
}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

/// The error of a pool's setup closure: any error (`?` converts it).
pub type SetupError = Box<dyn std::error::Error + Send + Sync>;

/// How one reactor's thread ended badly.
#[derive(Debug)]
enum Ended {
    Reactor(Error),
    Setup(SetupError),
}

/// Why a pool could not run.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// A reactor could not be created or run.
    #[error("reactor {index} of the pool: {source}")]
    Reactor {
        /// Which reactor.
        index: usize,
        /// What failed.
        #[source]
        source: Error,
    },
    /// A reactor's setup failed.
    #[error("the setup of reactor {index} of the pool failed: {source}")]
    Setup {
        /// Which reactor.
        index: usize,
        /// The setup's error.
        #[source]
        source: SetupError,
    },
    /// A reactor's thread panicked outside any callback (a callback's
    /// panic is contained to its connection or call).
    #[error("the thread of reactor {index} panicked")]
    Panicked {
        /// Which reactor.
        index: usize,
    },
    /// A thread could not be started.
    #[error("cannot start a reactor thread: {0}")]
    Spawn(#[source] std::io::Error),
}

impl Pool {
    /// One reactor per core (as the system reports its available
    /// parallelism), not pinned, with each reactor's default grace.
    pub fn new() -> Self {
        let cores = thread::available_parallelism().map_or(1, usize::from);
        Pool {
            threads: cores,
            pin: false,
            grace: None,
        }
    }

    /// `threads` reactors (at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Pins reactor `i`'s thread to core `i` (modulo the cores the process
    /// may use). Off by default; where pinning is not possible it is
    /// skipped with a warning.
    pub fn pin_to_cores(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// How long each reactor's graceful stop waits for its connections to
    /// flush ([`Reactor::set_shutdown_grace`]).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// How many reactors the pool runs.
    pub fn size(&self) -> usize {
        self.threads
    }

    /// Runs the pool until SIGINT or SIGTERM (a second signal ends the
    /// grace period) or until any reactor stops, and returns once every
    /// reactor finished its graceful stop. `setup` runs on each reactor's
    /// thread first; if it fails anywhere, the pool stops and says where.
    pub fn run<S>(self, setup: S) -> Result<(), PoolError>
    where
        S: Fn(&Member) -> Result<(), SetupError> + Send + Sync + 'static,
    {
        let handle = self.start_with(true, setup)?;
        handle.join()
    }

    /// Starts the pool without handling signals; stop it with the
    /// returned handle (or from any reactor).
    ///
    /// It returns once every reactor's `setup` has returned (or failed,
    /// which [`PoolHandle::join`] then reports), so every listener the
    /// setups installed is bound: a connection made right after `start`
    /// may reach any reactor.
    pub fn start<S>(self, setup: S) -> Result<PoolHandle, PoolError>
    where
        S: Fn(&Member) -> Result<(), SetupError> + Send + Sync + 'static,
    {
        self.start_with(false, setup)
    }

    fn start_with<S>(self, signals: bool, setup: S) -> Result<PoolHandle, PoolError>
    where
        S: Fn(&Member) -> Result<(), SetupError> + Send + Sync + 'static,
    {
        let setup = Arc::new(setup);
        let (ready_tx, ready_rx) = mpsc::channel();
        // Each thread holds a sender until its setup has returned; the
        // channel disconnects when the last is dropped.
        let (set_up_tx, set_up_rx) = mpsc::channel::<Infallible>();
        let (go_tx, go_rx) = (0..self.threads)
            .map(|_| mpsc::channel::<Option<Arc<Shared>>>())
            .unzip::<_, _, Vec<_>, Vec<_>>();
        let mut threads = Vec::with_capacity(self.threads);
        for (index, go) in go_rx.into_iter().enumerate() {
            let ready = ready_tx.clone();
            let set_up = set_up_tx.clone();
            let setup = setup.clone();
            let options = self.clone();
            let thread = thread::Builder::new()
                .name(format!("weft-reactor-{index}"))
                .spawn(move || {
                    let signals = signals && index == 0;
                    options.serve(index, signals, &ready, &go, set_up, &*setup)
                })
                .map_err(PoolError::Spawn)?;
            threads.push(thread);
        }
        drop((ready_tx, set_up_tx));
        // Every reactor exists before any setup runs, so that setups can
        // reach every other reactor.
        let mut remotes = vec![None; self.threads];
        let mut failure = None;
        for _ in 0..self.threads {
            match ready_rx.recv() {
                Ok((index, Ok(remote))) => remotes[index] = Some(remote),
                Ok((index, Err(source))) => failure = Some(PoolError::Reactor { index, source }),
                Err(_) => failure = Some(PoolError::Panicked { index: 0 }),
            }
        }
        let shared = match (failure, remotes.into_iter().collect::<Option<Vec<_>>>()) {
            (None, Some(remotes)) => Some(Arc::new(Shared {
                in_flight: remotes.iter().map(|_| AtomicUsize::new(0)).collect(),
                remotes,
                bound: Mutex::new(HashMap::new()),
                bound_changed: Condvar::new(),
            })),
            (failure, _) => {
                for go in &go_tx {
                    let _ = go.send(None);
                }
                for thread in threads {
                    let _ = thread.join();
                }
                return Err(failure.unwrap_or(PoolError::Panicked { index: 0 }));
            }
        };
        for go in &go_tx {
            let _ = go.send(shared.clone());
        }
        let Err(mpsc::RecvError) = set_up_rx.recv();
        let shared = shared.expect("made above");
        Ok(PoolHandle { shared, threads })
    }

    /// One reactor's thread: make the reactor, report its remote, wait for
    /// the others, run the setup (dropping `set_up` once it returned) and
    /// the loop.
    fn serve<S>(
        &self,
        index: usize,
        signals: bool,
        ready: &mpsc::Sender<(usize, Result<Remote, Error>)>,
        go: &mpsc::Receiver<Option<Arc<Shared>>>,
        set_up: mpsc::Sender<Infallible>,
        setup: &S,
    ) -> Result<(), Ended>
    where
        S: Fn(&Member) -> Result<(), SetupError>,
    {
        if self.pin {
            affinity::pin_to_core(index);
        }
        let reactor = match Reactor::new() {
            Ok(reactor) => reactor,
            Err(error) => {
                // The pool reports it, and starts no setup.
                let _ = ready.send((index, Err(error)));
                return Ok(());
            }
        };
        if let Some(grace) = self.grace {
            reactor.set_shutdown_grace(grace);
        }
        let _ = ready.send((index, Ok(reactor.remote())));
        let Ok(Some(shared)) = go.recv() else {
            return Ok(());
        };
        let member = Member::new(&reactor, index, shared.clone());
        // Any reactor that stops takes the whole pool with it.
        let others = shared.clone();
        reactor.add_shutdown_hook(move || others.stop_all_but(index));
        // A panic that escapes (from the setup; callbacks contain their
        // own) stops the pool rather than leaving it short of a reactor.
        let outcome = catch_panic("pool reactor", || {
            if signals {
                reactor.handle_signals().map_err(Ended::Reactor)?;
            }
            let result = setup(&member);
            drop(set_up);
            if let Err(error) = result {
                // The error goes back to whoever runs the pool, to report.
                tracing::debug!(reactor = index, %error, "pool setup failed; stopping the pool");
                reactor.stop();
                reactor.run().map_err(Ended::Reactor)?;
                return Err(Ended::Setup(error));
            }
            reactor.run().map_err(Ended::Reactor)
        });
        match outcome {
            Ok(result) => result,
            Err(_) => {
                shared.stop_all_but(index);
                std::panic::resume_unwind(Box::new("a reactor of the pool panicked"));
            }
        }
    }
}

/// A running pool: stop it, wait for it.
pub struct PoolHandle {
    shared: Arc<Shared>,
    threads: Vec<thread::JoinHandle<Result<(), Ended>>>,
}

impl PoolHandle {
    /// Each reactor's [`Remote`], by index.
    pub fn remotes(&self) -> &[Remote] {
        &self.shared.remotes
    }

    /// Asks every reactor to stop gracefully.
    pub fn stop(&self) {
        for remote in &self.shared.remotes {
            let _ = remote.stop();
        }
    }

    /// Waits for every reactor to finish; the first failure, if any.
    pub fn join(self) -> Result<(), PoolError> {
        let mut outcome = Ok(());
        for (index, thread) in self.threads.into_iter().enumerate() {
            let result = match thread.join() {
                Ok(Ok(())) => continue,
                Ok(Err(Ended::Reactor(source))) => PoolError::Reactor { index, source },
                Ok(Err(Ended::Setup(source))) => PoolError::Setup { index, source },
                Err(_) => PoolError::Panicked { index },
            };
            if outcome.is_ok() {
                outcome = Err(result);
            }
        }
        outcome
    }
}
