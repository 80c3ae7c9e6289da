//! [`PlainView`]: the seed's plain frames (R20), for clients that speak no
//! telnet and for the classic game.

use super::{Message, Scene, Scratch, View};

/// Whole plain frames: the shared frame (with the round and scores lines
/// in the full game), then the client's own line.
#[derive(Debug, Default)]
pub struct PlainView {
    /// The number of the last frame sent.
    sent: u64,
}

impl PlainView {
    /// A view that has sent nothing yet.
    pub fn new() -> Self {
        PlainView::default()
    }
}

impl View for PlainView {
    fn show<'a>(&mut self, scene: &Scene<'a>, scratch: &'a mut Scratch) -> Option<Message<'a>> {
        let frame = scene.frame;
        let mode = frame.mode();
        if self.sent == frame.number() && !mode.repaints() {
            return None;
        }
        self.sent = frame.number();
        if !mode.status_lines() {
            return Some(Message::new(frame.plain(), &[]));
        }
        scene.you_line(&mut scratch.line);
        scratch.line.extend_from_slice(b"\r\n");
        Some(Message::new(frame.plain(), &scratch.line))
    }

    fn resize(&mut self, _width: u16, _height: u16) {}

    fn farewell(&self, message: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(message);
        out.extend_from_slice(b"\r\n");
    }
}
