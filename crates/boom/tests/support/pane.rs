//! A terminal for stock clients: a tmux server of its own running one
//! command in an 80 × 24 window, read back with `capture-pane`. Tests that
//! use it say so and skip where the programs are missing, except in CI
//! (the `CI` variable set), where they fail.

use std::process::Command;
use std::time::Instant;

use super::PATIENCE;

/// Whether `program` is on the `PATH`.
pub fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether every one of `programs` is there; if not, fails in CI and
/// says why elsewhere.
pub fn have(programs: &[&str]) -> bool {
    if programs.iter().all(|p| found(p)) {
        return true;
    }
    let message = format!(
        "these tests drive {} : install them with .ci/install",
        programs.join(", ")
    );
    // In CI a missing program is a failure; elsewhere (a machine with
    // only the Rust toolchain) the test says so and skips.
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("skipped: {message}");
    false
}

/// A tmux server of its own, running one command.
pub struct Pane {
    socket: String,
}

impl Pane {
    /// Runs `command` in an 80 × 24 window, if tmux and `programs` are
    /// there. After the command exits the shell waits for a line, so that
    /// the terminal's state can still be read.
    pub fn start(name: &str, programs: &[&str], command: &str) -> Option<Pane> {
        let mut needed = vec!["tmux"];
        needed.extend_from_slice(programs);
        if !have(&needed) {
            return None;
        }
        let pane = Pane {
            socket: format!("boom-test-{}-{name}", std::process::id()),
        };
        let command = format!("{command}; read done");
        pane.tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            &command,
        ]);
        Some(pane)
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn cursor_visible(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "t", "#{cursor_flag}"])
            .trim()
            == "1"
    }

    /// Captures the pane until `condition` holds for it.
    pub fn wait_for(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the pane shows:\n{screen}"
            );
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// The window is now `cols` × `rows`.
    pub fn resize(&self, cols: u16, rows: u16) {
        let (cols, rows) = (cols.to_string(), rows.to_string());
        self.tmux(&["resize-window", "-t", "t", "-x", &cols, "-y", &rows]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
