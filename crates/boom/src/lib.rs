//! boom: a multiplayer bomb game played over telnet — the rules engine and
//! its renderers.
//!
//! [`game`] is the whole rule set as a library that does no I/O and never
//! reads a clock: an [`Arena`] is told the time (a [`std::time::Duration`]
//! since it was created) by [`Arena::advance`] and [`Arena::act`], and
//! reports what happened as [`Event`]s. A server drives it like this:
//!
//! ```
//! use std::time::Duration;
//! use boom::{Action, Arena, Config, Direction};
//!
//! let mut arena = Arena::new(Config::classic()).unwrap();
//! let alice = arena.join("alice");
//! arena.act(alice, Action::Move(Direction::Right), Duration::ZERO).unwrap();
//! arena.act(alice, Action::DropBomb, Duration::ZERO).unwrap();
//! arena.act(alice, Action::Move(Direction::Left), Duration::ZERO).unwrap();
//! // Sleep until something happens by itself: the fuse (2 s).
//! let deadline = arena.next_deadline().unwrap();
//! assert_eq!(deadline, Duration::from_secs(2));
//! arena.advance(deadline);
//! for (at, event) in arena.drain_events() {
//!     // react: send frames, log, …
//!     let _ = (at, event);
//! }
//! let frame = boom::render::plain::frame(&arena);
//! assert!(frame.starts_with(b"+-----------+\r\n"));
//! ```
//!
//! What a server (one arena per game, on a single-threaded reactor) uses:
//!
//! | call | what it is for |
//! | --- | --- |
//! | [`Arena::new`]`(Config)` | a game: [`Config::classic`] is the seed's, [`Config::default`] the full one |
//! | [`Arena::join`]`(name) -> PawnId` / [`Arena::leave`]`(id)` | a connection opens / closes |
//! | [`Arena::add_bot`]`(name) -> PawnId` | a computer player the arena moves itself |
//! | [`Arena::act`]`(id, Action, now)` | a key was pressed; refusals are typed ([`ActionError`]) and can be ignored |
//! | [`Arena::advance`]`(now)` / [`Arena::next_deadline`] | run the timeline; sleep until the next thing happens |
//! | [`Arena::drain_events`] | what happened, in order, with times ([`Event`]) |
//! | [`Arena::version`] | changes when anything visible changed: send frames only then |
//! | [`Arena::pawns`], [`Arena::round`], [`Arena::board`], [`Arena::bombs`], [`Arena::fires`] | read access for renderers and status lines |
//! | [`render::plain::frame`] / [`render::plain::write_frame`] | the R20 frame as bytes |
//!
//! [`render`] turns an arena into what players see: [`render::cells`] is
//! the one place that decides what a tile shows, [`render::plain`] writes
//! the seed's ASCII frame (R20), [`render::ansi`] colours it, clips it to
//! the window and redraws only what changed.
//!
//! [`server`] is the game over telnet: a session core
//! ([`server::Session`]) that, like the rules, does no I/O and reads no
//! clock — it is told what each player did and when, and answers with the
//! bytes for each player — and a thin shell on a weft reactor
//! ([`server::Server`]) that feeds it from sockets, shared by the `boom`
//! command (`cargo run --release -p boom`, then `telnet HOST 8900`) and
//! the tests (which also run it on a fake clock, without sockets).
#![deny(missing_docs)]

pub mod game;
pub mod render;
pub mod server;

pub use game::{
    Action, ActionError, Arena, Board, Config, Direction, Event, IllegalMoveReason, PawnId, Pos,
    PowerUp, RoundState, Tile,
};
