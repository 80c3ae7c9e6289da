//! [`Connection`]: one SSH connection on the tokio side — it accepts any
//! login, notes the terminal the client asks for, and on `shell` or
//! `exec` opens the player's game through the [`Entrances`] and pumps the
//! channel to it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use tokio::sync::oneshot;
use weft::Address;
use weft::bridge::Link;

use super::entrances::Entrances;
use super::player::{Login, WindowSize};
use super::severable::Cut;

/// The handler of one SSH connection.
pub(super) struct Connection {
    entrances: Arc<Entrances>,
    peer: SocketAddr,
    local: SocketAddr,
    /// The login name.
    user: String,
    window: Option<WindowSize>,
    /// The session channel, until its game starts.
    channel: Option<Channel<Msg>>,
    /// Whether a session channel was opened (one per connection).
    opened: bool,
    /// The game's link, once it started.
    link: Option<Link>,
    /// Told when the game starts.
    started: Option<oneshot::Sender<()>>,
    /// Cuts the connection.
    cut: Cut,
}

impl Connection {
    pub(super) fn new(
        entrances: Arc<Entrances>,
        addresses: (SocketAddr, SocketAddr),
        started: oneshot::Sender<()>,
        cut: Cut,
    ) -> Self {
        Connection {
            entrances,
            peer: addresses.0,
            local: addresses.1,
            user: String::new(),
            window: None,
            channel: None,
            opened: false,
            link: None,
            started: Some(started),
            cut,
        }
    }

    fn accept(&mut self, user: &str) -> Auth {
        user.clone_into(&mut self.user);
        Auth::Accept
    }

    /// Starts the game on the session channel `id`: the player's protocol
    /// is opened on a reactor and the channel pumped to it; when the game
    /// ends the channel is closed with exit status 0 and the connection
    /// with it.
    fn start(&mut self, id: ChannelId, session: &mut Session) -> Result<(), russh::Error> {
        let channel = self.channel.take().filter(|channel| channel.id() == id);
        let gateway = self.entrances.for_newcomer();
        let (Some(channel), Some(gateway)) = (channel, gateway) else {
            return session.channel_failure(id);
        };
        let login = Login {
            name: std::mem::take(&mut self.user),
            window: self.window,
        };
        let Ok(link) = gateway.open(Address::Tcp(self.peer), Address::Tcp(self.local), login)
        else {
            return session.channel_failure(id);
        };
        session.channel_success(id)?;
        if let Some(started) = self.started.take() {
            let _ = started.send(());
        }
        self.link = Some(link.clone());
        tokio::spawn(play(link, channel, session.handle(), self.cut.clone()));
        Ok(())
    }
}

/// Pumps the channel to the game until it ends, then closes the channel
/// (a client closes the connection when its channel closes) and, after
/// [`CLOSE_GRACE`], cuts the connection of a client that did not.
///
/// The channel is cut with the connection, which happens at the latest
/// when its SSH session ends: russh's channel stream reads the end then,
/// but a write waiting for window space (a client that vanished before
/// it gave more) would wait forever, and the game with it.
async fn play(link: Link, channel: Channel<Msg>, handle: Handle, cut: Cut) {
    let id = channel.id();
    link.run(cut.wrap(channel.into_stream())).await;
    let closing = async {
        let _ = handle.exit_status_request(id, 0).await;
        let _ = handle.eof(id).await;
        let _ = handle.close(id).await;
        std::future::pending::<()>().await;
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, closing).await;
    cut.sever();
}

/// How long a client may keep its connection open after its game's
/// channel closed (disconnecting at once could cut the goodbye short).
const CLOSE_GRACE: Duration = Duration::from_secs(5);

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        Ok(self.accept(user))
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(self.accept(user))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        _key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.accept(user))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if std::mem::replace(&mut self.opened, true) {
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
        } else {
            self.channel = Some(channel);
            reply.accept().await;
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        width: u32,
        height: u32,
        _pixel_width: u32,
        _pixel_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.window = Some(WindowSize::from_request(width, height));
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.start(channel, session)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _command: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.start(channel, session)
    }

    async fn window_change_request(
        &mut self,
        _channel: ChannelId,
        width: u32,
        height: u32,
        _pixel_width: u32,
        _pixel_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let window = WindowSize::from_request(width, height);
        match &self.link {
            Some(link) => {
                let _ = link.send(window);
            }
            None => self.window = Some(window),
        }
        Ok(())
    }
}
