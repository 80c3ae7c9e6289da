//! Running a future to completion from `main`: [`Reactor::block_on`],
//! [`react`] and [`react_main`].

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};

use super::{Reactor, RunUntil};
use crate::Error;
use crate::panic_guard::catch_panic;

impl Reactor {
    /// Runs the loop until `future` completes, and gives its output
    /// (asyncio's `run_until_complete`).
    ///
    /// The future is polled on this thread between loop iterations,
    /// whenever it was woken; it need not be `Send` nor `'static`.
    /// Listeners, connections, timers and spawned tasks are served
    /// meanwhile, and keep their state when it returns: the reactor can be
    /// run again.
    ///
    /// Fails with [`Error::StoppedEarly`] if the reactor stops first (the
    /// future is dropped), and like [`run`](Self::run) otherwise (called
    /// from inside the loop, on a stopped reactor, poller failure).
    ///
    /// # Panics
    ///
    /// If the future panics: the panic is logged and raised again here,
    /// once the loop is left in order.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        let mut future = pin!(future);
        let waker_state = self.inner.tasks.main_waker();
        let waker = Waker::from(waker_state.clone());
        let tasks = self.inner.tasks.clone();
        let inner = self.inner.clone();
        let mut first = true;
        let mut output = None;
        let mut panicked = None;
        let mut poll_main = || {
            if output.is_some() || panicked.is_some() {
                return true;
            }
            if !std::mem::take(&mut first) && !tasks.take_main_woken() {
                return false;
            }
            waker_state.clear();
            let mut cx = Context::from_waker(&waker);
            match catch_panic("block_on", || future.as_mut().poll(&mut cx)) {
                Ok(Poll::Ready(value)) => output = Some(value),
                Ok(Poll::Pending) => {}
                Err(message) => panicked = Some(message),
            }
            inner.service_touched();
            output.is_some() || panicked.is_some()
        };
        let outcome = self.inner.run_loop(self, Some((None, &mut poll_main)));
        if let Some(message) = panicked {
            panic!("the future given to block_on panicked: {message}");
        }
        match outcome? {
            RunUntil::Met => Ok(output.expect("the loop ends on the future's output")),
            RunUntil::Stopped | RunUntil::TimedOut => Err(Error::StoppedEarly),
        }
    }
}

/// Makes a reactor, runs the future `main` builds with it to completion,
/// then stops the reactor gracefully (connections are flushed and closed,
/// tasks cancelled) and gives the future's output (Twisted's
/// `task.react`, asyncio's `asyncio.run`).
///
/// ```no_run
/// use std::time::Duration;
/// use weft::time::Scheduler;
///
/// fn main() -> Result<(), weft::Error> {
///     weft::react(|reactor| async move {
///         reactor.timers().sleep(Duration::from_millis(10)).await;
///         println!("slept");
///     })
/// }
/// ```
///
/// Fails if the reactor cannot be made, or as [`Reactor::block_on`] does.
pub fn react<T, F, Fut>(main: F) -> Result<T, Error>
where
    F: FnOnce(Reactor) -> Fut,
    Fut: Future<Output = T>,
{
    let reactor = Reactor::new()?;
    let output = reactor.block_on(main(reactor.clone()));
    reactor.stop();
    match reactor.run() {
        Ok(()) | Err(Error::Stopped) => output,
        Err(error) => output.and(Err(error)),
    }
}

/// [`react`] for a program's `main` (what Twisted's `task.react` does
/// with the process): runs `main` and gives the exit code — success when
/// its future gives `Ok`; otherwise the error is written to standard
/// error as one line, `PROGRAM: ERROR`, and the code is failure.
///
/// ```no_run
/// use std::process::ExitCode;
///
/// fn main() -> ExitCode {
///     weft::react_main(|reactor| async move {
///         let (mut reader, _) = weft::streams::open_connection(&reactor, "tcp:localhost:17")?.await?;
///         print!("{}", String::from_utf8_lossy(&reader.read_line().await?));
///         Ok::<_, Box<dyn std::error::Error>>(())
///     })
/// }
/// ```
pub fn react_main<E, F, Fut>(main: F) -> ExitCode
where
    E: fmt::Display,
    F: FnOnce(Reactor) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let failure = match react(main) {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(error)) => error.to_string(),
        Err(error) => error.to_string(),
    };
    let program = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "weft".to_owned());
    eprintln!("{program}: {failure}");
    ExitCode::FAILURE
}
