//! [`loopback`]: two protocols connected in memory.

use std::cell::Cell;

use super::StringTransport;
use crate::transport::CloseKind;
use crate::{Address, CloseReason, HalfClose, Protocol};

/// Connects `client` and `server` in memory: each gets a transport whose
/// writes reach the other's `data_received` when [`Loopback::pump`] runs
/// (Twisted's `loopbackAsync`). `connection_made` is called on the server,
/// then the client, before this returns.
pub fn loopback<C: Protocol, S: Protocol>(client: C, server: S) -> Loopback<C, S> {
    let client_end =
        StringTransport::with_addresses(Address::Memory("server"), Address::Memory("client"));
    let server_end =
        StringTransport::with_addresses(Address::Memory("client"), Address::Memory("server"));
    let mut pair = Loopback {
        client: Side::new(client, client_end),
        server: Side::new(server, server_end),
    };
    pair.server
        .protocol
        .connection_made(pair.server.end.transport());
    pair.client
        .protocol
        .connection_made(pair.client.end.transport());
    pair
}

/// Two protocols connected in memory; see [`loopback`].
///
/// Semantics, step by step through [`pump`](Self::pump): bytes written by
/// one side are delivered to the other in one `data_received` per pump
/// round (none while the receiver paused reading); a `lose_connection`
/// takes effect once that side's bytes are delivered: it sees
/// [`CloseReason::Done`] (or its `Protocol` reason), the other side sees
/// `eof_received` then [`CloseReason::PeerClosed`]; an abort ends both at
/// once, dropping what was not delivered, the other side seeing a
/// connection-reset I/O error. Each side's transport is a
/// [`StringTransport`] (so nothing ever counts as pending for flow control).
pub struct Loopback<C: Protocol, S: Protocol> {
    client: Side<C>,
    server: Side<S>,
}

struct Side<P> {
    protocol: P,
    end: StringTransport,
    /// The half-close was delivered to the other side.
    eof_sent: Cell<bool>,
    /// `connection_lost` ran.
    lost: Cell<bool>,
}

impl<P: Protocol> Side<P> {
    fn new(protocol: P, end: StringTransport) -> Self {
        Side {
            protocol,
            end,
            eof_sent: Cell::new(false),
            lost: Cell::new(false),
        }
    }
}

impl<C: Protocol, S: Protocol> Loopback<C, S> {
    /// Moves bytes and closes between the two sides until nothing is left
    /// to move; returns the number of bytes delivered.
    pub fn pump(&mut self) -> usize {
        let mut total = 0;
        loop {
            let moved = deliver(&self.client.end, &mut self.server)
                + deliver(&self.server.end, &mut self.client);
            total += moved;
            let settled = settle(&mut self.client, &mut self.server)
                | settle(&mut self.server, &mut self.client);
            if moved == 0 && !settled {
                return total;
            }
        }
    }

    /// The client protocol.
    pub fn client(&mut self) -> &mut C {
        &mut self.client.protocol
    }

    /// The server protocol.
    pub fn server(&mut self) -> &mut S {
        &mut self.server.protocol
    }

    /// Whether both sides' `connection_lost` ran.
    pub fn is_closed(&self) -> bool {
        self.client.lost.get() && self.server.lost.get()
    }
}

fn deliver<P: Protocol>(from: &StringTransport, to: &mut Side<P>) -> usize {
    if from.aborted() || to.lost.get() || !to.end.is_reading() {
        return 0;
    }
    let bytes = from.take_written();
    if !bytes.is_empty() {
        to.protocol.data_received(&bytes);
    }
    bytes.len()
}

/// Carries out `this` side's close or half-close once its bytes are out;
/// returns whether anything happened.
fn settle<A: Protocol, B: Protocol>(this: &mut Side<A>, other: &mut Side<B>) -> bool {
    if this.lost.get() {
        return false;
    }
    let flushed = this.end.written().is_empty();
    match this.end.close_requested() {
        Some(CloseKind::Abort) => {
            lose(this, CloseReason::Aborted);
            lose(
                other,
                CloseReason::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            );
            true
        }
        Some(CloseKind::Flush(why)) if flushed => {
            lose(this, why.map_or(CloseReason::Done, CloseReason::Protocol));
            if !other.lost.get() {
                other.protocol.eof_received();
                lose(other, CloseReason::PeerClosed);
            }
            true
        }
        None if this.end.write_shut() && flushed && !this.eof_sent.get() => {
            this.eof_sent.set(true);
            if !other.lost.get() && other.protocol.eof_received() == HalfClose::Close {
                other.end.transport().lose_connection();
            }
            true
        }
        _ => false,
    }
}

fn lose<P: Protocol>(side: &mut Side<P>, reason: CloseReason) {
    if !side.lost.replace(true) {
        side.end.mark_gone();
        side.protocol.connection_lost(&reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transport;

    /// Records data and the end; answers "ping" with "pong".
    #[derive(Default)]
    struct Peer {
        transport: Option<Transport>,
        got: Vec<u8>,
        lost: Option<String>,
    }

    impl Protocol for Peer {
        fn connection_made(&mut self, transport: Transport) {
            self.transport = Some(transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            self.got.extend_from_slice(data);
            if data == b"ping" {
                self.transport.as_ref().unwrap().write(b"pong");
            }
        }

        fn connection_lost(&mut self, reason: &CloseReason) {
            self.lost = Some(reason.to_string());
        }
    }

    #[test]
    fn bytes_flow_both_ways_until_quiet() {
        let mut pair = loopback(Peer::default(), Peer::default());
        pair.client().transport.clone().unwrap().write(b"ping");
        assert_eq!(pair.pump(), 8);
        assert_eq!(pair.server().got, b"ping");
        assert_eq!(pair.client().got, b"pong");
        assert_eq!(pair.pump(), 0);
    }

    #[test]
    fn lose_connection_delivers_then_closes_both_sides() {
        let mut pair = loopback(Peer::default(), Peer::default());
        let transport = pair.client().transport.clone().unwrap();
        transport.write(b"bye");
        transport.lose_connection();
        pair.pump();
        assert_eq!(pair.server().got, b"bye");
        assert!(pair.is_closed());
        assert_eq!(
            pair.client().lost.as_deref(),
            Some("connection closed cleanly")
        );
        assert_eq!(
            pair.server().lost.as_deref(),
            Some("the peer closed the connection")
        );
    }

    #[test]
    fn abort_drops_pending_bytes_and_resets_the_peer() {
        let mut pair = loopback(Peer::default(), Peer::default());
        let transport = pair.server().transport.clone().unwrap();
        transport.write(b"lost");
        transport.abort_connection();
        pair.pump();
        assert!(pair.client().got.is_empty());
        assert_eq!(pair.server().lost.as_deref(), Some("connection aborted"));
        assert!(pair.client().lost.as_deref().unwrap().contains("reset"));
    }

    #[test]
    fn paused_reading_holds_data_until_resumed() {
        let mut pair = loopback(Peer::default(), Peer::default());
        let server = pair.server().transport.clone().unwrap();
        server.pause_reading();
        pair.client().transport.clone().unwrap().write(b"held");
        assert_eq!(pair.pump(), 0);
        server.resume_reading();
        assert_eq!(pair.pump(), 4);
        assert_eq!(pair.server().got, b"held");
    }
}
