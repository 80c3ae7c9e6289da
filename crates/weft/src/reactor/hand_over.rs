//! [`HandOver`]: a live connection on its way from one reactor to
//! another, with what it had read and not used and what it had left to
//! send, so that nothing is lost and order is kept.

use std::fmt;

use super::connection::Carried;
use super::moved_layers::MovedLayers;
use super::stream::Stream;
use crate::Address;

/// A connection taken off its reactor by [`Transport::hand_over`](crate::Transport::hand_over),
/// to be served by another with [`Reactor::adopt`](crate::Reactor::adopt).
///
/// It is `Send`: move it to the other reactor's thread (through a
/// [`Remote`](crate::Remote)). Its socket stays open the whole way; data the
/// peer sends meanwhile waits in the kernel. Dropping it closes the
/// connection.
pub struct HandOver {
    pub(crate) socket: Stream,
    pub(crate) peer: Address,
    pub(crate) carried: Carried,
    pub(crate) layers: MovedLayers,
}

impl HandOver {
    /// The peer's address.
    pub fn peer(&self) -> &Address {
        &self.peer
    }

    /// Bytes read on the old reactor and not used there: the new
    /// protocol receives them first.
    pub fn received(&self) -> &[u8] {
        &self.carried.received
    }

    /// Bytes written on the old reactor and not sent yet: they go out
    /// before anything the new protocol writes.
    pub fn pending(&self) -> &[u8] {
        &self.carried.pending
    }

    /// The state of the layers that moves with the connection: a layer
    /// that can be handed over pushes its own here, on its way up from
    /// the transport below (see [`MovedLayers`]).
    pub fn layers_mut(&mut self) -> &mut MovedLayers {
        &mut self.layers
    }
}

impl fmt::Debug for HandOver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandOver")
            .field("peer", &self.peer)
            .field("received", &self.carried.received.len())
            .field("pending", &self.carried.pending.len())
            .field("layers", &self.layers)
            .finish()
    }
}

/// Why a connection cannot be handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandOverError {
    /// The connection is closing or closed.
    #[error("the connection is closing; it cannot be handed over")]
    Closing,
    /// The transport cannot be handed over: it has no socket of its own (a
    /// test double), a layer in it keeps state that would not follow the
    /// socket (telnet options, a partial line), or a TLS layer is in the
    /// middle of its handshake. A `haproxy:` layer and an established TLS
    /// session can be handed over (see
    /// [`WritePath::hand_over`](crate::layer::WritePath::hand_over)).
    #[error(
        "this transport cannot be handed over: it has no socket of its own, a layer in it (telnet, lines) keeps state that would not follow, or its TLS handshake is not done"
    )]
    Unsupported,
}

#[cfg(test)]
mod tests {
    use super::HandOver;

    #[test]
    fn a_hand_over_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<HandOver>();
    }
}
