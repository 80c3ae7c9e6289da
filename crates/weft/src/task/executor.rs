//! [`Executor`]: the tasks of one reactor or test clock, and the queue of
//! those ready to be polled.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use slab::Slab;

use super::Task;
use super::cell::{Runnable, TaskCell};
use super::waker::{Home, LocalQueue, Notify, TaskKey, TaskWaker};

struct Entry {
    id: u64,
    task: Rc<dyn Runnable>,
}

/// Runs futures on the thread that owns it.
///
/// A task is polled when it was woken (or just spawned). Wakes on this
/// thread go straight to a local queue; wakes from other threads go
/// through the [`Home`]'s inbox, which is emptied into the local queue
/// before each batch of polls. The owner decides when batches run and
/// how large they are: the reactor once per loop iteration with a bound,
/// the test clock until nothing is left to do.
pub(crate) struct Executor {
    home: Arc<Home>,
    local: Rc<LocalQueue>,
    tasks: RefCell<Slab<Entry>>,
    next_id: Cell<u64>,
    /// Closed for good (its reactor stopped): spawned futures are dropped
    /// at once.
    closed: Cell<bool>,
}

impl Executor {
    /// An executor for this thread; `notify` is told when another thread
    /// wakes one of its tasks.
    pub(crate) fn new(notify: Option<Arc<dyn Notify>>) -> Rc<Self> {
        let local = Rc::new(LocalQueue::default());
        let home = Home::register(&local, notify);
        Rc::new(Executor {
            home,
            local,
            tasks: RefCell::new(Slab::new()),
            next_id: Cell::new(0),
            closed: Cell::new(false),
        })
    }

    /// Spawns `future`; it is first polled in the next batch.
    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let key = TaskKey {
            slot: self.tasks.borrow().vacant_key(),
            id,
        };
        let waker = TaskWaker::new(key, self.home.clone());
        let cell = TaskCell::new(future, key, Rc::downgrade(self), waker);
        if self.closed.get() {
            Runnable::cancel(&*cell);
            return Task::new(cell);
        }
        let slot = self.tasks.borrow_mut().insert(Entry {
            id,
            task: cell.clone(),
        });
        debug_assert_eq!(slot, key.slot);
        self.local.push(key);
        Task::new(cell)
    }

    /// A waker for a future polled outside the table (`block_on`'s).
    pub(crate) fn main_waker(&self) -> Arc<TaskWaker> {
        TaskWaker::new(TaskKey::MAIN, self.home.clone())
    }

    /// Whether the main future was woken since the last call.
    pub(crate) fn take_main_woken(&self) -> bool {
        self.home.drain_into(&self.local);
        self.local.take_main_woken()
    }

    /// Whether a batch would poll something now.
    pub(crate) fn has_ready(&self) -> bool {
        self.local.len() > 0 || self.local.main_woken() || self.home.has_pending()
    }

    /// How many tasks are alive (spawned and not over).
    pub(crate) fn len(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Polls the tasks that are ready now, each at most once and at most
    /// `budget` of them (tasks woken meanwhile wait for the next batch),
    /// calling `after_each` after every poll. Returns how many it polled.
    pub(crate) fn run_ready(&self, budget: usize, mut after_each: impl FnMut()) -> usize {
        self.home.drain_into(&self.local);
        let count = self.local.len().min(budget);
        let mut polled = 0;
        for _ in 0..count {
            let Some(key) = self.local.pop() else {
                break;
            };
            let task = match self.tasks.borrow().get(key.slot) {
                Some(entry) if entry.id == key.id => entry.task.clone(),
                _ => continue,
            };
            polled += 1;
            if task.run() {
                self.forget(key);
            }
            drop(task);
            after_each();
        }
        polled
    }

    /// Removes a task that is over from the table.
    pub(crate) fn forget(&self, key: TaskKey) {
        let mut tasks = self.tasks.borrow_mut();
        let removed = match tasks.get(key.slot) {
            Some(entry) if entry.id == key.id => tasks.try_remove(key.slot),
            _ => None,
        };
        drop(tasks);
        drop(removed);
    }

    /// Cancels every task and refuses new ones: the reactor stopped.
    /// Dropping the futures drops what they captured (often handles to
    /// the reactor), so nothing keeps a stopped reactor alive.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.home.close();
        loop {
            let entries: Vec<Entry> = self.tasks.borrow_mut().drain().collect();
            if entries.is_empty() {
                break;
            }
            for entry in entries {
                entry.task.cancel();
            }
        }
        self.local.clear();
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.close();
    }
}
