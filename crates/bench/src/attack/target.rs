//! The programs under attack: boom (and weft's examples) started from the
//! release build, pinned to the server core, with a sampler of their
//! memory.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Context;
use super::observer::{FrameStats, Observer};
use super::outcome::Memory;
use super::sampler::{Sample, Sampler};
use crate::proc_stats;
use crate::server::{Server, ServerSpec};

/// A server's CPU time at an instant, to measure its share of a core
/// since then.
#[derive(Clone, Copy, Debug)]
pub struct CpuMark {
    at: Instant,
    used: Duration,
}

/// The open-files limit of every server but the one whose descriptors run
/// out on purpose: the machine's hard limit.
pub const FD_LIMIT: u64 = 20_000;

/// How boom is run under attack: the classic game repainting the whole
/// board every 50 ms (so an observer's frames fall on a fixed grid), with
/// colour for telnet clients (so window sizes matter), on a free port of
/// 127.0.0.1, logging at `info` (drops are logged).
pub const BOOM_ARGS: &[&str] = &[
    "--classic",
    "--render",
    "auto",
    "--frame-ms",
    "50",
    "--listen",
    "tcp:port=0:interface=127.0.0.1",
];

/// A server under attack and a sampler of its memory.
pub struct Target {
    /// The server process.
    pub server: Server,
    /// Its memory, sampled.
    pub sampler: Sampler,
}

impl Target {
    /// boom with [`BOOM_ARGS`], `--max-players max_players` and `extra`,
    /// with an open-files limit of `fd_limit`.
    pub fn boom(
        context: &Context,
        max_players: usize,
        extra: &[&str],
        fd_limit: u64,
    ) -> io::Result<Target> {
        let mut args: Vec<String> = BOOM_ARGS.iter().map(|a| a.to_string()).collect();
        args.extend(["--max-players".into(), max_players.to_string()]);
        args.extend(extra.iter().map(|a| a.to_string()));
        Target::start(context, "boom", context.binary("boom"), args, fd_limit)
    }

    /// One of weft's examples (`echo`, `chat`), listening on a free port
    /// of 127.0.0.1.
    pub fn example(context: &Context, name: &str) -> io::Result<Target> {
        let program = context.binary(&format!("examples/{name}"));
        let args = vec!["tcp:port=0:interface=127.0.0.1".to_string()];
        Target::start(context, name, program, args, FD_LIMIT)
    }

    fn start(
        context: &Context,
        name: &str,
        program: std::path::PathBuf,
        args: Vec<String>,
        fd_limit: u64,
    ) -> io::Result<Target> {
        let spec = ServerSpec {
            name: name.into(),
            program,
            args,
            env: vec![("RUST_LOG".into(), "info".into())],
            capture_log: true,
            quiet_at: None,
        };
        let server = Server::start(&spec, context.server_core, fd_limit)?;
        let sampler = Sampler::start(server.pid());
        // Let it settle before anything is measured.
        std::thread::sleep(Duration::from_millis(300));
        Ok(Target { server, sampler })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.server.address
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// A reading of its memory now.
    pub fn sample(&self) -> io::Result<Sample> {
        self.sampler
            .now()
            .ok_or_else(|| io::Error::other("the server has exited"))
    }

    /// Its CPU time now.
    pub fn cpu_mark(&self) -> CpuMark {
        CpuMark {
            at: Instant::now(),
            used: proc_stats::cpu_time(self.pid()).unwrap_or_default(),
        }
    }

    /// Its share of one core since `mark`, in percent.
    pub fn cpu_percent_since(&self, mark: CpuMark) -> f64 {
        let used = proc_stats::cpu_time(self.pid()).unwrap_or(mark.used);
        100.0 * used.saturating_sub(mark.used).as_secs_f64()
            / mark.at.elapsed().as_secs_f64().max(1e-9)
    }

    /// Waits until it holds at most `fds` descriptors (the attackers'
    /// connections are closed on its side too); how long that took.
    pub fn wait_for_fds(&self, fds: usize, timeout: Duration) -> Duration {
        let began = Instant::now();
        while began.elapsed() < timeout {
            match self.sample() {
                Ok(s) if s.fds > fds => std::thread::sleep(Duration::from_millis(20)),
                _ => break,
            }
        }
        began.elapsed()
    }

    /// What an attack that begins now is measured against (boom only): an
    /// observer connected to the server (still watching), its frames over
    /// `window`, a reading of the server, and the instant it begins.
    pub fn baseline(
        &self,
        window: Duration,
    ) -> io::Result<(Observer, FrameStats, Sample, Instant)> {
        let observer = self.observe()?;
        let without = observer.watch(window);
        let before = self.sample()?;
        Ok((observer, without, before, Instant::now()))
    }

    /// After `settle`, the server's memory before (`before`), at its peak
    /// since `began`, and now; and the reading now.
    pub fn memory_since(
        &self,
        before: &Sample,
        began: Instant,
        settle: Duration,
    ) -> io::Result<(Memory, Sample)> {
        std::thread::sleep(settle);
        let after = self.sample()?;
        let memory = Memory {
            before_kib: before.rss_kib,
            peak_kib: self.sampler.peaks_since(began).rss_kib,
            after_kib: after.rss_kib,
        };
        Ok((memory, after))
    }

    /// An observer connected to it (boom only).
    pub fn observe(&self) -> io::Result<Observer> {
        let observer = Observer::connect(self.address())?;
        // Its first frames, before anything is measured.
        std::thread::sleep(Duration::from_millis(300));
        Ok(observer)
    }
}
