//! Host names resolved on a bounded pool of threads: the system resolver
//! (`getaddrinfo`) blocks, so it cannot run on the reactor's thread, and a
//! thread per lookup would let a burst of connects (or a slow DNS server)
//! spawn threads without bound.
//!
//! At most [`MAX_THREADS`] lookups run at once per reactor; more wait in
//! a queue. A cancelled lookup (its connect timed out or was stopped) that
//! has not started yet is skipped; one already running finishes on its
//! thread and its answer is dropped. Threads start on demand and end after
//! [`IDLE_EXIT`] without work, or when the reactor is dropped.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Most lookups running at once for one reactor.
pub(crate) const MAX_THREADS: usize = 4;
/// How long an idle resolver thread waits for work before it ends.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// Where a lookup's answer goes (on the resolver's thread).
type Reply = Box<dyn FnOnce(io::Result<Vec<SocketAddr>>) + Send>;

struct Job {
    host: String,
    port: u16,
    cancelled: Arc<AtomicBool>,
    reply: Reply,
}

#[derive(Default)]
struct Pool {
    jobs: VecDeque<Job>,
    threads: usize,
    idle: usize,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    pool: Mutex<Pool>,
    work: Condvar,
}

impl Shared {
    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reactor's resolver pool.
#[derive(Default)]
pub(crate) struct Resolver {
    shared: Arc<Shared>,
}

/// A lookup in the pool; [`cancel`](Self::cancel) it when its answer is no
/// longer wanted.
#[derive(Debug)]
pub(crate) struct Lookup {
    cancelled: Arc<AtomicBool>,
}

impl Lookup {
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }
}

impl Resolver {
    /// Queues a lookup of `host` (with `port`); `reply` gets the answer on
    /// a resolver thread, unless the lookup was cancelled first.
    pub(crate) fn lookup(
        &self,
        host: String,
        port: u16,
        reply: impl FnOnce(io::Result<Vec<SocketAddr>>) + Send + 'static,
    ) -> io::Result<Lookup> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let job = Job {
            host,
            port,
            cancelled: cancelled.clone(),
            reply: Box::new(reply),
        };
        let mut pool = self.shared.pool();
        pool.jobs.push_back(job);
        if pool.idle > 0 {
            self.shared.work.notify_one();
        } else if pool.threads < MAX_THREADS {
            self.spawn_thread(&mut pool)?;
        }
        Ok(Lookup { cancelled })
    }

    fn spawn_thread(&self, pool: &mut Pool) -> io::Result<()> {
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name("weft-resolver".into())
            .spawn(move || work(&shared))?;
        pool.threads += 1;
        Ok(())
    }

    /// Threads running now (for tests of the bound).
    #[cfg(test)]
    fn threads(&self) -> usize {
        self.shared.pool().threads
    }
}

impl Drop for Resolver {
    fn drop(&mut self) {
        let mut pool = self.shared.pool();
        pool.closed = true;
        pool.jobs.clear();
        self.shared.work.notify_all();
    }
}

/// A resolver thread: takes jobs until the pool closes or stays idle for
/// [`IDLE_EXIT`].
fn work(shared: &Shared) {
    while let Some(job) = next_job(shared) {
        if job.cancelled.load(Ordering::Acquire) {
            continue;
        }
        let answer = (job.host.as_str(), job.port)
            .to_socket_addrs()
            .map(|addresses| addresses.collect());
        if !job.cancelled.load(Ordering::Acquire) {
            (job.reply)(answer);
        }
    }
}

fn next_job(shared: &Shared) -> Option<Job> {
    let mut pool = shared.pool();
    loop {
        if pool.closed {
            pool.threads -= 1;
            return None;
        }
        if let Some(job) = pool.jobs.pop_front() {
            return Some(job);
        }
        pool.idle += 1;
        let (next, wait) = shared
            .work
            .wait_timeout(pool, IDLE_EXIT)
            .unwrap_or_else(PoisonError::into_inner);
        pool = next;
        pool.idle -= 1;
        if wait.timed_out() && pool.jobs.is_empty() {
            pool.threads -= 1;
            return None;
        }
    }
}

/// Orders resolved addresses as RFC 8305 (Happy Eyeballs) section 4 does:
/// the families alternate, starting with the family of the first answer,
/// so that a broken IPv6 (or IPv4) path costs one attempt, not all of them.
pub(crate) fn interleave_families(addresses: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addresses.first() else {
        return addresses;
    };
    let first_is_v6 = first.is_ipv6();
    let (mut preferred, mut other): (VecDeque<_>, VecDeque<_>) = addresses
        .into_iter()
        .partition(|address| address.is_ipv6() == first_is_v6);
    let mut ordered = Vec::with_capacity(preferred.len() + other.len());
    loop {
        match (preferred.pop_front(), other.pop_front()) {
            (None, None) => return ordered,
            (a, b) => ordered.extend(a.into_iter().chain(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_burst_of_lookups_runs_on_a_bounded_number_of_threads() {
        let resolver = Resolver::default();
        let (sender, answers) = mpsc::channel();
        for _ in 0..50 {
            let sender = sender.clone();
            resolver
                .lookup("localhost".into(), 80, move |answer| {
                    let _ = sender.send(answer.is_ok());
                })
                .unwrap();
            assert!(resolver.threads() <= MAX_THREADS);
        }
        for _ in 0..50 {
            assert!(answers.recv_timeout(Duration::from_secs(30)).unwrap());
        }
        assert!(resolver.threads() <= MAX_THREADS);
    }

    #[test]
    fn a_cancelled_lookup_gives_no_answer() {
        let resolver = Resolver::default();
        let (sender, answers) = mpsc::channel();
        // Fill every thread first so that the cancelled job waits its turn.
        let mut lookups = Vec::new();
        for n in 0..MAX_THREADS * 2 {
            let sender = sender.clone();
            lookups.push(
                resolver
                    .lookup("localhost".into(), 80, move |_| {
                        let _ = sender.send(n);
                    })
                    .unwrap(),
            );
        }
        let cancelled = lookups.pop().unwrap();
        cancelled.cancel();
        drop(sender);
        let mut heard: Vec<usize> = answers.iter().collect();
        heard.sort_unstable();
        assert_eq!(heard, (0..MAX_THREADS * 2 - 1).collect::<Vec<_>>());
    }

    #[test]
    fn families_alternate_from_the_first_answer() {
        let v6 = |n: u16| SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, n], 80));
        let v4 = |n: u8| SocketAddr::from(([10, 0, 0, n], 80));
        let ordered = interleave_families(vec![v6(1), v6(2), v6(3), v4(1)]);
        assert_eq!(ordered, [v6(1), v4(1), v6(2), v6(3)]);
        let ordered = interleave_families(vec![v4(1), v4(2), v6(1), v6(2)]);
        assert_eq!(ordered, [v4(1), v6(1), v4(2), v6(2)]);
        assert!(interleave_families(Vec::new()).is_empty());
    }
}
