//! What each player saw, shared between the thread it plays on and the
//! measuring thread, and what all of them saw together (the players of
//! every thread summed, percentiles taken over all their gaps).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What one player saw since the measurement began.
#[derive(Default)]
pub struct Seen {
    pub connected: bool,
    /// From starting to connect to the first board drawn.
    pub first_board: Option<Duration>,
    pub frames: u64,
    pub bytes: u64,
    last_frame: Option<Instant>,
    gaps: Vec<Duration>,
}

impl Seen {
    /// Forgets what arrived so far (not whether it connected, nor its
    /// first board): the measurement begins.
    pub fn reset(&mut self) {
        self.frames = 0;
        self.bytes = 0;
        self.last_frame = None;
        self.gaps.clear();
    }

    /// A frame (or update) arrived at `at`.
    pub fn frame(&mut self, at: Instant) {
        self.frames += 1;
        if let Some(last) = self.last_frame.replace(at) {
            self.gaps.push(at - last);
        }
    }
}

/// A player's counters, shared with the measuring thread.
pub type Shared = Arc<Mutex<Seen>>;

/// Runs `f` on what `seen` holds.
pub fn read<T>(seen: &Shared, f: impl FnOnce(&mut Seen) -> T) -> T {
    f(&mut seen.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Whether every player of `seen` connected.
pub fn all_connected(seen: &[Shared]) -> bool {
    seen.iter().all(|player| read(player, |s| s.connected))
}

/// What every player saw over a measurement of `elapsed` seconds, all
/// threads together.
#[derive(Debug, PartialEq)]
pub struct Summary {
    /// Players that connected (at least 1, to divide by).
    pub connected: usize,
    /// Frames (or updates) per connected player per second.
    pub frames_per_player: f64,
    /// Bytes per connected player per second.
    pub bytes_per_player: f64,
    /// The 99th percentile of the gaps between two frames of a player,
    /// over every player's gaps, in milliseconds (NaN without any gap).
    pub p99_gap_ms: f64,
    /// The median and the 99th percentile of the times from starting to
    /// connect to the first board, in milliseconds, if any board came.
    pub to_board_ms: Option<(f64, f64)>,
}

impl Summary {
    /// Sums `seen`, the players of every thread.
    pub fn of(seen: &[Seen], elapsed: f64) -> Summary {
        let connected = seen.iter().filter(|s| s.connected).count().max(1);
        let frames: u64 = seen.iter().map(|s| s.frames).sum();
        let bytes: u64 = seen.iter().map(|s| s.bytes).sum();
        let mut gaps: Vec<Duration> = seen.iter().flat_map(|s| s.gaps.iter().copied()).collect();
        gaps.sort();
        let mut boards: Vec<Duration> = seen.iter().filter_map(|s| s.first_board).collect();
        boards.sort();
        Summary {
            connected,
            frames_per_player: frames as f64 / connected as f64 / elapsed,
            bytes_per_player: bytes as f64 / connected as f64 / elapsed,
            p99_gap_ms: percentile_ms(&gaps, 99).unwrap_or(f64::NAN),
            to_board_ms: percentile_ms(&boards, 50).zip(percentile_ms(&boards, 99)),
        }
    }
}

/// The `p`th percentile of `sorted` (the nearest rank below), in ms.
fn percentile_ms(sorted: &[Duration], p: usize) -> Option<f64> {
    sorted
        .get(sorted.len().saturating_sub(1) * p / 100)
        .map(|d| d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connected player that saw frames `gaps_ms` apart, the first
    /// board `board_ms` after it started to connect.
    fn player(gaps_ms: &[u64], board_ms: u64) -> Seen {
        let mut seen = Seen {
            connected: true,
            first_board: Some(Duration::from_millis(board_ms)),
            ..Seen::default()
        };
        let mut at = Instant::now();
        seen.frame(at);
        for &gap in gaps_ms {
            at += Duration::from_millis(gap);
            seen.frame(at);
        }
        seen.bytes = 100 * seen.frames;
        seen
    }

    #[test]
    fn the_players_of_every_thread_are_summed() {
        // Two threads' players, one of which never connected.
        let first = [player(&[50; 99], 10), player(&[50; 99], 30)];
        let second = [player(&[1000], 20), Seen::default()];
        let all: Vec<Seen> = first.into_iter().chain(second).collect();
        let summary = Summary::of(&all, 2.0);
        assert_eq!(summary.connected, 3);
        // 100 + 100 + 2 frames by 3 players in 2 s.
        assert_eq!(summary.frames_per_player, 202.0 / 3.0 / 2.0);
        assert_eq!(summary.bytes_per_player, 20_200.0 / 3.0 / 2.0);
        // 199 gaps, 198 of 50 ms and one of 1 s: the 99th percentile
        // (rank 196) is 50 ms; the second thread's slow player alone
        // would say 1 s.
        assert_eq!(summary.p99_gap_ms, 50.0);
        assert_eq!(summary.to_board_ms, Some((20.0, 20.0)));
    }

    #[test]
    fn long_gaps_of_one_thread_show_in_the_p99() {
        // 9 gaps of 50 ms on one thread, 2 of 3 s on the other: rank 9 of
        // the 11 is a long one.
        let all = [player(&[50; 9], 10), player(&[3000, 3000], 10)];
        assert_eq!(Summary::of(&all, 1.0).p99_gap_ms, 3000.0);
    }

    #[test]
    fn a_reset_forgets_the_frames_but_not_the_connection() {
        let mut seen = player(&[50; 3], 10);
        seen.reset();
        seen.frame(Instant::now());
        assert_eq!((seen.connected, seen.frames, seen.gaps.len()), (true, 1, 0));
        assert_eq!(Summary::of(&[Seen::default()], 1.0).to_board_ms, None);
    }
}
