//! boom over SSH, with russh's client: a login name becomes the player's
//! name, the board is drawn in the pty's size and follows its resizes,
//! keys play, `q` leaves with the terminal restored; SSH and telnet
//! players meet in one arena; and bad input (garbage, authentication
//! floods, crowds of sessions dropped at every step of their start, a
//! client gone with its channel's window used up, a client that never
//! reads) gets a bounded, defined answer while the others play on.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use boom::server::ssh::MAX_AUTH_ATTEMPTS;
use boom::server::{Options, RenderMode};
use russh::client;
use socket2::{Domain, Socket, Type};
use support::binary::Boom;
use support::received::Frames;
use support::ssh::{SshClient, SshTestServer, Trusting};
use support::terminal::Terminal;
use support::{MAX_FRAMES, PATIENCE, classic, full};

fn ansi() -> Options {
    Options {
        render: RenderMode::Auto,
        ..full()
    }
}

/// The column of the board's left border, if the board is on screen.
fn border_column(terminal: &Terminal) -> Option<usize> {
    terminal.find("+-----------+").map(|(_, col)| col)
}

/// The first board row: `|` then the row's glyphs.
fn first_row(terminal: &Terminal) -> Option<String> {
    let (row, col) = terminal.find("+-----------+")?;
    Some(terminal.text(row + 1, col, 13))
}

#[test]
fn a_player_joins_by_name_moves_resizes_and_leaves_with_q() {
    let server = SshTestServer::start(ansi(), "play");
    let mut zed = server.connect("zed", Some((80, 24)));
    zed.wait_for("the round", |t| {
        t.find("You are zed (alive)").is_some() && t.find("Round 1: playing").is_some()
    });
    // Centred in 80 columns; the cursor hidden while playing.
    assert_eq!(border_column(&zed.terminal), Some(33));
    assert!(!zed.terminal.cursor_visible);
    // The first human starts in the top-left corner; `d` moves right.
    assert_eq!(first_row(&zed.terminal).as_deref(), Some("|Z :::::::::|"));
    zed.send(b"d");
    zed.wait_for("Z to move right", |t| {
        first_row(t).is_some_and(|row| row.starts_with("| Z"))
    });
    // A wider window: the board is drawn again, centred in it.
    zed.resize(100, 30);
    zed.wait_for("the board in 100 columns", |t| border_column(t) == Some(43));
    zed.send(b"q");
    zed.read_to_close();
    assert!(zed.terminal.find("Bye! Thanks for playing boom.").is_some());
    assert!(zed.terminal.cursor_visible, "the cursor is shown again");
    assert_eq!(zed.exit_status, Some(0));
    server.wait_for("zed to leave", |s| s.players() == 0);
    server.wait_for_no_ssh_connection();
}

#[test]
fn ctrl_c_leaves_too() {
    let server = SshTestServer::start(ansi(), "ctrl-c");
    let mut player = server.connect("amy", Some((80, 24)));
    player.wait_for("the board", |t| t.find("You are amy").is_some());
    player.send(&[3]);
    player.read_to_close();
    assert!(player.terminal.find("Bye!").is_some());
    server.wait_for("amy to leave", |s| s.players() == 0);
}

#[test]
fn a_shell_without_a_pty_still_plays() {
    let server = SshTestServer::start(ansi(), "no-pty");
    let mut player = server.connect("bea", None);
    player.wait_for("the board", |t| {
        t.find("You are bea").is_some() && t.find("|B").is_some()
    });
}

#[test]
fn ssh_and_telnet_players_meet_in_one_arena() {
    let server = SshTestServer::start(ansi(), "meet");
    let mut ssh = server.connect("bob", Some((80, 24)));
    ssh.wait_for("bob", |t| t.find("You are bob").is_some());
    let mut telnet = support::net::Client::connect(server.telnet);
    let frame = telnet.frame_until(3, |f| {
        f.status_line("Scores:")
            .is_some_and(|line| line.contains("bob"))
    });
    let you = frame
        .status_line("You are ")
        .expect("the telnet player's line");
    let name = you["You are ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    ssh.wait_for("the telnet player in bob's scores", |t| {
        t.find("Scores:")
            .is_some_and(|(row, _)| t.text(row, 0, 80).contains(&format!(" {name} 0")))
    });
    assert_eq!(server.stats.arenas(), 1);
}

#[test]
fn login_names_are_cleaned_up_and_a_name_held_gets_a_number() {
    let server = SshTestServer::start(ansi(), "names");
    let mut first = server.connect("bob", Some((80, 24)));
    first.wait_for("bob", |t| t.find("You are bob ").is_some());
    let mut second = server.connect("bob", Some((80, 24)));
    second.wait_for("bob2", |t| t.find("You are bob2 ").is_some());
    let mut odd = server.connect("\u{1b}[31m4 evil\u{7}", Some((80, 24)));
    // Escapes and the leading digits go; letters and digits stay.
    odd.wait_for("m4evil", |t| t.find("You are m4evil ").is_some());
    let mut nameless = server.connect("", Some((80, 24)));
    nameless.wait_for("a name of the sequence", |t| t.find("You are A ").is_some());
}

#[test]
fn garbage_on_the_ssh_port_is_disconnected_and_others_play_on() {
    let server = SshTestServer::start(ansi(), "garbage");
    let mut player = server.connect("pia", Some((80, 24)));
    player.wait_for("the round", |t| t.find("Round 1: playing").is_some());
    let mut garbage = TcpStream::connect(server.ssh.address()).unwrap();
    garbage.set_read_timeout(Some(PATIENCE)).unwrap();
    // Not an SSH version line, then binary noise.
    let noise: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 7919 % 251) as u8).collect();
    let _ = garbage.write_all(b"SSH-1.0-nonsense\r\n");
    let _ = garbage.write_all(&noise);
    let mut answer = Vec::new();
    let _ = garbage.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"SSH-2.0-boom"),
        "the server spoke first"
    );
    server.wait_for_no_ssh_connection_but(1);
    player.send(b"d");
    player.wait_for("pia to move", |t| {
        first_row(t).is_some_and(|row| row.starts_with("| P"))
    });
}

#[test]
fn an_authentication_flood_is_cut_off() {
    let server = SshTestServer::start(ansi(), "flood");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let address = server.ssh.address();
    let refused = runtime.block_on(async {
        tokio::time::timeout(PATIENCE, async {
            let handler = Trusting {
                key: Default::default(),
            };
            let mut session = client::connect(Default::default(), address, handler)
                .await
                .unwrap();
            let mut refused = 0;
            // keyboard-interactive is the one method refused.
            for _ in 0..10 * MAX_AUTH_ATTEMPTS {
                match session
                    .authenticate_keyboard_interactive_start("flood", None)
                    .await
                {
                    Ok(client::KeyboardInteractiveAuthResponse::Failure { .. }) => refused += 1,
                    Ok(other) => panic!("keyboard-interactive was not refused: {other:?}"),
                    Err(_) => return refused,
                }
            }
            panic!("still connected after {refused} refused attempts");
        })
        .await
        .expect("timed out")
    });
    assert!(refused <= MAX_AUTH_ATTEMPTS, "{refused} attempts");
    server.wait_for_no_ssh_connection();
}

#[test]
fn a_thousand_sessions_opened_and_dropped_leave_nothing_behind() {
    boom::server::raise_open_file_limit();
    let server = SshTestServer::start(
        Options {
            bots: Some(0),
            // Every client of the test comes from 127.0.0.1.
            max_per_address: 1000,
            ..ansi()
        },
        "thousand",
    );
    let address = server.ssh.address();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let played = runtime.block_on(async {
        let mut played = 0;
        for _ in 0..20 {
            let batch: Vec<_> = (0..50)
                .map(|n| tokio::spawn(open_and_drop(address, n, Phase::FirstData)))
                .collect();
            for task in batch {
                played += usize::from(task.await.unwrap());
            }
        }
        played
    });
    assert_eq!(
        played, 1000,
        "every session was served a board, then closed by its client"
    );
    server.wait_for("every player to leave", |s| s.players() == 0);
    assert_eq!(server.stats.arenas(), 0);
    server.wait_for_no_ssh_connection();
    let mut last = server.connect("last", Some((80, 24)));
    last.wait_for("a board", |t| t.find("You are last").is_some());
}

/// Where a client of [`open_and_drop`] drops its connection: after the
/// step named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The TCP connection is made.
    Connected,
    /// The keys are exchanged.
    KeysExchanged,
    /// The server accepted the login.
    LoggedIn,
    /// The session channel is open.
    ChannelOpen,
    /// The server granted the pty.
    PtyGranted,
    /// The shell was asked for, without waiting for the answer: the game
    /// is starting.
    ShellAsked,
    /// The first bytes of the game came.
    FirstData,
}

impl Phase {
    const ALL: [Phase; 7] = [
        Phase::Connected,
        Phase::KeysExchanged,
        Phase::LoggedIn,
        Phase::ChannelOpen,
        Phase::PtyGranted,
        Phase::ShellAsked,
        Phase::FirstData,
    ];
}

/// Goes through the steps of a game's start up to `phase` (logging in as
/// `p{n}`), and drops the connection without a word; returns whether it
/// got there and the client then let its socket go.
///
/// Dropping russh's handle and channel only asks the client's connection
/// task to end: it closes the socket when it next runs. Each session
/// waits for its socket to be gone, so that every connection has been
/// closed from the client's side when the last one returns (otherwise a
/// runtime no longer driven could keep some open, and the server would
/// rightly keep their players).
async fn open_and_drop(address: std::net::SocketAddr, n: usize, phase: Phase) -> bool {
    let handler = Trusting {
        key: Default::default(),
    };
    let (stream, gone) = DropNotice::connect(address).await;
    let reached = async {
        let stream = stream?;
        if phase == Phase::Connected {
            return Some(());
        }
        let mut session = client::connect_stream(Default::default(), stream, handler)
            .await
            .ok()?;
        if phase == Phase::KeysExchanged {
            return Some(());
        }
        let auth = session.authenticate_none(format!("p{n}")).await.ok()?;
        if !auth.success() || phase == Phase::LoggedIn {
            return auth.success().then_some(());
        }
        let mut channel = session.channel_open_session().await.ok()?;
        if phase == Phase::ChannelOpen {
            return Some(());
        }
        channel
            .request_pty(true, "xterm", 80, 24, 0, 0, &[])
            .await
            .ok()?;
        loop {
            match channel.wait().await? {
                russh::ChannelMsg::Success => break,
                russh::ChannelMsg::Failure => return None,
                _ => {}
            }
        }
        if phase == Phase::PtyGranted {
            return Some(());
        }
        channel.request_shell(false).await.ok()?;
        if phase == Phase::ShellAsked {
            return Some(());
        }
        while let Some(message) = channel.wait().await {
            if let russh::ChannelMsg::Data { .. } = message {
                return Some(());
            }
        }
        None
    };
    let reached = tokio::time::timeout(PATIENCE, reached)
        .await
        .ok()
        .flatten()
        .is_some();
    // The sender is dropped with the socket, never used.
    let closed = tokio::time::timeout(PATIENCE, gone).await.is_ok();
    reached && closed
}

/// A client's TCP stream that tells when it is dropped (its socket
/// closed).
struct DropNotice {
    stream: tokio::net::TcpStream,
    _dropped: tokio::sync::oneshot::Sender<()>,
}

impl DropNotice {
    /// A stream connected to `address` (if it could be), and what ends
    /// when it is dropped.
    async fn connect(
        address: std::net::SocketAddr,
    ) -> (Option<DropNotice>, tokio::sync::oneshot::Receiver<()>) {
        let (dropped, gone) = tokio::sync::oneshot::channel();
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .ok()
            .map(|stream| DropNotice {
                stream,
                _dropped: dropped,
            });
        (stream, gone)
    }
}

impl tokio::io::AsyncRead for DropNotice {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for DropNotice {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().stream).poll_write(cx, data)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[test]
fn sessions_dropped_at_every_step_of_their_start_leave_nothing_behind() {
    let server = SshTestServer::start(
        Options {
            bots: Some(0),
            max_per_address: 1000,
            ..ansi()
        },
        "phases",
    );
    let address = server.ssh.address();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for phase in Phase::ALL {
        let reached = runtime.block_on(async {
            let sessions: Vec<_> = (0..20)
                .map(|n| tokio::spawn(open_and_drop(address, n, phase)))
                .collect();
            let mut reached = 0;
            for session in sessions {
                reached += usize::from(session.await.unwrap());
            }
            reached
        });
        assert_eq!(reached, 20, "sessions that got to {phase:?}, then closed");
        server.wait_for(&format!("the players dropped at {phase:?} to leave"), |s| {
            s.players() == 0
        });
        server.wait_for_no_ssh_connection();
    }
    assert_eq!(server.stats.arenas(), 0);
    let mut last = server.connect("last", Some((80, 24)));
    last.wait_for("a board", |t| t.find("You are last").is_some());
}

#[test]
fn a_client_gone_while_its_window_is_used_up_leaves_nothing_behind() {
    let server = SshTestServer::start(
        Options {
            bots: Some(0),
            ..ansi()
        },
        "window",
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(PATIENCE, async {
            let stream = std::net::TcpStream::connect(server.ssh.address()).unwrap();
            let socket = stream.try_clone().unwrap();
            stream.set_nonblocking(true).unwrap();
            let stream = tokio::net::TcpStream::from_std(stream).unwrap();
            // The server may send 64 bytes on the channel before the client
            // gives it more room, which this client never does: its
            // connection stops at the first data (the window adjustment is
            // never written), so the server's output waits for room that
            // never comes — the first board is much bigger.
            let config = client::Config {
                window_size: 64,
                ..Default::default()
            };
            let (first_data, got_data) = tokio::sync::oneshot::channel();
            let handler = StopsAtFirstData {
                first_data: Some(first_data),
            };
            let mut session = client::connect_stream(Arc::new(config), stream, handler)
                .await
                .unwrap();
            session.authenticate_none("windy").await.unwrap();
            let channel = session.channel_open_session().await.unwrap();
            channel
                .request_pty(false, "xterm", 80, 24, 0, 0, &[])
                .await
                .unwrap();
            channel.request_shell(false).await.unwrap();
            got_data.await.unwrap();
            // The client vanishes: the server reads the end of its stream
            // and its SSH session ends, with its channel's window used up.
            socket.shutdown(std::net::Shutdown::Both).unwrap();
            server.wait_for_no_ssh_connection();
        })
        .await
        .expect("timed out");
    });
    server.wait_for("the player to leave", |s| s.players() == 0);
    assert_eq!(server.stats.arenas(), 0);
}

/// An SSH client that stops at the first data of its channel: its
/// `data` callback tells the test, then never returns.
struct StopsAtFirstData {
    first_data: Option<tokio::sync::oneshot::Sender<()>>,
}

impl client::Handler for StopsAtFirstData {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn data(
        &mut self,
        _channel: russh::ChannelId,
        _data: &[u8],
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        if let Some(first_data) = self.first_data.take() {
            let _ = first_data.send(());
        }
        std::future::pending().await
    }
}

#[test]
fn a_client_that_never_reads_is_dropped_while_others_play() {
    let server = SshTestServer::start(
        Options {
            size: "120x60".parse().unwrap(),
            frame_interval: Duration::from_millis(5),
            stall_limit: Duration::from_millis(200),
            ..classic()
        },
        "sleeper",
    );
    // A client whose receive buffer is as small as the kernel allows, and
    // that never reads after logging in.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    socket.connect(&server.ssh.address().into()).unwrap();
    // It joined once its game's first bytes came (it may be dropped any
    // time after that).
    let _sleeper = SshClient::over(socket.into(), "sleeper", Some((80, 24)));
    let mut reader = support::net::Client::connect(server.telnet);
    reader.frame(0);
    // The reader keeps getting frames until the sleeper is gone, and its
    // connection too (cut, though its client never closes it).
    for _ in 0..MAX_FRAMES * 10 {
        if server.stats.players() == 1 && server.ssh.connections() == 0 {
            break;
        }
        reader.frame(0);
    }
    assert_eq!(server.stats.players(), 1, "the sleeper was not dropped");
    assert_eq!(server.ssh.connections(), 0, "its connection is still open");
    // The classic game names pawns by order of connection (R17), login
    // names aside: the sleeper was A, the reader is B.
    reader.send(b"s");
    reader.frame_until(0, |f| f.at(0, 1) == 'B');
}

#[test]
fn on_a_pool_of_reactors_ssh_players_share_the_lobby_with_telnet_players() {
    let dir = std::env::temp_dir().join(format!("boom-ssh-pool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let boom = Boom::start(
        &dir.join("host_key"),
        &["--threads", "2", "--max-players", "2", "--render", "auto"],
    );
    let ssh = std::net::SocketAddr::from(([127, 0, 0, 1], boom.ssh_port));
    let telnet = std::net::SocketAddr::from(([127, 0, 0, 1], boom.telnet_port));
    let mut bob = SshClient::connect(ssh, "bob", Some((80, 24)));
    bob.wait_for("bob", |t| t.find("You are bob ").is_some());
    // A telnet player takes the free seat of bob's arena, on whichever
    // reactor it is.
    let mut plain = support::net::Client::connect(telnet);
    let frame = plain.frame_until(3, |f| {
        f.status_line("Scores:")
            .is_some_and(|line| line.contains("bob"))
    });
    assert!(frame.status_line("You are ").is_some(), "{frame:#?}");
    // The next "bob" opens an arena (on the other reactor, the emptier)
    // and is numbered: names are unique across reactors and front ends.
    let mut second = SshClient::connect(ssh, "bob", Some((80, 24)));
    second.wait_for("bob2", |t| t.find("You are bob2 ").is_some());
    second.send(b"q");
    second.read_to_close();
    drop(bob);
    boom.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_host_key_file_that_is_no_key_stops_boom_with_a_message_naming_it() {
    let dir = std::env::temp_dir().join(format!("boom-ssh-bad-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("host_key");
    std::fs::write(&key, "-----BEGIN NOTHING-----\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_boom"))
        .args([
            "--listen",
            "tcp:port=0:interface=127.0.0.1",
            "--ssh",
            "tcp:port=0:interface=127.0.0.1",
            "--threads",
            "1",
            "--ssh-host-key",
        ])
        .arg(&key)
        .output()
        .expect("run boom");
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains(&key.display().to_string()), "{message}");
    assert!(message.contains("not an OpenSSH private key"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_going_down_says_goodbye_and_gives_the_terminal_back() {
    let mut server = SshTestServer::start(ansi(), "down");
    let mut player = server.connect("dee", Some((80, 24)));
    player.wait_for("the board", |t| t.find("You are dee").is_some());
    assert!(!player.terminal.cursor_visible);
    server.stop_game();
    player.read_to_close();
    assert!(
        player
            .terminal
            .find("The server is going down. Bye!")
            .is_some(),
        "{}",
        player.terminal.screen()
    );
    assert!(player.terminal.cursor_visible, "the cursor is shown again");
    server.wait_for_no_ssh_connection();
}

#[test]
fn one_address_holds_at_most_max_per_address_connections_telnet_and_ssh_together() {
    let server = SshTestServer::start(
        Options {
            max_per_address: 2,
            ..ansi()
        },
        "per-address",
    );
    let mut one = server.connect("one", Some((80, 24)));
    one.wait_for("the board", |t| t.find("You are one").is_some());
    let mut telnet = support::net::Client::connect(server.telnet);
    telnet.frame(3);
    // A third connection from 127.0.0.1 is closed before the greeting.
    let mut third = TcpStream::connect(server.ssh.address()).unwrap();
    third.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = Vec::new();
    let _ = third.read_to_end(&mut answer);
    assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    // Once one leaves, another may come.
    one.send(b"q");
    one.read_to_close();
    server.wait_for_no_ssh_connection();
    let mut again = server.connect("again", Some((80, 24)));
    again.wait_for("the board", |t| t.find("You are again").is_some());
}
