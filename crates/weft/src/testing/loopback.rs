//! [`loopback`]: two protocols connected in memory.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, CloseReason, HalfClose, Protocol, Transport, WriteLimits};

/// Connects `client` and `server` in memory: each gets a transport whose
/// writes reach the other's `data_received` when [`Loopback::pump`] runs
/// (Twisted's `loopbackAsync`). `connection_made` is called on the server,
/// then the client, before this returns.
pub fn loopback<C: Protocol, S: Protocol>(client: C, server: S) -> Loopback<C, S> {
    let client_end = Rc::new(End::new(
        Address::Memory("client"),
        Address::Memory("server"),
    ));
    let server_end = Rc::new(End::new(
        Address::Memory("server"),
        Address::Memory("client"),
    ));
    let mut pair = Loopback {
        client: Side {
            protocol: client,
            end: client_end,
        },
        server: Side {
            protocol: server,
            end: server_end,
        },
    };
    pair.server
        .protocol
        .connection_made(Transport::new(pair.server.end.clone()));
    pair.client
        .protocol
        .connection_made(Transport::new(pair.client.end.clone()));
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
/// once, the other side seeing a connection-reset I/O error. Pending bytes
/// never count against write limits.
pub struct Loopback<C: Protocol, S: Protocol> {
    client: Side<C>,
    server: Side<S>,
}

struct Side<P> {
    protocol: P,
    end: Rc<End>,
}

/// One side's transport state.
struct End {
    out: RefCell<Vec<u8>>,
    close: RefCell<Option<CloseKind>>,
    write_shut: Cell<bool>,
    eof_sent: Cell<bool>,
    reading: Cell<bool>,
    lost: Cell<bool>,
    limits: Cell<WriteLimits>,
    local: Address,
    peer: Address,
}

impl End {
    fn new(local: Address, peer: Address) -> Self {
        End {
            out: RefCell::new(Vec::new()),
            close: RefCell::new(None),
            write_shut: Cell::new(false),
            eof_sent: Cell::new(false),
            reading: Cell::new(true),
            lost: Cell::new(false),
            limits: Cell::new(WriteLimits::default()),
            local,
            peer,
        }
    }
}

impl<C: Protocol, S: Protocol> Loopback<C, S> {
    /// Moves bytes and closes between the two sides until nothing is left
    /// to move; returns the number of bytes delivered.
    pub fn pump(&mut self) -> usize {
        let mut total = 0;
        loop {
            let mut progress = false;
            let moved = deliver(&self.client.end, &mut self.server)
                + deliver(&self.server.end, &mut self.client);
            total += moved;
            progress |= moved > 0;
            progress |= settle(&mut self.client, &mut self.server);
            progress |= settle(&mut self.server, &mut self.client);
            if !progress {
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
        self.client.end.lost.get() && self.server.end.lost.get()
    }
}

fn deliver<P: Protocol>(from: &End, to: &mut Side<P>) -> usize {
    let aborted = matches!(*from.close.borrow(), Some(CloseKind::Abort));
    if aborted || to.end.lost.get() || !to.end.reading.get() || from.out.borrow().is_empty() {
        return 0;
    }
    let bytes = std::mem::take(&mut *from.out.borrow_mut());
    to.protocol.data_received(&bytes);
    bytes.len()
}

/// Carries out `this` side's close or half-close once its bytes are out;
/// returns whether anything happened.
fn settle<A: Protocol, B: Protocol>(this: &mut Side<A>, other: &mut Side<B>) -> bool {
    if this.end.lost.get() {
        return false;
    }
    let close = this.end.close.borrow().clone();
    match close {
        Some(CloseKind::Abort) => {
            lose(this, CloseReason::Aborted);
            lose(
                other,
                CloseReason::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            );
            true
        }
        Some(CloseKind::Flush(why)) if this.end.out.borrow().is_empty() => {
            lose(this, why.map_or(CloseReason::Done, CloseReason::Protocol));
            if !other.end.lost.get() {
                other.protocol.eof_received();
                lose(other, CloseReason::PeerClosed);
            }
            true
        }
        None if this.end.write_shut.get()
            && !this.end.eof_sent.get()
            && this.end.out.borrow().is_empty() =>
        {
            this.end.eof_sent.set(true);
            if !other.end.lost.get() && other.protocol.eof_received() == HalfClose::Close {
                other
                    .end
                    .close
                    .borrow_mut()
                    .get_or_insert(CloseKind::Flush(None));
            }
            true
        }
        _ => false,
    }
}

fn lose<P: Protocol>(side: &mut Side<P>, reason: CloseReason) {
    if !side.end.lost.replace(true) {
        side.end.out.borrow_mut().clear();
        side.protocol.connection_lost(&reason);
    }
}

impl TransportBackend for End {
    fn write(&self, data: &[u8]) {
        if !self.is_closing() {
            self.out.borrow_mut().extend_from_slice(data);
        }
    }

    fn close(&self, kind: CloseKind) {
        let mut close = self.close.borrow_mut();
        if close.is_none() || kind == CloseKind::Abort {
            *close = Some(kind);
        }
    }

    fn shutdown_write(&self) {
        self.write_shut.set(true);
    }

    fn is_closing(&self) -> bool {
        self.lost.get() || self.write_shut.get() || self.close.borrow().is_some()
    }

    fn peer_address(&self) -> Address {
        self.peer.clone()
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }

    fn set_reading(&self, reading: bool) {
        self.reading.set(reading);
    }

    fn pending_bytes(&self) -> usize {
        self.out.borrow().len()
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
