//! `defer_to_thread`: a blocking function's value awaited on the
//! reactor, a panic contained, the pool's bound, and its shutdown.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use common::{PATIENCE, run};
use weft::Reactor;
use weft::deferred::gather;
use weft::task::ThreadError;

#[test]
fn a_blocking_function_runs_on_another_thread_and_its_value_is_awaited() {
    let reactor = Reactor::new().unwrap();
    let here = std::thread::current().id();
    let there = run(
        &reactor,
        reactor.defer_to_thread(|| std::thread::current().id()),
    );
    assert_ne!(there.unwrap(), here);
}

#[test]
fn a_panic_in_the_function_reaches_the_awaiting_code_only() {
    let reactor = Reactor::new().unwrap();
    let outcome = run(
        &reactor,
        reactor.defer_to_thread(|| -> u32 { panic!("disk on fire") }),
    );
    assert_eq!(outcome, Err(ThreadError::Panicked("disk on fire".into())));
    assert_eq!(run(&reactor, reactor.defer_to_thread(|| 5)), Ok(5));
}

#[test]
fn no_more_functions_run_at_once_than_the_pool_size() {
    let reactor = Reactor::new().unwrap();
    reactor.set_thread_pool_size(2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    // Pairs meet at a barrier: with two threads, every pair runs together.
    let barrier = Arc::new(Barrier::new(2));
    let jobs: Vec<_> = (0..8)
        .map(|n| {
            let (running, most, barrier) = (running.clone(), most.clone(), barrier.clone());
            reactor.defer_to_thread(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                barrier.wait();
                running.fetch_sub(1, Ordering::SeqCst);
                n
            })
        })
        .collect();
    let values = run(&reactor, gather(jobs));
    assert_eq!(values, (0..8).map(Ok).collect::<Vec<_>>());
    assert_eq!(most.load(Ordering::SeqCst), 2);
}

#[test]
fn functions_not_started_when_the_reactor_stops_never_run() {
    let reactor = Reactor::new().unwrap();
    reactor.set_thread_pool_size(1);
    let started = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (s, r) = (started.clone(), release.clone());
    let running = reactor.defer_to_thread(move || {
        s.wait();
        r.wait();
        "finished"
    });
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let queued = reactor.defer_to_thread(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    started.wait();
    reactor.stop();
    reactor.run().unwrap();
    release.wait();
    assert_eq!(wait_here(queued), Err(ThreadError::ShutDown));
    assert_eq!(
        wait_here(running),
        Ok("finished"),
        "a running function finishes"
    );
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// Polls a future to completion on this thread (the reactor has
/// stopped), parking between polls.
fn wait_here<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park_timeout(PATIENCE);
    }
}
