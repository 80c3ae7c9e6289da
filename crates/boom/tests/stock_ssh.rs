//! A stock OpenSSH client in `tmux` plays the `boom` binary over SSH: it
//! logs in with no password under a name of its own, plays through a
//! round in colour, is redrawn when its window is resized, and `q` gives
//! the terminal back; the host key is the same after a restart. Fails
//! where `ssh`, `ssh-keyscan` or `tmux` is missing in CI (`.ci/install`
//! installs them), and says so and skips elsewhere.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use support::PATIENCE;
use support::pane::{Pane, have};

/// The `boom` binary serving SSH on a free port of 127.0.0.1.
struct Boom {
    child: Child,
    ssh_port: u16,
}

impl Boom {
    /// Starts `boom` with its host key at `key`, fast fuses and rounds.
    fn start(key: &Path) -> Boom {
        let child = Command::new(env!("CARGO_BIN_EXE_boom"))
            .args([
                "--listen",
                "tcp:port=0:interface=127.0.0.1",
                "--ssh",
                "tcp:port=0:interface=127.0.0.1",
                "--threads",
                "1",
                "--fuse-ms",
                "300",
                "--burn-ms",
                "300",
                "--ssh-host-key",
            ])
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start boom");
        // Owned at once, so that it is stopped whatever happens next.
        let mut boom = Boom { child, ssh_port: 0 };
        let stdout = boom.child.stdout.take().unwrap();
        let (lines, announced) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        loop {
            let line = announced
                .recv_timeout(PATIENCE)
                .expect("boom announces SSH");
            // "boom: SSH on 127.0.0.1:PORT; join with: …"
            if let Some(rest) = line.strip_prefix("boom: SSH on 127.0.0.1:") {
                boom.ssh_port = rest.split(';').next().unwrap().parse().unwrap();
                return boom;
            }
        }
    }

    /// The host key the server shows, as `ssh-keyscan` reads it.
    fn host_key(&self) -> String {
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
    fn stop(mut self) {
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

/// A directory of the test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("boom-stock-ssh-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first row of the board on a captured screen.
fn first_row(screen: &str) -> Option<&str> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains("+-----------+"))?;
    lines.next().map(str::trim)
}

#[test]
fn openssh_plays_a_round_resizes_and_leaves_and_the_host_key_is_kept() {
    if !have(&["ssh", "ssh-keyscan"]) {
        return;
    }
    let dir = scratch("round");
    let key = dir.join("host_key");
    let boom = Boom::start(&key);
    let first_key = boom.host_key();
    let command = format!(
        "ssh -tt -p {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o LogLevel=ERROR tester@127.0.0.1; echo ssh exited with $?",
        boom.ssh_port
    );
    let Some(pane) = Pane::start("openssh", &["ssh"], &command) else {
        return;
    };
    pane.wait_for("the round to start", |s| {
        s.contains("You are tester (alive)") && s.contains("Round 1: playing")
    });
    assert!(!pane.cursor_visible(), "the cursor is hidden while playing");
    // Centred in 80 columns: the 13-wide border starts at column 33.
    let screen = pane.screen();
    let border = screen
        .lines()
        .find(|l| l.contains("+-----------+"))
        .unwrap();
    assert_eq!(border.find('+'), Some(33), "{screen}");
    // The first human starts top left; the arrow key moves it right.
    pane.keys(&["Right"]);
    pane.wait_for("T to move right", |s| first_row(s) == Some("| T:::::::::|"));
    // A bomb dropped where T stands kills it: the bot wins the round.
    pane.keys(&["e"]);
    pane.wait_for("the next round", |s| s.contains("Round 2"));
    // A wider window: drawn again, centred in 100 columns.
    pane.resize(100, 30);
    pane.wait_for("the board in 100 columns", |s| {
        s.lines()
            .find(|l| l.contains("+-----------+"))
            .is_some_and(|l| l.find('+') == Some(43))
    });
    pane.keys(&["q"]);
    pane.wait_for("goodbye", |s| {
        s.contains("Bye! Thanks for playing boom.") && s.contains("ssh exited with 0")
    });
    assert!(pane.cursor_visible(), "the cursor is shown again");
    boom.stop();
    // The key was kept: the restarted server shows the same one.
    let again = Boom::start(&key);
    assert_eq!(again.host_key(), first_key);
    again.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
