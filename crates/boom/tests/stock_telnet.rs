//! A stock `telnet` client in `tmux` plays: keys act without Enter, the
//! full game is drawn in colour centred in the window with the cursor
//! hidden, and `q` gives the terminal back. Like the other
//! interoperability tests, these fail where `telnet` or `tmux` is missing
//! (`.ci/install` installs them). Without them the tests fail in CI (where
//! the `CI` variable is set) and say so and skip elsewhere.

mod support;

use std::process::Command;
use std::time::Instant;

use boom::server::{Options, RenderMode};
use support::net::TestServer;
use support::{PATIENCE, classic, full};

/// A tmux server of its own, running `telnet` to the test server in an
/// 80 × 24 window.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(server: &TestServer, name: &str) -> Option<Pane> {
        let found = |program: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(found("telnet") && found("tmux")) {
            let message =
                "these tests drive the stock telnet client in tmux: install them with .ci/install";
            // In CI a missing program is a failure; elsewhere (a machine
            // with only the Rust toolchain) the test says so and skips.
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("skipped: {message}");
            return None;
        }
        let pane = Pane {
            socket: format!("boom-test-{}-{name}", std::process::id()),
        };
        // After telnet exits, the shell waits for a line, so that the
        // terminal's state can still be read.
        let command = format!(
            "telnet {} {}; read done",
            server.address.ip(),
            server.address.port()
        );
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

    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn cursor_visible(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "t", "#{cursor_flag}"])
            .trim()
            == "1"
    }

    /// Captures the pane until `condition` holds for it.
    fn wait_for(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
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

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

#[test]
fn telnet_plays_the_classic_game_without_enter() {
    let server = TestServer::start(classic());
    let Some(pane) = Pane::start(&server, "classic") else {
        return;
    };
    pane.wait_for("the board", |s| s.contains("|A :::::::::|"));
    pane.keys(&["d"]);
    pane.wait_for("A to move right", |s| s.contains("| A:::::::::|"));
}

#[test]
fn telnet_gets_the_full_game_in_colour_centred_and_q_restores_the_terminal() {
    let server = TestServer::start(Options {
        render: RenderMode::Auto,
        ..full()
    });
    let Some(pane) = Pane::start(&server, "full") else {
        return;
    };
    let screen = pane.wait_for("the round to start", |s| {
        s.contains("You are A (alive)") && s.contains("Round 1: playing")
    });
    // Centred in 80 columns: the 13-wide border starts at column 33.
    let border = screen
        .lines()
        .find(|l| l.contains("+-----------+"))
        .expect("a border");
    assert_eq!(border.find('+'), Some(33), "{screen}");
    assert!(!pane.cursor_visible(), "the cursor is hidden while playing");
    // The arrow key moves A right (from the top-left spawn; the bot starts
    // in another corner).
    pane.keys(&["Right"]);
    pane.wait_for("A to move right", |s| {
        s.lines()
            .find(|l| l.contains("|"))
            .is_some_and(|l| l.find("A") == l.find('|').map(|i| i + 2))
    });
    pane.keys(&["q"]);
    pane.wait_for("goodbye", |s| {
        s.contains("Bye") && s.contains("Connection closed by foreign host")
    });
    assert!(pane.cursor_visible(), "the cursor is shown again");
}
