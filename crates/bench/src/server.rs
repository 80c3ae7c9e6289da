//! Echo servers under test: how to start one pinned to a core, learn its
//! address, and stop it.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How to run one echo server. Every server prints `listening on ADDRESS`
/// on its standard output once ready, and stops on SIGTERM.
#[derive(Clone, Debug)]
pub struct ServerSpec {
    /// Column name in the report.
    pub name: String,
    /// The program to run.
    pub program: PathBuf,
    /// Its arguments (they make it listen on a free port of 127.0.0.1).
    pub args: Vec<String>,
}

/// A running server process.
pub struct Server {
    child: Child,
    /// Kept open so that a late print of the server never meets a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// Where it listens.
    pub address: SocketAddr,
}

impl Server {
    /// Starts `spec` pinned to CPU `core`, with its open-files limit raised
    /// to `fd_limit` (set in the child before `exec`), and waits for its
    /// `listening on` line.
    pub fn start(spec: &ServerSpec, core: usize, fd_limit: u64) -> io::Result<Server> {
        let mut command = Command::new(&spec.program);
        command
            .args(&spec.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe system calls (setrlimit, sched_setaffinity).
        unsafe {
            command.pre_exec(move || {
                crate::raise_fd_limit(fd_limit)?;
                crate::pin_to_core(core)
            });
        }
        let mut child = command.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot run {}: {e}", spec.program.display()),
            )
        })?;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line)? == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::other(format!(
                    "{} exited before printing `listening on ADDRESS`",
                    spec.name
                )));
            }
            if let Some(address) = parse_listening_line(&line) {
                return Ok(Server {
                    child,
                    _stdout: stdout,
                    address,
                });
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the process to end (killing it after
    /// 10 s).
    pub fn stop(mut self) -> io::Result<()> {
        // SAFETY: signals a child process this value owns and has not reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// The address of a `listening on ADDRESS` line (`127.0.0.1:PORT` or
/// `[::1]:PORT`).
pub fn parse_listening_line(line: &str) -> Option<SocketAddr> {
    line.trim().strip_prefix("listening on ")?.parse().ok()
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
        assert_eq!(parse_listening_line("starting\n"), None);
    }
}
