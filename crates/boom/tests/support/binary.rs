//! The `boom` binary run as an operator would: with its arguments, its
//! ports read from what it prints, stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use super::PATIENCE;

/// Starts `command` with its standard output piped, and returns it with
/// the first line it prints: where the `boom` binary says it listens.
pub fn start_announced(command: &mut Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("start boom");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// The `boom` binary serving telnet and SSH on free ports of 127.0.0.1.
pub struct Boom {
    child: Child,
    pub telnet_port: u16,
    pub ssh_port: u16,
}

impl Boom {
    /// Starts `boom` with its host key at `key` and the arguments `args`.
    pub fn start(key: &Path, args: &[&str]) -> Boom {
        let child = Command::new(env!("CARGO_BIN_EXE_boom"))
            .args([
                "--listen",
                "tcp:port=0:interface=127.0.0.1",
                "--ssh",
                "tcp:port=0:interface=127.0.0.1",
                "--ssh-host-key",
            ])
            .arg(key)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start boom");
        // Owned at once, so that it is stopped whatever happens next.
        let mut boom = Boom {
            child,
            telnet_port: 0,
            ssh_port: 0,
        };
        let stdout = boom.child.stdout.take().unwrap();
        let (lines, announced) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        // "boom: listening on 127.0.0.1:PORT; …", "boom: SSH on 127.0.0.1:PORT; …"
        let port = |rest: &str| rest.split(';').next().unwrap().parse().unwrap();
        while boom.telnet_port == 0 || boom.ssh_port == 0 {
            let line = announced
                .recv_timeout(PATIENCE)
                .expect("boom announces its ports");
            if let Some(rest) = line.strip_prefix("boom: listening on 127.0.0.1:") {
                boom.telnet_port = port(rest);
            } else if let Some(rest) = line.strip_prefix("boom: SSH on 127.0.0.1:") {
                boom.ssh_port = port(rest);
            }
        }
        boom
    }

    /// The host key the server shows, as `ssh-keyscan` reads it.
    pub fn host_key(&self) -> String {
        let output = Command::new("ssh-keyscan")
            .args([
                "-t",
                "ed25519",
                "-p",
                &self.ssh_port.to_string(),
                "127.0.0.1",
            ])
            .output()
            .expect("run ssh-keyscan");
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find(|l| l.contains("ssh-ed25519"))
            .unwrap_or_else(|| panic!("no key scanned: {text:?}"));
        // "[127.0.0.1]:PORT ssh-ed25519 KEY": the port changes, the key not.
        line.split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Stops the server with SIGTERM, as an operator would.
    pub fn stop(mut self) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: a plain signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = self.child.wait().expect("wait for boom");
        assert!(status.success(), "boom stopped with {status}");
    }
}

impl Drop for Boom {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
