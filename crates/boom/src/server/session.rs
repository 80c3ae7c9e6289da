//! [`Session`]: the game server's core, with no I/O and no clock.
//!
//! It is told what happens — a player joined, sent bytes, resized its
//! window, spoke telnet, stopped or resumed reading, left; a frame tick —
//! each at a time given as a [`Duration`] since the session began, and it
//! answers through an [`Outbox`]: the bytes to send to each player, and
//! the connections to close (after their goodbye, or at once). It never
//! sees a socket, a transport or the wall clock, so it runs the same under
//! the socket shell ([`super::Server`]) and in a test that drives it step
//! by step.

use std::sync::Arc;
use std::time::Duration;

use slab::Slab;
use weft::time::{TimerId, TimerQueue};

use crate::game::{Arena, PawnId};

use super::error::ServerError;
use super::input::{Allowance, Input};
use super::lobby::Lobby;
use super::mode::Mode;
use super::names::HeldName;
use super::options::{Options, RenderMode};
use super::outbox::{Close, Outbox};
use super::served_arena::ServedArena;
use super::stats::Stats;
use super::view::{AnsiView, PlainView, Scene, Scratch, View};
use super::work::Work;

/// What a player who presses `q` is told.
const QUIT_MESSAGE: &[u8] = b"Bye! Thanks for playing boom.";
/// What everyone is told when the server stops.
const GOING_DOWN_MESSAGE: &[u8] = b"The server is going down. Bye!";
/// What a watcher is told when everyone left the arena it watched.
const ARENA_CLOSED_MESSAGE: &[u8] = b"Everyone left this arena: it closed.";

/// A player of a [`Session`], from [`Session::join`] until
/// [`Session::leave`]; the number may be given to a later player after
/// that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlayerId(usize);

impl PlayerId {
    /// A small number, unique among the players present: an index for the
    /// shell's own table of connections.
    pub fn index(self) -> usize {
        self.0
    }
}

/// One player: a pawn in an arena, a view of it, and its input.
struct Player {
    /// The arena the player is in; `None` once it departed (it quit, was
    /// dropped, or the server is going down) and only its connection is
    /// left, until [`Session::leave`].
    arena: Option<usize>,
    /// The player's pawn and the hold on its name; `None` for a watcher,
    /// who only sees the arena.
    pawn: Option<(PawnId, HeldName)>,
    view: Box<dyn View>,
    /// The window size last reported (0: unknown).
    window: (u16, u16),
    /// Whether the client spoke telnet.
    telnet: bool,
    /// Since when the client has not been reading, if it is not.
    paused_since: Option<Duration>,
    /// Until the client presses a key or speaks telnet (somebody is
    /// there), its entry in [`Session::answer_deadlines`].
    unanswered: Option<TimerId>,
    input: Input,
}

impl Player {
    /// A newcomer to arena `arena`, drawn by `view`, reading keys as
    /// `mode` does: a player with `pawn`, or a watcher with none.
    fn new(
        arena: usize,
        pawn: Option<(PawnId, HeldName)>,
        view: Box<dyn View>,
        mode: Mode,
    ) -> Player {
        Player {
            arena: Some(arena),
            pawn,
            view,
            window: (0, 0),
            telnet: false,
            paused_since: None,
            unanswered: None,
            input: Input::new(mode.keys()),
        }
    }
}

/// The game server's state: arenas, players, names; see the [module
/// docs](self).
///
/// Contract with the shell that drives it:
/// - [`join`](Self::join) when a connection opens, [`leave`](Self::leave)
///   exactly once when it ends (whoever closed it);
/// - [`tick`](Self::tick) every [`Options::frame_interval`]; times never go
///   backwards;
/// - what the outbox is told is carried out in order; a connection the
///   session closes keeps its [`PlayerId`] until the shell reports its end
///   with `leave`.
pub struct Session {
    options: Options,
    mode: Mode,
    allowance: Allowance,
    arenas: Slab<ServedArena>,
    players: Slab<Player>,
    /// Players that have not departed.
    playing: usize,
    /// Free seats in the open arenas (saturating: the classic game's one
    /// arena seats everyone).
    free_seats: usize,
    /// What this session shares with the sessions of the server's other
    /// reactors, and its place among them.
    lobby: Arc<Lobby>,
    place: usize,
    /// The players and arenas last added to the shared counters.
    counted: (usize, usize),
    scratch: Scratch,
    /// Arenas opened so far (each gets its own seed).
    opened: u64,
    /// Frame ticks so far.
    ticks: u64,
    /// Work since the last tick.
    work: Work,
    /// When each player that has not answered yet is due to have; an
    /// entry goes as soon as its player answers or leaves, so the queue
    /// holds only connections open now.
    answer_deadlines: TimerQueue<PlayerId, Duration>,
    /// Watchers whose arena closed: told so at the next tick.
    orphans: Vec<PlayerId>,
    going_down: bool,
}

/// One open arena, as [`Session::arenas`] lists it for people choosing
/// one to watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArenaSummary {
    /// The session (reactor) the arena is served by.
    pub place: usize,
    /// The arena's number in its session, to [`watch`](Session::watch)
    /// it by.
    pub key: usize,
    /// Human players in it.
    pub players: usize,
    /// Watchers of it.
    pub watchers: usize,
    /// Its round line (round, count-down, who is alive).
    pub round: String,
    /// Its scores line.
    pub scores: String,
}

impl ArenaSummary {
    /// The arena's name across the server: `PLACE.KEY`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.place, self.key)
    }
}

/// Every how many ticks a session of a pool tells the others its arenas.
const ARENA_LIST_EVERY: u64 = 20;

/// A terminal's view as `--render` asks: ANSI, or plain until the client
/// speaks telnet.
fn terminal_view(render: RenderMode) -> Box<dyn View> {
    match render {
        RenderMode::Ansi => Box::new(AnsiView::new(0, 0)),
        RenderMode::Plain | RenderMode::Auto => Box::new(PlainView::new()),
    }
}

impl Session {
    /// A session with no players yet, on its own; fails when the options'
    /// game settings are unusable.
    pub fn new(options: Options) -> Result<Session, ServerError> {
        let lobby = Lobby::new(1, Mode::new(options.classic));
        Self::in_lobby(options, lobby, 0)
    }

    /// A session sharing `lobby` with the sessions of other reactors, as
    /// session number `place`.
    pub fn in_lobby(
        options: Options,
        lobby: Arc<Lobby>,
        place: usize,
    ) -> Result<Session, ServerError> {
        options.game_config(options.seed).validate()?;
        let most = options.max_bots();
        match options.bots {
            Some(asked) if asked > most => return Err(ServerError::TooManyBots { asked, most }),
            _ => {}
        }
        let mode = Mode::new(options.classic);
        Ok(Session {
            allowance: Allowance::per_tick(options.frame_interval),
            mode,
            options,
            arenas: Slab::new(),
            players: Slab::new(),
            playing: 0,
            free_seats: 0,
            lobby,
            place,
            counted: (0, 0),
            scratch: Scratch::default(),
            opened: 0,
            ticks: 0,
            work: Work::default(),
            answer_deadlines: TimerQueue::new(),
            orphans: Vec::new(),
            going_down: false,
        })
    }

    /// The options the session runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Live counters, readable from any thread.
    pub fn stats(&self) -> Arc<Stats> {
        self.lobby.stats()
    }

    /// What this session shares with the sessions of other reactors.
    pub fn lobby(&self) -> &Arc<Lobby> {
        &self.lobby
    }

    /// A connection opened at `now`: it gets a pawn in an arena with room,
    /// and frames from the next tick on; it is closed if it does not
    /// answer (a key, or telnet) within [`Options::join_timeout`].
    pub fn join(&mut self, now: Duration) -> PlayerId {
        self.join_as(now, None)
    }

    /// [`join`](Self::join), asking for the name `wanted` (a login name):
    /// cleaned up, and numbered when someone holds it (see
    /// [`super::names::Names::take_chosen`]).
    pub fn join_as(&mut self, now: Duration, wanted: Option<&str>) -> PlayerId {
        let id = self.seat(now, wanted, terminal_view(self.options.render));
        let deadline = self
            .answer_deadlines
            .schedule(now + self.options.join_timeout, id);
        self.players[id.0].unanswered = Some(deadline);
        id
    }

    /// A client that has answered already (a browser, which asked for its
    /// socket) joins at `now` under the name it chose, if that name is
    /// usable and free (else under a name of the sequence), drawn by
    /// `view`.
    pub fn join_with(
        &mut self,
        now: Duration,
        name: Option<&str>,
        view: Box<dyn View>,
    ) -> PlayerId {
        self.seat(now, name, view)
    }

    /// A watcher of arena `key` (as [`arenas`](Self::arenas) lists it),
    /// drawn by `view`: it sees the arena, whoever plays in it, and its
    /// keys do nothing. `None` when no such arena is open. When the arena
    /// closes, the watcher is told so and its connection closed.
    pub fn watch(&mut self, key: usize, view: Box<dyn View>) -> Option<PlayerId> {
        let served = self.arenas.get_mut(key)?;
        let id = PlayerId(self.players.insert(Player::new(key, None, view, self.mode)));
        served.watchers.push(id);
        tracing::debug!(watcher = id.0, arena = key, "watcher joined");
        Some(id)
    }

    /// This session's place among the sessions of its lobby.
    pub fn place(&self) -> usize {
        self.place
    }

    /// The open arenas of every session of the lobby: this one's as they
    /// are, the others' as they last told (within
    /// 20 ticks); by place, then key.
    pub fn all_arenas(&self) -> Vec<ArenaSummary> {
        let mut all = self.lobby.arenas_elsewhere(self.place);
        all.extend(self.arenas());
        all.sort_by_key(|arena| (arena.place, arena.key));
        all
    }

    /// This session's open arenas, in order of their keys.
    pub fn arenas(&self) -> Vec<ArenaSummary> {
        let mut line = Vec::new();
        self.arenas
            .iter()
            .map(|(key, served)| {
                super::status::round_line(&served.arena, &mut line);
                let round = String::from_utf8_lossy(&line).into_owned();
                super::status::scores_line(&served.arena, &mut line);
                ArenaSummary {
                    place: self.place,
                    key,
                    players: served.players.len(),
                    watchers: served.watchers.len(),
                    round,
                    scores: String::from_utf8_lossy(&line).into_owned(),
                }
            })
            .collect()
    }

    /// Seats a new player at `now` in an arena with room.
    fn seat(&mut self, now: Duration, name: Option<&str>, view: Box<dyn View>) -> PlayerId {
        let arena_key = self.arena_with_room(now);
        self.free_seats = self.free_seats.saturating_sub(1);
        let held = self.lobby.take_held_name(name);
        let name = held.text();
        let served = &mut self.arenas[arena_key];
        served.advance(now);
        let pawn = served.arena.join(&name);
        let id = PlayerId(self.players.insert(Player::new(
            arena_key,
            Some((pawn, held)),
            view,
            self.mode,
        )));
        self.arenas[arena_key].players.push(id);
        self.keep_company(arena_key);
        self.playing += 1;
        self.update_stats();
        tracing::debug!(player = id.0, %name, arena = arena_key, "player joined");
        id
    }

    /// The player's connection ended (the player's pawn leaves if it is
    /// still there); its [`PlayerId`] is free again.
    pub fn leave(&mut self, id: PlayerId) {
        self.depart(id);
        self.orphans.retain(|&orphan| orphan != id);
        if let Some(player) = self.players.try_remove(id.0) {
            if let Some(deadline) = player.unanswered {
                self.answer_deadlines.cancel(deadline);
            }
            tracing::debug!(player = id.0, "player left");
        }
        if self.players.is_empty() {
            // Everyone left: the tables' room for the crowd goes back too.
            self.players = Slab::new();
            self.arenas = Slab::new();
            self.answer_deadlines = TimerQueue::new();
        }
    }

    /// Connections that have neither pressed a key nor spoken telnet yet
    /// (each is closed at its join timeout).
    pub fn waiting_for_an_answer(&self) -> usize {
        self.answer_deadlines.len()
    }

    /// Whether no connection is known (every player left).
    pub fn is_empty(&self) -> bool {
        self.players.is_empty()
    }

    /// The player sent `bytes` at `now`: keys become actions, within the
    /// player's allowance for this tick (see the [module docs](super));
    /// refused moves are ignored (R18). The quit key says goodbye and
    /// closes the connection.
    pub fn keys(&mut self, id: PlayerId, bytes: &[u8], now: Duration, out: &mut dyn Outbox) {
        let Some(player) = self.players.get_mut(id.0) else {
            return;
        };
        let Some(served) = player.arena.and_then(|key| self.arenas.get_mut(key)) else {
            return;
        };
        let Some((pawn, _)) = player.pawn else {
            return;
        };
        let mut acted = false;
        let quit = player.input.read(
            self.ticks,
            self.allowance,
            bytes,
            &mut self.work,
            |action| {
                acted = true;
                served.act(pawn, action, now);
            },
        );
        if acted && let Some(deadline) = player.unanswered.take() {
            self.answer_deadlines.cancel(deadline);
        }
        if quit {
            self.say_goodbye(id, QUIT_MESSAGE, out);
        }
    }

    /// The client spoke telnet: with `--render auto` it gets ANSI frames
    /// from now on (the screen is cleared and drawn anew).
    pub fn telnet_spoken(&mut self, id: PlayerId) {
        let Some(player) = self.players.get_mut(id.0) else {
            return;
        };
        if let Some(deadline) = player.unanswered.take() {
            self.answer_deadlines.cancel(deadline);
        }
        if self.options.render == RenderMode::Auto && !std::mem::replace(&mut player.telnet, true) {
            let (width, height) = player.window;
            player.view = Box::new(AnsiView::new(width, height));
        }
    }

    /// The client's window is `width` × `height` (NAWS).
    pub fn resize(&mut self, id: PlayerId, width: u16, height: u16) {
        if let Some(player) = self.players.get_mut(id.0) {
            player.window = (width, height);
            player.view.resize(width, height);
        }
    }

    /// The client stopped reading at `now`: its frames are skipped, and it
    /// is dropped if it has not resumed within [`Options::stall_limit`].
    pub fn pause(&mut self, id: PlayerId, now: Duration) {
        if let Some(player) = self.players.get_mut(id.0) {
            player.paused_since.get_or_insert(now);
        }
    }

    /// The client reads again.
    pub fn resume(&mut self, id: PlayerId) {
        if let Some(player) = self.players.get_mut(id.0) {
            player.paused_since = None;
        }
    }

    /// The server is going down: everyone is told, terminals are restored,
    /// connections close; ticks send nothing more.
    pub fn shut_down(&mut self, out: &mut dyn Outbox) {
        self.going_down = true;
        let ids: Vec<PlayerId> = self.players.iter().map(|(key, _)| PlayerId(key)).collect();
        for id in ids {
            self.say_goodbye(id, GOING_DOWN_MESSAGE, out);
        }
    }

    /// One frame tick at `now`: every arena's timeline runs to `now` and
    /// each reading client is sent what changed (in a
    /// [repainting](Mode::repaints) mode, the whole frame to every plain
    /// client); a client that has not read for longer than the stall limit
    /// is dropped, and so is one that neither pressed a key nor spoke
    /// telnet within the join timeout. Returns the work done since the
    /// previous tick.
    pub fn tick(&mut self, now: Duration, out: &mut dyn Outbox) -> Work {
        if !self.going_down {
            self.ticks += 1;
            for id in self.send_frames(now, out) {
                tracing::info!(player = id.0, "dropping a client that stopped reading");
                out.close(id, Close::Abort);
                self.depart(id);
            }
            self.close_the_silent(now, out);
            for id in std::mem::take(&mut self.orphans) {
                self.farewell(id, ARENA_CLOSED_MESSAGE, out);
            }
            if self.lobby.sessions() > 1 && self.ticks % ARENA_LIST_EVERY == 0 {
                self.lobby.publish_arenas(self.place, self.arenas());
            }
            self.lobby
                .stats()
                .count_frames(self.work.frames, self.work.skipped);
        }
        std::mem::take(&mut self.work)
    }

    /// Closes the connections that have not answered (a key, or telnet)
    /// within [`Options::join_timeout`] of opening: nobody is there, or
    /// somebody holds a connection open for nothing. Players who answered
    /// are never closed for being quiet.
    fn close_the_silent(&mut self, now: Duration, out: &mut dyn Outbox) {
        while let Some((_, id)) = self.answer_deadlines.pop_due(now) {
            if let Some(player) = self.players.get_mut(id.0) {
                player.unanswered = None;
            }
            tracing::info!(
                player = id.0,
                "closing a connection that never pressed a key"
            );
            let message = format!(
                "No key pressed within {} s: closing. Come back when you are ready!",
                self.options.join_timeout.as_secs()
            );
            self.say_goodbye(id, message.as_bytes(), out);
        }
    }

    /// Sends every reading client its update; returns the clients that
    /// stalled.
    fn send_frames(&mut self, now: Duration, out: &mut dyn Outbox) -> Vec<PlayerId> {
        let Session {
            arenas,
            players,
            scratch,
            work,
            options,
            ..
        } = self;
        let mut stalled = Vec::new();
        for (_, served) in arenas.iter_mut() {
            served.advance(now);
            served.frame.refresh(&served.arena);
            for &id in served.players.iter().chain(&served.watchers) {
                let player = &mut players[id.0];
                if let Some(since) = player.paused_since {
                    work.skipped += 1;
                    if now.saturating_sub(since) > options.stall_limit {
                        stalled.push(id);
                    }
                    continue;
                }
                let scene = Scene {
                    frame: &served.frame,
                    arena: &served.arena,
                    pawn: player.pawn.as_ref().map(|&(pawn, _)| pawn),
                };
                if let Some(message) = player.view.show(&scene, scratch) {
                    out.send(id, message.parts());
                    work.frames += 1;
                }
            }
        }
        stalled
    }

    /// An arena with room for one more player, opening one if all are
    /// full.
    fn arena_with_room(&mut self, now: Duration) -> usize {
        let max = self.options.max_players.max(1);
        match self.arenas.iter().find(|(_, a)| a.players.len() < max) {
            Some((key, _)) => key,
            None => self.open_arena(now),
        }
    }

    /// Opens an arena, with its own seed and the bots asked for.
    fn open_arena(&mut self, now: Duration) -> usize {
        let seed = self.options.seed.wrapping_add(self.opened);
        self.opened += 1;
        let arena = Arena::new(self.options.game_config(seed))
            .expect("the options were validated when the session began");
        let mut served = ServedArena::new(arena, self.mode, now);
        for _ in 0..self.options.bots.unwrap_or(0) {
            let (number, name) = self.lobby.take_name();
            let pawn = served.arena.add_bot(&name);
            served.bots.push((pawn, number));
        }
        self.free_seats = self.free_seats.saturating_add(self.seats_per_arena());
        self.arenas.insert(served)
    }

    /// Adds or removes the bot that keeps a lone player company (full game
    /// without `--bots`): one bot while exactly one human plays; it leaves
    /// when a second human arrives and comes back when one is alone again.
    fn keep_company(&mut self, arena_key: usize) {
        if !self.mode.keeps_company() || self.options.bots.is_some() {
            return;
        }
        let served = &mut self.arenas[arena_key];
        let alone = served.players.len() == 1;
        match (alone, served.companion) {
            (true, None) => {
                let (number, name) = self.lobby.take_name();
                let pawn = served.arena.add_bot(&name);
                served.companion = Some((pawn, number));
            }
            (false, Some((pawn, number))) => {
                let _ = served.arena.leave(pawn);
                self.lobby.release_name(number);
                served.companion = None;
            }
            _ => {}
        }
    }

    /// Restores the player's terminal, tells it `message`, closes its
    /// connection, and takes its pawn out.
    fn say_goodbye(&mut self, id: PlayerId, message: &[u8], out: &mut dyn Outbox) {
        if self.players.get(id.0).is_some_and(|p| p.arena.is_some()) {
            self.farewell(id, message, out);
            self.depart(id);
        }
    }

    /// Restores the player's terminal, tells it `message`, and closes its
    /// connection.
    fn farewell(&mut self, id: PlayerId, message: &[u8], out: &mut dyn Outbox) {
        let Some(player) = self.players.get(id.0) else {
            return;
        };
        let bytes = &mut self.scratch.out;
        bytes.clear();
        player.view.farewell(message, bytes);
        out.send(id, &[bytes]);
        out.close(id, Close::AfterSending);
    }

    /// The player's pawn leaves its arena, and an arena left without
    /// players closes; the player stays known until [`Session::leave`].
    fn depart(&mut self, id: PlayerId) {
        let Some(player) = self.players.get_mut(id.0) else {
            return;
        };
        let Some(arena_key) = player.arena.take() else {
            return;
        };
        let served = &mut self.arenas[arena_key];
        let Some((pawn, held)) = player.pawn.take() else {
            served.watchers.retain(|&w| w != id);
            return;
        };
        self.lobby.release_held_name(&held);
        self.playing -= 1;
        self.free_seats = self.free_seats.saturating_add(1);
        served.players.retain(|&p| p != id);
        let _ = served.arena.leave(pawn);
        if served.players.is_empty() {
            let served = self.arenas.remove(arena_key);
            self.free_seats = self.free_seats.saturating_sub(self.seats_per_arena());
            for number in served.bot_names() {
                self.lobby.release_name(number);
            }
            for watcher in served.watchers {
                self.players[watcher.0].arena = None;
                self.orphans.push(watcher);
            }
        } else {
            self.keep_company(arena_key);
        }
        self.update_stats();
    }

    /// Players an arena seats.
    fn seats_per_arena(&self) -> usize {
        self.options.max_players.max(1)
    }

    /// Tells the lobby how many play here and how many seats are free, and
    /// adds what changed since last time to the shared counters.
    fn update_stats(&mut self) {
        let now = (self.playing, self.arenas.len());
        self.lobby.stats().change_population(&self.counted, &now);
        self.counted = now;
        self.lobby
            .publish(self.place, self.playing, self.free_seats);
    }
}
