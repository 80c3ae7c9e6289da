//! A stock OpenSSH client in `tmux` plays the `boom` binary over SSH: it
//! logs in with no password under a name of its own, plays through a
//! round in colour, is redrawn when its window is resized, and `q` gives
//! the terminal back; the host key is the same after a restart. Fails
//! where `ssh`, `ssh-keyscan` or `tmux` is missing in CI (`.ci/install`
//! installs them), and says so and skips elsewhere.

mod support;

use std::path::PathBuf;

use support::binary::Boom;
use support::pane::{Pane, have};

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
    let boom = Boom::start(
        &key,
        &["--threads", "1", "--fuse-ms", "300", "--burn-ms", "300"],
    );
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
    let again = Boom::start(&key, &["--threads", "1"]);
    assert_eq!(again.host_key(), first_key);
    again.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
