//! [`AnsiView`]: colours and cursor addressing for terminals, sending only
//! the cells that changed ([`crate::render::ansi::Screen`]).

use crate::render::ansi::Screen;

use super::super::status::CONTROLS;
use super::{Message, Scene, Scratch, View};

/// ANSI updates against what the client's screen shows.
#[derive(Debug, Default)]
pub struct AnsiView {
    screen: Screen,
    /// The number of the last frame drawn.
    sent: u64,
}

impl AnsiView {
    /// A view for a window `width` × `height` (0: unknown), drawn in full
    /// at its first update.
    pub fn new(width: u16, height: u16) -> Self {
        let mut view = AnsiView::default();
        view.screen.resize(width, height);
        view
    }
}

impl View for AnsiView {
    fn show<'a>(&mut self, scene: &Scene<'a>, scratch: &'a mut Scratch) -> Option<Message<'a>> {
        let frame = scene.frame;
        if self.sent == frame.number() && !self.screen.needs_redraw() {
            return None;
        }
        self.sent = frame.number();
        let picture = frame.picture(scene.arena, scene.pawn);
        let Scratch { line, out } = scratch;
        out.clear();
        if frame.mode().status_lines() {
            scene.you_line(line);
            let [round, scores] = frame.shared_status();
            let lines = [round, scores, line.as_slice(), CONTROLS];
            self.screen.update(&picture, &lines, out);
        } else {
            self.screen.update(&picture, &[], out);
        }
        (!out.is_empty()).then(|| Message::new(out, &[]))
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.screen.resize(width, height);
        self.sent = 0;
    }

    fn farewell(&self, message: &[u8], out: &mut Vec<u8>) {
        self.screen.restore(message, out);
    }
}
