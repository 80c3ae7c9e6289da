//! The game over telnet: a session core that does no I/O and reads no
//! clock, and a thin socket shell that feeds it.
//!
//! The core ([`Session`]) is told "player P joined / typed these bytes /
//! resized / spoke telnet / stopped or resumed reading / left, at time t"
//! and "tick at t", and answers through an [`Outbox`] with the bytes for
//! each player and the connections to close. The shell ([`Server`]) is a
//! weft [`Factory`](weft::Factory) of per-connection protocols that feed
//! the core and write what it answers, plus listening and a frame tick on
//! a scheduler (the reactor, or [`weft::testing::Clock`] in tests).
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`session`] | **the core**: players, arenas, input, the frame tick, going down |
//! | `served_arena` | one arena as served: its clock, players, bots, shared frame |
//! | [`frame`] | one arena's frame, rendered once per tick for all its clients |
//! | [`view`] | **where a frame is drawn for a client**: one view per kind of client (plain, ANSI) |
//! | [`mode`] | the classic game or the full one: everything that differs in serving them |
//! | `input` | a player's input, bounded per tick |
//! | [`keys`] | **where a byte gets read**: keys to actions, split-safe |
//! | [`outbox`] | what the core tells the shell: bytes to send, connections to close |
//! | [`work`] | what one tick did, counted |
//! | [`names`] | A … Z, AA, AB …: unique names |
//! | [`status`] | the status lines under the board |
//! | [`server`](self::Server) | **the shell**: the [`Server`], its factory, listening, the tick |
//! | `shell` | the shell's shared state: the core, the transports, the clock |
//! | [`connection`] | one connection's protocol (a telnet application, or a page's WebSocket) |
//! | [`web`] | the web front end: the page, its WebSocket, the arenas to watch |
//! | [`ssh`] | the SSH front end: russh on a tokio thread, bridged to players on the reactors |
//! | [`options`] | the settings and their parsers |
//! | [`stats`] | live counters, for other threads |
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
//! - **Input** is bounded: in each frame interval a player's first few
//!   actions are applied (at least 8, and 40 a second), the rest dropped;
//!   bytes past a bound are only scanned for `q`. One player, however fast
//!   it types, cannot take the frame rate of the others, and one tick's
//!   work stays bounded.
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
//!   video; a board larger than the window is clipped to it, following
//!   the player's pawn; the status lines (round, count-down and how many
//!   are alive; scores, with the dead in lower case as on the board; your
//!   pawn; the keys) are centred under the board.
//! - **Frames** come from one timer for the whole server (the frame
//!   interval): each arena's frame is rendered once per tick when
//!   something changed, and the same bytes go to every plain client.

pub mod connection;
pub mod error;
pub mod frame;
mod input;
pub mod keys;
mod limits;
pub mod lobby;
pub mod mode;
pub mod names;
pub mod options;
pub mod outbox;
mod served_arena;
#[allow(clippy::module_inception)]
mod server;
pub mod session;
mod shell;
pub mod ssh;
pub mod stats;
pub mod status;
pub mod view;
pub mod web;
pub mod work;

pub use error::ServerError;
pub use limits::raise_open_file_limit;
pub use lobby::Lobby;
pub use options::{BoardSize, ListenEndpoint, Options, RenderMode};
pub use outbox::{Close, Mailbox, Outbox};
pub use server::{Server, telnet_policy};
pub use session::{ArenaSummary, PlayerId, Session};
pub use stats::Stats;
pub use web::WebSite;
pub use work::Work;
