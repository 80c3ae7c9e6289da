//! A server's resident memory and open files, and the kernel's TCP
//! memory (the whole machine's, and the queues of the server's port),
//! sampled ten times a second on a thread of its own, to find the peaks
//! that readings at a few instants would miss.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::proc_stats::{self, PortQueues, TcpSockets};

/// How often a sample is taken.
const EVERY: Duration = Duration::from_millis(100);

/// One reading.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// When it was taken.
    pub at: Instant,
    /// The server's resident memory, KiB.
    pub rss_kib: u64,
    /// The server's open file descriptors.
    pub fds: usize,
    /// Every TCP socket of the machine (of its network namespace).
    pub tcp: TcpSockets,
    /// The queues of the server's port, when watched.
    pub port: Option<PortQueues>,
}

impl Sample {
    /// Reads `pid` (and the queues of `port`) now; `None` once it has
    /// exited.
    pub fn take(pid: u32, port: Option<u16>) -> Option<Sample> {
        Some(Sample {
            at: Instant::now(),
            rss_kib: proc_stats::rss_kib(pid).ok()?,
            fds: proc_stats::open_fds(pid).ok()?,
            tcp: proc_stats::tcp_sockets().unwrap_or_default(),
            port: port.and_then(|p| proc_stats::port_queues(p).ok()),
        })
    }
}

/// The highest readings over a stretch of time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Peaks {
    /// Highest resident memory, KiB.
    pub rss_kib: u64,
    /// Most open descriptors.
    pub fds: usize,
    /// Highest kernel TCP memory, pages.
    pub tcp_pages: u64,
    /// Most orphaned TCP sockets.
    pub orphans: u64,
    /// Most bytes in the send queues of the server's port.
    pub send_bytes: u64,
    /// Most bytes in its local peers' receive queues.
    pub peer_receive_bytes: u64,
}

/// Samples one process until dropped.
pub struct Sampler {
    pid: u32,
    port: Arc<Mutex<Option<u16>>>,
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling process `pid`.
    pub fn start(pid: u32) -> Sampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let port = Arc::new(Mutex::new(None));
        let thread = {
            let (samples, stop, port) = (samples.clone(), stop.clone(), port.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let watched = *port.lock().unwrap_or_else(|e| e.into_inner());
                    let Some(sample) = Sample::take(pid, watched) else {
                        return;
                    };
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(sample);
                    std::thread::sleep(EVERY);
                }
            })
        };
        Sampler {
            pid,
            port,
            samples,
            stop,
            thread: Some(thread),
        }
    }

    /// From now on, also reads the queues of the connections of local
    /// port `port` (reading `/proc/net/tcp` costs time with many sockets,
    /// so only when asked).
    pub fn watch_port(&self, port: u16) {
        *self.port.lock().unwrap_or_else(|e| e.into_inner()) = Some(port);
    }

    /// A reading now (also kept among the samples); `None` once the
    /// process has exited.
    pub fn now(&self) -> Option<Sample> {
        let port = *self.port.lock().unwrap_or_else(|e| e.into_inner());
        let sample = Sample::take(self.pid, port)?;
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sample);
        Some(sample)
    }

    /// The highest readings taken since `from`.
    pub fn peaks_since(&self, from: Instant) -> Peaks {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples
            .iter()
            .filter(|s| s.at >= from)
            .fold(Peaks::default(), |peaks, s| Peaks {
                rss_kib: peaks.rss_kib.max(s.rss_kib),
                fds: peaks.fds.max(s.fds),
                tcp_pages: peaks.tcp_pages.max(s.tcp.memory_pages),
                orphans: peaks.orphans.max(s.tcp.orphans),
                send_bytes: peaks.send_bytes.max(s.port.map_or(0, |p| p.send_bytes)),
                peer_receive_bytes: peaks
                    .peer_receive_bytes
                    .max(s.port.map_or(0, |p| p.peer_receive_bytes)),
            })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
