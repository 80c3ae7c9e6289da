//! Counters other threads may read, and wait on, while the server runs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How many players and arenas the server has now, and how many frames it
/// sent; shared with any thread through [`super::Server::stats`].
#[derive(Debug, Default)]
pub struct Stats {
    players: AtomicUsize,
    arenas: AtomicUsize,
    frames_sent: AtomicU64,
    frames_skipped: AtomicU64,
    /// Held while players or arenas change and while a waiter checks
    /// its condition, so that no change goes unseen.
    population: Mutex<()>,
    /// Wakes the waiters when players or arenas changed.
    changed: Condvar,
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

    /// Blocks until `condition` holds, checking it whenever the players
    /// or arenas change; gives up after `timeout`. Returns whether it
    /// holds.
    pub fn wait_until(&self, timeout: Duration, condition: impl Fn(&Stats) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = self.population.lock().unwrap_or_else(|e| e.into_inner());
        while !condition(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = self
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// One session's players and arenas went from `before` to `now`
    /// (the counters sum the sessions of every reactor).
    pub(crate) fn change_population(&self, before: &(usize, usize), now: &(usize, usize)) {
        let _guard = self.population.lock().unwrap_or_else(|e| e.into_inner());
        for (counter, was, is) in [
            (&self.players, before.0, now.0),
            (&self.arenas, before.1, now.1),
        ] {
            if is >= was {
                counter.fetch_add(is - was, Ordering::Relaxed);
            } else {
                counter.fetch_sub(was - is, Ordering::Relaxed);
            }
        }
        self.changed.notify_all();
    }

    /// Counts frames sent and skipped.
    pub(crate) fn count_frames(&self, sent: u64, skipped: u64) {
        self.frames_sent.fetch_add(sent, Ordering::Relaxed);
        self.frames_skipped.fetch_add(skipped, Ordering::Relaxed);
    }
}
