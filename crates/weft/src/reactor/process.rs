//! Child processes whose standard input and output are a connection
//! ([`Reactor::spawn_process`](super::Reactor::spawn_process)), the
//! [`Process`] handle, and their exit statuses, collected when `SIGCHLD`
//! says a child exited.
//!
//! The child's standard input and output are the two ends it holds of one
//! Unix socket pair; the reactor serves the other end as any connection,
//! so a process gets everything a socket gets: write limits with
//! `pause_writing`, `pause_reading` as back-pressure, layers (lines over a
//! process), `shutdown_write` as the end of the child's input. What a
//! socket costs over two pipes: the child's output ends for the reactor
//! when it closed *both* descriptors (usually when it exits), and a child
//! cannot `open("/dev/stdout")` (a socket cannot be opened by path);
//! `echo > /dev/stdout` fails where `echo` works. Each
//! reactor that spawned a child watches `SIGCHLD` (through the signal
//! pipe of `signal-hook`, which several reactors can share) and then asks
//! only its own children whether they exited, so children that other code
//! of the program waits for are left to it.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use signal_hook::consts::SIGCHLD;
use signal_hook_mio::v1_0::Signals;

use super::Inner;
use super::event_loop::CHILDREN;
use super::stream::Stream;
use crate::{Address, Error, Protocol};

/// The children of one reactor that have not exited yet, and the signal
/// that says one did.
#[derive(Default)]
pub(crate) struct Children {
    signals: Option<Signals>,
    running: Vec<Rc<ChildState>>,
}

/// One child: the process, then how it ended.
struct ChildState {
    pid: u32,
    /// `None` once it ended (and was collected).
    child: RefCell<Option<Child>>,
    ended: RefCell<Option<Ended>>,
    /// The tasks waiting for the end.
    waiters: RefCell<Vec<Waker>>,
}

/// How a child ended, as far as this process knows.
#[derive(Clone)]
enum Ended {
    Exited(ExitStatus),
    /// Its status could not be collected (other code of the program
    /// collected it: `ECHILD`); why.
    Unknown(Rc<str>),
}

impl ChildState {
    /// Collects the child's exit status if it exited; returns whether it
    /// ended.
    fn collect(&self) -> bool {
        let ended = match self.child.borrow_mut().as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => Ended::Exited(status),
            Some(Ok(None)) => return false,
            Some(Err(error)) => {
                tracing::warn!(pid = self.pid, %error, "cannot collect a child's exit status");
                Ended::Unknown(Rc::from(format!(
                    "the exit status of process {} cannot be collected: {error}",
                    self.pid
                )))
            }
            None => return true,
        };
        self.child.borrow_mut().take();
        *self.ended.borrow_mut() = Some(ended);
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for waiter in waiters {
            waiter.wake();
        }
        true
    }
}

/// A child process started by [`Reactor::spawn_process`](super::Reactor::spawn_process)
/// (Twisted's `IProcessTransport` for what is not the connection):
/// its id, signals, and its exit status.
///
/// The reactor does not end its children when it stops or is dropped:
/// signal them first if they must not outlive it.
#[derive(Clone)]
pub struct Process {
    state: Rc<ChildState>,
}

impl Process {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.state.pid
    }

    /// Sends `signal` (`libc::SIGTERM`, say) to the child. Refused once it
    /// exited: its id may then name another process.
    pub fn signal(&self, signal: i32) -> io::Result<()> {
        if self.state.ended.borrow().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the process has exited",
            ));
        }
        let pid = libc::pid_t::try_from(self.state.pid).map_err(io::Error::other)?;
        // SAFETY: kill has no memory-safety preconditions; the child is not
        // collected yet, so its id still names it.
        if unsafe { libc::kill(pid, signal) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The exit status, once the child exited.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match &*self.state.ended.borrow() {
            Some(Ended::Exited(status)) => Some(*status),
            _ => None,
        }
    }

    /// Waits for the child to exit (on the reactor that started it), and
    /// gives its status; an error if the status could not be collected
    /// (other code of the program waited for the child). Its output may
    /// still be arriving: the connection ends when the child, and any
    /// process it passed its standard output to, closed it.
    pub fn wait(&self) -> ProcessExit {
        ProcessExit {
            state: self.state.clone(),
        }
    }
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("pid", &self.state.pid)
            .field("status", &self.exit_status())
            .finish()
    }
}

/// The exit of a [`Process`], as a future ([`Process::wait`]).
pub struct ProcessExit {
    state: Rc<ChildState>,
}

impl Future for ProcessExit {
    type Output = io::Result<ExitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        match &*self.state.ended.borrow() {
            Some(Ended::Exited(status)) => return Poll::Ready(Ok(*status)),
            Some(Ended::Unknown(why)) => {
                return Poll::Ready(Err(io::Error::other(why.to_string())));
            }
            None => {}
        }
        let mut waiters = self.state.waiters.borrow_mut();
        if !waiters.iter().any(|waiter| waiter.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A socket pair: this process's end (non-blocking), the child's end.
fn socket_pair() -> io::Result<(UnixStream, UnixStream)> {
    let (ours, theirs) = UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    Ok((ours, theirs))
}

impl Inner {
    /// Starts `command` with its standard input and output connected to
    /// `protocol`; see [`Reactor::spawn_process`](super::Reactor::spawn_process).
    pub(crate) fn spawn_process(
        self: &Rc<Self>,
        command: &mut Command,
        protocol: Box<dyn Protocol>,
        errors: Option<Box<dyn Protocol>>,
    ) -> Result<Process, Error> {
        let program = command.get_program().to_string_lossy().into_owned();
        let fail = |source: io::Error| Error::Spawn {
            program: program.clone(),
            source,
        };
        // Watched before the child starts, so that its exit is not missed.
        self.watch_children().map_err(Error::Signals)?;
        // Every fallible step but the spawn comes first: once the child
        // runs, it is served.
        let (ours, theirs) = socket_pair().map_err(fail)?;
        let input = theirs.try_clone().map_err(fail)?;
        let errors = match errors {
            Some(protocol) => Some((socket_pair().map_err(fail)?, protocol)),
            None => None,
        };
        command
            .stdin(Stdio::from(OwnedFd::from(input)))
            .stdout(Stdio::from(OwnedFd::from(theirs)));
        let errors = errors.map(|((ours, theirs), protocol)| {
            command.stderr(Stdio::from(OwnedFd::from(theirs)));
            (ours, protocol)
        });
        let spawned = command.spawn();
        // The command holds this process's copies of the child's ends:
        // replacing them closes them, so that the child's exit ends the
        // connections' input.
        command.stdin(Stdio::inherit()).stdout(Stdio::inherit());
        if errors.is_some() {
            command.stderr(Stdio::inherit());
        }
        let child = spawned.map_err(fail)?;
        let pid = child.id();
        let state = Rc::new(ChildState {
            pid,
            child: RefCell::new(Some(child)),
            ended: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
        });
        self.children.borrow_mut().running.push(state.clone());
        self.serve_pipe(ours, pid, protocol);
        if let Some((ours, protocol)) = errors {
            self.serve_pipe(ours, pid, protocol);
        }
        Ok(Process { state })
    }

    /// Serves this process's end of a socket pair to child `pid` as a
    /// connection of `protocol`.
    fn serve_pipe(self: &Rc<Self>, ours: UnixStream, pid: u32, protocol: Box<dyn Protocol>) {
        let stream = Stream::Unix(mio::net::UnixStream::from_std(ours));
        self.adopt(stream, Address::Process(pid), protocol, None);
    }

    /// Registers the `SIGCHLD` pipe with the poller, once.
    fn watch_children(&self) -> io::Result<()> {
        let mut children = self.children.borrow_mut();
        if children.signals.is_none() {
            let mut signals = Signals::new([SIGCHLD])?;
            self.registry
                .register(&mut signals, CHILDREN, mio::Interest::READABLE)?;
            children.signals = Some(signals);
        }
        Ok(())
    }

    /// A child of the process exited: collects those of this reactor that
    /// did, and wakes what waits for them.
    pub(crate) fn on_child_signal(&self) {
        let running = {
            let mut children = self.children.borrow_mut();
            if let Some(signals) = children.signals.as_mut() {
                signals.pending().for_each(drop);
            }
            children.running.clone()
        };
        let exited: Vec<u32> = running
            .iter()
            .filter(|state| state.collect())
            .map(|state| state.pid)
            .collect();
        if !exited.is_empty() {
            self.children
                .borrow_mut()
                .running
                .retain(|state| !exited.contains(&state.pid));
        }
    }
}
