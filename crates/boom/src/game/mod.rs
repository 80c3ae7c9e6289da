//! The game's rules, with no I/O and no wall clock.
//!
//! One concept per file:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`position`] | coordinates and directions |
//! | [`board`] | tiles, board generation (R1, R2), making room (R5) |
//! | [`pawn`] | pawns (R4, R10) |
//! | [`bomb`] | bombs on the board (R8, R9) |
//! | [`blast`] | **where a bomb explodes**: the blast walk and chain reactions (R11–R13, R16) |
//! | [`fire`] | starting, re-lighting and putting out fires (R14, R15) |
//! | [`arena`] | the engine: joining, acting (R6–R8), the timeline, events |
//! | [`rounds`] | the round cycle: waiting, countdown, playing, over |
//! | [`spawn`] | spawn points spread over the board |
//! | [`powerup`] | the kinds of power-up |
//! | [`layout`] | a round's board: spawn points and power-ups hidden under SOFT tiles |
//! | [`bot`] | computer players |
//! | [`config`] | the classic and the default settings |
//! | [`events`] | what an arena reports |
//! | [`error`] | typed refusals |
//! | [`rng`] | the seeded random generator |

pub mod arena;
pub mod blast;
pub mod board;
pub mod bomb;
pub mod bot;
pub mod config;
pub mod error;
pub mod events;
pub mod fire;
pub mod layout;
pub mod pawn;
pub mod position;
pub mod powerup;
pub mod rng;
pub mod rounds;
pub mod spawn;

pub use arena::{Action, Arena};
pub use board::{Board, Tile};
pub use bomb::Bomb;
pub use config::{Config, PowerUpRules, RoundRules, SpawnRule};
pub use error::{ActionError, ConfigError, IllegalMoveReason};
pub use events::Event;
pub use fire::Fire;
pub use pawn::{Pawn, PawnId};
pub use position::{Direction, Pos};
pub use powerup::PowerUp;
pub use rng::Rng;
pub use rounds::RoundState;
pub use spawn::spawn_points;
