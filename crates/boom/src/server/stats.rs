//! Counters other threads may read while the server runs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many players and arenas the server has now; shared with any thread
/// through [`super::Server::stats`].
#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) players: AtomicUsize,
    pub(crate) arenas: AtomicUsize,
}

impl Stats {
    /// Connected players.
    pub fn players(&self) -> usize {
        self.players.load(Ordering::Relaxed)
    }

    /// Open arenas.
    pub fn arenas(&self) -> usize {
        self.arenas.load(Ordering::Relaxed)
    }
}
