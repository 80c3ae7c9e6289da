//! The server's state, shared by every connection on the reactor: the
//! games, the players, the names, and the frame tick that sends frames.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use slab::Slab;
use weft::{Transport, WriteLimits};

use crate::game::{Action, Arena, PawnId};
use crate::render::ansi::Screen;

use super::game::Game;
use super::names::Names;
use super::options::{Options, RenderMode};
use super::stats::Stats;
use super::status;

/// Flow control of a player's connection: frames are skipped while more
/// than `HIGH_WATER` bytes wait, and a connection whose queue passes the
/// hard limit is dropped.
const HIGH_WATER: usize = 32 * 1024;
const LOW_WATER: usize = 8 * 1024;

/// What a player is sent.
enum View {
    /// Whole plain frames; the last frame number sent.
    Plain { sent: u64 },
    /// ANSI updates against what its screen shows; the last frame number
    /// drawn.
    Ansi { screen: Box<Screen>, sent: u64 },
}

/// One connected player.
struct Player {
    transport: Transport,
    game: usize,
    pawn: PawnId,
    name_number: usize,
    view: View,
    window: (u16, u16),
    /// Since when the connection's output has been paused (the peer is
    /// not reading), if it is.
    paused_since: Option<Instant>,
    /// The connection is being dropped; send nothing more.
    gone: bool,
}

/// Everything the server's connections share.
pub(crate) struct Hub {
    options: Options,
    games: Slab<Game>,
    players: Slab<Player>,
    names: Names,
    stats: Arc<Stats>,
    /// Reused buffer for one client's output.
    out: Vec<u8>,
    /// Reused buffer for one client's own status line.
    line: Vec<u8>,
    /// Arenas opened so far (each gets its own seed).
    opened: u64,
    going_down: bool,
}

impl Hub {
    /// A hub with no players yet.
    pub fn new(options: Options, stats: Arc<Stats>) -> Self {
        let names = if options.classic {
            Names::classic()
        } else {
            Names::unique()
        };
        Hub {
            options,
            games: Slab::new(),
            players: Slab::new(),
            names,
            stats,
            out: Vec::new(),
            line: Vec::new(),
            opened: 0,
            going_down: false,
        }
    }

    /// The options the hub runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    fn update_stats(&self) {
        self.stats
            .players
            .store(self.players.len(), Ordering::Relaxed);
        self.stats.arenas.store(self.games.len(), Ordering::Relaxed);
    }

    /// A game with room for one more player, opening one if all are full.
    fn game_with_room(&mut self, now: Instant) -> usize {
        let max = self.options.max_players.max(1);
        if let Some((key, _)) = self.games.iter().find(|(_, g)| g.players.len() < max) {
            return key;
        }
        let seed = self.options.seed.wrapping_add(self.opened);
        self.opened += 1;
        let arena = Arena::new(self.options.game_config(seed))
            .expect("the options were validated when the server started");
        let mut game = Game::new(arena, now);
        for _ in 0..self.options.bots.unwrap_or(0) {
            let (number, name) = self.names.take();
            let pawn = game.arena.add_bot(&name);
            game.bots.push((pawn, number));
        }
        self.games.insert(game)
    }

    /// A connection opened: it gets a pawn in a game with room. Returns
    /// the player's key.
    pub fn join(&mut self, transport: Transport) -> usize {
        let now = Instant::now();
        let game_key = self.game_with_room(now);
        let (name_number, name) = self.names.take();
        let game = &mut self.games[game_key];
        game.advance(now);
        let pawn = game.arena.join(&name);
        transport.set_write_limits(WriteLimits {
            high: HIGH_WATER,
            low: LOW_WATER,
            max: Some(HIGH_WATER + 24 * game.arena.board().len() + 64 * 1024),
        });
        let view = match self.options.render {
            RenderMode::Ansi => View::Ansi {
                screen: Box::default(),
                sent: 0,
            },
            RenderMode::Plain | RenderMode::Auto => View::Plain { sent: 0 },
        };
        let key = self.players.insert(Player {
            transport,
            game: game_key,
            pawn,
            name_number,
            view,
            window: (0, 0),
            paused_since: None,
            gone: false,
        });
        self.games[game_key].players.push(key);
        self.keep_company(game_key);
        self.update_stats();
        tracing::debug!(player = key, %name, game = game_key, "player joined");
        key
    }

    /// Adds or removes the bot that keeps a lone player company (full game
    /// without `--bots`): one bot while exactly one human plays; it leaves
    /// when a second human arrives and comes back when one is alone again.
    fn keep_company(&mut self, game_key: usize) {
        if self.options.classic || self.options.bots.is_some() {
            return;
        }
        let game = &mut self.games[game_key];
        let alone = game.players.len() == 1;
        match (alone, game.companion) {
            (true, None) => {
                let (number, name) = self.names.take();
                let pawn = game.arena.add_bot(&name);
                game.companion = Some((pawn, number));
            }
            (false, Some((pawn, number))) => {
                let _ = game.arena.leave(pawn);
                self.names.release(number);
                game.companion = None;
            }
            _ => {}
        }
    }

    /// The player's connection is gone (or it quit): its pawn leaves, and
    /// a game left without players closes.
    pub fn leave(&mut self, key: usize) {
        let Some(player) = self.players.try_remove(key) else {
            return;
        };
        self.names.release(player.name_number);
        let game_key = player.game;
        if let Some(game) = self.games.get_mut(game_key) {
            game.players.retain(|&k| k != key);
            let _ = game.arena.leave(player.pawn);
            if game.players.is_empty() {
                let game = self.games.remove(game_key);
                for (_, number) in game.bots.iter().chain(game.companion.iter()) {
                    self.names.release(*number);
                }
            } else {
                self.keep_company(game_key);
            }
        }
        self.update_stats();
        tracing::debug!(player = key, "player left");
    }

    /// The player pressed a key for `action`; refusals are ignored (R18).
    pub fn act(&mut self, key: usize, action: Action) {
        let Some(player) = self.players.get(key) else {
            return;
        };
        if let Some(game) = self.games.get_mut(player.game) {
            let now = game.clock(Instant::now());
            let _ = game.arena.act(player.pawn, action, now);
            game.arena.drain_events().for_each(drop);
        }
    }

    /// The player quit: restore its terminal, say goodbye, close.
    pub fn quit(&mut self, key: usize) {
        self.say_goodbye(key, b"Bye! Thanks for playing boom.");
        self.leave(key);
    }

    fn say_goodbye(&mut self, key: usize, message: &[u8]) {
        let Some(player) = self.players.get_mut(key) else {
            return;
        };
        self.out.clear();
        match &player.view {
            View::Ansi { screen, .. } => screen.restore(message, &mut self.out),
            View::Plain { .. } => {
                self.out.extend_from_slice(message);
                self.out.extend_from_slice(b"\r\n");
            }
        }
        player.transport.write(&self.out);
        player.transport.lose_connection();
        player.gone = true;
    }

    /// The client spoke telnet: with `--render auto` it gets ANSI frames
    /// from now on.
    pub fn telnet_spoken(&mut self, key: usize) {
        if self.options.render != RenderMode::Auto {
            return;
        }
        if let Some(player) = self.players.get_mut(key)
            && let View::Plain { .. } = player.view
        {
            let mut screen = Box::<Screen>::default();
            screen.resize(player.window.0, player.window.1);
            player.view = View::Ansi { screen, sent: 0 };
        }
    }

    /// The client's window is `width` × `height` (NAWS).
    pub fn resize(&mut self, key: usize, width: u16, height: u16) {
        if let Some(player) = self.players.get_mut(key) {
            player.window = (width, height);
            if let View::Ansi { screen, sent } = &mut player.view {
                screen.resize(width, height);
                *sent = 0;
            }
        }
    }

    /// The client stopped reading: skip its frames.
    pub fn pause(&mut self, key: usize) {
        if let Some(player) = self.players.get_mut(key) {
            player.paused_since.get_or_insert_with(Instant::now);
        }
    }

    /// The client caught up.
    pub fn resume(&mut self, key: usize) {
        if let Some(player) = self.players.get_mut(key) {
            player.paused_since = None;
        }
    }

    /// The server is going down: tell everyone and restore terminals.
    pub fn shut_down(&mut self) {
        self.going_down = true;
        let keys: Vec<usize> = self.players.iter().map(|(key, _)| key).collect();
        for key in keys {
            self.say_goodbye(key, b"The server is going down. Bye!");
        }
    }

    /// One frame tick: run every game's timeline to now and send each
    /// client what changed (in the classic game, the whole frame to
    /// everyone, as the seed's periodic repaint does).
    pub fn tick(&mut self) {
        if self.going_down {
            return;
        }
        let now = Instant::now();
        let classic = self.options.classic;
        let stall_limit = self.options.stall_limit;
        let mut frames_sent = 0u64;
        let mut frames_skipped = 0u64;
        let Hub {
            games,
            players,
            out,
            line,
            ..
        } = self;
        for (_, game) in games.iter_mut() {
            game.advance(now);
            game.render(!classic);
            for &key in &game.players {
                let Some(player) = players.get_mut(key) else {
                    continue;
                };
                if player.gone {
                    continue;
                }
                if let Some(since) = player.paused_since {
                    frames_skipped += 1;
                    if now.saturating_duration_since(since) > stall_limit {
                        tracing::info!(player = key, "dropping a client that stopped reading");
                        player.transport.abort_connection();
                        player.gone = true;
                    }
                    continue;
                }
                out.clear();
                match &mut player.view {
                    View::Plain { sent } => {
                        if *sent == game.frame && !classic {
                            continue;
                        }
                        *sent = game.frame;
                        frames_sent += 1;
                        if classic {
                            player.transport.write(&game.plain);
                            continue;
                        }
                        status::you_line(&game.arena, player.pawn, line);
                        line.extend_from_slice(b"\r\n");
                        player.transport.write_vectored(&[&game.plain, line]);
                    }
                    View::Ansi { screen, sent } => {
                        if *sent == game.frame && !screen.needs_redraw() {
                            continue;
                        }
                        *sent = game.frame;
                        let picture = game.picture(player.pawn);
                        if classic {
                            screen.update(&picture, &[], out);
                        } else {
                            status::you_line(&game.arena, player.pawn, line);
                            screen.update(
                                &picture,
                                &[&game.round_line, &game.scores_line, line, status::CONTROLS],
                                out,
                            );
                        }
                        if !out.is_empty() {
                            frames_sent += 1;
                            player.transport.write(out);
                        }
                    }
                }
            }
        }
        self.stats
            .frames_sent
            .fetch_add(frames_sent, Ordering::Relaxed);
        self.stats
            .frames_skipped
            .fetch_add(frames_skipped, Ordering::Relaxed);
    }
}
