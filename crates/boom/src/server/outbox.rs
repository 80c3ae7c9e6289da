//! [`Outbox`]: what the session core tells the shell to do — bytes for a
//! player, a connection to close — and [`Mailbox`], an outbox that keeps
//! it all for reading later.

use std::collections::BTreeMap;

use super::session::PlayerId;

/// How a player's connection is to be closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// After every byte sent to it so far (its goodbye) has gone out.
    AfterSending,
    /// At once, dropping what it has not read: it stopped reading.
    Abort,
}

/// Where the session core's output goes: the socket shell writes it to
/// each player's connection; a test keeps it ([`Mailbox`]).
///
/// Contract: the core calls these only from inside its own methods, for
/// players that joined and have not left; after [`close`](Self::close)
/// nothing more is sent to that player.
pub trait Outbox {
    /// Sends `parts` to `player`, in order, as one write.
    fn send(&mut self, player: PlayerId, parts: &[&[u8]]);

    /// Closes `player`'s connection as `how` says. The shell reports the
    /// end of the connection later with [`super::Session::leave`].
    fn close(&mut self, player: PlayerId, how: Close);
}

/// An [`Outbox`] that keeps everything: the bytes for each player, and
/// how each connection was closed.
#[derive(Clone, Debug, Default)]
pub struct Mailbox {
    bytes: BTreeMap<PlayerId, Vec<u8>>,
    closed: BTreeMap<PlayerId, Close>,
}

impl Mailbox {
    /// An empty mailbox.
    pub fn new() -> Self {
        Mailbox::default()
    }

    /// The bytes sent to `player` since the last take, taken out.
    pub fn take(&mut self, player: PlayerId) -> Vec<u8> {
        self.bytes.remove(&player).unwrap_or_default()
    }

    /// How `player`'s connection was closed, if it was.
    pub fn closed(&self, player: PlayerId) -> Option<Close> {
        self.closed.get(&player).copied()
    }
}

impl Outbox for Mailbox {
    fn send(&mut self, player: PlayerId, parts: &[&[u8]]) {
        let bytes = self.bytes.entry(player).or_default();
        for part in parts {
            bytes.extend_from_slice(part);
        }
    }

    fn close(&mut self, player: PlayerId, how: Close) {
        self.closed.entry(player).or_insert(how);
    }
}
