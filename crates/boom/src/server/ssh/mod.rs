//! boom over SSH: `ssh -p 2222 NAME@HOST` plays at once, with no password
//! or key asked for (any `none`, password or public-key login is
//! accepted, as sshtron does); the login name becomes the player's name.
//!
//! The SSH protocol runs on `russh`, on a tokio runtime of its own
//! thread; each player's session channel is bridged
//! ([`weft::bridge`]) to an ordinary player protocol on the reactor that
//! holds the player's arena, so SSH players meet telnet players in the
//! same arenas and get the same ANSI view and keys.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`front_end`] | [`SshServer`]: listening, each connection's login deadline, the count of connections |
//! | `handler` | one SSH connection: authentication, the terminal's requests, its game |
//! | [`entrances`] | [`Entrances`]: the gateway to each reactor's session, and where a newcomer goes |
//! | [`player`] | one SSH player's protocol on the reactor: [`Login`] in, window sizes |
//! | [`host_key`] | the server's host key: made on first start, then kept in a file |
//! | `severable` | streams cut from outside: every connection, and its game's channel, ends within a bound |
//!
//! How a connection goes:
//! - Authentication: `none`, any password, any public key are accepted
//!   (keyboard-interactive is refused); a client that fails more than
//!   [`MAX_AUTH_ATTEMPTS`] times is disconnected.
//! - A session channel (one per connection) with a `pty-req` gives the
//!   window size; `shell` or `exec` (the command is ignored) starts the
//!   game, with or without a pty (a default size then). `window-change`
//!   resizes the view. When the game ends (`q`, Ctrl-C, the server going
//!   down, or a client too slow to read its frames) the terminal is
//!   restored, the channel closed with exit status 0, and the connection
//!   cut if the client has not closed it within a few seconds.
//! - A connection that has not started a game within the join timeout
//!   ([`super::Options::join_timeout`]) is disconnected; garbage instead
//!   of the SSH protocol ends the connection at once; one address holds
//!   at most [`super::Options::max_per_address`] connections, telnet and
//!   SSH together (the next is closed before the SSH greeting).

pub mod entrances;
pub mod front_end;
mod handler;
pub mod host_key;
pub mod player;
mod severable;

pub use entrances::Entrances;
pub use front_end::SshServer;
pub use player::{Login, WindowSize};

/// Failed authentications after which a client is disconnected.
pub const MAX_AUTH_ATTEMPTS: usize = 6;
