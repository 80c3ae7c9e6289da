//! Tasks on a real reactor: spawning, awaiting, panics, cancellation when
//! the reactor stops, `block_on`, wakes from other threads, and the
//! bounded task turn of each loop iteration. (Timing-free: time-based
//! futures are tested on the fake clock, in `async_time.rs`.)

use std::cell::Cell;
use std::future::{Future, pending};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use weft::task::{TaskError, yield_now};
use weft::time::Scheduler;
use weft::{Error, Reactor, RunUntil};

const PATIENCE: Duration = Duration::from_secs(30);

/// Stops `reactor` if a test has not finished within [`PATIENCE`], so that
/// a broken wake fails the test instead of hanging it.
fn guard(reactor: &Reactor) {
    let stopper = reactor.clone();
    drop(reactor.call_later(PATIENCE, move || stopper.stop()));
}

/// Sets a flag when dropped: tells whether a task's future was dropped.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn a_spawned_task_runs_on_the_loop_and_its_handle_gives_its_output() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let spawner = reactor.clone();
    let output = reactor.block_on(async move {
        // Not Send: tasks stay on the reactor's thread.
        let shared = Rc::new(Cell::new(20));
        let inner = shared.clone();
        let task = spawner.spawn(async move {
            yield_now().await;
            inner.get() + 1
        });
        shared.set(41);
        task.await
    });
    assert_eq!(output.unwrap(), Ok(42));
}

#[test]
fn a_panicking_task_ends_alone_and_its_awaiter_is_told() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let spawner = reactor.clone();
    let (bad, good) = reactor
        .block_on(async move {
            let bad = spawner.spawn(async {
                yield_now().await;
                panic!("bad task");
            });
            let good = spawner.spawn(async {
                yield_now().await;
                yield_now().await;
                "good"
            });
            (bad.await, good.await)
        })
        .unwrap();
    assert_eq!(bad, Err(TaskError::Panicked("bad task".into())));
    assert_eq!(good, Ok("good"));
}

#[test]
fn a_detached_task_runs_on_and_a_dropped_one_is_cancelled() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let (ran, dropped) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
    let r = ran.clone();
    reactor
        .spawn(async move {
            yield_now().await;
            r.set(true);
        })
        .detach();
    let flag = DropFlag(dropped.clone());
    let cancelled = reactor.spawn(async move {
        let _flag = flag;
        pending::<()>().await;
    });
    drop(cancelled);
    assert!(
        dropped.get(),
        "dropping the handle drops the future at once"
    );
    let done = ran.clone();
    assert_eq!(
        reactor.run_until(PATIENCE, || done.get()).unwrap(),
        RunUntil::Met
    );
}

#[test]
fn stopping_the_reactor_drops_its_tasks_and_refuses_new_ones() {
    let reactor = Reactor::new().unwrap();
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(dropped.clone());
    let stuck = reactor.spawn(async move {
        let _flag = flag;
        pending::<()>().await;
    });
    reactor.call_soon({
        let reactor = reactor.clone();
        move || reactor.stop()
    });
    reactor.run().unwrap();
    assert!(dropped.get());
    assert_eq!(stuck.try_take(), Some(Err(TaskError::Cancelled)));
    let late = reactor.spawn(async { 1 });
    assert!(late.is_finished());
    assert_eq!(late.try_take(), Some(Err(TaskError::Cancelled)));
}

#[test]
fn block_on_fails_when_the_reactor_stops_first() {
    let reactor = Reactor::new().unwrap();
    let stopper = reactor.clone();
    let outcome = reactor.block_on(async move {
        stopper.stop();
        pending::<()>().await;
    });
    assert!(matches!(outcome, Err(Error::StoppedEarly)), "{outcome:?}");
    assert!(matches!(reactor.block_on(async {}), Err(Error::Stopped)));
}

#[test]
#[should_panic(expected = "the future given to block_on panicked: in main")]
fn block_on_raises_the_panic_of_its_future() {
    let reactor = Reactor::new().unwrap();
    let _ = reactor.block_on(async {
        yield_now().await;
        panic!("in main");
    });
}

#[test]
fn block_on_borrows_from_its_caller_and_the_reactor_runs_again_afterwards() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let mut count = 0;
    reactor
        .block_on(async {
            yield_now().await;
            count += 1;
        })
        .unwrap();
    let again = reactor.block_on(async { count + 1 }).unwrap();
    assert_eq!(again, 2);
}

#[test]
fn react_runs_main_then_stops_the_reactor() {
    let kept = Rc::new(Cell::new(None));
    let k = kept.clone();
    let output = weft::react(|reactor| async move {
        k.set(Some(reactor.clone()));
        let task = reactor.spawn(async { 6 * 7 });
        task.await.unwrap()
    });
    assert_eq!(output.unwrap(), 42);
    let reactor = kept.take().unwrap();
    assert!(!reactor.is_running());
    assert!(matches!(reactor.run(), Err(Error::Stopped)));
}

/// A one-shot signal set from another thread (what a `Send` waker is for).
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    fn set(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Signal {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_task_woken_from_another_thread_runs_on_the_reactor() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let spawner = reactor.clone();
    let outcome = reactor.block_on(async move {
        let mut waited = Vec::new();
        for round in 0..50 {
            let signal = Signal::default();
            let task = spawner.spawn({
                let signal = signal.clone();
                async move {
                    signal.await;
                    round
                }
            });
            // Let the task register its waker, then wake it from a thread.
            yield_now().await;
            yield_now().await;
            let setter = std::thread::spawn(move || signal.set());
            waited.push(task.await.unwrap());
            setter.join().unwrap();
        }
        waited
    });
    assert_eq!(outcome.unwrap(), (0..50).collect::<Vec<_>>());
}

#[test]
fn wakes_racing_the_reactor_going_to_sleep_are_never_lost() {
    // Another thread wakes a task again as soon as it has run, so that
    // wakes land while the reactor finishes its iteration, while it
    // decides to wait, and while it waits; one lost wake stops the ping
    // pong, and the guard fails the test.
    const ROUNDS: usize = 5_000;
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let signals: Vec<Signal> = (0..ROUNDS).map(|_| Signal::default()).collect();
    let acks: Vec<Signal> = (0..ROUNDS).map(|_| Signal::default()).collect();
    let (theirs, their_acks) = (signals.clone(), acks.clone());
    let pinger = std::thread::spawn(move || {
        for (signal, ack) in theirs.iter().zip(&their_acks) {
            signal.set();
            while !ack.0.lock().unwrap().0 {
                std::hint::spin_loop();
            }
        }
    });
    let task = reactor.spawn(async move {
        for (signal, ack) in signals.into_iter().zip(acks) {
            signal.await;
            ack.set();
        }
    });
    assert_eq!(reactor.block_on(task).unwrap(), Ok(()));
    pinger.join().unwrap();
}

#[test]
fn block_on_is_woken_from_another_thread() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let signal = Signal::default();
    let setter = {
        let signal = signal.clone();
        std::thread::spawn(move || signal.set())
    };
    reactor.block_on(signal).unwrap();
    setter.join().unwrap();
}

#[test]
fn a_loop_iteration_polls_at_most_one_turn_of_tasks() {
    let reactor = Reactor::new().unwrap();
    let ran = Rc::new(Cell::new(0_usize));
    for _ in 0..1000 {
        let ran = ran.clone();
        reactor
            .spawn(async move { ran.set(ran.get() + 1) })
            .detach();
    }
    // `call_soon` calls run after the task turn of the same iteration.
    let seen = Rc::new(Cell::new(None));
    let (s, r) = (seen.clone(), ran.clone());
    reactor.call_soon(move || s.set(Some(r.get())));
    let probe = seen.clone();
    reactor
        .run_until(PATIENCE, || probe.get().is_some())
        .unwrap();
    assert_eq!(seen.get(), Some(256));
    let done = ran.clone();
    reactor.run_until(PATIENCE, || done.get() == 1000).unwrap();
}

#[test]
fn a_task_that_never_stops_yielding_leaves_timers_and_calls_their_turn() {
    let reactor = Reactor::new().unwrap();
    let spins = Rc::new(Cell::new(0_u64));
    let s = spins.clone();
    let _busy = reactor.spawn(async move {
        loop {
            s.set(s.get() + 1);
            yield_now().await;
        }
    });
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    reactor.call_later(Duration::ZERO, move || f.set(true));
    let done = fired.clone();
    assert_eq!(
        reactor.run_until(PATIENCE, || done.get()).unwrap(),
        RunUntil::Met
    );
    assert!(spins.get() >= 1);
}

#[test]
fn a_task_may_cancel_itself_while_it_runs() {
    let reactor = Reactor::new().unwrap();
    guard(&reactor);
    let slot: Rc<Cell<Option<weft::task::Task<()>>>> = Rc::new(Cell::new(None));
    let dropped = Rc::new(Cell::new(false));
    let (own, flag) = (slot.clone(), DropFlag(dropped.clone()));
    let task = reactor.spawn(async move {
        let _flag = flag;
        yield_now().await;
        // Dropping its own handle cancels the task once this poll returns.
        drop(own.take());
        pending::<()>().await;
    });
    slot.set(Some(task));
    let done = dropped.clone();
    assert_eq!(
        reactor.run_until(PATIENCE, || done.get()).unwrap(),
        RunUntil::Met
    );
}
