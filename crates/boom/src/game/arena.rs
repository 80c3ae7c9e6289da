//! The engine: an [`Arena`] owns a [`World`], its timeline, the round cycle
//! and the bots' brain, and plays them out over time, reporting what
//! happens as [`Event`]s.
//!
//! Time is virtual: a [`Duration`] since the arena was created, told by the
//! caller to [`Arena::advance`] and [`Arena::act`]. Nothing here reads a
//! clock or does I/O, so one seed and one sequence of calls always give one
//! game. The rules themselves live below: moves and drops in `moves.rs`,
//! explosions in `explosion.rs` over the [`crate::game::blast`] walk, fire
//! in `burning.rs`, the round cycle in [`crate::game::rounds`], the bots in
//! [`crate::game::bot`]; the arena checks who may act, runs what is due in
//! time order, and carries out what the round cycle answers.

use std::time::Duration;

use weft::time::TimerId;

use super::action::Action;
use super::board::{Board, Tile};
use super::bomb::Bomb;
use super::bot::{Bot, Brain, turn_interval};
use super::burning::{fire_out, ignite};
use super::config::Config;
use super::error::{ActionError, ConfigError, IllegalMoveReason};
use super::events::Event;
use super::explosion::{arm, explode, fuse_out};
use super::fire::Fire;
use super::layout::{round_board, spawns};
use super::moves::{drop_bomb, place, step};
use super::pawn::{Kit, Pawn, PawnId};
use super::position::Pos;
use super::rounds::{RoundCommand, RoundInput, RoundState, Rounds};
use super::timeline::{END_OF_TIME, MAX_CATCH_UP, Timed, Timeline};
use super::world::World;

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
    config: Config,
    world: World,
    timeline: Timeline,
    rounds: Rounds,
    /// Where pawns appear, in the order they get them (never empty).
    spawns: Vec<Pos>,
    /// Plays every bot pawn.
    bot: Bot,
}

impl Arena {
    /// The latest time an arena reaches (about 34,000 years): a later `now`
    /// counts as this one, so that adding a duration to the arena's time
    /// never overflows.
    pub const END_OF_TIME: Duration = END_OF_TIME;

    /// The longest stretch of bot play and round cycles one call plays out:
    /// when told a time further ahead than this, bots' turns and round
    /// timers that would fall before the last `MAX_CATCH_UP` of the jump
    /// are moved to its start, as if the game had been paused (fuses and
    /// fires still run on time). A server calling at its frame rate never
    /// sees this; it keeps a jump of years from replaying years of play.
    pub const MAX_CATCH_UP: Duration = MAX_CATCH_UP;

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

    fn on(config: Config, board: Board, spawns: Vec<Pos>) -> Arena {
        Arena {
            world: World::new(board),
            timeline: Timeline::new(),
            rounds: Rounds::new(config.rounds),
            spawns,
            bot: Bot::new(&config),
            config,
        }
    }

    // ----- reading -------------------------------------------------------

    /// The settings this arena plays by.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The world: board, bombs, fires and pawns, as brains see it.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The board: tiles and power-ups.
    pub fn board(&self) -> &Board {
        self.world.board()
    }

    /// The arena's current time (the latest time it was told).
    pub fn now(&self) -> Duration {
        self.timeline.now()
    }

    /// The bomb at `pos`, if any.
    pub fn bomb_at(&self, pos: Pos) -> Option<&Bomb> {
        self.world.bombs().at(pos)
    }

    /// Every bomb on the board with its tile, row by row.
    pub fn bombs(&self) -> impl Iterator<Item = (Pos, &Bomb)> {
        self.world.bombs().iter()
    }

    /// Number of bombs on the board.
    pub fn bomb_count(&self) -> usize {
        self.world.bombs().count()
    }

    /// The fire at `pos`, if it is burning.
    pub fn fire_at(&self, pos: Pos) -> Option<&Fire> {
        self.world.fires().at(pos)
    }

    /// Every fire burning, with its tile, row by row.
    pub fn fires(&self) -> impl Iterator<Item = (Pos, &Fire)> {
        self.world.fires().iter()
    }

    /// Number of tiles burning.
    pub fn fire_count(&self) -> usize {
        self.world.fires().count()
    }

    /// Every pawn, in joining order (the order R20's "first pawn on the
    /// tile" refers to).
    pub fn pawns(&self) -> &[Pawn] {
        self.world.pawns()
    }

    /// The pawn `id`, if it is in the arena.
    pub fn pawn(&self, id: PawnId) -> Option<&Pawn> {
        self.world.pawn(id)
    }

    /// The pawns on `pos`, in joining order.
    pub fn pawns_at(&self, pos: Pos) -> impl Iterator<Item = &Pawn> {
        self.world.pawns_at(pos)
    }

    /// Where the round cycle stands.
    pub fn round(&self) -> RoundState {
        self.rounds.state()
    }

    /// The number of the current round, or of the coming one once it
    /// counts down (0 before the first, and always in an open game).
    pub fn round_number(&self) -> u32 {
        self.rounds.number()
    }

    /// A counter that changes whenever anything visible changes (tiles,
    /// bombs, fires, pawns, scores, round state): a server sends a frame
    /// only when it differs from the one it last sent.
    pub fn version(&self) -> u64 {
        self.timeline.version()
    }

    /// The next time at which something happens without anyone acting, or
    /// `None` when nothing will until someone acts or joins. A server can
    /// sleep exactly until then.
    pub fn next_deadline(&mut self) -> Option<Duration> {
        self.timeline.next_deadline()
    }

    /// The events not drained yet, oldest first, each with its time.
    pub fn events(&self) -> &[(Duration, Event)] {
        self.timeline.events()
    }

    /// Takes the events not drained yet, oldest first, each with its time.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, (Duration, Event)> {
        self.timeline.drain()
    }

    // ----- acting --------------------------------------------------------

    /// Runs everything due up to `now`, in time order (ties in the order
    /// they were scheduled). A `now` earlier than [`Arena::now`] counts as
    /// `Arena::now`, one later than [`Arena::END_OF_TIME`] as that. See
    /// [`Arena::MAX_CATCH_UP`] for very long jumps.
    pub fn advance(&mut self, now: Duration) {
        let now = self.timeline.begin_advance(now);
        while let Some(deadline) = self.timeline.next_deadline() {
            if deadline > now {
                break;
            }
            self.timeline.move_to(deadline);
            while let Some((timer, item)) = self.timeline.pop_due(deadline) {
                self.run(timer, item);
            }
            self.check_round_end();
        }
        self.timeline.move_to(now);
    }

    fn run(&mut self, timer: TimerId, item: Timed) {
        let (world, timeline) = (&mut self.world, &mut self.timeline);
        match item {
            Timed::Fuse(pos) => fuse_out(world, timeline, pos, timer, self.config.burn_time),
            Timed::FireOut(pos) => fire_out(world, timeline, pos, timer),
            Timed::Round(alarm) => {
                let present = world.pawns().len();
                self.round_input(RoundInput::Alarm { alarm, present });
                self.check_round_end();
            }
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
        let pawn = self.world.join(name, bot, Kit::new(&self.config));
        self.timeline.emit(Event::PawnJoined { pawn });
        let present = self.world.pawns().len();
        self.round_input(RoundInput::Joined { pawn, present });
        pawn
    }

    /// The pawn `id` leaves: it is taken off the board and forgotten (R10,
    /// R17). Its bombs on the board still explode.
    pub fn leave(&mut self, id: PawnId) -> Result<(), ActionError> {
        let index = self.world.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        self.world.leave(index);
        self.timeline.emit(Event::PawnLeft { pawn: id });
        let present = self.world.pawns().len();
        self.round_input(RoundInput::Left { present });
        self.check_round_end();
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
        let index = self.world.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        let result = self.apply(index, action);
        self.check_round_end();
        // Whatever the action made due at once (a zero fuse) runs now.
        self.advance(self.now());
        result
    }

    fn apply(&mut self, index: usize, action: Action) -> Result<(), ActionError> {
        let pawn = &self.world.pawns()[index];
        let Some(pos) = pawn.pos() else {
            return Err(ActionError::NotInPlay);
        };
        if !pawn.is_alive() {
            return Err(ActionError::YoureDead);
        }
        if !self.rounds.in_play() {
            return Err(ActionError::NotInPlay);
        }
        let (world, timeline) = (&mut self.world, &mut self.timeline);
        match action {
            Action::Move(direction) => {
                let caps = self.config.powerups.unwrap_or_default();
                step(world, timeline, index, pos, direction, &caps)
            }
            Action::DropBomb => drop_bomb(world, timeline, index, pos),
        }
    }

    // ----- setting up situations ------------------------------------------

    /// Puts the pawn `id` on the board at `pos` and makes room there (R5),
    /// whatever the round state. For setting up situations and for servers
    /// with their own placement. A dead pawn stays where it lies
    /// ([`ActionError::YoureDead`]).
    pub fn insert_pawn(&mut self, id: PawnId, pos: Pos) -> Result<(), ActionError> {
        let index = self.world.pawn_index(id).ok_or(ActionError::UnknownPawn)?;
        if !self.world.pawns()[index].is_alive() {
            return Err(ActionError::YoureDead);
        }
        if !self.board().contains(pos) {
            return Err(IllegalMoveReason::OffBoard.into());
        }
        place(&mut self.world, &mut self.timeline, index, pos);
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
        self.refuse_hard_or_off_board(pos)?;
        if self.bomb_at(pos).is_some() {
            return Err(IllegalMoveReason::BombThere.into());
        }
        arm(&mut self.world, &mut self.timeline, pos, None, fuse, size);
        self.advance(self.now());
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
        self.refuse_hard_or_off_board(pos)?;
        let (world, timeline) = (&mut self.world, &mut self.timeline);
        ignite(world, timeline, pos, burn);
        if world.bombs().at(pos).is_some() {
            explode(world, timeline, pos, self.config.burn_time);
        }
        self.check_round_end();
        self.advance(self.now());
        Ok(())
    }

    fn refuse_hard_or_off_board(&self, pos: Pos) -> Result<(), ActionError> {
        match self.board().tile(pos) {
            None => Err(IllegalMoveReason::OffBoard.into()),
            Some(Tile::Hard) => Err(IllegalMoveReason::Blocked(Tile::Hard).into()),
            Some(_) => Ok(()),
        }
    }

    // ----- rounds and bots -------------------------------------------------

    /// Tells the round cycle what happened and does what it answers.
    fn round_input(&mut self, input: RoundInput) {
        for command in self.rounds.handle(input, self.timeline.moment()) {
            match command {
                RoundCommand::Place { pawn, playing } => self.place_newcomer(pawn, playing),
                RoundCommand::SetAlarm { at, alarm } => self.timeline.set_round_alarm(at, alarm),
                RoundCommand::ClearAlarm => self.timeline.clear_round_alarm(),
                RoundCommand::Score(pawn) => self.world.add_point(pawn),
                RoundCommand::NewBoard(round) => self.new_board(round),
                RoundCommand::StartBots => self.start_bots(),
                RoundCommand::Emit(event) => self.timeline.emit(event),
            }
        }
    }

    /// While a round is played, tells the round cycle when at most one of
    /// its pawns is left alive (pawns take part in a round exactly while
    /// they are on the board).
    fn check_round_end(&mut self) {
        let playing = matches!(self.rounds.state(), RoundState::Playing { .. });
        if playing && self.world.living_count() <= 1 {
            let survivor = self.world.first_living();
            self.round_input(RoundInput::LastStanding { survivor });
        }
    }

    /// The spawn point of the `n`-th pawn put on a board.
    fn spawn_for(&self, n: usize) -> Pos {
        let spawns = &self.spawns;
        spawns
            .get(n % spawns.len().max(1))
            .copied()
            .unwrap_or_default()
    }

    /// Puts the newcomer `id` on the next free spawn point; a bot in play
    /// takes its first turn now.
    fn place_newcomer(&mut self, id: PawnId, playing: bool) {
        let Some(index) = self.world.pawn_index(id) else {
            return;
        };
        let spawn = self.spawn_for(self.world.placed_count());
        place(&mut self.world, &mut self.timeline, index, spawn);
        if playing && self.world.pawns()[index].is_bot() {
            self.schedule_bot(id, self.now());
        }
    }

    /// Lays out round `round`'s board: bombs, fires and everything due are
    /// cleared, and every pawn present is respawned in joining order.
    fn new_board(&mut self, round: u32) {
        let board = round_board(&self.config, &self.spawns, round);
        self.world.lay_out(board);
        self.timeline.clear();
        self.timeline.emit(Event::BoardReset);
        for index in 0..self.world.pawns().len() {
            self.world.respawn(index, Kit::new(&self.config));
            let at = self.spawn_for(index);
            place(&mut self.world, &mut self.timeline, index, at);
        }
    }

    /// Every bot on the board takes its first turn now.
    fn start_bots(&mut self) {
        let now = self.now();
        for pawn in self.world.pawns() {
            if pawn.is_bot() && pawn.in_round() {
                self.timeline.schedule_play(now, Timed::BotTurn(pawn.id()));
            }
        }
    }

    fn schedule_bot(&mut self, id: PawnId, at: Duration) {
        self.timeline.schedule_play(at, Timed::BotTurn(id));
    }

    /// A bot's turn: its brain decides, the arena applies, and the next
    /// turn is scheduled while the bot is alive and in play.
    fn bot_turn(&mut self, id: PawnId) {
        let Some(index) = self.world.pawn_index(id) else {
            return;
        };
        let pawn = &self.world.pawns()[index];
        if !pawn.is_bot() || !self.may_act(pawn) {
            return;
        }
        let now = self.now();
        let mut next = now.saturating_add(turn_interval(pawn, self.config.bot_speed));
        if let Some(action) = self.bot.decide(&self.world, id, now) {
            let _ = self.apply(index, action);
            if action == Action::DropBomb {
                let next_move_at = self.world.pawns()[index].kit.next_move_at;
                next = next_move_at.max(now.saturating_add(Duration::from_millis(1)));
            }
        }
        if self.may_act(&self.world.pawns()[index]) {
            self.schedule_bot(id, next);
        }
    }

    /// Whether `pawn` may act now: alive, on the board, and in play.
    fn may_act(&self, pawn: &Pawn) -> bool {
        pawn.is_alive() && pawn.in_round() && self.rounds.in_play()
    }

    /// Checks what no type enforces on its own, describing the first thing
    /// broken: stocks and bombs on the board add up to what pawns own, the
    /// index of who stands where matches the pawns (see
    /// [`World`]), and every bomb and fire has a live timer at its time.
    /// Meant for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.world.check()?;
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
    use crate::game::Direction;

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
        let here = |arena: &Arena, tile: usize| {
            let pos = arena.board().pos(tile);
            let living = arena.world().living_on(tile).len() as u32;
            (arena.pawns_at(pos).count() as u32, living)
        };
        let a = arena.join("a");
        let b = arena.join("b");
        assert_eq!(here(&arena, 0), (2, 2));
        arena
            .act(b, Action::Move(Direction::Right), Duration::ZERO)
            .unwrap();
        assert_eq!((here(&arena, 0).0, here(&arena, 1).0), (1, 1));
        arena
            .start_fire(Pos::new(0, 0), Duration::from_secs(1), Duration::ZERO)
            .unwrap();
        assert_eq!(here(&arena, 0), (1, 0));
        arena.leave(a).unwrap();
        assert_eq!(here(&arena, 0).0, 0);
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

    #[test]
    fn arenas_can_move_between_threads() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<Arena>();
    }
}
