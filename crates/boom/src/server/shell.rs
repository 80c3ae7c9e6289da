//! [`Shell`]: the state the socket shell's connections share — the session
//! core, each player's transport, and the clock that tells the session the
//! time.

use std::time::{Duration, Instant};

use weft::time::{Scheduler, Timers};
use weft::{Transport, WriteLimits};

use super::connection::Entrance;
use super::outbox::{Close, Outbox};
use super::session::{PlayerId, Session};
use super::view::WebView;
use super::work::Work;

/// Flow control of a player's connection: frames are skipped while more
/// than `HIGH_WATER` bytes wait, and a connection whose queue passes the
/// hard limit is dropped.
const HIGH_WATER: usize = 32 * 1024;
const LOW_WATER: usize = 8 * 1024;

/// The session core with what it needs from the outside world: the time
/// (from a [`Timers`] handle: the reactor's, or a test clock's) and the
/// transports its output goes to.
pub(crate) struct Shell {
    session: Session,
    transports: Transports,
    timers: Timers,
    /// The instant of the session's time 0.
    epoch: Instant,
}

/// The players' transports, by [`PlayerId::index`]: the [`Outbox`] of the
/// socket shell.
#[derive(Default)]
struct Transports(Vec<Option<Transport>>);

impl Transports {
    fn get(&self, player: PlayerId) -> Option<&Transport> {
        self.0.get(player.index()).and_then(Option::as_ref)
    }

    fn insert(&mut self, player: PlayerId, transport: Transport) {
        let index = player.index();
        if self.0.len() <= index {
            self.0.resize(index + 1, None);
        }
        self.0[index] = Some(transport);
    }

    fn remove(&mut self, player: PlayerId) {
        if let Some(slot) = self.0.get_mut(player.index()) {
            *slot = None;
        }
    }
}

impl Outbox for Transports {
    fn send(&mut self, player: PlayerId, parts: &[&[u8]]) {
        match (self.get(player), parts) {
            (Some(transport), [one]) => transport.write(one),
            (Some(transport), _) => transport.write_vectored(parts),
            (None, _) => {}
        }
    }

    fn close(&mut self, player: PlayerId, how: Close) {
        match (self.get(player), how) {
            (Some(transport), Close::AfterSending) => transport.lose_connection(),
            (Some(transport), Close::Abort) => transport.abort_connection(),
            (None, _) => {}
        }
    }
}

impl Shell {
    /// `session`, told the time by `timers` from now on.
    pub fn new(session: Session, timers: Timers) -> Self {
        Shell {
            session,
            transports: Transports::default(),
            epoch: timers.now(),
            timers,
        }
    }

    /// The session's time now.
    fn now(&self) -> Duration {
        self.timers.now().saturating_duration_since(self.epoch)
    }

    /// The session core.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A connection opened on `transport`: its flow-control marks are set
    /// (a hard limit room for a few whole frames) and it comes in by
    /// `entrance`; `None` when that is closed (the arena to watch is gone).
    pub fn enter(&mut self, transport: Transport, entrance: &Entrance) -> Option<PlayerId> {
        let size = self.session.options().size;
        transport.set_write_limits(WriteLimits {
            high: HIGH_WATER,
            low: LOW_WATER,
            max: Some(HIGH_WATER + 24 * size.width * size.height + 64 * 1024),
        });
        let now = self.now();
        let player = match entrance {
            Entrance::Terminal { name } => Some(self.session.join_as(now, name.as_deref())),
            Entrance::Web { name } => Some(self.session.join_with(
                now,
                name.as_deref(),
                Box::new(WebView::new()),
            )),
            Entrance::Watch { arena } => self.session.watch(*arena, Box::new(WebView::new())),
        }?;
        self.transports.insert(player, transport);
        Some(player)
    }

    /// The connection of `player` ended.
    pub fn leave(&mut self, player: PlayerId) {
        self.session.leave(player);
        self.transports.remove(player);
        if self.session.is_empty() {
            self.transports = Transports::default();
        }
    }

    /// `player` typed `bytes`.
    pub fn keys(&mut self, player: PlayerId, bytes: &[u8]) {
        let now = self.now();
        self.session.keys(player, bytes, now, &mut self.transports);
    }

    /// `player`'s client spoke telnet.
    pub fn telnet_spoken(&mut self, player: PlayerId) {
        self.session.telnet_spoken(player);
    }

    /// `player`'s window is `width` × `height`.
    pub fn resize(&mut self, player: PlayerId, width: u16, height: u16) {
        self.session.resize(player, width, height);
    }

    /// `player`'s client stopped reading.
    pub fn pause(&mut self, player: PlayerId) {
        let now = self.now();
        self.session.pause(player, now);
    }

    /// `player`'s client reads again.
    pub fn resume(&mut self, player: PlayerId) {
        self.session.resume(player);
    }

    /// One frame tick, now.
    pub fn tick(&mut self) -> Work {
        let now = self.now();
        self.session.tick(now, &mut self.transports)
    }

    /// The server is going down: goodbye to everyone.
    pub fn shut_down(&mut self) {
        self.session.shut_down(&mut self.transports);
    }
}
