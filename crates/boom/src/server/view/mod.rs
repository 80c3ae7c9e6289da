//! What each kind of client is sent: a [`View`] per connection turns its
//! arena's [`SharedFrame`] into that client's bytes.
//!
//! | file | kind of client |
//! | --- | --- |
//! | [`plain`] | the seed's plain frames (`nc`, `--render plain`, the classic game) |
//! | [`ansi`] | colours and cursor addressing, only the cells that changed (telnet) |
//! | [`web`] | the browser page's messages: a snapshot, then the cells and lines that changed |
//!
//! A new kind of client is one more implementation of [`View`]; the
//! session core picks a terminal's view when a player joins and when its
//! client turns out to speak telnet, and other front ends hand theirs to
//! [`Session::join_with`](super::Session::join_with) or
//! [`Session::watch`](super::Session::watch).

pub mod ansi;
pub mod plain;
pub mod web;

use crate::game::{Arena, PawnId};

use super::frame::SharedFrame;
use super::status;

pub use ansi::AnsiView;
pub use plain::PlainView;
pub use web::WebView;

/// What a view draws from: the shared frame of the viewer's arena, the
/// arena, and the viewer's pawn.
#[derive(Clone, Copy)]
pub struct Scene<'a> {
    /// The arena's frame, rendered once for all its viewers.
    pub frame: &'a SharedFrame,
    /// The arena itself, for the viewer's own line.
    pub arena: &'a Arena,
    /// The viewer's pawn; `None` for a watcher.
    pub pawn: Option<PawnId>,
}

impl Scene<'_> {
    /// Replaces `out` with the viewer's own status line.
    pub fn you_line(&self, out: &mut Vec<u8>) {
        match self.pawn {
            Some(pawn) => status::you_line(self.arena, pawn, out),
            None => {
                out.clear();
                out.extend_from_slice(status::WATCHING);
            }
        }
    }
}

/// Buffers the views of one session share, reused from one client to the
/// next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// One client's own status line.
    pub line: Vec<u8>,
    /// One client's update.
    pub out: Vec<u8>,
}

/// One write for a client: one or two byte slices, in order (a plain
/// client gets the shared frame and then its own line, without copying
/// the frame).
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    parts: [&'a [u8]; 2],
}

impl<'a> Message<'a> {
    /// `first`, then `second` (which may be empty).
    pub fn new(first: &'a [u8], second: &'a [u8]) -> Self {
        Message {
            parts: [first, second],
        }
    }

    /// The slices to write, empty ones left out.
    pub fn parts(&self) -> &[&'a [u8]] {
        match self.parts {
            [_, []] => &self.parts[..1],
            _ => &self.parts,
        }
    }
}

/// What one client is sent, and what it shows now.
///
/// Contract: [`show`](Self::show) is called once per frame tick while the
/// client reads; it returns nothing when the client already shows the
/// scene (so an unchanged arena costs no bytes), except that a
/// [repainting](super::mode::Mode::repaints) mode's plain clients get the
/// whole frame at every tick.
pub trait View {
    /// The bytes that bring the client up to date with `scene`, if any;
    /// they may borrow from the scene's frame and from `scratch`.
    fn show<'a>(&mut self, scene: &Scene<'a>, scratch: &'a mut Scratch) -> Option<Message<'a>>;

    /// The client's window is now `width` × `height` (0: unknown).
    fn resize(&mut self, width: u16, height: u16);

    /// Appends the last words before the connection closes: the terminal
    /// given back as it was, then `message` on a line of its own.
    fn farewell(&self, message: &[u8], out: &mut Vec<u8>);
}
