//! [`SshPlayer`]: one SSH player's protocol on the reactor — the player
//! protocol of every front end, joined under the login name, with a
//! terminal whose size the SSH side reports.

use weft::{CloseReason, LayerEvent, Protocol, Transport};

use super::super::connection::PlayerProtocol;

/// A terminal's size in characters, as the SSH client reported it
/// (`pty-req`, `window-change`); sent to the player's protocol as a
/// [`LayerEvent::Message`] when it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowSize {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

impl WindowSize {
    /// The size an SSH request gives, each side saturated to `u16`.
    pub fn from_request(width: u32, height: u32) -> Self {
        let side = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
        WindowSize {
            width: side(width),
            height: side(height),
        }
    }
}

/// What the SSH side knows of a player when its game starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    /// The login name (cleaned up when the player joins).
    pub name: String,
    /// The terminal's size, when the client asked for a pty.
    pub window: Option<WindowSize>,
}

/// A player over SSH: a terminal from the start (ANSI frames unless
/// `--render plain`), resized as the client says.
pub struct SshPlayer {
    inner: PlayerProtocol,
    window: Option<WindowSize>,
}

impl SshPlayer {
    /// The player `inner` (which asks for the login name), with the
    /// terminal `window` if the client gave one.
    pub(crate) fn new(inner: PlayerProtocol, window: Option<WindowSize>) -> Self {
        SshPlayer { inner, window }
    }

    fn resize(&self, window: WindowSize) {
        if let Some(player) = self.inner.player() {
            self.inner
                .shell()
                .borrow_mut()
                .resize(player, window.width, window.height);
        }
    }
}

impl Protocol for SshPlayer {
    fn connection_made(&mut self, transport: Transport) {
        self.inner.connection_made(transport);
        if let Some(player) = self.inner.player() {
            // The client is a terminal that is there (it logged in and
            // asked for a shell): the same as a telnet client answering.
            self.inner.shell().borrow_mut().telnet_spoken(player);
        }
        if let Some(window) = self.window {
            self.resize(window);
        }
    }

    fn data_received(&mut self, data: &[u8]) {
        self.inner.data_received(data);
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Message(message) = event
            && let Some(window) = message.downcast_ref::<WindowSize>()
        {
            self.resize(*window);
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.inner.connection_lost(reason);
    }

    fn pause_writing(&mut self) {
        self.inner.pause_writing();
    }

    fn resume_writing(&mut self) {
        self.inner.resume_writing();
    }
}
