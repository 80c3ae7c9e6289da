//! The rules' settings: [`Config::classic`] is the seed's game exactly,
//! [`Config::default`] the full game (rounds, spread spawns, power-ups,
//! speed limit).

use std::time::Duration;

use super::board::Board;
use super::error::ConfigError;

/// Where pawns are put on the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnRule {
    /// Every pawn at `(0, 0)`, as the seed's server does (R17).
    Origin,
    /// Corners first, then the middles of the edges, then inner points
    /// spread over the board (see [`crate::game::spawn_points`]).
    Spread,
}

/// Settings of the round cycle: waiting → countdown → playing → over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundRules {
    /// How many pawns (humans or bots) must be present for a countdown to
    /// start. At least 2 is sensible; 0 and 1 are treated as 2.
    pub min_pawns: usize,
    /// Time between the countdown's start and play.
    pub countdown: Duration,
    /// Time between a round's end and the next board.
    pub pause: Duration,
    /// A round still running after this long ends in a draw; `None` for no
    /// limit.
    pub time_limit: Option<Duration>,
}

/// Settings of the power-ups hidden under SOFT tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerUpRules {
    /// Share (percent) of SOFT tiles hiding a power-up.
    pub percent: u32,
    /// The most bombs a pawn can own.
    pub max_bombs: u32,
    /// The largest flame size a pawn can reach.
    pub max_flame: u32,
    /// The highest speed (tiles per second) a pawn can reach.
    pub max_speed: u32,
}

impl Default for PowerUpRules {
    /// The full game's: power-ups under 25% of SOFT tiles, at most 8 bombs,
    /// flame 10 and 12 tiles per second. A power-up put on a board by hand
    /// in a game without power-up rules obeys these caps.
    fn default() -> PowerUpRules {
        PowerUpRules {
            percent: 25,
            max_bombs: 8,
            max_flame: 10,
            max_speed: 12,
        }
    }
}

/// Every setting of one arena.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Board width in tiles (1 to [`Config::MAX_SIDE`]).
    pub width: usize,
    /// Board height in tiles (1 to [`Config::MAX_SIDE`]).
    pub height: usize,
    /// How long a fire burns (R14).
    pub burn_time: Duration,
    /// A new pawn's fuse (R4).
    pub fuse: Duration,
    /// A new pawn's bombs (R4: 1).
    pub start_bombs: u32,
    /// A new pawn's flame size (R4: 1).
    pub start_flame: u32,
    /// Where pawns are put.
    pub spawn: SpawnRule,
    /// The round cycle, or `None` for one endless game (the seed's).
    pub rounds: Option<RoundRules>,
    /// Power-ups, or `None` for none (a power-up put on a board by hand
    /// then obeys [`PowerUpRules::default`]'s caps).
    pub powerups: Option<PowerUpRules>,
    /// Tiles per second a pawn may move; faster moves are refused with
    /// [`crate::game::ActionError::TooSoon`]. `None`: no limit.
    pub speed: Option<u32>,
    /// How many times per second a bot acts when [`Config::speed`] is
    /// `None` (otherwise bots act at their own speed).
    pub bot_speed: u32,
    /// Seed of every random choice (boards, power-ups, bots): one seed,
    /// one game.
    pub seed: u64,
}

impl Config {
    /// The largest accepted board side.
    pub const MAX_SIDE: usize = Board::MAX_SIDE;

    /// The seed's game exactly: 11 × 11, everyone inserted at `(0, 0)`, no
    /// rounds, no power-ups, no speed limit, fuse 2 s, burn 1 s.
    pub fn classic() -> Config {
        Config {
            width: 11,
            height: 11,
            burn_time: Duration::from_secs(1),
            fuse: Duration::from_secs(2),
            start_bombs: 1,
            start_flame: 1,
            spawn: SpawnRule::Origin,
            rounds: None,
            powerups: None,
            speed: None,
            bot_speed: 6,
            seed: 0,
        }
    }

    /// This configuration with another board size.
    pub fn with_size(mut self, width: usize, height: usize) -> Config {
        self.width = width;
        self.height = height;
        self
    }

    /// This configuration with another seed.
    pub fn with_seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    /// Checks the settings an arena cannot work with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let side = 1..=Config::MAX_SIDE;
        if !side.contains(&self.width) || !side.contains(&self.height) {
            return Err(ConfigError::BoardSize {
                width: self.width,
                height: self.height,
            });
        }
        if self.speed == Some(0) || self.bot_speed == 0 {
            return Err(ConfigError::ZeroSpeed);
        }
        if self.rounds.and_then(|r| r.time_limit) == Some(Duration::ZERO) {
            return Err(ConfigError::ZeroTimeLimit);
        }
        Ok(())
    }
}

impl Default for Config {
    /// The full game: 11 × 11, spawns spread over the board, rounds (3 s
    /// countdown, 3 s pause, 3 minutes at most), power-ups under 25% of
    /// SOFT tiles, 6 tiles per second.
    fn default() -> Config {
        Config {
            spawn: SpawnRule::Spread,
            rounds: Some(RoundRules {
                min_pawns: 2,
                countdown: Duration::from_secs(3),
                pause: Duration::from_secs(3),
                time_limit: Some(Duration::from_secs(180)),
            }),
            powerups: Some(PowerUpRules::default()),
            speed: Some(6),
            ..Config::classic()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_is_the_seed_game() {
        let c = Config::classic();
        assert_eq!((c.width, c.height), (11, 11));
        assert_eq!(c.spawn, SpawnRule::Origin);
        assert!(c.rounds.is_none() && c.powerups.is_none() && c.speed.is_none());
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn bad_sizes_and_speeds_are_refused() {
        assert!(Config::classic().with_size(0, 5).validate().is_err());
        assert!(Config::classic().with_size(5, 5000).validate().is_err());
        let c = Config {
            speed: Some(0),
            ..Config::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::ZeroSpeed));
        let mut rules = Config::default().rounds.unwrap();
        rules.time_limit = Some(Duration::ZERO);
        let c = Config {
            rounds: Some(rules),
            ..Config::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::ZeroTimeLimit));
    }
}
