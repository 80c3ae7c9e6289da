//! The `telnet_keys` example against real clients: the stock `telnet`
//! client running in a `tmux` terminal (character mode, no local echo,
//! window size and its changes), and a raw TCP client that negotiates
//! nothing.
//!
//! These tests need the `telnet`, `tmux` and `nc` programs (`.ci/install`
//! installs them). Without them they fail, saying so, in CI (where the
//! `CI` variable is set); elsewhere they say so and skip, so that the test
//! suite runs on a machine with only the Rust toolchain.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{ExampleProcess, PATIENCE};

/// How often the terminal's screen is looked at while waiting for it to
/// change, and how many times before giving up. The screen belongs to
/// another program, so there is nothing to wait on but the screen itself;
/// the bound only turns a hang into a failure.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
const POLLS: usize = 1500;

/// Whether every one of `programs` is on the `PATH`. When one is missing:
/// fails the test in CI, and otherwise says so (the test then skips).
fn available(programs: &[&str]) -> bool {
    let Some(missing) = programs.iter().find(|program| !on_path(program)) else {
        return true;
    };
    let message = format!(
        "`{missing}` is not installed: these tests need telnet, tmux and nc \
         (run .ci/install, or apt-get install -y telnet tmux netcat-openbsd)"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("skipped: {message}");
    false
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program))))
        .unwrap_or(false)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A detached tmux session running one command, on a tmux server of its
/// own (a private socket, no configuration file), killed when dropped.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    /// Starts `command` in a new `width` x `height` terminal.
    fn start(command: &str, width: u16, height: u16) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("weft-telnet-{}-{n}", std::process::id());
        let tmux = Tmux {
            socket: name.clone(),
            session: name,
        };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            &tmux.session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        // Keep the screen if the command exits, to show it in failures.
        tmux.run(&["set-option", "-t", &tmux.session, "remain-on-exit", "on"]);
        tmux
    }

    /// Runs a tmux command on this session's server; fails the test if it
    /// fails.
    fn run(&self, args: &[&str]) -> String {
        let Output {
            status,
            stdout,
            stderr,
        } = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e}"));
        assert!(
            status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&stderr)
        );
        String::from_utf8_lossy(&stdout).into_owned()
    }

    /// Presses `key` (tmux's names: `a`, `Up`, `C-d`); no Enter follows.
    fn press(&self, key: &str) {
        self.run(&["send-keys", "-t", &self.session, key]);
    }

    /// The visible text of the terminal.
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
    }

    /// The terminal's size in columns and rows, as the program in it
    /// sees it.
    fn size(&self) -> String {
        let size = self.run(&[
            "display-message",
            "-p",
            "-t",
            &self.session,
            "#{pane_width}x#{pane_height}",
        ]);
        size.trim().to_owned()
    }

    fn resize(&self, width: u16, height: u16) {
        self.run(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Looks at the screen until `done` holds for it, and returns it; fails
    /// with `what` and the last screen if it never does.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        for _ in 0..POLLS {
            screen = self.screen();
            if done(&screen) {
                return screen;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        panic!("the screen never showed {what}; it shows:\n{screen}");
    }

    /// Waits until a line of the screen is exactly `line` (trailing blanks
    /// aside).
    fn wait_for_line(&self, line: &str) -> String {
        self.wait_for(&format!("the line {line:?}"), |screen| {
            has_line(screen, line)
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .env_remove("TMUX")
            .output();
    }
}

fn has_line(screen: &str, line: &str) -> bool {
    screen.lines().any(|l| l.trim_end() == line)
}

/// The `telnet_keys` example, listening on a free port of 127.0.0.1.
fn telnet_keys() -> (ExampleProcess, String) {
    let server = ExampleProcess::start("telnet_keys", &["tcp:port=0:interface=127.0.0.1"]);
    let port = server
        .address
        .rsplit(':')
        .next()
        .expect("address with a port")
        .to_owned();
    (server, port)
}

/// The stock telnet client connected to a fresh `telnet_keys`, past the
/// greeting.
fn telnet_session(width: u16, height: u16) -> Option<(ExampleProcess, Tmux)> {
    if !available(&["telnet", "tmux"]) {
        return None;
    }
    let (server, port) = telnet_keys();
    let tmux = Tmux::start(&format!("telnet 127.0.0.1 {port}"), width, height);
    tmux.wait_for("the greeting", |screen| screen.contains("Ctrl-D quits."));
    Some((server, tmux))
}

#[test]
fn a_key_pressed_without_enter_reaches_the_server_and_is_not_echoed_locally() {
    let Some((_server, tmux)) = telnet_session(100, 30) else {
        return;
    };
    tmux.press("a");
    let screen = tmux.wait_for_line("key: 'a' (0x61)");
    // Local echo would have put the `a` on the screen before the server's
    // line, on the same line or on one of its own.
    assert!(
        !screen
            .lines()
            .any(|l| l.trim_end() == "a" || l.contains("akey")),
        "the client echoed the key locally:\n{screen}"
    );
    // Keys that send escape sequences arrive whole, as named keys.
    tmux.press("Up");
    tmux.wait_for_line("key: Up");
    tmux.press("b");
    tmux.wait_for_line("key: 'b' (0x62)");
    // Enter comes as CR NUL, which the Telnet layer turns into CR.
    tmux.press("Enter");
    tmux.wait_for_line("key: Enter (0x0d)");
    // In character mode the client sends control keys as they are.
    tmux.press("C-c");
    tmux.wait_for_line("key: Ctrl-C (0x03)");
    // Ctrl-D asks the server to hang up.
    tmux.press("C-d");
    tmux.wait_for_line("bye");
    tmux.wait_for("the client noticing the end", |screen| {
        screen.contains("Connection closed by foreign host.")
    });
}

#[test]
fn the_window_size_is_reported_and_so_are_its_changes() {
    let Some((_server, tmux)) = telnet_session(100, 30) else {
        return;
    };
    let size = tmux.size();
    tmux.wait_for_line(&format!("window: {size}"));
    tmux.resize(120, 40);
    let resized = tmux.size();
    assert_ne!(size, resized, "tmux did not resize its window");
    tmux.wait_for_line(&format!("window: {resized}"));
    // The server still answers keys after the change.
    tmux.press("z");
    tmux.wait_for_line("key: 'z' (0x7a)");
}

/// Reads from `stream`, appending to `seen`, until `seen` contains
/// `needle`.
fn read_until(stream: &mut TcpStream, seen: &mut Vec<u8>, needle: &[u8]) {
    let mut buffer = [0u8; 4096];
    while !seen.windows(needle.len()).any(|w| w == needle) {
        let n = stream.read(&mut buffer).unwrap_or_else(|e| {
            panic!(
                "reading while waiting for {:?} after {:?}: {e}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(seen)
            )
        });
        assert!(
            n > 0,
            "connection closed before {:?} came; got {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(seen)
        );
        seen.extend_from_slice(&buffer[..n]);
    }
}

#[test]
fn a_raw_client_that_negotiates_nothing_is_still_served() {
    let (_server, port) = telnet_keys();
    let mut client = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut seen = Vec::new();
    read_until(&mut client, &mut seen, b"Ctrl-D quits.\r\n");
    // The opening negotiation comes first: WILL ECHO, WILL SGA, DO NAWS,
    // WONT LINEMODE. The client never answers it.
    assert!(
        seen.starts_with(&[255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 252, 34]),
        "no negotiation first: {seen:?}"
    );
    // What nc sends for a typed line: the characters, then LF.
    client.write_all(b"hi\n").unwrap();
    let mut answer = Vec::new();
    read_until(&mut client, &mut answer, b"key: Ctrl-J (0x0a)\r\n");
    assert_eq!(
        String::from_utf8_lossy(&answer),
        "key: 'h' (0x68)\r\nkey: 'i' (0x69)\r\nkey: Ctrl-J (0x0a)\r\n"
    );
    // Refusing to report the window size is noticed.
    client.write_all(&[255, 252, 31]).unwrap();
    read_until(
        &mut client,
        &mut answer,
        b"window: not reported by this client\r\n",
    );
    // Commands are shown too (IAC AYT).
    client.write_all(&[255, 246]).unwrap();
    read_until(&mut client, &mut answer, b"command: AreYouThere\r\n");
    // Ctrl-D: the server says goodbye and closes.
    client.write_all(b"\x04").unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"key: Ctrl-D (0x04)\r\nbye\r\n");
}

#[test]
fn netcat_sees_the_negotiation_and_gets_its_line_answered() {
    if !available(&["nc"]) {
        return;
    }
    let (_server, port) = telnet_keys();
    // nc sends its input, then (-N) ends its side of the connection; the
    // server answers, then closes in turn.
    let mut nc = Command::new("nc")
        .args(["-N", "127.0.0.1", &port])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start nc");
    nc.stdin.take().unwrap().write_all(b"ok\n").unwrap();
    let output = nc.wait_with_output().expect("nc output");
    assert!(output.status.success(), "nc failed: {:?}", output.status);
    let out = output.stdout;
    assert!(
        out.starts_with(&[255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 252, 34]),
        "no negotiation first: {out:?}"
    );
    assert!(
        String::from_utf8_lossy(&out).ends_with(
            "Ctrl-D quits.\r\nkey: 'o' (0x6f)\r\nkey: 'k' (0x6b)\r\nkey: Ctrl-J (0x0a)\r\n"
        ),
        "unexpected answer: {:?}",
        String::from_utf8_lossy(&out)
    );
}
