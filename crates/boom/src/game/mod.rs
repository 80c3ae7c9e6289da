//! The game's rules, with no I/O and no wall clock.
//!
//! An [`Arena`] is the public face: it owns a [`World`] (the board, bombs,
//! fires and pawns), the timeline, the round cycle and the bots' [`Brain`],
//! and plays them out over time. Renderers and brains read the world;
//! only the rules below change it.
//!
//! One concept per file, in layers: a file uses only the files it lists
//! under "uses", all of them above it in this table, so no two files use
//! each other, even through others; a file's tests may use any file above
//! it. `tests/layering.rs` checks this table against the `use` lines.
//!
//! | file | what it holds | uses |
//! | --- | --- | --- |
//! | `position` | coordinates and directions | — |
//! | `rng` | the seeded random generator | — |
//! | `powerup` | the kinds of power-up | — |
//! | `board` | tiles and the power-ups under them, board generation (R1, R2), making room (R5) | position, powerup |
//! | `error` | typed refusals | board |
//! | `config` | the classic and the default settings, the power-up caps | board, error |
//! | `spawn` | spawn points spread over the board | position |
//! | `layout` | a round's board: its spawn points and the power-ups hidden under SOFT tiles | board, config, position, powerup, rng, spawn |
//! | `pawn` | pawns (R4, R10) and their kit: bombs, flame, fuse, speed, what power-ups do | config, position, powerup |
//! | `action` | what a player asks for | position |
//! | `events` | what an arena reports | pawn, position, powerup |
//! | `bomb` | a bomb on a tile | pawn |
//! | `fire` | a fire on a tile | — |
//! | `layer` | at most one item per tile, counted (R3) | — |
//! | `occupancy` | who stands on each tile, counted | pawn |
//! | `world` | the board, bombs, fires and pawns at one instant, keeping its own books | board, bomb, fire, layer, occupancy, pawn, position, powerup |
//! | `blast` | **where a bomb explodes**: the blast walk (R12), one tile at a time, for the engine and the bots | board, position, world |
//! | `timeline` | the arena's time, what is due, what happened | events, pawn, position |
//! | `burning` | starting, re-lighting and putting out fires (R14, R15) | events, position, timeline, world |
//! | `explosion` | arming bombs, explosions and their chain reactions (R9, R11–R13, R16) | blast, bomb, burning, events, pawn, position, timeline, world |
//! | `moves` | putting pawns on the board (R5), moves (R6, R7), drops (R8), power-ups taken | board, config, error, events, explosion, position, timeline, world |
//! | `danger` | when fire will be on each tile, as bots foresee it | blast, world |
//! | `bot` | the [`Brain`] trait and [`Bot`], the computer player | action, blast, board, config, danger, pawn, position, rng, timeline, world |
//! | `rounds` | the round cycle as a state machine: waiting, countdown, playing, over | config, events, pawn, timeline |
//! | `arena` | the engine: joining, acting, the timeline run in order, round commands, bots' turns | action, board, bomb, bot, burning, config, error, events, explosion, fire, layout, moves, pawn, position, rounds, timeline, world |

pub mod action;
pub mod arena;
pub mod blast;
pub mod board;
pub mod bomb;
pub mod bot;
mod burning;
pub mod config;
mod danger;
pub mod error;
pub mod events;
mod explosion;
pub mod fire;
mod layer;
pub mod layout;
mod moves;
mod occupancy;
pub mod pawn;
pub mod position;
pub mod powerup;
pub mod rng;
pub mod rounds;
pub mod spawn;
mod timeline;
pub mod world;

pub use action::Action;
pub use arena::Arena;
pub use blast::Blast;
pub use board::{Board, Tile};
pub use bomb::Bomb;
pub use bot::{Bot, Brain};
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
pub use world::{OnTiles, World};
