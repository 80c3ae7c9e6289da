//! A stock `telnet` client in `tmux` plays: keys act without Enter, the
//! full game is drawn in colour centred in the window with the cursor
//! hidden, and `q` gives the terminal back. Like the other
//! interoperability tests, these fail where `telnet` or `tmux` is missing
//! (`.ci/install` installs them). Without them the tests fail in CI (where
//! the `CI` variable is set) and say so and skip elsewhere.

mod support;

use boom::server::{Options, RenderMode};
use support::net::TestServer;
use support::pane::Pane;
use support::{classic, full};

/// `telnet` to the test server in a pane.
fn telnet(server: &TestServer, name: &str) -> Option<Pane> {
    let command = format!("telnet {} {}", server.address.ip(), server.address.port());
    Pane::start(name, &["telnet"], &command)
}

#[test]
fn telnet_plays_the_classic_game_without_enter() {
    let server = TestServer::start(classic());
    let Some(pane) = telnet(&server, "classic") else {
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
    let Some(pane) = telnet(&server, "full") else {
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
