//! Host names resolved on a bounded pool of threads: the system resolver
//! (`getaddrinfo`) blocks, so it cannot run on the reactor's thread, and a
//! thread per lookup would let a burst of connects (or a slow DNS server)
//! spawn threads without bound. The resolver is the system's unless
//! another [`NameResolver`] is installed
//! ([`Reactor::install_name_resolver`](crate::Reactor::install_name_resolver)).
//!
//! At most [`MAX_THREADS`] lookups run at once per reactor, on a
//! [`ThreadPool`] of their own (so that slow work given to
//! [`Reactor::defer_to_thread`](crate::Reactor::defer_to_thread) never
//! holds up a connect); more wait in a queue. A cancelled lookup (its
//! connect timed out or was stopped) that has not started yet is skipped;
//! one already running finishes on its thread and its answer is dropped.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::thread_pool::ThreadPool;

/// Most lookups running at once for one reactor.
pub(crate) const MAX_THREADS: usize = 4;

/// Turns a host name into addresses, for outgoing connections (Twisted's
/// `IHostnameResolver`, installed with `reactor.installNameResolver`).
///
/// It runs on the reactor's resolver threads, so it may block (ask a DNS
/// server, read a file); at most four lookups of one reactor run at once.
/// The addresses it returns are tried in the order RFC 8305 gives
/// (families alternating, from the family of the first), racing as the
/// connector describes ([`Reactor::connect`](crate::Reactor::connect)).
/// Any `Fn(&str, u16) -> io::Result<Vec<SocketAddr>>` closure is a
/// resolver: a fixed table for tests, say.
pub trait NameResolver: Send + Sync + 'static {
    /// The addresses of `host`, with `port`. An error (or no address) ends
    /// the connect with [`ConnectError::Resolve`](crate::ConnectError::Resolve).
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

impl<F> NameResolver for F
where
    F: Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
{
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        self(host, port)
    }
}

/// The system's resolver (`getaddrinfo`, through the standard library):
/// the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl NameResolver for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        (host, port)
            .to_socket_addrs()
            .map(|addresses| addresses.collect())
    }
}

/// A reactor's resolver: its name resolver, and the pool it runs on.
pub(crate) struct Resolver {
    pool: ThreadPool,
    names: RefCell<Arc<dyn NameResolver>>,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver {
            pool: ThreadPool::new("weft-resolver", MAX_THREADS),
            names: RefCell::new(Arc::new(SystemResolver)),
        }
    }
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
    /// Resolves names with `names` from now on; lookups already queued
    /// keep the resolver they were queued with.
    pub(crate) fn install(&self, names: Arc<dyn NameResolver>) {
        *self.names.borrow_mut() = names;
    }

    /// Queues a lookup of `host` (with `port`); `reply` gets the answer on
    /// a resolver thread, unless the lookup was cancelled first.
    pub(crate) fn lookup(
        &self,
        host: String,
        port: u16,
        reply: impl FnOnce(io::Result<Vec<SocketAddr>>) + Send + 'static,
    ) -> io::Result<Lookup> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let job_cancelled = cancelled.clone();
        let names = self.names.borrow().clone();
        self.pool.submit(Box::new(move || {
            if job_cancelled.load(Ordering::Acquire) {
                return;
            }
            let answer = crate::catch_panic("the name resolver", || names.resolve(&host, port))
                .unwrap_or_else(|panic| {
                    Err(io::Error::other(format!(
                        "the name resolver panicked: {panic}"
                    )))
                });
            if !job_cancelled.load(Ordering::Acquire) {
                reply(answer);
            }
        }))?;
        Ok(Lookup { cancelled })
    }

    /// Threads running now (for tests of the bound).
    #[cfg(test)]
    fn threads(&self) -> usize {
        self.pool.threads()
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
    use std::time::Duration;

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
