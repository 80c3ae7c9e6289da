//! Servers under test: how to start one pinned to a core, learn its
//! address, read its log, signal it, and stop it. A server never outlives
//! the program that started it: it is killed when its [`Server`] is
//! dropped, and by the kernel if the starting program dies.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The programs at `paths` below the running binary's directory (such
/// as `examples/echo`), each found there, or an error naming the first
/// missing one and the `build` command that makes them.
pub fn built_programs<const N: usize>(
    paths: [&str; N],
    build: &str,
) -> Result<[PathBuf; N], Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the bench binary has no directory")?;
    let programs = paths.map(|path| dir.join(path));
    for program in &programs {
        if !program.exists() {
            return Err(format!("{} is missing: run `{build}` first", program.display()).into());
        }
    }
    Ok(programs)
}

/// How to run one server. Every server stops on SIGTERM, and prints a
/// line holding `listening on ADDRESS` on its standard output or standard
/// error once ready, unless its address is known beforehand
/// ([`quiet_at`](ServerSpec::quiet_at)).
#[derive(Clone, Debug, Default)]
pub struct ServerSpec {
    /// Column name in the report.
    pub name: String,
    /// The program to run.
    pub program: PathBuf,
    /// Its arguments (they make it listen on a free port of 127.0.0.1).
    pub args: Vec<String>,
    /// Environment variables set for it.
    pub env: Vec<(String, String)>,
    /// Keep its standard error lines ([`Server::log`]) instead of passing
    /// them through.
    pub capture_log: bool,
    /// For a server that prints nothing: the address its arguments make
    /// it use. Whether it is ready is for the caller to find out.
    pub quiet_at: Option<SocketAddr>,
}

/// The standard error lines of a server started with
/// [`ServerSpec::capture_log`], as they arrive.
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// How many lines so far contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.lines().iter().filter(|l| l.contains(text)).count()
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn push(&self, line: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

/// A running server process.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    log: Log,
}

impl Server {
    /// Starts `spec` pinned to CPU `core`, with its open-files limit raised
    /// to `fd_limit` (set in the child before `exec`), and waits for its
    /// `listening on` line.
    pub fn start(spec: &ServerSpec, core: usize, fd_limit: u64) -> io::Result<Server> {
        Self::start_on(spec, &[core], fd_limit)
    }

    /// [`start`](Self::start) on the set of CPUs `cores`.
    pub fn start_on(spec: &ServerSpec, cores: &[usize], fd_limit: u64) -> io::Result<Server> {
        let cores = cores.to_vec();
        let mut command = Command::new(&spec.program);
        command
            .args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe system calls (setrlimit, sched_setaffinity,
        // prctl).
        unsafe {
            command.pre_exec(move || {
                crate::raise_fd_limit(fd_limit)?;
                crate::pin_to_cores(&cores)?;
                // Killed with the thread that started it, so that no
                // server outlives a run that died.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot run {}: {e}", spec.program.display()),
            )
        })?;
        let log = Log::default();
        let (found, addresses) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        watch_for_address(stdout, found.clone(), |_| {});
        let (keep, kept) = (spec.capture_log, log.clone());
        watch_for_address(stderr, found, move |line| {
            if keep {
                kept.push(line);
            } else {
                eprintln!("{line}");
            }
        });
        if let Some(address) = spec.quiet_at {
            return Ok(Server {
                child,
                address,
                log,
            });
        }
        // Each stream says where the server listens, or that it ended.
        for _ in 0..2 {
            if let Ok(Some(address)) = addresses.recv() {
                return Ok(Server {
                    child,
                    address,
                    log,
                });
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(io::Error::other(format!(
            "{} exited before printing `listening on ADDRESS`",
            spec.name
        )))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its standard error lines (empty unless [`ServerSpec::capture_log`]).
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Sends `signal` (such as `libc::SIGTERM`) unless it has exited.
    pub fn signal(&mut self, signal: libc::c_int) -> io::Result<()> {
        if self.child.try_wait()?.is_none() {
            // SAFETY: signals a child process this value owns and has not
            // reaped (so its pid is not reused).
            if unsafe { libc::kill(self.child.id() as libc::pid_t, signal) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// Waits up to `timeout` for the process to end: its exit status, or
    /// `None` if it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and waits for the process to end (killing it after
    /// 10 s).
    pub fn stop(mut self) -> io::Result<()> {
        self.signal(libc::SIGTERM)?;
        if self.wait_exit(Duration::from_secs(10))?.is_none() {
            self.child.kill()?;
            self.child.wait()?;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Reads `stream`'s lines on a thread to its end (so that the server
/// never meets a closed pipe), handing each to `each`; sends the address
/// of the first `listening on` line, or `None` if the stream ends first.
fn watch_for_address(
    stream: impl io::Read + Send + 'static,
    found: mpsc::Sender<Option<SocketAddr>>,
    mut each: impl FnMut(String) + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut announced = false;
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if !announced {
                if let Some(address) = parse_listening_line(&line) {
                    announced = true;
                    let _ = found.send(Some(address));
                }
            }
            each(line);
        }
        if !announced {
            let _ = found.send(None);
        }
    });
}

/// The address of a line holding `listening on ADDRESS` (`127.0.0.1:PORT`
/// or `[::1]:PORT`), ended by the line's end, a space or a `;`, such as
/// `listening on 127.0.0.1:4242` or `boom: listening on 127.0.0.1:8900;
/// join with: …`.
pub fn parse_listening_line(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on ")?;
    rest.split([';', ' ', '\n', '\r']).next()?.parse().ok()
}

/// KiB of resident memory per idle connection of a fresh `spec` server on
/// `core`: its resident size before, and after `count` connections made
/// by `open` (which returns them open) settled; the connections are then
/// closed and the server stopped.
pub fn idle_memory_per_connection<T>(
    spec: &ServerSpec,
    core: usize,
    fd_limit: u64,
    count: usize,
    open: impl FnOnce(SocketAddr, usize) -> io::Result<T>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let server = Server::start(spec, core, fd_limit)?;
    let pid = server.pid();
    std::thread::sleep(Duration::from_millis(300));
    let before = crate::proc_stats::rss_kib(pid)?;
    let connections = open(server.address, count)?;
    std::thread::sleep(Duration::from_millis(500));
    let after = crate::proc_stats::rss_kib(pid)?;
    drop(connections);
    std::thread::sleep(Duration::from_millis(200));
    server.stop()?;
    Ok(after.saturating_sub(before) as f64 / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            parse_listening_line("listening on 127.0.0.1:4242\n"),
            Some("127.0.0.1:4242".parse().unwrap())
        );
        assert_eq!(
            parse_listening_line("boom (classic): listening on 127.0.0.1:8900; join with: telnet"),
            Some("127.0.0.1:8900".parse().unwrap())
        );
        assert_eq!(parse_listening_line("starting\n"), None);
    }
}
