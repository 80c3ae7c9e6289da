//! A boom server with its SSH front end on a reactor thread bound to
//! 127.0.0.1 (telnet and SSH), and a blocking SSH client built on russh's
//! that replays what it receives on a small terminal. Every wait is
//! bounded by [`PATIENCE`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use boom::server::ssh::{Entrances, SshServer, host_key};
use boom::server::{Options, Server, Stats};
use russh::client::{self, Handle};
use russh::keys::{PublicKey, PublicKeyOrCertificate};
use russh::{Channel, ChannelMsg};
use tokio::runtime::Runtime;
use weft::{Reactor, Remote};

use super::PATIENCE;
use super::terminal::Terminal;

/// A server on its own reactor thread, with telnet and SSH on free ports
/// of 127.0.0.1 and a host key in a directory of its own.
pub struct SshTestServer {
    pub telnet: SocketAddr,
    pub ssh: SshServer,
    pub stats: Arc<Stats>,
    pub key_path: PathBuf,
    remote: Remote,
    thread: Option<JoinHandle<()>>,
}

impl SshTestServer {
    /// Starts a server with `options`; its SSH players must start a game
    /// within the options' join timeout.
    pub fn start(options: Options, name: &str) -> SshTestServer {
        let dir = std::env::temp_dir().join(format!("boom-ssh-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key_path = dir.join("host_key");
        let key = host_key::load_or_create(&key_path).expect("host key");
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let reactor = Reactor::new().expect("reactor");
            let server = Server::on_reactor(&reactor, options.clone()).expect("server");
            let endpoint = "tcp:port=0:interface=127.0.0.1".parse().unwrap();
            let port = server.listen(&reactor, &endpoint).expect("listen");
            let entrances = Entrances::new(server.lobby());
            entrances.open(0, &server, &reactor);
            let ssh = SshServer::start(&endpoint, key, entrances, &options).expect("ssh");
            let telnet = port.address().tcp().expect("tcp address");
            ready_tx
                .send((telnet, ssh, reactor.remote(), server.stats()))
                .expect("send ready");
            reactor.run().expect("run");
        });
        let (telnet, ssh, remote, stats) = ready_rx.recv_timeout(PATIENCE).expect("server ready");
        SshTestServer {
            telnet,
            ssh,
            stats,
            key_path,
            remote,
            thread: Some(thread),
        }
    }

    /// A client logged in as `user`, with a pty of `window` if given,
    /// that asked for a shell.
    pub fn connect(&self, user: &str, window: Option<(u16, u16)>) -> SshClient {
        SshClient::connect(self.ssh.address(), user, window)
    }

    /// Blocks until the server's counters satisfy `condition`.
    pub fn wait_for(&self, what: &str, condition: impl Fn(&Stats) -> bool) {
        assert!(
            self.stats.wait_until(PATIENCE, condition),
            "timed out waiting for {what}; {}",
            self.counts()
        );
    }

    /// What is open now: players, arenas and SSH connections.
    pub fn counts(&self) -> String {
        format!(
            "{} players, {} arenas and {} SSH connections are left",
            self.stats.players(),
            self.stats.arenas(),
            self.ssh.connections()
        )
    }

    /// Blocks until no SSH connection is open.
    pub fn wait_for_no_ssh_connection(&self) {
        self.wait_for_no_ssh_connection_but(0);
    }

    /// Blocks until only `left` SSH connections are open.
    pub fn wait_for_no_ssh_connection_but(&self, left: usize) {
        assert!(
            self.ssh.wait_for_connections(PATIENCE, |open| open == left),
            "timed out waiting for {left} SSH connections; {}",
            self.counts()
        );
    }
}

impl SshTestServer {
    /// Stops the reactor (the game) and waits for its thread; the SSH
    /// front end goes on until the server is dropped.
    pub fn stop_game(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.remote.stop();
            if !std::thread::panicking() {
                thread.join().expect("server thread panicked");
            }
        }
    }
}

impl Drop for SshTestServer {
    fn drop(&mut self) {
        self.stop_game();
        let _ = std::fs::remove_dir_all(self.key_path.parent().unwrap());
    }
}

/// Accepts whatever host key the server shows, and keeps it.
pub struct Trusting {
    pub key: Arc<std::sync::Mutex<Option<PublicKey>>>,
}

impl client::Handler for Trusting {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.key.lock().unwrap() = Some(key.clone());
        }
        Ok(true)
    }
}

/// A blocking SSH client playing through one session channel.
pub struct SshClient {
    runtime: Runtime,
    pub session: Handle<Trusting>,
    channel: Channel<client::Msg>,
    pub terminal: Terminal,
    pub raw: Vec<u8>,
    pub exit_status: Option<u32>,
    pub closed: bool,
}

impl SshClient {
    /// Connects to `address`, logs in as `user` with no password, asks
    /// for a pty of `window` if given, then a shell.
    pub fn connect(address: SocketAddr, user: &str, window: Option<(u16, u16)>) -> SshClient {
        let stream = std::net::TcpStream::connect(address).expect("connect");
        SshClient::over(stream, user, window)
    }

    /// [`connect`](Self::connect) over a connected `stream`.
    pub fn over(stream: std::net::TcpStream, user: &str, window: Option<(u16, u16)>) -> SshClient {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (session, channel) = runtime.block_on(async {
            tokio::time::timeout(PATIENCE, async {
                let handler = Trusting {
                    key: Arc::default(),
                };
                let config = Arc::new(client::Config::default());
                stream.set_nonblocking(true).unwrap();
                let stream = tokio::net::TcpStream::from_std(stream).unwrap();
                let mut session = client::connect_stream(config, stream, handler)
                    .await
                    .unwrap();
                let auth = session.authenticate_none(user).await.unwrap();
                assert!(auth.success(), "logging in with no password");
                let channel = session.channel_open_session().await.unwrap();
                if let Some((cols, rows)) = window {
                    channel
                        .request_pty(false, "xterm", cols.into(), rows.into(), 0, 0, &[])
                        .await
                        .unwrap();
                }
                channel.request_shell(false).await.unwrap();
                (session, channel)
            })
            .await
            .expect("timed out logging in")
        });
        let (cols, rows) = window.unwrap_or((80, 24));
        let mut client = SshClient {
            runtime,
            session,
            channel,
            terminal: Terminal::new(cols.into(), rows.into()),
            raw: Vec::new(),
            exit_status: None,
            closed: false,
        };
        // The game has started when its first bytes arrive.
        while client.raw.is_empty() {
            assert!(client.read_more(), "closed before the game started");
        }
        client
    }

    /// Types `bytes`.
    pub fn send(&mut self, bytes: &[u8]) {
        let channel = &self.channel;
        self.runtime
            .block_on(channel.data(bytes))
            .expect("send keys");
    }

    /// The window is now `cols` × `rows`.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let channel = &self.channel;
        self.runtime
            .block_on(channel.window_change(cols.into(), rows.into(), 0, 0))
            .expect("window change");
        self.terminal.resize(cols.into(), rows.into());
    }

    /// Waits for the next message of the channel; `false` once it closed.
    pub fn read_more(&mut self) -> bool {
        if self.closed {
            return false;
        }
        let channel = &mut self.channel;
        let message = self
            .runtime
            .block_on(async { tokio::time::timeout(PATIENCE, channel.wait()).await })
            .expect("timed out waiting for the server");
        match message {
            Some(ChannelMsg::Data { data }) => {
                self.raw.extend_from_slice(&data);
                self.terminal.feed(&data);
            }
            Some(ChannelMsg::ExitStatus { exit_status }) => self.exit_status = Some(exit_status),
            Some(ChannelMsg::Close) | None => self.closed = true,
            Some(_) => {}
        }
        !self.closed
    }

    /// Reads until the terminal shows what `condition` wants, for
    /// [`PATIENCE`] at most.
    pub fn wait_for(&mut self, what: &str, condition: impl Fn(&Terminal) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !condition(&self.terminal) {
            assert!(
                self.read_more() && Instant::now() < deadline,
                "no {what}; the terminal shows:\n{}",
                self.terminal.screen()
            );
        }
    }

    /// Reads until the channel closes.
    pub fn read_to_close(&mut self) {
        while self.read_more() {}
    }

    /// Whether the connection is gone (the server disconnected).
    pub fn is_disconnected(&self) -> bool {
        self.session.is_closed()
    }
}
