//! [`Reactor::current`]: the reactor whose loop runs on this thread, for
//! code that has no handle at hand (Twisted's global `reactor`).

use std::cell::RefCell;

use super::Reactor;

thread_local! {
    /// The reactor whose loop runs on this thread, if one does.
    static CURRENT: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

impl Reactor {
    /// The reactor whose loop is running on this thread — inside
    /// [`run`](Self::run), [`run_until`](Self::run_until),
    /// [`block_on`](Self::block_on), [`react`](crate::react), and on each
    /// reactor of a [`Pool`](crate::pool::Pool) — or `None` anywhere
    /// else: on another thread, before the loop runs and after it
    /// returned, and under the test [`Clock`](crate::testing::Clock).
    ///
    /// This is what Twisted code reaches as the global `reactor` (and
    /// asyncio's `get_running_loop`, tokio's `Handle::try_current`): a
    /// protocol's callbacks and a task can call it to schedule, connect or
    /// listen without having been handed the reactor. A handle passed in
    /// (a factory's closure, [`Timers`](crate::time::Timers)) is still
    /// the better way, since it also works on the test clock; `current`
    /// is for code that cannot take one.
    ///
    /// When one reactor's loop runs inside a callback of another's on the
    /// same thread, `current` gives the inner one until its loop returns.
    pub fn current() -> Option<Reactor> {
        CURRENT.with(|current| current.borrow().clone())
    }
}

/// Makes a reactor the current one while its loop runs; the one before
/// (if any) is current again when this is dropped, even by a panic.
pub(super) struct Running {
    previous: Option<Reactor>,
}

impl Running {
    pub(super) fn enter(reactor: &Reactor) -> Running {
        let previous = CURRENT.with(|current| current.replace(Some(reactor.clone())));
        Running { previous }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}
