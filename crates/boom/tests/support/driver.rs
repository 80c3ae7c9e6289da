//! The session core driven by hand: a [`Session`], its mailbox, and the
//! time of the next tick. No sockets, no transports, no clock: each test
//! says what happens at which time and reads what the session answers for
//! each player.

use std::time::Duration;

use boom::server::view::WebView;
use boom::server::{Mailbox, Options, PlayerId, Session, Work};

use super::page::Page;
use super::received::{Frame, Received};

/// A session, its mailbox, and the time of the next tick.
pub struct Driver {
    pub session: Session,
    pub mail: Mailbox,
    pub interval: Duration,
    pub now: Duration,
}

impl Driver {
    pub fn new(options: Options) -> Driver {
        Driver {
            interval: options.frame_interval,
            session: Session::new(options).expect("valid options"),
            mail: Mailbox::new(),
            now: Duration::ZERO,
        }
    }

    pub fn join(&mut self) -> PlayerId {
        self.session.join(self.now)
    }

    /// A browser player who chose `name` on the page.
    pub fn join_web(&mut self, name: &str) -> PlayerId {
        self.session
            .join_with(self.now, Some(name), Box::new(WebView::new()))
    }

    pub fn keys(&mut self, player: PlayerId, bytes: &[u8]) {
        self.session.keys(player, bytes, self.now, &mut self.mail);
    }

    /// The next tick: one interval later.
    pub fn tick(&mut self) -> Work {
        self.now += self.interval;
        self.session.tick(self.now, &mut self.mail)
    }

    /// The last frame `player` was sent since the last look, with
    /// `status` lines after it.
    pub fn frame(&mut self, player: PlayerId, status: usize) -> Option<Frame> {
        let mut received = Received::default();
        received.push(&self.mail.take(player));
        std::iter::from_fn(|| received.frame(status)).last()
    }

    /// What `player` was sent since the last look, as text.
    pub fn take(&mut self, player: PlayerId) -> String {
        String::from_utf8(self.mail.take(player)).expect("text")
    }

    /// Applies what `player` was sent to `page`.
    pub fn update(&mut self, player: PlayerId, page: &mut Page) {
        let text = self.take(player);
        if !text.is_empty() {
            page.apply(&text);
        }
    }
}
