//! [`Work`]: what the session core did between two frame ticks, counted so
//! that its bound can be checked and logged.

/// Counts of the work done since the previous frame tick, up to and
/// including the tick that reports them ([`super::Session::tick`]).
///
/// Input is bounded per player per tick (see the [module docs](super)):
/// `actions` and `decoded` grow at most by the allowance per player,
/// whatever the players send; `skimmed` bytes were only scanned for the quit key and
/// `dropped` actions were never applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Actions applied to arenas.
    pub actions: u64,
    /// Actions decoded past a player's allowance, and dropped.
    pub dropped: u64,
    /// Input bytes decoded into keys.
    pub decoded: u64,
    /// Input bytes past a player's allowance, only scanned for the quit
    /// key.
    pub skimmed: u64,
    /// Frames (or ANSI updates) sent.
    pub frames: u64,
    /// Frames skipped because the client was not reading.
    pub skipped: u64,
}
