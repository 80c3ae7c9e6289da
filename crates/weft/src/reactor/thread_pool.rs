//! [`ThreadPool`]: a bounded pool of threads for blocking work (name
//! lookups, [`Reactor::defer_to_thread`](crate::Reactor::defer_to_thread)).
//!
//! At most `size` jobs run at once; more wait in a queue. Threads start
//! on demand and end after [`IDLE_EXIT`] without work, or when the pool
//! closes; closing drops the jobs that have not started (a running one
//! finishes on its thread).

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long an idle thread waits for work before it ends.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// A job for the pool.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

struct Queue {
    jobs: VecDeque<Job>,
    size: usize,
    threads: usize,
    idle: usize,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
    name: &'static str,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A bounded pool of threads, closed when dropped.
pub(crate) struct ThreadPool {
    shared: Arc<Shared>,
}

impl ThreadPool {
    /// A pool of at most `size` threads named `name`.
    pub(crate) fn new(name: &'static str, size: usize) -> Self {
        ThreadPool {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    jobs: VecDeque::new(),
                    size: size.max(1),
                    threads: 0,
                    idle: 0,
                    closed: false,
                }),
                work: Condvar::new(),
                name,
            }),
        }
    }

    /// Sets how many jobs may run at once (at least 1); threads above a
    /// smaller size end as they finish their job.
    pub(crate) fn set_size(&self, size: usize) {
        self.shared.queue().size = size.max(1);
    }

    /// Queues `job`. Fails if no thread could be started and none runs;
    /// on a closed pool the job is dropped unrun.
    pub(crate) fn submit(&self, job: Job) -> io::Result<()> {
        let mut queue = self.shared.queue();
        if queue.closed {
            drop(queue);
            drop(job);
            return Ok(());
        }
        queue.jobs.push_back(job);
        if queue.idle > 0 {
            self.shared.work.notify_one();
            return Ok(());
        }
        if queue.threads < queue.size {
            let shared = self.shared.clone();
            let started = std::thread::Builder::new()
                .name(self.shared.name.into())
                .spawn(move || work(&shared));
            match started {
                Ok(_) => queue.threads += 1,
                Err(error) if queue.threads == 0 => {
                    let job = queue.jobs.pop_back();
                    drop(queue);
                    drop(job);
                    return Err(error);
                }
                Err(error) => tracing::warn!(%error, "cannot start a pool thread; the job waits"),
            }
        }
        Ok(())
    }

    /// Drops the jobs not started and ends the threads once their job
    /// is done; later jobs are dropped unrun.
    pub(crate) fn close(&self) {
        let mut queue = self.shared.queue();
        queue.closed = true;
        let dropped = std::mem::take(&mut queue.jobs);
        drop(queue);
        drop(dropped);
        self.shared.work.notify_all();
    }

    /// Threads running now (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.queue().threads
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.close();
    }
}

/// A pool thread: runs jobs until the pool closes, shrinks, or stays
/// idle for [`IDLE_EXIT`]. A job that panics ends alone (logged): the
/// thread, and the pool's count of threads, carry on.
fn work(shared: &Shared) {
    while let Some(job) = next_job(shared) {
        let _ = crate::catch_panic("a thread pool job", job);
    }
}

fn next_job(shared: &Shared) -> Option<Job> {
    let mut queue = shared.queue();
    loop {
        if queue.closed || queue.threads > queue.size {
            queue.threads -= 1;
            return None;
        }
        if let Some(job) = queue.jobs.pop_front() {
            return Some(job);
        }
        queue.idle += 1;
        let (next, wait) = shared
            .work
            .wait_timeout(queue, IDLE_EXIT)
            .unwrap_or_else(PoisonError::into_inner);
        queue = next;
        queue.idle -= 1;
        if wait.timed_out() && queue.jobs.is_empty() {
            queue.threads -= 1;
            return None;
        }
    }
}
