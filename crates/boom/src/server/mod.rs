//! The game over telnet: a weft [`Factory`](weft::Factory) of per-player
//! protocols, one shared hub, and one frame tick.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`server`](self::Server) | the [`Server`]: listening, the tick, shutting down |
//! | `hub` | the shared state: games, players, names, sending frames |
//! | `game` | one arena as served: its clock, players, frame rendered once |
//! | [`player`] | one connection's protocol (a telnet application) |
//! | [`keys`] | **where a byte gets read**: keys to actions, split-safe |
//! | [`names`] | A … Z, AA, AB …: unique names |
//! | [`status`] | the status lines under the board |
//! | [`options`] | the settings and their parsers |
//! | [`stats`] | live counters |
//! | `limits` | the open-file limit a server with many players needs |
//! | [`error`] | typed errors |
//!
//! How it behaves:
//! - **Classic** ([`Options::classic`]): the seed's game (R1–R20). Pawns
//!   A, B, C … (wrapping after Z) at (0, 0); `wasd` and `e`, every other
//!   byte ignored (`q` too); the whole plain frame to everyone every
//!   0.2 s.
//! - **Full game** ([`Options::default`]): rounds, spread spawns,
//!   power-ups, a speed limit; names unique among connected players; arrow
//!   keys, `wasd`, `hjkl`, `e`/space, `q` to leave; a frame goes to a
//!   client only when something it shows changed, at most every frame
//!   interval. Arenas hold `max_players` humans; the next player opens a
//!   new arena. With one human and no `--bots`, a bot keeps them company;
//!   it leaves when a second human arrives and comes back when one is
//!   alone again.
//! - **Render detection** (`--render auto`): every client starts with
//!   plain frames. The server opens with telnet negotiation (WILL ECHO,
//!   WILL SGA, DO NAWS, WONT LINEMODE); a telnet client answers it at once,
//!   and the first telnet message received from a client (any `IAC`
//!   sequence) switches it to ANSI: the screen is cleared and drawn anew.
//!   A client that never speaks telnet (`nc`) keeps plain frames.
//! - **Slow clients**: each connection's queue has flow-control marks;
//!   while it is paused (the client does not read), its frames are
//!   skipped (an ANSI client catches up with one diff afterwards) and its
//!   input is not read (so telnet answers to its requests cannot pile
//!   up); a client paused longer than [`Options::stall_limit`] is
//!   disconnected, and a queue past the hard limit is aborted by the
//!   reactor.
//! - **ANSI screens**: the board is drawn once, then only the cells that
//!   changed, compared with what that client was last sent; each player's
//!   pawn has its colour, and a player's own pawn is drawn in reverse
//!   video; the status lines (round, count-down and how many are alive;
//!   scores, with the dead in lower case as on the board; your pawn; the
//!   keys) are centred under the board.
//! - **Frames** come from one reactor timer for the whole server (the
//!   frame interval): each arena's frame is rendered once per tick when
//!   something changed, and the same bytes go to every plain client.

pub mod error;
mod game;
mod hub;
pub mod keys;
mod limits;
pub mod names;
pub mod options;
pub mod player;
#[allow(clippy::module_inception)]
mod server;
pub mod stats;
pub mod status;

pub use error::ServerError;
pub use limits::raise_open_file_limit;
pub use options::{BoardSize, Options, RenderMode};
pub use server::{Server, telnet_policy};
pub use stats::Stats;
