//! The load generator's threads: one per core of a list, each pinned to
//! its core and driving an even share of the connections with its own mio
//! poll, so that on a large machine the generator can keep many server
//! threads busy; the calling thread measures.
//!
//! Every run has one measured window for all threads: each thread adds
//! what it completes to a counter of its own, and the calling thread
//! reads the sum of the counters, the clock and the CPU times of the
//! server and of this process at the start and at the end of the window
//! ([`Snapshot`]), after a warm-up. The warm-up starts once every thread
//! has opened its connections.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Registry, Token};

use crate::load::{Measured, Window};
use crate::proc_stats;

/// How long a thread waits for readiness before it looks whether it
/// should stop (it stops at once when events keep coming).
const STOP_CHECK: Duration = Duration::from_millis(20);

/// What a load run is aimed at, and where the generator runs.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    /// The server's address.
    pub address: SocketAddr,
    /// The server's process, whose CPU time is measured.
    pub server_pid: u32,
    /// Warm-up and measured time.
    pub window: Window,
    /// One generator thread per core, pinned to it (at least one).
    pub cores: &'a [usize],
}

/// The share of `total` (connections, sockets) that part `index` of
/// `parts` takes: the parts differ by one at most, the first ones taking
/// the remainder, and together they take `total`.
pub fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts + usize::from(index < total % parts)
}

/// One thread's count of completed units, on a cache line of its own so
/// that the threads' counting does not contend.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Counter(AtomicU64);

/// The sum of `counters` as of now.
fn total(counters: &[Counter]) -> u64 {
    counters.iter().map(|c| c.0.load(Ordering::Relaxed)).sum()
}

/// What is read at each end of the measured window.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    /// When it was taken.
    pub at: Instant,
    /// Units completed so far, summed over the generator's threads.
    pub units: u64,
    /// The server's CPU time so far.
    pub server_cpu: Duration,
    /// The CPU time of this process (every generator thread) so far.
    pub client_cpu: Duration,
}

impl Snapshot {
    /// Reads the clock and the CPU times of `server_pid` and this process,
    /// with `units` the units completed so far.
    fn take(server_pid: u32, units: u64) -> io::Result<Snapshot> {
        Ok(Snapshot {
            server_cpu: proc_stats::cpu_time(server_pid)?,
            client_cpu: proc_stats::cpu_time(std::process::id())?,
            at: Instant::now(),
            units,
        })
    }
}

impl Measured {
    /// What happened between `start` and `end`, two snapshots of one run.
    pub fn between(start: &Snapshot, end: &Snapshot) -> Measured {
        Measured {
            units: end.units.saturating_sub(start.units),
            elapsed: end.at.saturating_duration_since(start.at),
            server_cpu: end.server_cpu.saturating_sub(start.server_cpu),
            client_cpu: end.client_cpu.saturating_sub(start.client_cpu),
        }
    }
}

/// One generator thread, as the load it runs sees it.
pub struct Worker<'a> {
    index: usize,
    threads: usize,
    units: &'a Counter,
    stop: &'a AtomicBool,
    /// Taken when the thread says it is ready (set up, or failed).
    ready: Cell<Option<mpsc::Sender<()>>>,
}

impl Worker<'_> {
    /// This thread's share of `total` connections or sockets.
    pub fn share_of(&self, total: usize) -> usize {
        share(total, self.threads, self.index)
    }

    /// Runs `poll`'s event loop until the run ends, calling
    /// `on_event(registry, token, readable, writable)` for each readiness
    /// event; it returns how many units that event completed. The thread
    /// counts as ready (connected) from this call on.
    pub fn run(
        &self,
        poll: &mut Poll,
        mut on_event: impl FnMut(&Registry, Token, bool, bool) -> io::Result<u64>,
    ) -> io::Result<()> {
        self.say_ready();
        let mut events = Events::with_capacity(1024);
        while !self.stop.load(Ordering::Relaxed) {
            match poll.poll(&mut events, Some(STOP_CHECK)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let mut done = 0;
            for event in events.iter() {
                done += on_event(
                    poll.registry(),
                    event.token(),
                    event.is_readable() || event.is_read_closed() || event.is_error(),
                    event.is_writable(),
                )?;
            }
            self.units.0.fetch_add(done, Ordering::Relaxed);
        }
        Ok(())
    }

    fn say_ready(&self) {
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(());
        }
    }
}

/// Runs `work` on one thread per core of `run.cores`, each pinned to its
/// core, and measures `run.window` from the calling thread once every
/// thread is ready: the units the threads completed, summed, and the CPU
/// time of the server and of this process. `work` sets up its share of
/// the load ([`Worker::share_of`]) and calls [`Worker::run`]. The first
/// error of any thread is returned once all have stopped.
pub fn measure(run: &Run, work: impl Fn(&Worker) -> io::Result<()> + Sync) -> io::Result<Measured> {
    if run.cores.is_empty() {
        return Err(io::Error::other(
            "the load generator needs at least one core",
        ));
    }
    let counters: Vec<Counter> = run.cores.iter().map(|_| Counter::default()).collect();
    let stop = AtomicBool::new(false);
    let (ready, readiness) = mpsc::channel();
    thread::scope(|scope| {
        let threads: Vec<_> = run
            .cores
            .iter()
            .zip(&counters)
            .enumerate()
            .map(|(index, (&core, units))| {
                let worker = Worker {
                    index,
                    threads: run.cores.len(),
                    units,
                    stop: &stop,
                    ready: Cell::new(Some(ready.clone())),
                };
                let work = &work;
                scope.spawn(move || {
                    let outcome = crate::pin_to_core(core)
                        .map_err(|e| {
                            io::Error::new(
                                e.kind(),
                                format!("cannot pin a load generator thread to core {core}: {e}"),
                            )
                        })
                        .and_then(|()| work(&worker));
                    // A thread that failed before running counts as ready,
                    // so that the window is not waited for in vain.
                    worker.say_ready();
                    outcome
                })
            })
            .collect();
        drop(ready);
        for _ in &threads {
            let _ = readiness.recv();
        }
        let measured = measure_window(run, || total(&counters));
        stop.store(true, Ordering::Relaxed);
        let mut first_error = None;
        for thread in threads {
            let outcome = thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("a load generator thread panicked")));
            if let Err(e) = outcome {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => measured,
        }
    })
}

/// Waits out the warm-up, then measures the window of `run`, with
/// `units` the units completed so far.
fn measure_window(run: &Run, units: impl Fn() -> u64) -> io::Result<Measured> {
    thread::sleep(run.window.warmup);
    let start = Snapshot::take(run.server_pid, units())?;
    thread::sleep(run.window.measure);
    let end = Snapshot::take(run.server_pid, units())?;
    Ok(Measured::between(&start, &end))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    use super::*;
    use crate::load;

    /// A blocking echo server on 127.0.0.1:0 for exactly `connections`
    /// connections, a thread each; each thread returns how many bytes it
    /// echoed, once its peer has closed. With `hang_up`, each connection is
    /// closed after its first read instead (with nothing left unread, so
    /// that the peer sees an orderly end).
    fn echo_server(
        connections: usize,
        hang_up: bool,
    ) -> (SocketAddr, thread::JoinHandle<Vec<usize>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let echoes: Vec<_> = (0..connections)
                .map(|_| {
                    let (mut stream, _) = listener.accept().unwrap();
                    thread::spawn(move || {
                        let (mut echoed, mut buffer) = (0, [0u8; 4096]);
                        loop {
                            match stream.read(&mut buffer) {
                                Ok(0) | Err(_) => break,
                                Ok(_) if hang_up => break,
                                Ok(n) if stream.write_all(&buffer[..n]).is_ok() => echoed += n,
                                Ok(_) => break,
                            }
                        }
                        echoed
                    })
                })
                .collect();
            echoes.into_iter().map(|e| e.join().unwrap()).collect()
        });
        (address, server)
    }

    /// A core this process may run on.
    fn allowed_core() -> usize {
        // SAFETY: plain data filled in by the system call, of the size given.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            assert_eq!(
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set),
                0
            );
            (0..libc::CPU_SETSIZE as usize)
                .find(|&core| libc::CPU_ISSET(core, &set))
                .expect("a core to run on")
        }
    }

    fn run_on(address: SocketAddr, cores: &[usize]) -> Run<'_> {
        Run {
            address,
            server_pid: std::process::id(),
            window: Window {
                warmup: Duration::ZERO,
                measure: Duration::from_millis(200),
            },
            cores,
        }
    }

    #[test]
    fn two_threads_drive_every_connection_over_real_sockets() {
        const SIZE: usize = 64;
        let (address, server) = echo_server(5, false);
        let core = allowed_core();
        let cores = [core, core];
        let measured = load::request_response(&run_on(address, &cores), 5, SIZE).unwrap();
        let echoed = server.join().unwrap();
        assert_eq!(echoed.len(), 5);
        assert!(
            echoed.iter().all(|&bytes| bytes >= SIZE),
            "a connection got no request: {echoed:?}"
        );
        let requests: usize = echoed.iter().map(|bytes| bytes / SIZE).sum();
        assert!(
            measured.units <= requests as u64,
            "{} requests counted, {requests} echoed",
            measured.units
        );
        assert!(measured.elapsed >= Duration::from_millis(200));
    }

    #[test]
    fn an_error_on_any_thread_ends_the_run_with_it() {
        let (address, server) = echo_server(4, true);
        let core = allowed_core();
        let error = load::request_response(&run_on(address, &[core, core]), 4, 64).unwrap_err();
        assert!(
            error.to_string().contains("the server closed a connection"),
            "{error}"
        );
        server.join().unwrap();
    }

    #[test]
    fn a_core_that_cannot_be_pinned_to_is_named() {
        let (address, server) = echo_server(1, false);
        let past = libc::CPU_SETSIZE as usize - 1;
        let error = load::request_response(&run_on(address, &[past]), 1, 64);
        let error = error.expect_err("no machine here has that many cores");
        assert!(
            error.to_string().contains(&format!(
                "cannot pin a load generator thread to core {past}"
            )),
            "{error}"
        );
        // The server's one connection never came: let it go.
        drop(TcpStream::connect(address));
        server.join().unwrap();
    }

    #[test]
    fn shares_are_even_and_add_up() {
        for (total, parts) in [(50, 1), (50, 3), (50, 8), (2, 4), (0, 2), (8, 8)] {
            let shares: Vec<usize> = (0..parts).map(|i| share(total, parts, i)).collect();
            assert_eq!(shares.iter().sum::<usize>(), total, "{total} over {parts}");
            let (least, most) = (shares.iter().min(), shares.iter().max());
            assert!(most.unwrap() - least.unwrap() <= 1, "{shares:?}");
        }
        assert_eq!(
            (0..3).map(|i| share(50, 3, i)).collect::<Vec<_>>(),
            [17, 17, 16]
        );
    }

    #[test]
    fn the_threads_counts_are_summed() {
        let counters: Vec<Counter> = (0..4).map(|_| Counter::default()).collect();
        thread::scope(|scope| {
            for (index, counter) in counters.iter().enumerate() {
                scope.spawn(move || {
                    for _ in 0..1000 {
                        counter.0.fetch_add(index as u64 + 1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(total(&counters), 1000 * (1 + 2 + 3 + 4));
    }

    #[test]
    fn a_window_is_what_changed_between_its_snapshots() {
        let at = Instant::now();
        let start = Snapshot {
            at,
            units: 1_000,
            server_cpu: Duration::from_millis(300),
            client_cpu: Duration::from_millis(200),
        };
        let end = Snapshot {
            at: at + Duration::from_secs(2),
            units: 401_000,
            server_cpu: Duration::from_millis(2_300),
            client_cpu: Duration::from_millis(3_200),
        };
        let measured = Measured::between(&start, &end);
        assert_eq!(measured.units, 400_000);
        assert_eq!(measured.elapsed, Duration::from_secs(2));
        assert_eq!(measured.rate(), 200_000.0);
        assert_eq!(measured.server_load(), 100.0);
        // Three generator threads busy half the time: 150% of one core.
        assert_eq!(measured.client_load(), 150.0);
    }
}
