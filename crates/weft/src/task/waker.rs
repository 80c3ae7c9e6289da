//! Waking a task: on its executor's thread through a local queue (no lock,
//! no system call), from any other thread through a locked inbox and the
//! executor's notifier (for a reactor, its cross-thread waker).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Wake;

/// Which task a wake is for: a slot of the executor's table and the
/// number of the task spawned into it (slots are reused, numbers never).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskKey {
    pub(crate) slot: usize,
    pub(crate) id: u64,
}

impl TaskKey {
    /// The future a [`block_on`](crate::Reactor::block_on) drives, which
    /// lives on its caller's stack rather than in the table.
    pub(crate) const MAIN: TaskKey = TaskKey {
        slot: usize::MAX,
        id: u64::MAX,
    };
}

/// Wakes the thread that owns an executor when a task was woken from
/// another thread (the reactor's cross-thread waker).
pub(crate) trait Notify: Send + Sync {
    /// Makes the owner look at its inbox soon.
    fn notify(&self);
}

/// The tasks woken on the executor's own thread, in the order they were
/// woken. Reached by wakers through [`LOCAL_QUEUES`].
#[derive(Default)]
pub(crate) struct LocalQueue {
    ready: RefCell<VecDeque<TaskKey>>,
    main_woken: Cell<bool>,
    /// An empty vector, with its capacity, swapped into the [`Home`]'s
    /// inbox each time it is emptied: other threads' wakes then push
    /// without allocating, and the reactor frees nothing.
    spare_inbox: Cell<Vec<TaskKey>>,
}

impl LocalQueue {
    pub(crate) fn push(&self, key: TaskKey) {
        if key == TaskKey::MAIN {
            self.main_woken.set(true);
        } else {
            self.ready.borrow_mut().push_back(key);
        }
    }

    pub(crate) fn pop(&self) -> Option<TaskKey> {
        self.ready.borrow_mut().pop_front()
    }

    pub(crate) fn len(&self) -> usize {
        self.ready.borrow().len()
    }

    pub(crate) fn clear(&self) {
        let dropped = std::mem::take(&mut *self.ready.borrow_mut());
        drop(dropped);
        self.main_woken.set(false);
    }

    /// Whether the main future was woken since the last call.
    pub(crate) fn take_main_woken(&self) -> bool {
        self.main_woken.replace(false)
    }

    pub(crate) fn main_woken(&self) -> bool {
        self.main_woken.get()
    }
}

thread_local! {
    /// The executors living on this thread, by their process-wide unique
    /// number. A waker finds its executor's local queue here; not finding
    /// it means the wake comes from another thread (or the executor is
    /// gone).
    static LOCAL_QUEUES: RefCell<Vec<(u64, Weak<LocalQueue>)>> = const { RefCell::new(Vec::new()) };
}

/// Numbers executors; never reused, so a waker cannot reach another
/// executor that happens to live where its own did.
static NEXT_EXECUTOR: AtomicU64 = AtomicU64::new(1);

/// An executor's `Send` side: what wakers on other threads reach.
pub(crate) struct Home {
    id: u64,
    /// `None` once the executor closed: later wakes are dropped.
    inbox: Mutex<Option<Vec<TaskKey>>>,
    /// Something was put in the inbox since the owner last emptied it:
    /// the notifier is called once per batch, not once per wake.
    pending: AtomicBool,
    notify: Option<Arc<dyn Notify>>,
}

impl Home {
    /// A home for an executor on this thread, registered so that wakes
    /// from this thread go to `local`.
    pub(crate) fn register(local: &Rc<LocalQueue>, notify: Option<Arc<dyn Notify>>) -> Arc<Home> {
        let id = NEXT_EXECUTOR.fetch_add(1, Ordering::Relaxed);
        LOCAL_QUEUES.with(|queues| queues.borrow_mut().push((id, Rc::downgrade(local))));
        Arc::new(Home {
            id,
            inbox: Mutex::new(Some(Vec::new())),
            pending: AtomicBool::new(false),
            notify,
        })
    }

    fn inbox(&self) -> MutexGuard<'_, Option<Vec<TaskKey>>> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn local_queue(&self) -> Option<Rc<LocalQueue>> {
        LOCAL_QUEUES
            .try_with(|queues| {
                queues
                    .borrow()
                    .iter()
                    .find(|(id, _)| *id == self.id)
                    .and_then(|(_, queue)| queue.upgrade())
            })
            .ok()
            .flatten()
    }

    /// Queues `key` to be polled: locally when called on the executor's
    /// thread, through the inbox and the notifier otherwise.
    pub(crate) fn wake(&self, key: TaskKey) {
        if let Some(queue) = self.local_queue() {
            queue.push(key);
            return;
        }
        match self.inbox().as_mut() {
            Some(inbox) => inbox.push(key),
            None => return,
        }
        // SeqCst, paired with the owner's: either it sees this wake before
        // it waits, or the notifier sees it waiting.
        if !self.pending.swap(true, Ordering::SeqCst) {
            if let Some(notify) = &self.notify {
                notify.notify();
            }
        }
    }

    /// Moves what other threads woke into `local`, leaving `local`'s
    /// spare vector in the inbox.
    pub(crate) fn drain_into(&self, local: &LocalQueue) {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut woken = local.spare_inbox.take();
        if let Some(inbox) = self.inbox().as_mut() {
            std::mem::swap(inbox, &mut woken);
        }
        for key in woken.drain(..) {
            local.push(key);
        }
        local.spare_inbox.set(woken);
    }

    /// Whether other threads woke tasks not yet moved to the local queue.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// The executor is gone: unregister it from this thread and drop
    /// later wakes.
    pub(crate) fn close(&self) {
        let dropped = self.inbox().take();
        drop(dropped);
        let _ =
            LOCAL_QUEUES.try_with(|queues| queues.borrow_mut().retain(|(id, _)| *id != self.id));
    }
}

/// The waker of one task (or of a `block_on`'s future): queues its key
/// at most once until the executor polls it again.
pub(crate) struct TaskWaker {
    key: TaskKey,
    /// Queued and not yet polled: further wakes are free.
    scheduled: AtomicBool,
    home: Arc<Home>,
}

impl TaskWaker {
    /// A waker for a task already queued (a new task is polled at once).
    pub(crate) fn new(key: TaskKey, home: Arc<Home>) -> Arc<Self> {
        Arc::new(TaskWaker {
            key,
            scheduled: AtomicBool::new(true),
            home,
        })
    }

    /// The task is about to be polled: a wake from now on queues it again.
    pub(crate) fn clear(&self) {
        self.scheduled.store(false, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            self.home.wake(self.key);
        }
    }
}
