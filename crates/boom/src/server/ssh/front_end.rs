//! [`SshServer`]: the SSH front end — a listening socket on a tokio
//! runtime of its own thread, each connection run by `russh` with a
//! `Connection` handler, under a login deadline.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use russh::keys::PrivateKey;
use russh::server::Config;
use russh::{MethodKind, MethodSet, SshId};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use weft::bridge::TokioThread;
use weft::endpoints::ServerEndpoint;
use weft::policies::AddressCounts;

use super::super::error::ServerError;
use super::super::options::{ListenEndpoint, Options};
use super::MAX_AUTH_ATTEMPTS;
use super::entrances::Entrances;
use super::handler::Connection;
use super::severable::{Cut, Severable};

/// Silence after which the server checks that an SSH client is there.
const KEEPALIVE: Duration = Duration::from_secs(60);

/// The kernel's send buffer of an SSH connection (as for telnet players).
const SEND_BUFFER: usize = 64 * 1024;

/// The SSH front end, serving until it is stopped or dropped (its open
/// connections are dropped then).
pub struct SshServer {
    tokio: TokioThread,
    address: SocketAddr,
    connections: Arc<Connections>,
}

impl SshServer {
    /// Listens on `endpoint` (TCP) with `host_key`; each player goes
    /// through `entrances` to a reactor's game. A connection that has not
    /// started a game within the options' join timeout is disconnected,
    /// and one address holds at most the options' `max_per_address`
    /// connections, telnet and SSH together (the next is closed at once).
    pub fn start(
        endpoint: &ListenEndpoint,
        host_key: PrivateKey,
        entrances: Arc<Entrances>,
        options: &Options,
    ) -> Result<SshServer, ServerError> {
        let listener = bind(endpoint)?;
        let address = listener
            .local_addr()
            .map_err(|e| listen_error(endpoint, e))?;
        let tokio = TokioThread::start("boom-ssh").map_err(|e| listen_error(endpoint, e))?;
        let connections = Arc::new(Connections::default());
        let serving = Serving {
            config: Arc::new(config(host_key)),
            addresses: entrances.lobby().addresses(),
            max_per_address: options.max_per_address,
            entrances,
            login_within: options.join_timeout,
            connections: connections.clone(),
        };
        let listener = {
            let _entered = tokio.handle().enter();
            TcpListener::from_std(listener).map_err(|e| listen_error(endpoint, e))?
        };
        tokio.handle().spawn(serving.accept(listener));
        Ok(SshServer {
            tokio,
            address,
            connections,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// SSH connections open now.
    pub fn connections(&self) -> usize {
        *self.connections.count()
    }

    /// Blocks until `condition` holds for the number of connections open,
    /// checking it whenever it changes; gives up after `timeout`. Returns
    /// whether it holds.
    pub fn wait_for_connections(
        &self,
        timeout: Duration,
        condition: impl Fn(usize) -> bool,
    ) -> bool {
        self.connections.wait_until(timeout, condition)
    }

    /// Stops: waits at most `grace` for the open connections to end (the
    /// players' goodbyes to be sent, when the reactors stopped first),
    /// then drops those left and stops listening.
    pub fn stop(self, grace: Duration) {
        self.wait_for_connections(grace, |open| open == 0);
        self.tokio.stop();
    }
}

/// The listening socket of a TCP endpoint, non-blocking.
fn bind(endpoint: &ListenEndpoint) -> Result<std::net::TcpListener, ServerError> {
    let ServerEndpoint::Tcp(tcp) = endpoint.endpoint() else {
        return Err(listen_error(
            endpoint,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "SSH is served over TCP only: give tcp:PORT",
            ),
        ));
    };
    let listener =
        std::net::TcpListener::bind(tcp.address).map_err(|e| listen_error(endpoint, e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| listen_error(endpoint, e))?;
    Ok(listener)
}

fn listen_error(endpoint: &ListenEndpoint, source: std::io::Error) -> ServerError {
    ServerError::Listen {
        endpoint: endpoint.to_string(),
        source: weft::Error::Listen {
            address: endpoint.to_string(),
            source,
        },
    }
}

/// The SSH settings: these logins, this key, keep-alives, bounded
/// authentication attempts.
fn config(host_key: PrivateKey) -> Config {
    Config {
        server_id: SshId::Standard(format!("SSH-2.0-boom_{}", env!("CARGO_PKG_VERSION")).into()),
        methods: MethodSet::from(
            &[
                MethodKind::None,
                MethodKind::Password,
                MethodKind::PublicKey,
            ][..],
        ),
        // Every login is accepted; only refused methods are rejected, and
        // there is nothing to hide by taking time.
        auth_rejection_time: Duration::ZERO,
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: MAX_AUTH_ATTEMPTS,
        keys: vec![host_key],
        inactivity_timeout: None,
        keepalive_interval: Some(KEEPALIVE),
        keepalive_max: 3,
        nodelay: true,
        ..Config::default()
    }
}

/// What the accepting task shares with each connection's task.
#[derive(Clone)]
struct Serving {
    config: Arc<Config>,
    entrances: Arc<Entrances>,
    login_within: Duration,
    /// Connections per address, counted with the telnet ones.
    addresses: AddressCounts,
    max_per_address: usize,
    connections: Arc<Connections>,
}

impl Serving {
    async fn accept(self, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((socket, peer)) => {
                    tokio::spawn(self.clone().serve(socket, peer));
                }
                Err(error) => {
                    // Out of file descriptors, say: the next accept may
                    // work once connections closed.
                    tracing::warn!(%error, "SSH accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Runs one connection until it ends; it is disconnected if it has
    /// not started a game within the login deadline.
    async fn serve(self, socket: TcpStream, peer: SocketAddr) {
        if !self.addresses.admit(peer.ip(), self.max_per_address) {
            tracing::info!(%peer, "too many connections from one address; closing");
            return;
        }
        let _admitted = Admitted(&self.addresses, peer.ip());
        let _counted = Counted::new(self.connections.clone());
        let Ok(local) = socket.local_addr() else {
            return;
        };
        let _ = socket.set_nodelay(true);
        // A client that stops reading shows in its game's flow control
        // within a few frames instead of after megabytes.
        let _ = socket2::SockRef::from(&socket).set_send_buffer_size(SEND_BUFFER);
        let (socket, cut) = Severable::new(socket);
        // Once the session is over, so is its game's channel.
        let _over = SeverOnDrop(cut.clone());
        let (started, game_started) = oneshot::channel();
        let handler = Connection::new(self.entrances.clone(), (peer, local), started, cut.clone());
        let deadline = tokio::time::Instant::now() + self.login_within;
        let running = tokio::time::timeout_at(
            deadline,
            russh::server::run_stream(self.config.clone(), socket, handler),
        );
        let Ok(Ok(session)) = running.await else {
            tracing::debug!(%peer, "SSH connection ended before its session began");
            return;
        };
        tokio::pin!(session);
        let late = async {
            if tokio::time::timeout_at(deadline, game_started)
                .await
                .is_ok()
            {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            ended = &mut session => {
                if let Err(error) = ended {
                    tracing::debug!(%peer, %error, "SSH connection ended");
                }
            }
            () = late => {
                tracing::info!(%peer, "SSH connection started no game in time; closing");
                cut.sever();
                let _ = session.await;
            }
        }
    }
}

/// The number of connections open, which other threads may wait on.
#[derive(Default)]
struct Connections {
    open: Mutex<usize>,
    changed: Condvar,
}

impl Connections {
    fn count(&self) -> MutexGuard<'_, usize> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn change(&self, by: isize) {
        let mut open = self.count();
        *open = open.saturating_add_signed(by);
        self.changed.notify_all();
    }

    fn wait_until(&self, timeout: Duration, condition: impl Fn(usize) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut open = self.count();
        while !condition(*open) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            open = self
                .changed
                .wait_timeout(open, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// An admitted connection, counted for its address while it lives.
struct Admitted<'a>(&'a AddressCounts, IpAddr);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
}

/// Cuts a connection's streams when dropped.
struct SeverOnDrop(Cut);

impl Drop for SeverOnDrop {
    fn drop(&mut self) {
        self.0.sever();
    }
}

/// Counts a connection while it lives.
struct Counted(Arc<Connections>);

impl Counted {
    fn new(connections: Arc<Connections>) -> Self {
        connections.change(1);
        Counted(connections)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.change(-1);
    }
}
