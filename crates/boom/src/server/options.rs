//! The server's settings: which game, where to listen, how to draw it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use weft::EndpointError;
use weft::endpoints::ServerEndpoint;
use weft::protocols::http::HttpLimits;

use crate::game::{Config, RoundRules, spawn_points};

/// How frames are drawn for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderMode {
    /// ANSI for clients that speak telnet, plain for the others (see
    /// [`crate::server`] for how a client is recognised).
    Auto,
    /// Colours and cursor addressing for every client.
    Ansi,
    /// The seed's plain frame (R20) for every client.
    Plain,
}

impl FromStr for RenderMode {
    type Err = RenderModeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "auto" => Ok(RenderMode::Auto),
            "ansi" => Ok(RenderMode::Ansi),
            "plain" => Ok(RenderMode::Plain),
            _ => Err(RenderModeError(text.to_owned())),
        }
    }
}

/// A render mode that is not `auto`, `ansi` or `plain`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid render mode '{0}': expected auto, ansi or plain")]
pub struct RenderModeError(pub String);

/// A board size written `WIDTHxHEIGHT`, such as `11x11`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardSize {
    /// Tiles across.
    pub width: usize,
    /// Tiles down.
    pub height: usize,
}

impl fmt::Display for BoardSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl BoardSize {
    /// The longest side a server accepts: the rules allow larger boards,
    /// but opening an arena on one (about 10 ms at 256 × 256, 20 times
    /// that at 1024 × 1024) would hold up every player's frames.
    pub const MAX_SIDE: usize = 256;
}

/// A board size that did not parse or is out of range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid size '{0}': expected WIDTHxHEIGHT with each side 1 to {max}, like 11x11", max = BoardSize::MAX_SIDE)]
pub struct BoardSizeError(pub String);

impl FromStr for BoardSize {
    type Err = BoardSizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || BoardSizeError(text.to_owned());
        let (w, h) = text.split_once(['x', 'X']).ok_or_else(error)?;
        let width: usize = w.trim().parse().map_err(|_| error())?;
        let height: usize = h.trim().parse().map_err(|_| error())?;
        let side = 1..=BoardSize::MAX_SIDE;
        if !side.contains(&width) || !side.contains(&height) {
            return Err(error());
        }
        Ok(BoardSize { width, height })
    }
}

/// Where to listen: an endpoint as the user wrote it (such as
/// `tcp:port=8900:interface=127.0.0.1`) and as parsed. Messages about it
/// quote the user's words ([`fmt::Display`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenEndpoint {
    text: String,
    endpoint: ServerEndpoint,
}

impl ListenEndpoint {
    /// The parsed endpoint.
    pub fn endpoint(&self) -> &ServerEndpoint {
        &self.endpoint
    }
}

impl FromStr for ListenEndpoint {
    type Err = EndpointError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(ListenEndpoint {
            endpoint: text.parse()?,
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for ListenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Everything the server needs to know, with the defaults of `boom`
/// without arguments ([`Options::default`]) or of `boom --classic`
/// ([`Options::classic`]).
#[derive(Clone, Debug)]
pub struct Options {
    /// The seed's game (R1–R20) instead of the full one.
    pub classic: bool,
    /// Where to listen (default `tcp:8900`).
    pub endpoints: Vec<ListenEndpoint>,
    /// Where the web front end listens (default: nowhere).
    pub web: Vec<ListenEndpoint>,
    /// What the web front end tolerates of a request (weft's defaults:
    /// heads of 8 KiB within 10 s, messages of 16 KiB).
    pub web_limits: HttpLimits,
    /// The board size (default 11 × 11).
    pub size: BoardSize,
    /// A new pawn's fuse (default 2 s).
    pub fuse: Duration,
    /// How long a fire burns (default 1 s).
    pub burn: Duration,
    /// The shortest time between two frames to a client (default 50 ms;
    /// in the classic game, the repaint period, default 200 ms).
    pub frame_interval: Duration,
    /// How frames are drawn.
    pub render: RenderMode,
    /// Bots added to every arena; `None`: one bot keeps a lone player
    /// company (full game only).
    pub bots: Option<usize>,
    /// Players (humans) per arena before the next arena opens (8; in the
    /// classic game, no limit: everyone shares one board).
    pub max_players: usize,
    /// Seed of the games' random choices.
    pub seed: u64,
    /// A client whose output stays paused (it does not read) this long is
    /// disconnected.
    pub stall_limit: Duration,
    /// A connection that neither presses a key nor speaks telnet this long
    /// after opening is closed (default 60 s). Players who answered are
    /// never closed for being quiet.
    pub join_timeout: Duration,
    /// The most connections one IP address may hold at once (default 32);
    /// the next one is told so and closed.
    pub max_per_address: usize,
    /// The round cycle's settings in the full game; `None` for the
    /// default ones (3 s countdown, 3 s pause, 3 minutes at most).
    pub rounds: Option<RoundRules>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            classic: false,
            endpoints: vec!["tcp:8900".parse().expect("a valid endpoint")],
            web: Vec::new(),
            web_limits: HttpLimits::default(),
            size: BoardSize {
                width: 11,
                height: 11,
            },
            fuse: Duration::from_secs(2),
            burn: Duration::from_secs(1),
            frame_interval: Duration::from_millis(50),
            render: RenderMode::Auto,
            bots: None,
            max_players: 8,
            seed: 0,
            stall_limit: Duration::from_secs(10),
            join_timeout: Duration::from_secs(60),
            max_per_address: 32,
            rounds: None,
        }
    }
}

impl Options {
    /// The seed's game: classic rules, plain frames every 0.2 s, everyone
    /// on one board.
    pub fn classic() -> Self {
        Options {
            classic: true,
            frame_interval: Duration::from_millis(200),
            render: RenderMode::Plain,
            max_players: usize::MAX,
            ..Options::default()
        }
    }

    /// The most bots an arena holds: one per spawn point of the board (so
    /// that each starts on a tile of its own), no more than
    /// [`Options::max_players`] and [`Options::MAX_BOTS`].
    pub fn max_bots(&self) -> usize {
        let limit = self.max_players.min(Options::MAX_BOTS);
        spawn_points(self.size.width, self.size.height, limit).len()
    }

    /// The most bots any arena holds, whatever its board.
    pub const MAX_BOTS: usize = 256;

    /// The rules of one arena, seeded with `seed`.
    pub fn game_config(&self, seed: u64) -> Config {
        let base = if self.classic {
            Config::classic()
        } else {
            Config::default()
        };
        let rounds = match (self.classic, self.rounds) {
            (false, Some(rules)) => Some(rules),
            _ => base.rounds,
        };
        Config {
            fuse: self.fuse,
            burn_time: self.burn,
            rounds,
            ..base
        }
        .with_size(self.size.width, self.size.height)
        .with_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_name_the_form() {
        assert_eq!(
            "20x10".parse::<BoardSize>(),
            Ok(BoardSize {
                width: 20,
                height: 10
            })
        );
        for bad in ["", "11", "0x5", "ax3", "5x99999", "257x10"] {
            let error = bad.parse::<BoardSize>().unwrap_err().to_string();
            assert!(error.contains("WIDTHxHEIGHT"), "{error}");
        }
    }

    #[test]
    fn render_modes_parse() {
        assert_eq!("ansi".parse(), Ok(RenderMode::Ansi));
        assert!("colour".parse::<RenderMode>().is_err());
    }

    #[test]
    fn an_arena_holds_a_bot_per_spawn_point_and_no_more_than_its_players() {
        let options = Options::default();
        assert_eq!(options.max_bots(), 8);
        let small = Options {
            size: "3x3".parse().unwrap(),
            ..Options::classic()
        };
        assert_eq!(small.max_bots(), 4);
    }

    #[test]
    fn the_classic_options_give_the_classic_rules() {
        let config = Options::classic().game_config(0);
        assert_eq!(config, Config::classic());
    }
}
