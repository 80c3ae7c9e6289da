//! # weft for Twisted and asyncio users
//!
//! weft keeps Twisted's shape — protocols, transports, factories, a
//! reactor, endpoint strings — and adds futures on top, on the reactor's
//! own thread, the way `inlineCallbacks` and asyncio's coroutines sit on
//! top of callbacks. This page maps what you know to what weft has.
//!
//! | Twisted | asyncio | weft |
//! | --- | --- | --- |
//! | `reactor.run()`, `task.react(main)` | `asyncio.run(main())` | [`Reactor::run`](crate::Reactor::run), [`react`](crate::react), [`react_main`](crate::react_main) (exit code and a one-line reason) |
//! | `Deferred`, `d.callback(v)`, `d.errback(f)` | `loop.create_future()`, `set_result`, `set_exception` | [`Deferred::new`](crate::deferred::Deferred::new) gives the [`Deferred`](crate::deferred::Deferred) and its [`Resolver`](crate::deferred::Resolver): [`resolve`](crate::deferred::Resolver::resolve), [`fail`](crate::deferred::Resolver::fail) |
//! | `Deferred(canceller)`, `d.cancel()` | `fut.cancel()` | [`Deferred::with_canceller`](crate::deferred::Deferred::with_canceller), [`cancel`](crate::deferred::Deferred::cancel) or dropping the deferred |
//! | `d.addTimeout(t, reactor)` | `asyncio.wait_for(fut, t)` | [`Deferred::timeout`](crate::deferred::Deferred::timeout); for any future [`Timers::timeout`](crate::time::Timers::timeout) |
//! | `DeferredList`, `gatherResults` | `asyncio.gather` | [`gather`](crate::deferred::gather), [`gather_ok`](crate::deferred::gather_ok) |
//! | `@inlineCallbacks` + `yield d` | `async def` + `await` | `async` blocks run with [`Reactor::spawn`](crate::Reactor::spawn) (a [`Task`](crate::task::Task): await, [`cancel`](crate::task::Task::cancel), drop) |
//! | the global `reactor` | `asyncio.get_running_loop()` | [`Reactor::current`](crate::Reactor::current) (`None` off a running reactor's thread), or better a handle passed in |
//! | `reactor.callLater(t, f)` | `loop.call_later(t, f)` | [`Scheduler::call_later`](crate::time::Scheduler::call_later), giving a [`DelayedCall`](crate::time::DelayedCall); from a protocol with no handle, `Reactor::current()` then `call_later` |
//! | `callLater(t, self.method)` in a protocol | — | [`Alarms`](crate::time::Alarms) in a [`Timed`](crate::time::Timed) protocol: the call gets `&mut self` |
//! | `task.deferLater`, `task.LoopingCall` | `asyncio.sleep`, a `while` loop | [`Timers::sleep`](crate::time::Timers::sleep), [`Timers::interval`](crate::time::Timers::interval), [`LoopingCall`](crate::time::LoopingCall) |
//! | `TimeoutMixin` | — | [`IdleTimeout`](crate::policies::IdleTimeout) |
//! | `task.Clock` | — | [`testing::Clock`](crate::testing::Clock): advancing it runs due calls *and* the tasks they wake |
//! | `connectProtocol(endpoint, proto)` | `loop.create_connection` | [`Reactor::connect_protocol`](crate::Reactor::connect_protocol), giving a [`Connected`](crate::client::Connected) handle or a [`ConnectError`](crate::ConnectError) |
//! | `HostnameEndpoint` (connects racing, `attemptDelay`) | `create_connection(happy_eyeballs_delay=0.25)` | every TCP connect by name races its addresses ([`Reactor::connect`](crate::Reactor::connect), [`CONNECTION_ATTEMPT_DELAY`](crate::CONNECTION_ATTEMPT_DELAY)) |
//! | `reactor.installNameResolver(r)` | — | [`Reactor::install_name_resolver`](crate::Reactor::install_name_resolver) with a [`NameResolver`](crate::NameResolver) (any `Fn(&str, u16) -> io::Result<Vec<SocketAddr>>`) |
//! | `ClientService(endpoint, factory)`, `whenConnected` | — | [`ClientService`](crate::client::ClientService), [`when_connected`](crate::client::ClientService::when_connected), [`stop`](crate::client::ClientService::stop), [`Backoff`](crate::client::Backoff) |
//! | `whenConnected(failAfterFailures=n)` | — | [`ClientService::next_failure`](crate::client::ClientService::next_failure) (each failed attempt, with its count and error) and [`failed_attempts`](crate::client::ClientService::failed_attempts) |
//! | — | `BufferedProtocol` (`get_buffer`, `buffer_updated`) | [`Protocol::receive_in_place`](crate::Protocol::receive_in_place): the socket's bytes appended to the protocol's own vector |
//! | — | `open_connection`, `start_server`, `readline`, `readexactly`, `write` + `drain` | [`streams::open_connection`](crate::streams::open_connection), [`streams::start_server`](crate::streams::start_server), [`read_line`](crate::streams::StreamReader::read_line), [`read_exact`](crate::streams::StreamReader::read_exact), [`write_all`](crate::streams::StreamWriter::write_all) |
//! | `deferToThread(f)`, `reactor.suggestThreadPoolSize(n)` | `asyncio.to_thread(f)` | [`Reactor::defer_to_thread`](crate::Reactor::defer_to_thread), [`set_thread_pool_size`](crate::Reactor::set_thread_pool_size) |
//! | `reactor.spawnProcess(pp, exe, args)`, `processEnded` | `loop.subprocess_exec`, `proc.wait()` | [`Reactor::spawn_process`](crate::Reactor::spawn_process) with any [`Protocol`](crate::Protocol) (the child's stdin and stdout are its connection: `write`, `shutdown_write` for `closeStdin`, `data_received` for `outReceived`; [`spawn_process_with_errors`](crate::Reactor::spawn_process_with_errors) for `errReceived`), and the [`Process`](crate::Process): [`wait`](crate::Process::wait), [`signal`](crate::Process::signal) |
//! | `reactor.callFromThread(f)` | `loop.call_soon_threadsafe(f)` | [`Remote::call_from_thread`](crate::Remote::call_from_thread) |
//!
//! ## What differs
//!
//! - **A deferred has one consumer.** Twisted's callback chain becomes
//!   ordinary code after an `.await`; a failure is an `Err` that `?`
//!   carries on ([`DeferredError::Failed`](crate::deferred::DeferredError::Failed)).
//!   Cancelling (or dropping) a deferred runs its canceller, as Twisted
//!   does; if the canceller gives no outcome the result is
//!   [`DeferredError::Cancelled`](crate::deferred::DeferredError::Cancelled),
//!   and a result that arrives later is dropped. A producer that drops its
//!   resolver without an outcome gives
//!   [`DeferredError::Abandoned`](crate::deferred::DeferredError::Abandoned)
//!   instead of a hang.
//! - **Dropping is cancelling.** A dropped [`Task`](crate::task::Task),
//!   [`Deferred`](crate::deferred::Deferred), sleep or connection attempt
//!   stops its work; call [`Task::detach`](crate::task::Task::detach) to
//!   let a task run on alone.
//! - **Everything of a reactor lives on its thread** and need not be
//!   `Send`; other threads reach it through a
//!   [`Remote`](crate::Remote), or by waking a task's waker.
//! - **One timeline for production and tests.** Code keeps a
//!   [`Timers`](crate::time::Timers) handle; the reactor and the test
//!   clock both give one, so async code is tested by moving time by hand:
//!
//! ```
//! use std::time::Duration;
//! use weft::deferred::{Deferred, DeferredError};
//! use weft::testing::Clock;
//! use weft::time::Scheduler;
//!
//! let clock = Clock::new();
//! let timers = clock.timers();
//! let (reply, _resolver) = Deferred::<String, String>::new();
//! // asyncio: await asyncio.wait_for(reply, 5)
//! let task = clock.spawn(async move { reply.timeout(&timers, Duration::from_secs(5)).await });
//! clock.advance(Duration::ZERO); // the task starts
//! clock.advance(Duration::from_secs(5));
//! assert_eq!(task.try_take(), Some(Ok(Err(DeferredError::TimedOut(Duration::from_secs(5))))));
//! ```
//!
//! ## A client, both ways
//!
//! Twisted's "connect, send, wait for the reply with a timeout" is an
//! `async` block with streams (the `request_client` example):
//!
//! ```no_run
//! use std::time::Duration;
//! use weft::time::Scheduler;
//!
//! fn main() -> std::process::ExitCode {
//!     weft::react_main(|reactor| async move {
//!         let (mut replies, requests) =
//!             weft::streams::open_connection(&reactor, "tcp:host=localhost:port=9000:timeout=2")?.await?;
//!         requests.write_all(b"hello\n").await?;
//!         let reply = reactor.timers().timeout(Duration::from_secs(2), replies.read_line());
//!         print!("{}", String::from_utf8_lossy(&reply.await??));
//!         Ok::<_, Box<dyn std::error::Error>>(())
//!     })
//! }
//! ```
//!
//! and a protocol-based client keeps its callbacks, awaiting only the
//! connection: `let connected = reactor.connect_protocol(endpoint,
//! MyProtocol::default())?.await?;` then
//! `connected.with(|protocol| …)`. The examples `qotd_client`,
//! `echo_client`, `reconnecting_client` and `request_client` show each
//! whole.
//!
//! ## Why a closure factory names its argument's type
//!
//! `reactor.listen("tcp:8900", |_peer: &weft::Address| Some(MyProtocol))`:
//! without the annotation Rust infers a closure for one particular
//! lifetime of `&Address`, while a [`Factory`](crate::Factory) must
//! accept a reference of any lifetime; naming the type makes the closure
//! general. (`connect_protocol` and [`ClientService`](crate::client::ClientService)
//! need no factory at all.)
