//! The robustness battery: attacks on boom and on weft's examples, run
//! against the release binaries, each measured against the same server
//! without the attack (the machine is shared, so a ratio within one run
//! says more than a figure).
//!
//! Every attack starts its own server ([`target`]) pinned to one core;
//! the attacking clients ([`crowd`]) run on the other core at the lowest
//! priority, beside an [`observer`] that measures what the attack costs
//! everyone else; a [`sampler`] follows the server's memory. Each attack
//! returns [`Outcome`]s: the figures, the details, and the defences that
//! did not hold (no timing is asserted; a defence that did not hold is
//! reported, not fatal).
//!
//! | file | attack |
//! | --- | --- |
//! | [`slowloris`] | connections that never press a key, a byte every 3 s |
//! | [`descriptors`] | connections past the server's open-files limit |
//! | [`telnet_abuse`] | odd window sizes, NAWS and negotiation storms, a 10 MB subnegotiation |
//! | [`non_readers`] | players that never read and force redraws |
//! | [`connect_reset`] | connect, then reset at once |
//! | [`signals`] | SIGTERM and SIGINT with a crowd, and with stuck clients |
//! | [`unix_socket`] | two servers on one Unix socket path |
//! | [`command_line`] | invalid invocations |
//! | [`long_line`] | a 100 MB line to the chat example |
//! | [`key_flood`] | players pressing keys as fast as they can |
//! | [`echo_flood`] | one client flooding the echo example |
//! | [`memory`] | a crowd arrives and leaves: does the memory go back? |

pub mod command_line;
pub mod connect_reset;
pub mod crowd;
pub mod descriptors;
pub mod echo_flood;
pub mod key_flood;
pub mod long_line;
pub mod memory;
pub mod non_readers;
pub mod observer;
pub mod outcome;
pub mod sampler;
pub mod signals;
pub mod slowloris;
pub mod sources;
pub mod target;
pub mod telnet;
pub mod telnet_abuse;
pub mod unix_socket;

use std::path::PathBuf;
use std::time::Duration;

pub use outcome::Outcome;

/// What an attack fails with when it cannot run at all.
pub type Error = Box<dyn std::error::Error>;

/// The settings every attack runs with.
#[derive(Clone, Debug)]
pub struct Context {
    /// Where the release binaries are (`target/release`).
    pub bin_dir: PathBuf,
    /// Multiplies every count of connections (1: the full battery).
    pub scale: f64,
    /// The join timeout given to boom for the slowloris (`None`: boom's
    /// default, 60 s).
    pub join_timeout: Option<u64>,
    /// How long an observer measures, without an attack and during one.
    pub window: Duration,
    /// The core the servers are pinned to.
    pub server_core: usize,
    /// The core the attackers and observers run on.
    pub client_core: usize,
}

impl Context {
    /// `full` scaled, at least `least`.
    pub fn count(&self, full: usize, least: usize) -> usize {
        ((full as f64 * self.scale).round() as usize).max(least)
    }

    /// A release binary, by its path under `target/release`.
    pub fn binary(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

/// One attack of the battery.
pub struct Attack {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it does, in a few words.
    pub summary: &'static str,
    /// Runs it.
    pub run: fn(&Context) -> Result<Vec<Outcome>, Error>,
}

/// The battery, in the order `attack all` runs it.
pub const ATTACKS: &[Attack] = &[
    Attack {
        name: "slowloris",
        summary: "2,000 connections that never press a key, a byte every 3 s",
        run: slowloris::run,
    },
    Attack {
        name: "descriptors",
        summary: "connections past the server's open-files limit",
        run: descriptors::run,
    },
    Attack {
        name: "telnet",
        summary: "NAWS 0x0 and 65535x65535, 1,000 NAWS/s, TTYPE loops, DO/DONT storms, a 10 MB subnegotiation",
        run: telnet_abuse::run,
    },
    Attack {
        name: "non-readers",
        summary: "1,000 players that never read and force redraws",
        run: non_readers::run,
    },
    Attack {
        name: "connect-reset",
        summary: "connections reset as soon as made, for the window (at least 5,000)",
        run: connect_reset::run,
    },
    Attack {
        name: "signals",
        summary: "SIGTERM and SIGINT with 5,000 players, and with 1,000 stuck clients",
        run: signals::run,
    },
    Attack {
        name: "unix-socket",
        summary: "a second server on the path of a first one's Unix socket",
        run: unix_socket::run,
    },
    Attack {
        name: "command-line",
        summary: "44 invalid invocations of boom",
        run: command_line::run,
    },
    Attack {
        name: "long-line",
        summary: "100 MB lines to the chat example",
        run: long_line::run,
    },
    Attack {
        name: "key-flood",
        summary: "30 players pressing keys as fast as they can",
        run: key_flood::run,
    },
    Attack {
        name: "echo-flood",
        summary: "one client flooding the echo example",
        run: echo_flood::run,
    },
    Attack {
        name: "memory",
        summary: "18,000 players arrive, then leave",
        run: memory::run,
    },
];
