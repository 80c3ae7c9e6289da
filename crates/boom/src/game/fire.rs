//! Fires on the board (R14, R15). How they start and go out:
//! `burning.rs`.

use std::time::Duration;

use weft::time::TimerId;

/// A fire burning on a tile.
#[derive(Clone, Copy, Debug)]
pub struct Fire {
    pub(crate) until: Duration,
    pub(crate) timer: TimerId,
}

impl Fire {
    /// When it goes out: the latest end of every lighting (R15).
    pub fn until(&self) -> Duration {
        self.until
    }
}
