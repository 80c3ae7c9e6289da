//! Helpers for the server tests: the options they play with, what a client
//! received (frames, raw bytes), and two ways to run a server — on a fake
//! clock with in-memory connections ([`fake`]), and on a reactor thread
//! with real sockets ([`net`]).
#![allow(dead_code)]

pub mod binary;
pub mod browser_socket;
pub mod certificate;
pub mod driver;
pub mod fake;
pub mod net;
pub mod page;
pub mod pane;
pub mod pool;
pub mod received;
pub mod ssh;
pub mod terminal;

use std::time::Duration;

use boom::server::{Options, RenderMode};

/// Upper bound of any single wait on a real socket: only turns a hang into
/// a failure.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How many frames a test reads, at most, waiting for a condition.
pub const MAX_FRAMES: usize = 2000;

/// What a stock telnet client answers to the server's opening: DO ECHO,
/// DO SGA, WILL NAWS and its window, 80 x 24.
pub const TELNET_HELLO: &[u8] = &[
    255, 253, 1, 255, 253, 3, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240,
];

/// The classic game with plain frames, fast frames and short fuses.
pub fn classic() -> Options {
    Options {
        frame_interval: Duration::from_millis(10),
        fuse: Duration::from_millis(600),
        burn: Duration::from_millis(300),
        render: RenderMode::Plain,
        endpoints: Vec::new(),
        ..Options::classic()
    }
}

/// The full game with plain frames, fast frames, short fuses and rounds.
pub fn full() -> Options {
    Options {
        frame_interval: Duration::from_millis(10),
        fuse: Duration::from_millis(600),
        burn: Duration::from_millis(300),
        render: RenderMode::Plain,
        rounds: Some(boom::game::RoundRules {
            min_pawns: 2,
            countdown: Duration::from_millis(100),
            pause: Duration::from_millis(300),
            time_limit: None,
        }),
        endpoints: Vec::new(),
        ..Options::default()
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
