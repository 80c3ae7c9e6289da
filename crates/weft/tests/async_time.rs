//! Time as futures on the fake clock: sleeps, timeouts, intervals and the
//! tasks that await them move exactly as far as the test moves time.

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::rc::Rc;
use std::time::Duration;

use weft::task::{TaskError, yield_now};
use weft::testing::Clock;
use weft::time::{Scheduler, StartAt, TimedOut};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_sleep_completes_when_the_clock_reaches_its_deadline() {
    let clock = Clock::new();
    let timers = clock.timers();
    let start = clock.now();
    let task = clock.spawn(async move {
        timers.sleep(secs(10)).await;
        timers.now()
    });
    // A task starts on the clock's next pass, as on the reactor's.
    clock.advance(Duration::ZERO);
    clock.advance(secs(9));
    assert!(!task.is_finished());
    assert_eq!(clock.pending_calls(), 1, "the sleep's one timer");
    clock.advance(secs(1));
    assert_eq!(task.try_take(), Some(Ok(start + secs(10))));
    assert_eq!(clock.pending_calls(), 0);
    assert_eq!(clock.pending_tasks(), 0);
}

#[test]
fn a_sleep_already_due_completes_at_once_and_a_dropped_one_leaves_no_timer() {
    let clock = Clock::new();
    let timers = clock.timers();
    let past = clock.now();
    let t = timers.clone();
    let task = clock.spawn(async move { t.sleep_until(past).await });
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(())));
    let t = timers.clone();
    let cancelled = clock.spawn(async move { t.sleep(secs(60)).await });
    clock.advance(Duration::ZERO);
    assert_eq!(clock.pending_calls(), 1);
    drop(cancelled);
    assert_eq!(
        clock.pending_calls(),
        0,
        "dropping the task dropped its sleep"
    );
}

#[test]
fn sleeps_wake_in_deadline_order_with_ties_in_order_of_arrival() {
    let clock = Clock::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    for (name, delay) in [("c", 3), ("a", 1), ("b1", 2), ("b2", 2)] {
        let (timers, log) = (clock.timers(), log.clone());
        clock
            .spawn(async move {
                timers.sleep(secs(delay)).await;
                log.borrow_mut().push(name);
            })
            .detach();
    }
    clock.advance(Duration::ZERO);
    clock.advance(secs(5));
    assert_eq!(*log.borrow(), ["a", "b1", "b2", "c"]);
}

#[test]
fn a_sleep_can_be_reset_later_or_earlier() {
    let clock = Clock::new();
    let timers = clock.timers();
    let woke = Rc::new(Cell::new(false));
    let mut sleep = timers.sleep(secs(10));
    sleep.reset_after(secs(20));
    let w = woke.clone();
    clock
        .spawn(async move {
            sleep.await;
            w.set(true);
        })
        .detach();
    clock.advance(secs(10));
    assert!(!woke.get());
    clock.advance(secs(10));
    assert!(woke.get());
}

#[test]
fn a_loop_of_sleeps_advances_one_step_per_advance() {
    let clock = Clock::new();
    let timers = clock.timers();
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    let _task = clock.spawn(async move {
        loop {
            timers.sleep(secs(1)).await;
            c.set(c.get() + 1);
        }
    });
    clock.advance(Duration::ZERO);
    clock.pump(&[secs(1); 5]);
    assert_eq!(count.get(), 5);
    // Time jumps: one long advance wakes the sleeper once.
    clock.advance(secs(5));
    assert_eq!(count.get(), 6);
}

#[test]
fn a_timeout_gives_the_output_when_it_comes_first() {
    let clock = Clock::new();
    let timers = clock.timers();
    let task = clock.spawn(async move {
        let inner = timers.clone();
        timers
            .timeout(secs(5), async move {
                inner.sleep(secs(4)).await;
                "reply"
            })
            .await
    });
    clock.advance(Duration::ZERO);
    clock.advance(secs(4));
    assert_eq!(task.try_take(), Some(Ok(Ok("reply"))));
    assert_eq!(clock.pending_calls(), 0, "the timeout's timer went with it");
}

#[test]
fn a_timeout_that_passes_drops_the_future_it_waited_for() {
    let clock = Clock::new();
    let timers = clock.timers();
    let spawner = clock.timers();
    let inner_dropped = Rc::new(Cell::new(false));
    let flag = inner_dropped.clone();
    let task = clock.spawn(async move {
        let slow = spawner.spawn(async move {
            struct Flag(Rc<Cell<bool>>);
            impl Drop for Flag {
                fn drop(&mut self) {
                    self.0.set(true);
                }
            }
            let _flag = Flag(flag);
            pending::<()>().await;
        });
        timers.timeout(secs(5), slow).await
    });
    clock.advance(Duration::ZERO);
    clock.advance(secs(4));
    assert!(!task.is_finished());
    clock.advance(secs(1));
    assert_eq!(task.try_take(), Some(Ok(Err(TimedOut { after: secs(5) }))));
    assert!(inner_dropped.get(), "the awaited task was cancelled");
    assert_eq!(clock.pending_tasks(), 0);
}

#[test]
fn an_interval_counts_the_periods_a_late_tick_covers() {
    let clock = Clock::new();
    let timers = clock.timers();
    let counts = Rc::new(RefCell::new(Vec::new()));
    let c = counts.clone();
    let _task = clock.spawn(async move {
        let mut ticks = timers.interval(secs(1), StartAt::Now);
        loop {
            let n = ticks.tick().await;
            c.borrow_mut().push(n);
        }
    });
    clock.advance(Duration::ZERO);
    clock.advance(secs(1));
    clock.advance(Duration::from_millis(3500));
    clock.advance(Duration::from_millis(500));
    assert_eq!(*counts.borrow(), [1, 1, 3, 1], "as LoopingCall counts");
}

#[test]
#[should_panic(expected = "period must not be zero")]
fn an_interval_of_zero_is_refused() {
    let clock = Clock::new();
    let _ = clock.timers().interval(Duration::ZERO, StartAt::Now);
}

#[test]
fn tasks_await_each_other_and_a_cancelled_one_says_so() {
    let clock = Clock::new();
    let timers = clock.timers();
    let spawner = clock.timers();
    let outer = clock.spawn(async move {
        let t = timers.clone();
        let child = spawner.spawn(async move {
            t.sleep(secs(1)).await;
            7
        });
        let stuck = spawner.spawn(pending::<u8>());
        assert!(stuck.cancel());
        assert!(!stuck.cancel(), "a second cancel finds it over");
        (child.await, stuck.await)
    });
    clock.advance(Duration::ZERO);
    clock.advance(secs(1));
    assert_eq!(
        outer.try_take(),
        Some(Ok((Ok(7), Err(TaskError::Cancelled))))
    );
}

#[test]
fn cancelling_a_finished_task_keeps_its_output() {
    let clock = Clock::new();
    let task = clock.spawn(async { 5 });
    clock.advance(Duration::ZERO);
    assert!(task.is_finished());
    assert!(!task.cancel());
    assert_eq!(task.try_take(), Some(Ok(5)));
    assert_eq!(task.try_take(), None, "the output is taken once");
}

#[test]
fn yielding_tasks_take_turns() {
    let clock = Clock::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    for name in ["a", "b"] {
        let log = log.clone();
        clock
            .spawn(async move {
                for step in 0..3 {
                    log.borrow_mut().push(format!("{name}{step}"));
                    yield_now().await;
                }
            })
            .detach();
    }
    clock.advance(Duration::ZERO);
    assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn a_task_spawned_from_a_callback_runs_in_the_same_advance() {
    let clock = Clock::new();
    let timers = clock.timers();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    clock.call_later(secs(1), move || {
        timers
            .spawn(async move {
                r.set(true);
            })
            .detach();
    });
    clock.advance(secs(1));
    assert!(ran.get());
}

#[test]
fn an_interval_is_a_stream_of_tick_counts() {
    use futures_core::Stream;
    let clock = Clock::new();
    let timers = clock.timers();
    let task = clock.spawn(async move {
        let mut ticks = std::pin::pin!(timers.interval(secs(2), StartAt::Now));
        let mut counts = Vec::new();
        while counts.len() < 3 {
            let next = std::future::poll_fn(|cx| ticks.as_mut().poll_next(cx)).await;
            counts.push(next.expect("an interval does not end"));
        }
        counts
    });
    clock.advance(Duration::ZERO);
    clock.advance(secs(2));
    clock.advance(secs(6));
    assert_eq!(task.try_take(), Some(Ok(vec![1, 1, 3])));
}
