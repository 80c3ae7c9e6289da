//! Bots: computer players the arena moves itself during
//! [`Arena::advance`](crate::game::Arena::advance).
//!
//! A bot acts once per move interval (its speed, or
//! [`crate::game::Config::bot_speed`] without a speed limit). Each turn it
//! looks at a *danger map* — for every tile, the window of time during
//! which fire will be there, from burning fires and from every bomb's blast
//! (chain reactions included: a bomb reached by an earlier blast is taken
//! to go off with it) — and then, in this order:
//!
//! 1. **Escape**: standing where fire will come, it walks towards the
//!    nearest tile no fire will reach, through tiles it can cross before
//!    they burn.
//! 2. **Bomb**: with a bomb in stock, when an enemy or a SOFT tile not
//!    already doomed lies in its blast, or an enemy is within two steps
//!    (a bomb there cuts off its ways), it drops one, but only if a way out
//!    of that blast (and every other) exists in time.
//! 3. **Walk**: it walks towards the best tile it can reach through tiles
//!    no fire will reach: one from which its blast would hit an enemy,
//!    else a visible power-up, else one next to a SOFT tile (nearer the
//!    nearest enemy first), else one nearer that enemy; failing all, a
//!    random safe neighbour.
//!
//! It never steps onto a tile that will burn while it is there, so it never
//! walks into certain death when a way out exists. The work per turn is
//! bounded: searches visit at most [`SEARCH_LIMIT`] tiles, and the danger
//! map is rebuilt only when bombs, fires or tiles changed.

use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use super::arena::{Action, Arena, Timed};
use super::blast::blast_cells;
use super::board::Tile;
use super::pawn::PawnId;
use super::position::{Direction, Pos};

/// Most tiles one search of a bot visits.
pub const SEARCH_LIMIT: usize = 600;

/// A time window `[start, end]` during which a tile burns; `start ==
/// Duration::MAX` for a tile no fire will reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    start: Duration,
    end: Duration,
}

const SAFE: Window = Window {
    start: Duration::MAX,
    end: Duration::ZERO,
};

impl Window {
    fn merge(&mut self, start: Duration, end: Duration) {
        self.start = self.start.min(start);
        self.end = self.end.max(end);
    }

    fn is_safe(&self) -> bool {
        self.start == Duration::MAX
    }

    /// Whether `[from, to]` overlaps the window.
    fn overlaps(&self, from: Duration, to: Duration) -> bool {
        !self.is_safe() && from <= self.end && to >= self.start
    }
}

/// Work buffers shared by all bots of an arena (reused, never reallocated
/// while the board keeps its size).
pub(crate) struct BotScratch {
    danger: Vec<Window>,
    /// The `hazard_version` the danger map was built for.
    built_for: Option<u64>,
    /// Extra danger of a bomb a bot thinks of dropping: tiles marked with
    /// the current `extra_mark`.
    extra: Vec<u32>,
    extra_mark: u32,
    /// When the extra danger burns.
    extra_window: Window,
    seen: Vec<u32>,
    seen_mark: u32,
    depth: Vec<u16>,
    first: Vec<u8>,
    queue: VecDeque<usize>,
    bomb_slot: Vec<u32>,
}

impl BotScratch {
    pub(crate) fn new(cells: usize) -> BotScratch {
        BotScratch {
            danger: vec![SAFE; cells],
            built_for: None,
            extra: vec![0; cells],
            extra_mark: 0,
            extra_window: SAFE,
            seen: vec![0; cells],
            seen_mark: 0,
            depth: vec![0; cells],
            first: vec![0; cells],
            queue: VecDeque::new(),
            bomb_slot: vec![u32::MAX; cells],
        }
    }

    fn resize(&mut self, cells: usize) {
        if self.danger.len() != cells {
            *self = BotScratch::new(cells);
        }
    }

    fn next_seen_mark(&mut self) -> u32 {
        self.seen_mark = self.seen_mark.wrapping_add(1);
        if self.seen_mark == 0 {
            self.seen.fill(0);
            self.seen_mark = 1;
        }
        self.seen_mark
    }

    fn next_extra_mark(&mut self) -> u32 {
        self.extra_mark = self.extra_mark.wrapping_add(1);
        if self.extra_mark == 0 {
            self.extra.fill(0);
            self.extra_mark = 1;
        }
        self.extra_mark
    }
}

/// What a search is allowed to step on and what it looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Search {
    /// Through tiles crossable in time, to the nearest tile out of danger.
    Escape,
    /// Like `Escape`, with the extra danger of a bomb about to be dropped.
    EscapeWithExtra,
    /// Through tiles no fire will reach, scoring goals.
    Roam,
}

impl Arena {
    /// Schedules the bot's next turn at `at`.
    pub(crate) fn schedule_bot(&mut self, id: PawnId, at: Duration) {
        self.schedule_play(at, Timed::BotTurn(id));
    }

    fn bot_interval(&self, index: usize) -> Duration {
        let interval = self.pawns[index]
            .move_interval()
            .unwrap_or(Duration::from_secs(1) / self.config.bot_speed.max(1));
        interval.max(Duration::from_millis(1))
    }

    /// A bot's turn: decide, act, and schedule the next turn while it is
    /// alive and in play.
    pub(crate) fn bot_turn(&mut self, id: PawnId) {
        let Some(index) = self.pawn_index(id) else {
            return;
        };
        let pawn = &self.pawns[index];
        if !pawn.bot || !pawn.alive || !self.playing(pawn) {
            return;
        }
        let action = self.decide(index);
        let mut next = self.now.saturating_add(self.bot_interval(index));
        if let Some(action) = action {
            let _ = self.apply(index, action);
            if action == Action::DropBomb {
                next = self.pawns[index]
                    .next_move_at
                    .max(self.now.saturating_add(Duration::from_millis(1)));
            }
        }
        let pawn = &self.pawns[index];
        if pawn.alive && self.playing(pawn) {
            self.schedule_bot(id, next);
        }
    }

    /// Rebuilds the danger map if bombs, fires or tiles changed since.
    fn refresh_danger(&mut self) {
        self.scratch.resize(self.board.len());
        if self.scratch.built_for == Some(self.hazard_version) {
            return;
        }
        let burn = self.config.burn_time;
        let s = &mut self.scratch;
        s.danger.fill(SAFE);
        for (i, fire) in self.fires.iter().enumerate() {
            if let Some(fire) = fire {
                s.danger[i].merge(self.now, fire.until);
            }
        }
        // Bombs in order of when they go off; a blast reaching a bomb that
        // would go off later sets it off at the blast's time.
        let mut times: Vec<(usize, Duration, u32)> = Vec::with_capacity(self.bomb_count);
        let mut heap = BinaryHeap::new();
        for (i, bomb) in self.bombs.iter().enumerate() {
            if let Some(bomb) = bomb {
                s.bomb_slot[i] = times.len() as u32;
                heap.push(std::cmp::Reverse((bomb.explodes_at, times.len())));
                times.push((i, bomb.explodes_at, bomb.size));
            }
        }
        let mut done = vec![false; times.len()];
        while let Some(std::cmp::Reverse((at, k))) = heap.pop() {
            if done[k] || at > times[k].1 {
                continue;
            }
            done[k] = true;
            let (i, _, size) = times[k];
            let origin = self.board.pos(i);
            blast_cells(&self.board, &self.bombs, origin, size, |j| {
                s.danger[j].merge(at, at.saturating_add(burn));
                let other = s.bomb_slot[j];
                if other != u32::MAX {
                    let other = other as usize;
                    if !done[other] && times[other].1 > at {
                        times[other].1 = at;
                        heap.push(std::cmp::Reverse((at, other)));
                    }
                }
            });
        }
        for &(i, _, _) in &times {
            s.bomb_slot[i] = u32::MAX;
        }
        s.built_for = Some(self.hazard_version);
    }

    /// Whether a living pawn other than `me` stands at flat index `i`.
    fn enemy_at(&self, i: usize, me: usize) -> bool {
        let mine = self.pawns[me]
            .pos
            .and_then(|p| self.board.index(p))
            .is_some_and(|m| m == i);
        self.alive_here[i] > mine as u32
    }

    /// What a blast of the bot's from flat index `from` would hit: (an
    /// enemy, a SOFT tile no fire will reach yet).
    fn blast_prospects(&self, from: usize, me: usize) -> (bool, bool) {
        let (mut enemy, mut soft) = (false, false);
        let flame = self.pawns[me].flame;
        blast_cells(&self.board, &self.bombs, self.board.pos(from), flame, |j| {
            enemy |= self.enemy_at(j, me);
            soft |=
                self.board.tile_at_index(j) == Some(Tile::Soft) && self.scratch.danger[j].is_safe();
        });
        (enemy, soft)
    }

    /// Chooses the bot's action for this turn, or `None` to wait.
    fn decide(&mut self, index: usize) -> Option<Action> {
        self.refresh_danger();
        let pawn = &self.pawns[index];
        let here = self.board.index(pawn.pos?)?;
        if !self.scratch.danger[here].is_safe() {
            return self
                .search(index, here, Search::Escape)
                .map(|(_, d)| Action::Move(d))
                .or_else(|| self.least_bad_step(here));
        }
        let can_drop = pawn.stock > 0 && self.bombs[here].is_none();
        if can_drop {
            let (enemy, soft) = self.blast_prospects(here, index);
            let me = self.board.pos(here);
            let close = self
                .nearest_enemy(index)
                .is_some_and(|e| e.distance(me) <= 2);
            if (enemy || soft || close) && self.can_escape_own_bomb(index, here) {
                return Some(Action::DropBomb);
            }
        }
        match self.search(index, here, Search::Roam) {
            Some((_, d)) => Some(Action::Move(d)),
            None => self.random_safe_step(here),
        }
    }

    /// Whether, with a bomb of its own dropped at `here` now, the bot could
    /// still reach a tile no fire will reach. Leaves that bomb's blast as
    /// the extra danger of later searches.
    fn can_escape_own_bomb(&mut self, index: usize, here: usize) -> bool {
        let mark = self.scratch.next_extra_mark();
        let pawn = &self.pawns[index];
        let (flame, origin) = (pawn.flame, self.board.pos(here));
        let start = self.later(pawn.fuse);
        let s = &mut self.scratch;
        s.extra_window = Window {
            start,
            end: start.saturating_add(self.config.burn_time),
        };
        let mut reached_bombs = Vec::new();
        blast_cells(&self.board, &self.bombs, origin, flame, |j| {
            s.extra[j] = mark;
            if j != here && self.bombs[j].is_some() {
                reached_bombs.push(j);
            }
        });
        for j in reached_bombs {
            let size = self.bombs[j].map_or(0, |b| b.size);
            blast_cells(&self.board, &self.bombs, self.board.pos(j), size, |k| {
                s.extra[k] = mark
            });
        }
        self.search(index, here, Search::EscapeWithExtra).is_some()
    }

    /// Breadth-first search from `start` (at most [`SEARCH_LIMIT`] tiles).
    /// Returns the goal tile and the first step towards it.
    fn search(&mut self, index: usize, start: usize, kind: Search) -> Option<(usize, Direction)> {
        let pawn = &self.pawns[index];
        let interval = self.bot_interval(index);
        let stocked = pawn.stock > 0;
        let margin = interval / 2;
        let first_move = pawn
            .next_move_at
            .max(self.now)
            .saturating_add(Duration::from_millis(1));
        let Window {
            start: extra_start,
            end: extra_end,
        } = self.scratch.extra_window;
        let mark = self.scratch.next_seen_mark();
        let extra_mark = self.scratch.extra_mark;
        // Start each search in a rotating direction, so bots do not all
        // favour "up".
        let rotation = self.rng.below(4);
        let target = match kind {
            Search::Roam => self.nearest_enemy(index),
            _ => None,
        };
        self.scratch.queue.clear();
        self.scratch.queue.push_back(start);
        self.scratch.seen[start] = mark;
        self.scratch.depth[start] = 0;
        let mut visited = 0;
        let mut best: Option<(i32, usize)> = None;
        while let Some(i) = self.scratch.queue.pop_front() {
            visited += 1;
            let depth = self.scratch.depth[i];
            let extra_here = kind == Search::EscapeWithExtra && self.scratch.extra[i] == extra_mark;
            // Goals.
            match kind {
                Search::Escape | Search::EscapeWithExtra => {
                    if i != start && self.scratch.danger[i].is_safe() && !extra_here {
                        return Some((i, Direction::ALL[self.scratch.first[i] as usize]));
                    }
                }
                Search::Roam => {
                    let score = self.roam_score(i, index, stocked, depth, target);
                    if score > best.map_or(0, |b| b.0) {
                        best = Some((score, i));
                    }
                }
            }
            if visited >= SEARCH_LIMIT {
                break;
            }
            let pos = self.board.pos(i);
            let arrive = first_move.saturating_add(interval.saturating_mul(u32::from(depth)));
            let leave = arrive.saturating_add(interval).saturating_add(margin);
            for r in 0..4 {
                let d = (r + rotation) % 4;
                let Some(j) = self.board.index(pos.step(Direction::ALL[d])) else {
                    continue;
                };
                if self.scratch.seen[j] == mark
                    || self.board.tile_at_index(j) != Some(Tile::Empty)
                    || self.bombs[j].is_some()
                {
                    continue;
                }
                let danger = self.scratch.danger[j];
                let ok = match kind {
                    Search::Roam => danger.is_safe(),
                    Search::Escape => !danger.overlaps(arrive, leave),
                    Search::EscapeWithExtra => {
                        let extra = self.scratch.extra[j] == extra_mark
                            && leave >= extra_start
                            && arrive <= extra_end;
                        !danger.overlaps(arrive, leave) && !extra
                    }
                };
                if !ok {
                    continue;
                }
                self.scratch.seen[j] = mark;
                self.scratch.depth[j] = depth.saturating_add(1);
                self.scratch.first[j] = if i == start {
                    d as u8
                } else {
                    self.scratch.first[i]
                };
                self.scratch.queue.push_back(j);
            }
        }
        let (_, goal) = best?;
        (goal != start).then(|| (goal, Direction::ALL[self.scratch.first[goal] as usize]))
    }

    /// How much a bot wants to stand on flat index `i`, `depth` steps away
    /// (0: not at all).
    /// `target` is the nearest living enemy, which opening SOFT tiles and
    /// plain walking lean towards.
    fn roam_score(
        &self,
        i: usize,
        index: usize,
        stocked: bool,
        depth: u16,
        target: Option<Pos>,
    ) -> i32 {
        let near = -i32::from(depth);
        let pos = self.board.pos(i);
        let towards = target.map_or(0, |t| -(t.distance(pos).min(400) as i32));
        if stocked {
            let (enemy, soft) = self.blast_prospects(i, index);
            if enemy {
                return 3000 + near;
            }
            if self.board.powerup(pos).is_some() {
                return 2000 + near;
            }
            if soft {
                return 1000 + near + towards / 2;
            }
            if target.is_some() {
                return 500 + towards;
            }
        } else if self.board.powerup(pos).is_some() {
            return 2000 + near;
        }
        0
    }

    /// The living enemy nearest to the bot (Manhattan distance).
    fn nearest_enemy(&self, index: usize) -> Option<Pos> {
        let me = self.pawns[index].pos?;
        self.pawns
            .iter()
            .enumerate()
            .filter(|&(k, p)| k != index && p.alive && p.in_round)
            .filter_map(|(_, p)| p.pos)
            .min_by_key(|p| p.distance(me))
    }

    /// In danger with no way out: the walkable neighbour whose fire comes
    /// latest, if later than here.
    fn least_bad_step(&self, here: usize) -> Option<Action> {
        let pos = self.board.pos(here);
        let mut best = (self.scratch.danger[here].start, None);
        for d in Direction::ALL {
            if let Some(j) = self.walkable(pos.step(d))
                && self.fires[j].is_none()
                && self.scratch.danger[j].start > best.0
            {
                best = (self.scratch.danger[j].start, Some(d));
            }
        }
        best.1.map(Action::Move)
    }

    /// A random neighbour no fire will reach, if any.
    fn random_safe_step(&mut self, here: usize) -> Option<Action> {
        let pos = self.board.pos(here);
        let safe: Vec<Direction> = Direction::ALL
            .into_iter()
            .filter(|&d| {
                self.walkable(pos.step(d))
                    .is_some_and(|j| self.scratch.danger[j].is_safe())
            })
            .collect();
        if safe.is_empty() {
            return None;
        }
        Some(Action::Move(safe[self.rng.below(safe.len())]))
    }

    fn walkable(&self, pos: Pos) -> Option<usize> {
        let j = self.board.index(pos)?;
        (self.board.tile_at_index(j) == Some(Tile::Empty) && self.bombs[j].is_none()).then_some(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Board, Config, Pos};

    fn window(arena: &Arena, pos: Pos) -> Window {
        arena.scratch.danger[arena.board.index(pos).unwrap()]
    }

    #[test]
    fn the_danger_map_follows_chains_and_fires() {
        let board = Board::filled(7, 1, Tile::Empty);
        let mut arena = Arena::with_board(Config::classic(), board).unwrap();
        let s = Duration::from_secs;
        arena.place_bomb(Pos::new(0, 0), s(1), 2, s(0)).unwrap();
        arena.place_bomb(Pos::new(2, 0), s(9), 2, s(0)).unwrap();
        arena.start_fire(Pos::new(6, 0), s(3), s(0)).unwrap();
        arena.refresh_danger();
        // The second bomb goes off with the first, at 1 s.
        assert_eq!(
            window(&arena, Pos::new(4, 0)),
            Window {
                start: s(1),
                end: s(2)
            }
        );
        assert_eq!(window(&arena, Pos::new(0, 0)).start, s(1));
        assert!(window(&arena, Pos::new(5, 0)).is_safe());
        assert_eq!(
            window(&arena, Pos::new(6, 0)),
            Window {
                start: s(0),
                end: s(3)
            }
        );
    }

    #[test]
    fn a_bot_will_not_drop_a_bomb_it_cannot_escape() {
        // A dead end one tile long: dropping here would be suicide.
        let board = Board::from_rows(&["..S"]).unwrap();
        let mut arena = Arena::with_board(Config::classic(), board).unwrap();
        let bot = arena.add_bot("Bot");
        arena.advance(Duration::from_secs(30));
        assert!(arena.pawn(bot).unwrap().is_alive());
        assert_eq!(arena.board.tile(Pos::new(2, 0)), Some(Tile::Soft));
    }

    #[test]
    fn searches_are_bounded() {
        let config = Config::classic().with_size(101, 101);
        let board = Board::filled(101, 101, Tile::Empty);
        let mut arena = Arena::with_board(config, board).unwrap();
        let bot = arena.add_bot("Bot");
        let index = arena.pawn_index(bot).unwrap();
        arena.refresh_danger();
        // Nothing to look for: the search gives up after visiting
        // SEARCH_LIMIT tiles (having queued at most three neighbours each).
        assert_eq!(arena.search(index, 0, Search::Roam), None);
        let seen = arena
            .scratch
            .seen
            .iter()
            .filter(|&&m| m == arena.scratch.seen_mark)
            .count();
        assert!(
            (SEARCH_LIMIT..=3 * SEARCH_LIMIT + 1).contains(&seen),
            "{seen}"
        );
    }
}
