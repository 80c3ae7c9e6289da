//! Counters other threads may read while the server runs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// How many players and arenas the server has now; shared with any thread
/// through [`super::Server::stats`].
#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) players: AtomicUsize,
    pub(crate) arenas: AtomicUsize,
    pub(crate) frames_sent: AtomicU64,
    pub(crate) frames_skipped: AtomicU64,
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

    /// Frames (or ANSI updates) written to players so far.
    pub fn frames_sent(&self) -> u64 {
        self.frames_sent.load(Ordering::Relaxed)
    }

    /// Frames skipped so far because a player was not reading.
    pub fn frames_skipped(&self) -> u64 {
        self.frames_skipped.load(Ordering::Relaxed)
    }
}
