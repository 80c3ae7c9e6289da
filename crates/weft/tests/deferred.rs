//! Deferred's contract, after the cases of Twisted's own `test_defer.py`
//! that apply to a deferred with one awaiting consumer: outcomes, failure
//! propagation, cancellation with and without a canceller
//! (`test_noCanceller`, `test_cancellerMultipleCancel`,
//! `test_cancellerThatCallbacks`/`Errbacks`, `test_cancelAfterCallback`/
//! `Errback`, `test_cancelNestedDeferred`), a result after a cancel
//! (`test_raisesAfterCancelAndCallback`: swallowed, and said so), timeouts
//! racing a result (`test_successResultBeforeTimeout`,
//! `test_timedOutProvidedCancelSuccess`/`Failure`), and gathering several
//! (`DeferredList`'s order, `test_cancelDeferredList`). Everything runs on
//! the fake clock.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use weft::deferred::{Deferred, DeferredError, Resolver, gather, gather_ok};
use weft::testing::Clock;
use weft::time::Scheduler;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

type Outcome = Result<u32, DeferredError<String>>;

/// Awaits `deferred` in a task; the clock's next advance starts it.
fn await_on(clock: &Clock, deferred: Deferred<u32, String>) -> weft::task::Task<Outcome> {
    clock.spawn(deferred)
}

/// Awaits `deferred` for at most `limit` in a task, and starts it.
fn await_within(
    clock: &Clock,
    deferred: Deferred<u32, String>,
    limit: Duration,
) -> weft::task::Task<Outcome> {
    let timers = clock.timers();
    let task = clock.spawn(async move { deferred.timeout(&timers, limit).await });
    clock.advance(Duration::ZERO);
    task
}

/// A deferred whose canceller counts its calls.
fn counted(calls: &Rc<Cell<u32>>) -> (Deferred<u32, String>, Resolver<u32, String>) {
    let calls = calls.clone();
    Deferred::with_canceller(move |_| calls.set(calls.get() + 1))
}

#[test]
fn a_value_given_later_reaches_the_awaiting_task() {
    let clock = Clock::new();
    let (deferred, resolver) = Deferred::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert!(!task.is_finished());
    assert!(resolver.resolve(7));
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Ok(7))));
}

#[test]
fn a_value_given_before_anyone_awaits_is_kept() {
    let clock = Clock::new();
    let task = await_on(&clock, Deferred::resolved(3));
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Ok(3))));
    let failed = await_on(&clock, Deferred::failed("no".into()));
    clock.advance(Duration::ZERO);
    assert_eq!(
        failed.try_take(),
        Some(Ok(Err(DeferredError::Failed("no".into()))))
    );
}

#[test]
fn the_first_outcome_counts_and_later_ones_are_refused() {
    let (deferred, resolver) = Deferred::<u32, String>::new();
    assert!(resolver.resolve(1));
    assert!(!resolver.resolve(2), "a second result is refused");
    assert!(!resolver.fail("late".into()), "so is a failure after it");
    let clock = Clock::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Ok(1))));
}

#[test]
fn a_failure_propagates_through_the_code_that_awaits_it() {
    async fn double(deferred: Deferred<u32, String>) -> Result<u32, DeferredError<String>> {
        let value = deferred.await?;
        Ok(value * 2)
    }
    let clock = Clock::new();
    let (ok, ok_resolver) = Deferred::new();
    let (bad, bad_resolver) = Deferred::new();
    let doubled = clock.spawn(double(ok));
    let failed = clock.spawn(double(bad));
    clock.advance(Duration::ZERO);
    ok_resolver.resolve(21);
    bad_resolver.fail("the disk is full".into());
    clock.advance(Duration::ZERO);
    assert_eq!(doubled.try_take(), Some(Ok(Ok(42))));
    let error = failed.try_take().unwrap().unwrap().unwrap_err();
    assert_eq!(
        error.failure().map(String::as_str),
        Some("the disk is full")
    );
    assert_eq!(error.to_string(), "the disk is full");
}

#[test]
fn cancelling_without_a_canceller_gives_cancelled() {
    let clock = Clock::new();
    let (deferred, resolver) = Deferred::<u32, String>::new();
    deferred.cancel();
    assert!(!resolver.is_waiting(), "the producer can tell");
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Err(DeferredError::Cancelled))));
}

#[test]
fn cancelling_runs_the_canceller_once() {
    let calls = Rc::new(Cell::new(0));
    let (deferred, _resolver) = counted(&calls);
    deferred.cancel();
    deferred.cancel();
    assert_eq!(calls.get(), 1);
    let clock = Clock::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Err(DeferredError::Cancelled))));
}

#[test]
fn a_canceller_may_give_a_value_or_a_failure_of_its_own() {
    let clock = Clock::new();
    let (gives_value, _r1) = Deferred::with_canceller(|r: &Resolver<u32, String>| {
        r.resolve(99);
    });
    let (gives_failure, _r2) = Deferred::with_canceller(|r: &Resolver<u32, String>| {
        r.fail("stopped by request".into());
    });
    gives_value.cancel();
    gives_failure.cancel();
    let value = await_on(&clock, gives_value);
    let failure = await_on(&clock, gives_failure);
    clock.advance(Duration::ZERO);
    assert_eq!(value.try_take(), Some(Ok(Ok(99))));
    assert_eq!(
        failure.try_take(),
        Some(Ok(Err(DeferredError::Failed("stopped by request".into()))))
    );
}

#[test]
fn cancelling_after_the_outcome_changes_nothing() {
    let calls = Rc::new(Cell::new(0));
    let (deferred, resolver) = counted(&calls);
    resolver.resolve(5);
    deferred.cancel();
    assert_eq!(calls.get(), 0, "the canceller is not called");
    let clock = Clock::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Ok(5))));
}

#[test]
fn a_result_arriving_after_a_cancel_is_dropped() {
    let clock = Clock::new();
    let (deferred, resolver) = Deferred::<u32, String>::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    task.cancel();
    assert!(!resolver.is_waiting(), "dropping the deferred cancelled it");
    assert!(
        !resolver.resolve(1),
        "the late result is refused, not an error"
    );
    assert_eq!(task.try_take(), Some(Err(weft::task::TaskError::Cancelled)));
}

#[test]
fn dropping_the_deferred_runs_the_canceller() {
    let calls = Rc::new(Cell::new(0));
    let (deferred, resolver) = counted(&calls);
    drop(deferred);
    assert_eq!(calls.get(), 1);
    assert!(!resolver.is_waiting());
}

#[test]
fn a_panicking_canceller_still_cancels() {
    let (deferred, _resolver) =
        Deferred::<u32, String>::with_canceller(|_| panic!("bug in the canceller"));
    deferred.cancel();
    let clock = Clock::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Err(DeferredError::Cancelled))));
}

#[test]
fn a_producer_that_goes_away_abandons_the_deferred() {
    let clock = Clock::new();
    let (deferred, resolver) = Deferred::<u32, String>::new();
    let second = resolver.clone();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    drop(resolver);
    clock.advance(Duration::ZERO);
    assert!(!task.is_finished(), "a clone still may resolve it");
    drop(second);
    clock.advance(Duration::ZERO);
    assert_eq!(task.try_take(), Some(Ok(Err(DeferredError::Abandoned))));
}

#[test]
fn a_timeout_lets_an_earlier_result_through() {
    let clock = Clock::new();
    let calls = Rc::new(Cell::new(0));
    let (deferred, resolver) = counted(&calls);
    let task = await_within(&clock, deferred, secs(5));
    clock.advance(secs(4));
    resolver.resolve(8);
    clock.advance(secs(10));
    assert_eq!(task.try_take(), Some(Ok(Ok(8))));
    assert_eq!(calls.get(), 0);
    assert_eq!(clock.pending_calls(), 0, "the timeout's timer is gone");
}

#[test]
fn a_timeout_that_passes_cancels_the_deferred() {
    let clock = Clock::new();
    let calls = Rc::new(Cell::new(0));
    let (deferred, resolver) = counted(&calls);
    let task = await_within(&clock, deferred, secs(5));
    clock.advance(secs(5));
    assert_eq!(
        task.try_take(),
        Some(Ok(Err(DeferredError::TimedOut(secs(5)))))
    );
    assert_eq!(calls.get(), 1, "the canceller ran");
    assert!(
        !resolver.resolve(1),
        "a result after the timeout is dropped"
    );
}

#[test]
fn on_timeout_a_canceller_that_gives_a_value_wins() {
    let clock = Clock::new();
    let (deferred, _resolver) = Deferred::with_canceller(|r: &Resolver<u32, String>| {
        r.resolve(0);
    });
    let task = await_within(&clock, deferred, secs(1));
    clock.advance(secs(1));
    assert_eq!(task.try_take(), Some(Ok(Ok(0))));
}

#[test]
fn a_result_due_at_the_same_instant_as_the_timeout_wins() {
    let clock = Clock::new();
    let (deferred, resolver) = Deferred::<u32, String>::new();
    clock.call_later(secs(3), move || {
        resolver.resolve(4);
    });
    let task = await_within(&clock, deferred, secs(3));
    clock.advance(secs(3));
    assert_eq!(task.try_take(), Some(Ok(Ok(4))));
}

#[test]
fn gather_gives_outcomes_in_the_order_given_whatever_order_they_come_in() {
    let clock = Clock::new();
    let (first, r1) = Deferred::<u32, String>::new();
    let (second, r2) = Deferred::<u32, String>::new();
    let (third, r3) = Deferred::<u32, String>::new();
    let task = clock.spawn(gather([first, second, third]));
    clock.advance(Duration::ZERO);
    r3.resolve(3);
    r1.fail("one failed".into());
    clock.advance(Duration::ZERO);
    assert!(!task.is_finished(), "waits for every one");
    r2.resolve(2);
    clock.advance(Duration::ZERO);
    assert_eq!(
        task.try_take(),
        Some(Ok(vec![
            Err(DeferredError::Failed("one failed".into())),
            Ok(2),
            Ok(3)
        ]))
    );
}

#[test]
fn gather_ok_stops_at_the_first_failure_and_cancels_the_rest() {
    let clock = Clock::new();
    let calls = Rc::new(Cell::new(0));
    let (slow, _slow_resolver) = counted(&calls);
    let (failing, failing_resolver) = counted(&calls);
    let task = clock.spawn(gather_ok([slow, failing]));
    clock.advance(Duration::ZERO);
    failing_resolver.fail("refused".into());
    clock.advance(Duration::ZERO);
    assert_eq!(
        task.try_take(),
        Some(Ok(Err(DeferredError::Failed("refused".into()))))
    );
    assert_eq!(calls.get(), 1, "the one still waiting was cancelled");
    let (a, ra) = Deferred::<u32, String>::new();
    let (b, rb) = Deferred::<u32, String>::new();
    let all = clock.spawn(gather_ok([a, b]));
    clock.advance(Duration::ZERO);
    rb.resolve(2);
    ra.resolve(1);
    clock.advance(Duration::ZERO);
    assert_eq!(all.try_take(), Some(Ok(Ok(vec![1, 2]))));
}

#[test]
fn cancelling_after_a_failure_changes_nothing() {
    let calls = Rc::new(Cell::new(0));
    let (deferred, resolver) = counted(&calls);
    resolver.fail("broken".into());
    deferred.cancel();
    assert_eq!(calls.get(), 0);
    let clock = Clock::new();
    let task = await_on(&clock, deferred);
    clock.advance(Duration::ZERO);
    assert_eq!(
        task.try_take(),
        Some(Ok(Err(DeferredError::Failed("broken".into()))))
    );
}

#[test]
fn on_timeout_a_canceller_that_fails_gives_its_failure() {
    let clock = Clock::new();
    let (deferred, _resolver) = Deferred::with_canceller(|r: &Resolver<u32, String>| {
        r.fail("what!".into());
    });
    let task = await_within(&clock, deferred, secs(10));
    clock.advance(secs(15));
    assert_eq!(
        task.try_take(),
        Some(Ok(Err(DeferredError::Failed("what!".into()))))
    );
}

#[test]
fn cancelling_a_gathering_cancels_every_deferred_in_it() {
    let clock = Clock::new();
    let calls = Rc::new(Cell::new(0));
    let (one, r1) = counted(&calls);
    let (two, r2) = counted(&calls);
    let task = clock.spawn(gather([one, two]));
    clock.advance(Duration::ZERO);
    task.cancel();
    assert_eq!(calls.get(), 2);
    assert!(!r1.is_waiting() && !r2.is_waiting());
}

#[test]
fn cancelling_a_task_that_awaits_a_deferred_runs_that_deferreds_canceller() {
    let clock = Clock::new();
    let calls = Rc::new(Cell::new(0));
    let (inner, _resolver) = counted(&calls);
    let outer = clock.spawn(async move {
        let value = Deferred::<u32, String>::resolved(1).await?;
        Ok::<_, DeferredError<String>>(value + inner.await?)
    });
    clock.advance(Duration::ZERO);
    assert!(!outer.is_finished(), "waits on the inner deferred");
    outer.cancel();
    assert_eq!(calls.get(), 1, "the inner deferred's canceller ran");
    assert_eq!(
        outer.try_take(),
        Some(Err(weft::task::TaskError::Cancelled))
    );
}
