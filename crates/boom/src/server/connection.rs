//! [`PlayerProtocol`]: one player's (or watcher's) connection, the socket
//! side of the session core. It runs over telnet
//! ([`weft::protocols::telnet::TelnetProtocol`]), which hands it only the
//! bytes the player typed and tells it what the client negotiated as
//! layer events, or over a browser's WebSocket
//! ([`weft::protocols::websocket::WebSocketLayer`]), which hands it each
//! message; it passes everything on to the shared shell state. How it
//! came in ([`Entrance`]) decides how it joins.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use weft::protocols::telnet::Event;
use weft::{CloseReason, LayerEvent, Protocol, Transport};

use super::session::PlayerId;
use super::shell::Shell;

/// Silence after which TCP keep-alive probes check that a peer is there.
const KEEPALIVE: Duration = Duration::from_secs(60);

/// The kernel's send buffer for a player (`SO_SNDBUF`; Linux doubles it).
/// Left alone, the kernel grows it to megabytes for a peer that stopped
/// reading, before the connection's own queue (and so its flow control and
/// stall limit) sees anything; bounded, a player that cannot keep up shows
/// within a few frames. A full redraw of the default board fits many times
/// over.
const SEND_BUFFER: usize = 64 * 1024;

/// How a connection comes into the game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entrance {
    /// A terminal (telnet, `nc`, SSH): a player under the name it asked
    /// for, if usable (an SSH login name), else under one of the sequence.
    Terminal {
        /// The name asked for.
        name: Option<String>,
    },
    /// A browser page: a player under the name it chose, if usable.
    Web {
        /// The name asked for.
        name: Option<String>,
    },
    /// A browser page watching arena `arena`.
    Watch {
        /// The arena's key ([`crate::server::session::ArenaSummary::key`]).
        arena: usize,
    },
}

/// What a watcher asking for an arena that is not open is told.
const NO_SUCH_ARENA: &[u8] = b"bye That arena is not open (any more).\n";

/// One player's connection: it joins the session when the connection is
/// made and leaves when it ends, whoever ended it.
pub struct PlayerProtocol {
    shell: Rc<RefCell<Shell>>,
    entrance: Entrance,
    transport: Option<Transport>,
    player: Option<PlayerId>,
}

impl PlayerProtocol {
    /// A terminal's connection to the shell's session, of a player that
    /// asks for the name `wanted` if it has one (an SSH login name).
    pub(crate) fn new(shell: Rc<RefCell<Shell>>, wanted: Option<String>) -> Self {
        Self::entering(shell, Entrance::Terminal { name: wanted })
    }

    /// A connection to the shell's session coming in by `entrance`.
    pub(crate) fn entering(shell: Rc<RefCell<Shell>>, entrance: Entrance) -> Self {
        PlayerProtocol {
            shell,
            entrance,
            transport: None,
            player: None,
        }
    }

    /// The player, once the connection is made and until it is lost.
    pub(crate) fn player(&self) -> Option<PlayerId> {
        self.player
    }

    /// The shell this player's connection feeds.
    pub(crate) fn shell(&self) -> &Rc<RefCell<Shell>> {
        &self.shell
    }
}

impl Protocol for PlayerProtocol {
    fn connection_made(&mut self, transport: Transport) {
        // Frames are small and latency matters; a peer that vanished
        // without a word is found even when no frame is due; a peer that
        // stops reading cannot park megabytes in the kernel. (None of these
        // applies to every transport, so failures are ignored.)
        let _ = transport.set_nodelay(true);
        let _ = transport.set_keepalive(Some(KEEPALIVE));
        let _ = transport.set_send_buffer_size(SEND_BUFFER);
        self.transport = Some(transport.clone());
        self.player = self
            .shell
            .borrow_mut()
            .enter(transport.clone(), &self.entrance);
        if self.player.is_none() {
            transport.write(NO_SUCH_ARENA);
            transport.lose_connection();
        }
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(player) = self.player {
            self.shell.borrow_mut().keys(player, data);
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if let Some(player) = self.player.take() {
            tracing::debug!(player = player.index(), %reason, "connection lost");
            self.shell.borrow_mut().leave(player);
        }
    }

    /// The client is not reading: its frames are skipped, and its input
    /// is not read either (telnet answers to its requests would pile up).
    fn pause_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.pause_reading();
        }
        if let Some(player) = self.player {
            self.shell.borrow_mut().pause(player);
        }
    }

    fn resume_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.resume_reading();
        }
        if let Some(player) = self.player {
            self.shell.borrow_mut().resume(player);
        }
    }

    /// Telnet's messages (negotiation, window size) come up as layer
    /// events.
    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Telnet(event) = event {
            self.telnet_event(event);
        }
    }
}

impl PlayerProtocol {
    fn telnet_event(&mut self, event: &Event<'_>) {
        let Some(player) = self.player else {
            return;
        };
        let mut shell = self.shell.borrow_mut();
        // Any telnet message at all shows a telnet client (nc sends none).
        shell.telnet_spoken(player);
        if let Event::WindowSize { width, height } = *event {
            shell.resize(player, width, height);
        }
    }
}
