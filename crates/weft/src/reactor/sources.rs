//! The reactor's table of what it polls: listening sockets, connection
//! attempts, connections and UDP sockets, each named by a [`SourceKey`].

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use mio::Token;
use slab::Slab;

use super::connection::Connection;
use super::connector::Connecting;
use super::datagram::DatagramSocket;
use super::listener::Listener;
use super::memory::CrowdWatch;
use super::remote::RemoteShared;

/// Names one source for its whole life: its slot in the table (which is
/// also its poller token) and a generation that no later occupant of the
/// slot shares, so a stale key never reaches a newer source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SourceKey {
    slot: usize,
    generation: u64,
}

impl SourceKey {
    /// The poller token of the source.
    pub(crate) fn token(self) -> Token {
        Token(self.slot)
    }
}

/// Everything registered with the poller.
pub(crate) enum Source {
    Listener(Box<Listener>),
    Connecting(Box<Connecting>),
    Connection(Rc<Connection>),
    Datagram(Rc<DatagramSocket>),
}

/// The sources, by key. Its memory shrinks back when it empties.
pub(crate) struct SourceTable {
    slots: Slab<(u64, Source)>,
    next_generation: u64,
    /// The first generation given out since the poller last returned:
    /// a source of this generation or later did not exist when the
    /// current batch of events was polled.
    batch_start: u64,
    connections: usize,
    /// The table tries to shrink once fewer sources than this remain
    /// (halved at each try, so that shrinking costs O(1) per removal).
    shrink_below: usize,
    /// Whether a crowd of connections came and went.
    crowd: CrowdWatch,
    /// Most connections went away since [`take_crowd_gone`](Self::take_crowd_gone)
    /// last said so.
    crowd_gone: bool,
    /// Where other threads read the number of connections.
    remote: Arc<RemoteShared>,
}

/// Below this many slots the table never bothers to shrink.
const SHRINK_FLOOR: usize = 1024;

impl SourceTable {
    /// An empty table that publishes its count of connections to `remote`.
    pub(crate) fn new(remote: Arc<RemoteShared>) -> Self {
        SourceTable {
            slots: Slab::new(),
            next_generation: 0,
            batch_start: 0,
            connections: 0,
            shrink_below: 0,
            crowd: CrowdWatch::default(),
            crowd_gone: false,
            remote,
        }
    }

    fn publish(&self) {
        self.remote
            .connections
            .store(self.connections, Ordering::Relaxed);
    }

    /// The key the next [`insert`](Self::insert) will use.
    pub(crate) fn next_key(&self) -> SourceKey {
        SourceKey {
            slot: self.slots.vacant_key(),
            generation: self.next_generation,
        }
    }

    /// Inserts the source `make` builds for its key.
    pub(crate) fn insert(&mut self, make: impl FnOnce(SourceKey) -> Source) -> SourceKey {
        let key = self.next_key();
        self.next_generation += 1;
        let source = make(key);
        if matches!(source, Source::Connection(_)) {
            self.connections += 1;
            self.crowd.arrived(self.connections);
            self.publish();
        }
        self.slots.insert((key.generation, source));
        key
    }

    pub(crate) fn get(&self, key: SourceKey) -> Option<&Source> {
        match self.slots.get(key.slot) {
            Some((generation, source)) if *generation == key.generation => Some(source),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, key: SourceKey) -> Option<&mut Source> {
        match self.slots.get_mut(key.slot) {
            Some((generation, source)) if *generation == key.generation => Some(source),
            _ => None,
        }
    }

    /// The poller returned a batch of events: sources inserted from now
    /// on were not there when it was polled.
    pub(crate) fn begin_batch(&mut self) {
        self.batch_start = self.next_generation;
    }

    /// The source registered under a poller token, with its key; `None`
    /// also when the slot's source was inserted after the current batch
    /// was polled, so that an event of the source that left the slot (a
    /// connect that lost its race, a connection closed earlier in the
    /// batch) never reaches the one that took it.
    pub(crate) fn by_token(&self, token: Token) -> Option<(SourceKey, &Source)> {
        let (generation, source) = self.slots.get(token.0)?;
        if *generation >= self.batch_start {
            return None;
        }
        let key = SourceKey {
            slot: token.0,
            generation: *generation,
        };
        Some((key, source))
    }

    /// Removes the source named `key`, if it is still there.
    pub(crate) fn remove(&mut self, key: SourceKey) -> Option<Source> {
        self.get(key)?;
        let (_, source) = self.slots.remove(key.slot);
        if matches!(source, Source::Connection(_)) {
            self.connections -= 1;
            self.crowd_gone |= self.crowd.left(self.connections);
            self.publish();
        }
        self.shrink_if_sparse();
        Some(source)
    }

    /// How many connections the table holds.
    pub(crate) fn connection_count(&self) -> usize {
        self.connections
    }

    /// Every source's key, with what it is.
    pub(crate) fn keys(&self) -> impl Iterator<Item = (SourceKey, &Source)> {
        self.slots.iter().map(|(slot, (generation, source))| {
            let key = SourceKey {
                slot,
                generation: *generation,
            };
            (key, source)
        })
    }

    /// Gives memory back once most slots are empty. The slab can only drop
    /// the vacant slots after its last busy one, so this frees what a crowd
    /// that left holds from there on; a try costs O(slots), and the next
    /// waits until half as many sources remain.
    fn shrink_if_sparse(&mut self) {
        let len = self.slots.len();
        let capacity = self.slots.capacity();
        if capacity <= SHRINK_FLOOR || len >= capacity / 4 {
            self.shrink_below = 0;
            return;
        }
        if self.shrink_below == 0 || len < self.shrink_below {
            self.slots.shrink_to_fit();
            self.shrink_below = len / 2;
        }
    }

    /// Whether most connections went away since the last call: once what
    /// they held is freed, a good moment to give memory back.
    pub(crate) fn take_crowd_gone(&mut self) -> bool {
        std::mem::take(&mut self.crowd_gone)
    }
}
