//! The engine: an [`Arena`] ties the board, pawns, bombs, fires, rounds and
//! bots to one timeline, and reports what happens as [`Event`]s.
//!
//! Time is virtual: a [`Duration`] since the arena was created, told by the
//! caller to [`Arena::advance`] and [`Arena::act`]. Nothing here reads a
//! clock or does I/O, so one seed and one sequence of calls always give one
//! game.

use std::time::Duration;

use weft::time::{TimerId, TimerQueue};

use super::board::{Board, Tile};
use super::bomb::Bomb;
use super::bot::BotScratch;
use super::config::Config;
use super::error::{ActionError, ConfigError, IllegalMoveReason};
use super::events::Event;
use super::fire::Fire;
use super::layout::{round_board, spawns};
use super::pawn::{Pawn, PawnId};
use super::position::{Direction, Pos};
use super::powerup::PowerUp;
use super::rng::Rng;
use super::rounds::RoundState;

/// What a pawn's player asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Move one tile (R6).
    Move(Direction),
    /// Drop a bomb on one's own tile (R8).
    DropBomb,
}

/// Something due at a point of the timeline.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Timed {
    /// The fuse of the bomb at this tile runs out.
    Fuse(Pos),
    /// The fire at this tile goes out.
    FireOut(Pos),
    /// The countdown ends: play starts.
    RoundStart,
    /// The round's time limit is reached.
    RoundTimeUp,
    /// The pause after a round ends: the next board is laid out.
    NextRound,
    /// A bot's turn to act.
    BotTurn(PawnId),
}

/// A game in progress: one board and everyone on it.
///
/// Contract:
/// - every method takes any input without panicking: unknown pawns, tiles
///   off the board and times in the past give typed errors or no-ops (a
///   time earlier than the arena's current time counts as the current
///   time);
/// - everything that happens is appended to an event buffer, read with
///   [`Arena::events`] and emptied with [`Arena::drain_events`] (callers
///   should drain it regularly);
/// - [`Arena::version`] changes whenever anything visible changes;
/// - [`Arena::next_deadline`] is the next time at which something happens
///   by itself (a fuse, a fire going out, a round timer, a bot's turn);
///   calling [`Arena::advance`] earlier than that changes nothing.
pub struct Arena {
    pub(crate) config: Config,
    pub(crate) board: Board,
    pub(crate) bombs: Vec<Option<Bomb>>,
    pub(crate) bomb_count: usize,
    pub(crate) fires: Vec<Option<Fire>>,
    pub(crate) fire_count: usize,
    /// In joining order, so sorted by id.
    pub(crate) pawns: Vec<Pawn>,
    /// Pawns (alive or dead) on each tile.
    pub(crate) pawns_here: Vec<u32>,
    /// Living pawns on each tile.
    pub(crate) alive_here: Vec<u32>,
    next_id: u32,
    pub(crate) timeline: TimerQueue<Timed, Duration>,
    pub(crate) now: Duration,
    events: Vec<(Duration, Event)>,
    version: u64,
    /// Changes whenever bombs, fires or tiles change (what bots plan on).
    pub(crate) hazard_version: u64,
    pub(crate) rng: Rng,
    pub(crate) round: RoundState,
    pub(crate) round_number: u32,
    pub(crate) round_timer: Option<TimerId>,
    pub(crate) spawns: Vec<Pos>,
    pub(crate) scratch: BotScratch,
    /// During an [`Arena::advance`], the start of the window that is
    /// played out in full (see [`Arena::MAX_CATCH_UP`]).
    catch_up_floor: Duration,
}

impl Arena {
    /// A new arena with a fresh board of `config`'s size. With rounds, it
    /// starts waiting for pawns; without, it is open for play at once.
    pub fn new(config: Config) -> Result<Arena, ConfigError> {
        config.validate()?;
        let spawns = spawns(&config);
        let board = round_board(&config, &spawns, 1);
        Ok(Arena::on(config, board, spawns))
    }

    /// A new arena on `board` as given (its size replaces `config`'s), with
    /// no power-ups placed: for setting up a given situation, as the
    /// rules' worked examples do. With rounds, a later round lays out a
    /// generated board as usual.
    pub fn with_board(mut config: Config, board: Board) -> Result<Arena, ConfigError> {
        config.width = board.width();
        config.height = board.height();
        config.validate()?;
        let spawns = spawns(&config);
        Ok(Arena::on(config, board, spawns))
    }

    /// An arena on `board`, its pawns to appear at `spawns`: with rounds,
    /// waiting for pawns; without, open for play.
    fn on(config: Config, board: Board, spawns: Vec<Pos>) -> Arena {
        let cells = board.len();
        let round = if config.rounds.is_some() {
            RoundState::Waiting
        } else {
            RoundState::Open
        };
        Arena {
            rng: Rng::new(config.seed),
            config,
            board,
            bombs: vec![None; cells],
            bomb_count: 0,
            fires: vec![None; cells],
            fire_count: 0,
            pawns: Vec::new(),
            pawns_here: vec![0; cells],
            alive_here: vec![0; cells],
            next_id: 0,
            timeline: TimerQueue::new(),
            now: Duration::ZERO,
            events: Vec::new(),
            version: 0,
            hazard_version: 0,
            round,
            round_number: 0,
            round_timer: None,
            spawns,
            // Sized on a bot's first turn: arenas without bots pay nothing.
            scratch: BotScratch::new(0),
            catch_up_floor: Duration::ZERO,
        }
    }

    // ----- reading -------------------------------------------------------

    /// The settings this arena plays by.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The board: tiles and power-ups.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The arena's current time (the latest time it was told).
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The bomb at `pos`, if any.
    pub fn bomb_at(&self, pos: Pos) -> Option<&Bomb> {
        self.board.index(pos).and_then(|i| self.bombs[i].as_ref())
    }

    /// Every bomb on the board with its tile, row by row.
    pub fn bombs(&self) -> impl Iterator<Item = (Pos, &Bomb)> {
        self.bombs
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.as_ref().map(|b| (self.board.pos(i), b)))
    }

    /// Number of bombs on the board.
    pub fn bomb_count(&self) -> usize {
        self.bomb_count
    }

    /// The fire at `pos`, if it is burning.
    pub fn fire_at(&self, pos: Pos) -> Option<&Fire> {
        self.board.index(pos).and_then(|i| self.fires[i].as_ref())
    }

    /// Every fire burning, with its tile, row by row.
    pub fn fires(&self) -> impl Iterator<Item = (Pos, &Fire)> {
        self.fires
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (self.board.pos(i), f)))
    }

    /// Number of tiles burning.
    pub fn fire_count(&self) -> usize {
        self.fire_count
    }

    /// Every pawn, in joining order (the order R20's "first pawn on the
    /// tile" refers to).
    pub fn pawns(&self) -> &[Pawn] {
        &self.pawns
    }

    /// The pawn `id`, if it is in the arena.
    pub fn pawn(&self, id: PawnId) -> Option<&Pawn> {
        self.pawn_index(id).map(|i| &self.pawns[i])
    }

    /// The pawns on `pos`, in joining order.
    pub fn pawns_at(&self, pos: Pos) -> impl Iterator<Item = &Pawn> {
        let any = self
            .board
            .index(pos)
            .is_some_and(|i| self.pawns_here[i] > 0);
        self.pawns.iter().filter(move |p| any && p.pos == Some(pos))
    }

    /// Where the round cycle stands.
    pub fn round(&self) -> RoundState {
        self.round
    }

    /// A counter that changes whenever anything visible changes (tiles,
    /// bombs, fires, pawns, scores, round state): a server sends a frame
    /// only when it differs from the one it last sent.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The next time at which something happens without anyone acting, or
    /// `None` when nothing will until someone acts or joins. A server can
    /// sleep exactly until then.
    pub fn next_deadline(&mut self) -> Option<Duration> {
        self.timeline.next_deadline()
    }

    /// The events not drained yet, oldest first, each with its time.
    pub fn events(&self) -> &[(Duration, Event)] {
        &self.events
    }

    /// Takes the events not drained yet, oldest first, each with its time.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, (Duration, Event)> {
        self.events.drain(..)
    }

    // ----- acting --------------------------------------------------------

    /// The latest time an arena reaches (about 34,000 years): a later `now`
    /// counts as this one, so that adding a duration to the arena's time
    /// never overflows.
    pub const END_OF_TIME: Duration = Duration::from_secs(1 << 40);

    /// The longest stretch of bot play and round cycles one call plays out:
    /// when told a time further ahead than this, bots' turns and round
    /// timers that would fall before the last `MAX_CATCH_UP` of the jump
    /// are moved to its start, as if the game had been paused (fuses and
    /// fires still run on time). A server calling at its frame rate never
    /// sees this; it keeps a jump of years from replaying years of play.
    pub const MAX_CATCH_UP: Duration = Duration::from_secs(60);

    /// Runs everything due up to `now`, in time order (ties in the order
    /// they were scheduled). A `now` earlier than [`Arena::now`] counts as
    /// `Arena::now`, one later than [`Arena::END_OF_TIME`] as that. See
    /// [`Arena::MAX_CATCH_UP`] for very long jumps.
    pub fn advance(&mut self, now: Duration) {
        let now = now.min(Arena::END_OF_TIME).max(self.now);
        self.catch_up_floor = now.saturating_sub(Arena::MAX_CATCH_UP);
        while let Some(deadline) = self.timeline.next_deadline() {
            if deadline > now {
                break;
            }
            self.now = deadline;
            while let Some((timer, item)) = self.timeline.pop_due(deadline) {
                self.run(timer, item);
            }
            self.check_round_end();
        }
        self.now = now;
    }

    fn run(&mut self, timer: TimerId, item: Timed) {
        match item {
            Timed::Fuse(pos) => {
                if self.bomb_at(pos).is_some_and(|bomb| bomb.timer == timer) {
                    self.explode(pos);
                }
            }
            Timed::FireOut(pos) => self.fire_out(pos, timer),
            Timed::RoundStart => self.start_round(),
            Timed::RoundTimeUp => self.time_up(),
            Timed::NextRound => self.next_round(),
            Timed::BotTurn(id) => self.bot_turn(id),
        }
    }

    /// A player joins with `name` and gets a pawn (R4). Without rounds the
    /// pawn is put on the board at once (at `(0, 0)` in the classic game,
    /// R17, making room: R5); with rounds it is put on the board when a
    /// round is waiting or counting down, and otherwise watches until the
    /// next one. Joining happens at the arena's current time: call
    /// [`Arena::advance`] first.
    pub fn join(&mut self, name: &str) -> PawnId {
        self.add_pawn(name, false)
    }

    /// Adds a pawn that the arena plays itself, during [`Arena::advance`]
    /// (see [`crate::game::bot`]). Otherwise like [`Arena::join`].
    pub fn add_bot(&mut self, name: &str) -> PawnId {
        self.add_pawn(name, true)
    }

    fn add_pawn(&mut self, name: &str, bot: bool) -> PawnId {
        let id = PawnId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        let mut pawn = Pawn::new(
            id,
            name,
            self.config.start_bombs,
            self.config.start_flame,
            self.config.fuse,
        );
        pawn.speed = self.config.speed;
        pawn.bot = bot;
        self.pawns.push(pawn);
        let index = self.pawns.len() - 1;
        self.emit(Event::PawnJoined { pawn: id });
        if self.config.rounds.is_some() {
            self.round_on_join(index);
        } else {
            let spawn = self.spawn_for(self.pawns.iter().filter(|p| p.pos.is_some()).count());
            self.pawns[index].in_round = true;
            self.place(index, spawn);
            if bot {
                self.schedule_bot(id, self.now);
            }
        }
        id
    }

    /// The pawn `id` leaves: it is taken off the board and forgotten (R10,
    /// R17). Its bombs on the board still explode.
    pub fn leave(&mut self, id: PawnId) -> Result<(), ActionError> {
        let index = self.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        self.unplace(index);
        self.pawns.remove(index);
        self.emit(Event::PawnLeft { pawn: id });
        if self.config.rounds.is_some() {
            self.round_on_leave();
        }
        Ok(())
    }

    /// The pawn `id` acts at time `now` (first, everything due up to `now`
    /// runs, as [`Arena::advance`]). Refusals change nothing:
    /// - [`ActionError::UnknownPawn`]: no such pawn;
    /// - [`ActionError::NotInPlay`]: not on the board, watching, or the
    ///   round is not being played;
    /// - [`ActionError::YoureDead`]: the pawn is dead (R6, R8);
    /// - [`ActionError::TooSoon`]: a move faster than the pawn's speed;
    /// - [`ActionError::IllegalMove`]: off the board, blocked, bomb there,
    ///   no bombs left (R6, R8).
    ///
    /// A move into a burning tile kills the pawn (R7); a move onto an
    /// uncovered power-up takes it.
    pub fn act(&mut self, id: PawnId, action: Action, now: Duration) -> Result<(), ActionError> {
        self.advance(now);
        let index = self.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        let result = self.apply(index, action);
        self.check_round_end();
        // Whatever the action made due at once (a zero fuse) runs now.
        self.advance(self.now);
        result
    }

    pub(crate) fn apply(&mut self, index: usize, action: Action) -> Result<(), ActionError> {
        let pawn = &self.pawns[index];
        let Some(pos) = pawn.pos else {
            return Err(ActionError::NotInPlay);
        };
        if !pawn.alive {
            return Err(ActionError::YoureDead);
        }
        if !self.playing(pawn) {
            return Err(ActionError::NotInPlay);
        }
        match action {
            Action::Move(direction) => self.move_pawn(index, pos, direction),
            Action::DropBomb => self.drop_bomb(index, pos),
        }
    }

    /// Whether `pawn` may act now (ignoring whether it is alive).
    pub(crate) fn playing(&self, pawn: &Pawn) -> bool {
        pawn.pos.is_some()
            && match self.round {
                RoundState::Open => true,
                RoundState::Playing { .. } => pawn.in_round,
                _ => false,
            }
    }

    fn move_pawn(
        &mut self,
        index: usize,
        from: Pos,
        direction: Direction,
    ) -> Result<(), ActionError> {
        let pawn = &self.pawns[index];
        let interval = pawn.move_interval();
        if interval.is_some() && self.now < pawn.next_move_at {
            return Err(ActionError::TooSoon);
        }
        let to = from.step(direction);
        let i = self.board.index(to).ok_or(IllegalMoveReason::OffBoard)?;
        match self.board.tile_at_index(i) {
            Some(Tile::Empty) => {}
            Some(tile) => return Err(IllegalMoveReason::Blocked(tile).into()),
            None => return Err(IllegalMoveReason::OffBoard.into()),
        }
        if self.bombs[i].is_some() {
            return Err(IllegalMoveReason::BombThere.into());
        }
        let id = self.pawns[index].id;
        if let Some(interval) = interval {
            self.pawns[index].next_move_at = self.later(interval);
        }
        self.relocate(index, Some(to));
        self.emit(Event::PawnMoved { pawn: id, from, to });
        if self.fires[i].is_some() {
            self.kill(index);
        } else if let Some(kind) = self.board.powerup(to) {
            self.take_powerup(index, to, kind);
        }
        Ok(())
    }

    fn take_powerup(&mut self, index: usize, at: Pos, kind: PowerUp) {
        self.board.take_powerup(at);
        let caps = self.config.powerups.unwrap_or_default();
        let pawn = &mut self.pawns[index];
        match kind {
            PowerUp::Bomb => {
                if pawn.owned < caps.max_bombs {
                    pawn.owned += 1;
                    pawn.stock += 1;
                }
            }
            PowerUp::Flame => pawn.flame = (pawn.flame + 1).min(caps.max_flame.max(pawn.flame)),
            PowerUp::Speed => {
                pawn.speed = pawn.speed.map(|s| (s + 1).min(caps.max_speed.max(s)));
            }
        }
        let id = pawn.id;
        self.emit(Event::PowerUpTaken { pawn: id, at, kind });
    }

    fn drop_bomb(&mut self, index: usize, pos: Pos) -> Result<(), ActionError> {
        if self.bomb_at(pos).is_some() {
            return Err(IllegalMoveReason::BombThere.into());
        }
        let pawn = &mut self.pawns[index];
        if pawn.stock == 0 {
            return Err(IllegalMoveReason::NoBombsLeft.into());
        }
        pawn.stock -= 1;
        let (id, fuse, size) = (pawn.id, pawn.fuse, pawn.flame);
        self.add_bomb(pos, Some(id), fuse, size);
        Ok(())
    }

    fn add_bomb(&mut self, pos: Pos, owner: Option<PawnId>, fuse: Duration, size: u32) {
        let Some(i) = self.board.index(pos) else {
            return;
        };
        let explodes_at = self.later(fuse);
        let timer = self.timeline.schedule(explodes_at, Timed::Fuse(pos));
        self.bombs[i] = Some(Bomb {
            owner,
            size,
            explodes_at,
            timer,
        });
        self.bomb_count += 1;
        self.hazard_version += 1;
        self.emit(Event::BombDropped { owner, at: pos });
    }

    // ----- setting up situations ------------------------------------------

    /// Puts the pawn `id` on the board at `pos` and makes room there (R5),
    /// whatever the round state. For setting up situations and for servers
    /// with their own placement. A dead pawn stays where it lies
    /// ([`ActionError::YoureDead`]).
    pub fn insert_pawn(&mut self, id: PawnId, pos: Pos) -> Result<(), ActionError> {
        let index = self.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        if !self.pawns[index].alive {
            return Err(ActionError::YoureDead);
        }
        if !self.board.contains(pos) {
            return Err(IllegalMoveReason::OffBoard.into());
        }
        self.pawns[index].in_round = true;
        self.place(index, pos);
        Ok(())
    }

    /// Puts a bomb with no owner at `pos` at time `now`, with `fuse` and
    /// blast `size` (after running what is due up to `now`). Refused off
    /// the board, on a HARD tile, or where a bomb already lies.
    pub fn place_bomb(
        &mut self,
        pos: Pos,
        fuse: Duration,
        size: u32,
        now: Duration,
    ) -> Result<(), ActionError> {
        self.advance(now);
        match self.board.tile(pos) {
            None => return Err(IllegalMoveReason::OffBoard.into()),
            Some(Tile::Hard) => return Err(IllegalMoveReason::Blocked(Tile::Hard).into()),
            Some(_) => {}
        }
        if self.bomb_at(pos).is_some() {
            return Err(IllegalMoveReason::BombThere.into());
        }
        self.add_bomb(pos, None, fuse, size);
        self.advance(self.now);
        Ok(())
    }

    /// Starts a fire at `pos` at time `now`, burning for `burn` (R14, R15):
    /// the tile is destroyed, a bomb there goes off, pawns there die.
    /// Refused off the board and on a HARD tile.
    pub fn start_fire(
        &mut self,
        pos: Pos,
        burn: Duration,
        now: Duration,
    ) -> Result<(), ActionError> {
        self.advance(now);
        match self.board.tile(pos) {
            None => return Err(IllegalMoveReason::OffBoard.into()),
            Some(Tile::Hard) => return Err(IllegalMoveReason::Blocked(Tile::Hard).into()),
            Some(_) => {}
        }
        self.ignite(pos, burn);
        if self.bomb_at(pos).is_some() {
            self.explode(pos);
        }
        self.check_round_end();
        self.advance(self.now);
        Ok(())
    }

    // ----- shared helpers ----------------------------------------------------

    /// Schedules a bot turn or round timer at `at`, or at the start of the
    /// window being played out if that is later (see
    /// [`Arena::MAX_CATCH_UP`]). Returns the timer and when it is due.
    /// At [`Arena::END_OF_TIME`] nothing more is scheduled (`None`).
    pub(crate) fn schedule_play(
        &mut self,
        at: Duration,
        item: Timed,
    ) -> Option<(TimerId, Duration)> {
        if self.now >= Arena::END_OF_TIME {
            return None;
        }
        let at = at.max(self.catch_up_floor).min(Arena::END_OF_TIME);
        Some((self.timeline.schedule(at, item), at))
    }

    /// The time `delay` from now, no later than [`Arena::END_OF_TIME`].
    pub(crate) fn later(&self, delay: Duration) -> Duration {
        self.now.saturating_add(delay).min(Arena::END_OF_TIME)
    }

    pub(crate) fn emit(&mut self, event: Event) {
        self.version += 1;
        self.events.push((self.now, event));
    }

    pub(crate) fn pawn_index(&self, id: PawnId) -> Option<usize> {
        self.pawns.binary_search_by_key(&id, |p| p.id).ok()
    }

    pub(crate) fn pawn_mut(&mut self, id: PawnId) -> Option<&mut Pawn> {
        self.pawn_index(id).map(|i| &mut self.pawns[i])
    }

    /// The spawn point of the `n`-th pawn put on a board.
    pub(crate) fn spawn_for(&self, n: usize) -> Pos {
        if self.spawns.is_empty() {
            return Pos::new(0, 0);
        }
        self.spawns[n % self.spawns.len()]
    }

    /// Puts the pawn on the board at `pos`, making room (R5).
    pub(crate) fn place(&mut self, index: usize, pos: Pos) {
        self.relocate(index, Some(pos));
        if !self.board.make_room(pos).is_empty() {
            self.hazard_version += 1;
        }
        let id = self.pawns[index].id;
        self.emit(Event::PawnPlaced { pawn: id, at: pos });
    }

    /// Takes the pawn off the board.
    pub(crate) fn unplace(&mut self, index: usize) {
        self.relocate(index, None);
    }

    /// Moves the pawn to `to`, keeping the per-tile counts right.
    fn relocate(&mut self, index: usize, to: Option<Pos>) {
        let pawn = &self.pawns[index];
        let alive = pawn.alive as u32;
        if let Some(i) = pawn.pos.and_then(|p| self.board.index(p)) {
            self.pawns_here[i] -= 1;
            self.alive_here[i] -= alive;
        }
        let to = to.filter(|p| self.board.contains(*p));
        if let Some(i) = to.and_then(|p| self.board.index(p)) {
            self.pawns_here[i] += 1;
            self.alive_here[i] += alive;
        }
        self.pawns[index].pos = to;
    }

    /// The pawn dies where it stands.
    pub(crate) fn kill(&mut self, index: usize) {
        let pawn = &mut self.pawns[index];
        if !pawn.alive {
            return;
        }
        pawn.alive = false;
        let (id, pos) = (pawn.id, pawn.pos);
        if let Some(pos) = pos {
            if let Some(i) = self.board.index(pos) {
                self.alive_here[i] -= 1;
            }
            self.emit(Event::PawnDied { pawn: id, at: pos });
        }
    }

    /// Every living pawn at `pos` dies.
    pub(crate) fn kill_all_at(&mut self, pos: Pos) {
        for index in 0..self.pawns.len() {
            if self.pawns[index].alive && self.pawns[index].pos == Some(pos) {
                self.kill(index);
            }
        }
    }

    /// Resets a pawn to a new round's state: alive, R4's stock, flame and
    /// fuse, the configured speed.
    pub(crate) fn reset_pawn(&mut self, index: usize) {
        let config = &self.config;
        let pawn = &mut self.pawns[index];
        pawn.alive = true;
        pawn.owned = config.start_bombs;
        pawn.stock = config.start_bombs;
        pawn.flame = config.start_flame;
        pawn.fuse = config.fuse;
        pawn.speed = config.speed;
        pawn.next_move_at = Duration::ZERO;
    }

    /// Clears bombs, fires, pawn positions and the timeline, and lays out
    /// `board`.
    pub(crate) fn lay_out(&mut self, board: Board) {
        let cells = board.len();
        self.board = board;
        self.bombs = vec![None; cells];
        self.fires = vec![None; cells];
        self.bomb_count = 0;
        self.fire_count = 0;
        self.pawns_here = vec![0; cells];
        self.alive_here = vec![0; cells];
        for pawn in &mut self.pawns {
            pawn.pos = None;
        }
        self.timeline = TimerQueue::new();
        self.round_timer = None;
        self.hazard_version += 1;
        self.emit(Event::BoardReset);
    }

    /// Checks the engine's invariants, describing the first one broken:
    /// at most one bomb and one fire per tile (by construction) and counts
    /// that match them, stocks within what pawns own, owned bombs all
    /// accounted for, pawns on the board only, per-tile pawn counts right,
    /// every bomb and fire with a live timer. Meant for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        let bombs = self.bombs.iter().flatten().count();
        if bombs != self.bomb_count {
            return Err(format!("{bombs} bombs but bomb_count {}", self.bomb_count));
        }
        let fires = self.fires.iter().flatten().count();
        if fires != self.fire_count {
            return Err(format!("{fires} fires but fire_count {}", self.fire_count));
        }
        let mut here = vec![0u32; self.board.len()];
        let mut alive = vec![0u32; self.board.len()];
        for pawn in &self.pawns {
            if pawn.stock > pawn.owned {
                return Err(format!(
                    "{} has {} in stock of {}",
                    pawn.id, pawn.stock, pawn.owned
                ));
            }
            let on_board = self
                .bombs
                .iter()
                .flatten()
                .filter(|b| b.owner == Some(pawn.id))
                .count() as u32;
            if pawn.in_round && pawn.stock + on_board > pawn.owned {
                return Err(format!(
                    "{} has {} in stock and {on_board} on the board of {}",
                    pawn.id, pawn.stock, pawn.owned
                ));
            }
            if let Some(pos) = pawn.pos {
                let Some(i) = self.board.index(pos) else {
                    return Err(format!("{} is off the board at {pos}", pawn.id));
                };
                here[i] += 1;
                alive[i] += pawn.alive as u32;
            }
        }
        if here != self.pawns_here || alive != self.alive_here {
            return Err("per-tile pawn counts are wrong".to_owned());
        }
        for (pos, bomb) in self.bombs() {
            if self.timeline.deadline(bomb.timer) != Some(bomb.explodes_at) {
                return Err(format!("the bomb at {pos} has no live fuse"));
            }
        }
        for (pos, fire) in self.fires() {
            if self.timeline.deadline(fire.timer) != Some(fire.until) {
                return Err(format!("the fire at {pos} has no live timer"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_reused_and_pawns_keep_joining_order() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        let a = arena.join("a");
        let b = arena.join("b");
        arena.leave(a).unwrap();
        let c = arena.join("c");
        assert_ne!(c, a);
        let order: Vec<PawnId> = arena.pawns().iter().map(|p| p.id()).collect();
        assert_eq!(order, [b, c]);
        assert_eq!(arena.leave(a), Err(ActionError::UnknownPawn));
    }

    #[test]
    fn per_tile_counts_follow_moves_deaths_and_leaves() {
        let mut arena = Arena::new(Config::classic().with_size(5, 5)).unwrap();
        let a = arena.join("a");
        let b = arena.join("b");
        assert_eq!((arena.pawns_here[0], arena.alive_here[0]), (2, 2));
        arena
            .act(b, Action::Move(Direction::Right), Duration::ZERO)
            .unwrap();
        assert_eq!((arena.pawns_here[0], arena.pawns_here[1]), (1, 1));
        arena
            .start_fire(Pos::new(0, 0), Duration::from_secs(1), Duration::ZERO)
            .unwrap();
        assert_eq!((arena.pawns_here[0], arena.alive_here[0]), (1, 0));
        arena.leave(a).unwrap();
        assert_eq!(arena.pawns_here[0], 0);
        arena.check_invariants().unwrap();
    }

    #[test]
    fn the_event_buffer_records_times_and_drains() {
        let mut arena = Arena::new(Config::classic()).unwrap();
        let a = arena.join("a");
        arena.drain_events();
        arena
            .act(a, Action::DropBomb, Duration::from_secs(1))
            .unwrap();
        assert_eq!(
            arena.events(),
            [(
                Duration::from_secs(1),
                Event::BombDropped {
                    owner: Some(a),
                    at: Pos::new(0, 0)
                }
            )]
        );
        assert_eq!(arena.drain_events().count(), 1);
        assert!(arena.events().is_empty());
    }
}
