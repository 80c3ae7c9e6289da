//! Bots: computer players the arena moves itself during
//! [`Arena::advance`](crate::game::Arena::advance).
//!
//! A [`Brain`] reads the [`World`] and picks an [`Action`] for one pawn;
//! the arena gives each bot a turn once per move interval (its speed, or
//! [`crate::game::Config::bot_speed`] without a speed limit) and applies
//! what its brain decides. The arena's
//! brain is a [`Bot`]. Each turn it looks at a *danger map* — for every
//! tile, the window of time during which fire will be there, from burning
//! fires and from every bomb's blast, chain reactions included — and then,
//! in this order:
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
//! bounded by the board, whatever the number of pawns: searches visit at
//! most [`SEARCH_LIMIT`] tiles, the nearest enemy is found by looking at
//! the tiles around the bot ring by ring (never at every pawn), and the
//! danger map is worked out again only when bombs, fires or tiles changed.

use std::collections::VecDeque;
use std::time::Duration;

use super::action::Action;
use super::blast::Blast;
use super::board::Tile;
use super::config::Config;
use super::danger::{DangerMap, SAFE, Window};
use super::pawn::{Pawn, PawnId};
use super::position::{Direction, Pos};
use super::rng::Rng;
use super::timeline::later;
use super::world::World;

/// Most tiles one search of a bot visits.
pub const SEARCH_LIMIT: usize = 600;

/// A computer player's mind: what a pawn does on its turn.
pub trait Brain {
    /// The action of pawn `me` at time `now` in `world`, or `None` to wait.
    /// The arena asks only for a living pawn on the board, in play, and
    /// applies the action as if its player had pressed the key (a refused
    /// one changes nothing). A brain may keep what it works out from one
    /// world between turns: it plays in one world.
    fn decide(&mut self, world: &World, me: PawnId, now: Duration) -> Option<Action>;
}

/// Time between two turns of the bot playing `pawn`: the pawn's move
/// interval, or `1 / bot_speed` seconds without a speed limit; at least
/// 1 ms.
pub(crate) fn turn_interval(pawn: &Pawn, bot_speed: u32) -> Duration {
    let interval = pawn
        .kit
        .move_interval()
        .unwrap_or(Duration::from_secs(1) / bot_speed.max(1));
    interval.max(Duration::from_millis(1))
}

/// What a search is allowed to step on and what it looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Search {
    /// Through tiles crossable in time, to the nearest tile out of danger.
    Escape,
    /// Like `Escape`, with the extra danger of a bomb about to be dropped.
    EscapeWithExtra,
    /// Through tiles no fire will reach, scoring goals; `target` is the
    /// nearest living enemy, which opening SOFT tiles and plain walking
    /// lean towards.
    Roam { target: Option<Pos> },
}

/// The bot boom ships (see the module's documentation for how it plays).
///
/// One `Bot` plays every bot pawn of one world: a decision depends only on
/// the world and the pawn, so bots share its danger map (worked out once
/// per change of the world, not once per bot) and its work buffers (sized
/// to the board once, not once per bot). Its random choices come from its
/// own generator, seeded by the arena's seed.
#[derive(Clone, Debug)]
pub struct Bot {
    bot_speed: u32,
    burn: Duration,
    rng: Rng,
    danger: DangerMap,
    /// Extra danger of a bomb the bot thinks of dropping: tiles marked
    /// with the current `extra_mark`.
    extra: Vec<u32>,
    extra_mark: u32,
    /// When the extra danger burns.
    extra_window: Window,
    seen: Vec<u32>,
    seen_mark: u32,
    depth: Vec<u16>,
    first: Vec<u8>,
    queue: VecDeque<usize>,
    /// Tiles and pawns its searches have looked at so far: its work.
    examined: u64,
}

impl Bot {
    /// A bot for an arena playing by `config`: its speed without a speed
    /// limit, its fires' burn time and its seed. Its buffers are sized on
    /// its first turn, so arenas without bots pay nothing.
    pub fn new(config: &Config) -> Bot {
        Bot {
            bot_speed: config.bot_speed,
            burn: config.burn_time,
            rng: Rng::new(config.seed),
            danger: DangerMap::default(),
            extra: Vec::new(),
            extra_mark: 0,
            extra_window: SAFE,
            seen: Vec::new(),
            seen_mark: 0,
            depth: Vec::new(),
            first: Vec::new(),
            queue: VecDeque::new(),
            examined: 0,
        }
    }

    /// Sizes the buffers to a board of `cells` tiles.
    fn fit(&mut self, cells: usize) {
        if self.seen.len() != cells {
            self.extra = vec![0; cells];
            self.extra_mark = 0;
            self.seen = vec![0; cells];
            self.seen_mark = 0;
            self.depth = vec![0; cells];
            self.first = vec![0; cells];
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

impl Brain for Bot {
    fn decide(&mut self, world: &World, me: PawnId, now: Duration) -> Option<Action> {
        let pawn = world.pawn(me)?;
        let here = world.board().index(pawn.pos()?)?;
        self.fit(world.board().len());
        self.danger.refresh(world, now, self.burn);
        let turn = Turn {
            world,
            pawn,
            here,
            now,
        };
        if !self.danger.at(here).is_safe() {
            return self
                .search(&turn, Search::Escape)
                .map(|(_, d)| Action::Move(d))
                .or_else(|| self.least_bad_step(&turn));
        }
        let target = self.nearest_enemy(&turn);
        let can_drop = pawn.bombs_in_stock() > 0 && world.bombs().at_index(here).is_none();
        if can_drop {
            let (enemy, soft) = self.blast_prospects(&turn, here);
            let me = world.board().pos(here);
            let close = target.is_some_and(|e| e.distance(me) <= 2);
            if (enemy || soft || close) && self.can_escape_own_bomb(&turn) {
                return Some(Action::DropBomb);
            }
        }
        match self.search(&turn, Search::Roam { target }) {
            Some((_, d)) => Some(Action::Move(d)),
            None => self.random_safe_step(&turn),
        }
    }
}

/// One bot's turn: the world, the pawn it plays, where it stands and when.
struct Turn<'a> {
    world: &'a World,
    pawn: &'a Pawn,
    /// The pawn's flat tile index.
    here: usize,
    now: Duration,
}

impl Turn<'_> {
    /// Whether a living pawn other than the bot's stands at flat index `i`.
    fn enemy_at(&self, i: usize) -> bool {
        self.world.living_on(i).len() > usize::from(i == self.here)
    }

    /// The flat index of `pos` when a pawn can walk onto it: EMPTY, with
    /// no bomb.
    fn walkable(&self, pos: Pos) -> Option<usize> {
        let j = self.world.board().index(pos)?;
        let empty = self.world.board().tile_at_index(j) == Some(Tile::Empty);
        (empty && self.world.bombs().at_index(j).is_none()).then_some(j)
    }
}

impl Bot {
    /// The living enemy nearest to the bot (Manhattan distance; among the
    /// nearest, the first to join), in work bounded by the board however
    /// many pawns there are: with at most `width + height` pawns it looks
    /// at each of them, with more it looks at the tiles around the bot
    /// ring by ring, nearest first (at most `2 × height × (width +
    /// height)` tiles, and two pawns per tile).
    fn nearest_enemy(&mut self, turn: &Turn) -> Option<Pos> {
        let board = turn.world.board();
        if turn.world.pawns().len() <= board.width() + board.height() {
            self.nearest_enemy_among_pawns(turn)
        } else {
            self.nearest_enemy_in_rings(turn)
        }
    }

    fn nearest_enemy_among_pawns(&mut self, turn: &Turn) -> Option<Pos> {
        let me = turn.world.board().pos(turn.here);
        let pawns = turn.world.pawns();
        self.examined += pawns.len() as u64;
        pawns
            .iter()
            .filter(|p| p.id() != turn.pawn.id() && p.is_alive())
            .filter_map(|p| p.pos())
            .min_by_key(|p| p.distance(me))
    }

    fn nearest_enemy_in_rings(&mut self, turn: &Turn) -> Option<Pos> {
        let board = turn.world.board();
        let me = board.pos(turn.here);
        let (width, height) = (board.width() as i32, board.height() as i32);
        let farthest = me.x.max(width - 1 - me.x) + me.y.max(height - 1 - me.y);
        for d in 0..=farthest {
            let mut nearest: Option<(PawnId, Pos)> = None;
            for y in (me.y - d).max(0)..=(me.y + d).min(height - 1) {
                let dx = d - (y - me.y).abs();
                let xs = [me.x - dx, me.x + dx];
                for x in xs.into_iter().take(if dx == 0 { 1 } else { 2 }) {
                    let Some(i) = board.index(Pos::new(x, y)) else {
                        continue;
                    };
                    let living = turn.world.living_on(i).iter().take(2);
                    self.examined += 1 + living.len() as u64;
                    let enemy = living.copied().find(|&id| id != turn.pawn.id());
                    if let Some(id) = enemy
                        && nearest.is_none_or(|(first, _)| id < first)
                    {
                        nearest = Some((id, Pos::new(x, y)));
                    }
                }
            }
            if let Some((_, pos)) = nearest {
                return Some(pos);
            }
        }
        None
    }

    /// What a blast of the bot's from flat index `from` would hit: (an
    /// enemy, a SOFT tile no fire will reach yet).
    fn blast_prospects(&self, turn: &Turn, from: usize) -> (bool, bool) {
        let (mut enemy, mut soft) = (false, false);
        let board = turn.world.board();
        for j in Blast::reach(turn.world, board.pos(from), turn.pawn.flame()) {
            enemy |= turn.enemy_at(j);
            soft |= board.tile_at_index(j) == Some(Tile::Soft) && self.danger.at(j).is_safe();
        }
        (enemy, soft)
    }

    /// Whether, with a bomb of its own dropped where it stands now, the bot
    /// could still reach a tile no fire will reach. Leaves that bomb's
    /// blast as the extra danger of later searches.
    fn can_escape_own_bomb(&mut self, turn: &Turn) -> bool {
        let mark = self.next_extra_mark();
        let (world, here) = (turn.world, turn.here);
        let start = later(turn.now, turn.pawn.fuse());
        self.extra_window = Window {
            start,
            end: start.saturating_add(self.burn),
        };
        let mut reached_bombs = Vec::new();
        for j in Blast::reach(world, world.board().pos(here), turn.pawn.flame()) {
            self.extra[j] = mark;
            if j != here && world.bombs().at_index(j).is_some() {
                reached_bombs.push(j);
            }
        }
        for j in reached_bombs {
            let size = world.bombs().at_index(j).map_or(0, |b| b.size());
            for k in Blast::reach(world, world.board().pos(j), size) {
                self.extra[k] = mark;
            }
        }
        self.search(turn, Search::EscapeWithExtra).is_some()
    }

    /// Breadth-first search from where the bot stands (at most
    /// [`SEARCH_LIMIT`] tiles). Returns the goal tile and the first step
    /// towards it.
    fn search(&mut self, turn: &Turn, kind: Search) -> Option<(usize, Direction)> {
        let (world, start) = (turn.world, turn.here);
        let board = world.board();
        let interval = turn_interval(turn.pawn, self.bot_speed);
        let stocked = turn.pawn.bombs_in_stock() > 0;
        let margin = interval / 2;
        let first_move = turn
            .pawn
            .kit
            .next_move_at
            .max(turn.now)
            .saturating_add(Duration::from_millis(1));
        let Window {
            start: extra_start,
            end: extra_end,
        } = self.extra_window;
        let mark = self.next_seen_mark();
        let extra_mark = self.extra_mark;
        // Start each search in a rotating direction, so bots do not all
        // favour "up".
        let rotation = self.rng.below(4);
        self.queue.clear();
        self.queue.push_back(start);
        self.seen[start] = mark;
        self.depth[start] = 0;
        let mut visited = 0;
        let mut best: Option<(i32, usize)> = None;
        while let Some(i) = self.queue.pop_front() {
            visited += 1;
            self.examined += 1;
            let depth = self.depth[i];
            let extra_here = kind == Search::EscapeWithExtra && self.extra[i] == extra_mark;
            // Goals.
            match kind {
                Search::Escape | Search::EscapeWithExtra => {
                    if i != start && self.danger.at(i).is_safe() && !extra_here {
                        return Some((i, Direction::ALL[self.first[i] as usize]));
                    }
                }
                Search::Roam { target } => {
                    let score = self.roam_score(turn, i, stocked, depth, target);
                    if score > best.map_or(0, |b| b.0) {
                        best = Some((score, i));
                    }
                }
            }
            if visited >= SEARCH_LIMIT {
                break;
            }
            let pos = board.pos(i);
            let arrive = first_move.saturating_add(interval.saturating_mul(u32::from(depth)));
            let leave = arrive.saturating_add(interval).saturating_add(margin);
            for r in 0..4 {
                let d = (r + rotation) % 4;
                let Some(j) = board.index(pos.step(Direction::ALL[d])) else {
                    continue;
                };
                if self.seen[j] == mark
                    || board.tile_at_index(j) != Some(Tile::Empty)
                    || world.bombs().at_index(j).is_some()
                {
                    continue;
                }
                let danger = self.danger.at(j);
                let ok = match kind {
                    Search::Roam { .. } => danger.is_safe(),
                    Search::Escape => !danger.overlaps(arrive, leave),
                    Search::EscapeWithExtra => {
                        let extra = self.extra[j] == extra_mark
                            && leave >= extra_start
                            && arrive <= extra_end;
                        !danger.overlaps(arrive, leave) && !extra
                    }
                };
                if !ok {
                    continue;
                }
                self.seen[j] = mark;
                self.depth[j] = depth.saturating_add(1);
                self.first[j] = if i == start { d as u8 } else { self.first[i] };
                self.queue.push_back(j);
            }
        }
        let (_, goal) = best?;
        (goal != start).then(|| (goal, Direction::ALL[self.first[goal] as usize]))
    }

    /// How much a bot wants to stand on flat index `i`, `depth` steps away
    /// (0: not at all), with `target` the nearest living enemy.
    fn roam_score(
        &self,
        turn: &Turn,
        i: usize,
        stocked: bool,
        depth: u16,
        target: Option<Pos>,
    ) -> i32 {
        let near = -i32::from(depth);
        let board = turn.world.board();
        let pos = board.pos(i);
        let towards = target.map_or(0, |t| -(t.distance(pos).min(400) as i32));
        if stocked {
            let (enemy, soft) = self.blast_prospects(turn, i);
            if enemy {
                return 3000 + near;
            }
            if board.powerup(pos).is_some() {
                return 2000 + near;
            }
            if soft {
                return 1000 + near + towards / 2;
            }
            if target.is_some() {
                return 500 + towards;
            }
        } else if board.powerup(pos).is_some() {
            return 2000 + near;
        }
        0
    }

    /// In danger with no way out: the walkable neighbour whose fire comes
    /// latest, if later than here.
    fn least_bad_step(&self, turn: &Turn) -> Option<Action> {
        let pos = turn.world.board().pos(turn.here);
        let mut best = (self.danger.at(turn.here).start, None);
        for d in Direction::ALL {
            if let Some(j) = turn.walkable(pos.step(d))
                && turn.world.fires().at_index(j).is_none()
                && self.danger.at(j).start > best.0
            {
                best = (self.danger.at(j).start, Some(d));
            }
        }
        best.1.map(Action::Move)
    }

    /// A random neighbour no fire will reach, if any.
    fn random_safe_step(&mut self, turn: &Turn) -> Option<Action> {
        let pos = turn.world.board().pos(turn.here);
        let safe: Vec<Direction> = Direction::ALL
            .into_iter()
            .filter(|&d| {
                turn.walkable(pos.step(d))
                    .is_some_and(|j| self.danger.at(j).is_safe())
            })
            .collect();
        if safe.is_empty() {
            return None;
        }
        Some(Action::Move(safe[self.rng.below(safe.len())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::board::Board;
    use crate::game::explosion::arm;
    use crate::game::pawn::Kit;
    use crate::game::powerup::PowerUp;
    use crate::game::timeline::Timeline;
    use proptest::prelude::*;

    /// A world on `board` with one pawn, put at `at` without making room.
    fn world_with_pawn(board: Board, config: &Config, at: Pos) -> (World, PawnId) {
        let mut world = World::new(board);
        let me = world.join("P", false, Kit::new(config));
        world.relocate(0, Some(at));
        (world, me)
    }

    #[test]
    fn a_bot_in_a_blast_steps_to_a_tile_it_will_not_reach() {
        let config = Config::classic();
        let board = Board::filled(3, 3, Tile::Empty);
        let (mut world, me) = world_with_pawn(board, &config, Pos::new(1, 0));
        let fuse = Duration::from_secs(2);
        arm(
            &mut world,
            &mut Timeline::new(),
            Pos::new(1, 1),
            None,
            fuse,
            1,
        );
        let step = Bot::new(&config).decide(&world, me, Duration::ZERO);
        assert!(
            matches!(step, Some(Action::Move(Direction::Left | Direction::Right))),
            "{step:?}"
        );
    }

    #[test]
    fn a_bot_next_to_a_soft_tile_with_a_way_out_drops_a_bomb() {
        let config = Config::classic();
        let board = Board::from_rows(&["S..", "..."]).unwrap();
        let (world, me) = world_with_pawn(board, &config, Pos::new(1, 0));
        let decision = Bot::new(&config).decide(&world, me, Duration::ZERO);
        assert_eq!(decision, Some(Action::DropBomb));
    }

    #[test]
    fn a_bot_in_a_dead_end_keeps_its_bomb() {
        let config = Config::classic();
        let board = Board::from_rows(&["..S"]).unwrap();
        let (world, me) = world_with_pawn(board, &config, Pos::new(1, 0));
        let decision = Bot::new(&config).decide(&world, me, Duration::ZERO);
        assert_ne!(decision, Some(Action::DropBomb));
    }

    #[test]
    fn a_bot_without_bombs_walks_to_a_power_up() {
        let config = Config {
            start_bombs: 0,
            ..Config::classic()
        };
        let mut board = Board::filled(5, 1, Tile::Empty);
        board.set_powerup(Pos::new(4, 0), Some(PowerUp::Flame));
        let (world, me) = world_with_pawn(board, &config, Pos::new(0, 0));
        let decision = Bot::new(&config).decide(&world, me, Duration::ZERO);
        assert_eq!(decision, Some(Action::Move(Direction::Right)));
    }

    #[test]
    fn searches_are_bounded() {
        let config = Config::classic();
        let board = Board::filled(101, 101, Tile::Empty);
        let (world, me) = world_with_pawn(board, &config, Pos::new(0, 0));
        let pawn = world.pawn(me).unwrap();
        let mut bot = Bot::new(&config);
        bot.fit(world.board().len());
        bot.danger.refresh(&world, Duration::ZERO, config.burn_time);
        let turn = Turn {
            world: &world,
            pawn,
            here: 0,
            now: Duration::ZERO,
        };
        // Nothing to look for: the search gives up after visiting
        // SEARCH_LIMIT tiles (having queued at most three neighbours each).
        assert_eq!(bot.search(&turn, Search::Roam { target: None }), None);
        let seen = bot.seen.iter().filter(|&&m| m == bot.seen_mark).count();
        assert!(
            (SEARCH_LIMIT..=3 * SEARCH_LIMIT + 1).contains(&seen),
            "{seen}"
        );
    }

    /// How a pawn of a hand-made world is: on the board alive, on the
    /// board dead, or watching.
    #[derive(Clone, Copy, Debug)]
    enum Standing {
        Alive(i32, i32),
        Dead(i32, i32),
        Watching,
    }

    /// A world of `width` × `height` EMPTY tiles with a pawn for each of
    /// `pawns`, joined in that order.
    fn world_of(width: usize, height: usize, pawns: &[Standing]) -> World {
        let config = Config::classic();
        let mut world = World::new(Board::filled(width, height, Tile::Empty));
        for (index, standing) in pawns.iter().enumerate() {
            world.join("p", false, Kit::new(&config));
            let (x, y) = match *standing {
                Standing::Alive(x, y) | Standing::Dead(x, y) => (x, y),
                Standing::Watching => continue,
            };
            world.relocate(index, Some(Pos::new(x, y)));
            if let Standing::Dead(..) = standing {
                world.kill(index);
            }
        }
        world
    }

    fn standing(width: i32, height: i32) -> impl Strategy<Value = Standing> {
        let x = 0..width;
        let y = 0..height;
        prop_oneof![
            4 => (x.clone(), y.clone()).prop_map(|(x, y)| Standing::Alive(x, y)),
            1 => (x, y).prop_map(|(x, y)| Standing::Dead(x, y)),
            1 => Just(Standing::Watching),
        ]
    }

    proptest! {
        #[test]
        fn rings_find_the_enemy_a_look_at_every_pawn_finds(
            (width, height, pawns) in (1i32..7, 1i32..7).prop_flat_map(|(w, h)| {
                (Just(w), Just(h), proptest::collection::vec(standing(w, h), 1..40))
            }),
            me in 0usize..40,
        ) {
            let me = me % pawns.len();
            let mut pawns = pawns;
            if !matches!(pawns[me], Standing::Alive(..)) {
                pawns[me] = Standing::Alive(0, 0);
            }
            let world = world_of(width as usize, height as usize, &pawns);
            let pawn = &world.pawns()[me];
            let here = world.board().index(pawn.pos().unwrap()).unwrap();
            let turn = Turn { world: &world, pawn, here, now: Duration::ZERO };
            let mut bot = Bot::new(&Config::classic());
            prop_assert_eq!(
                bot.nearest_enemy_in_rings(&turn),
                bot.nearest_enemy_among_pawns(&turn)
            );
        }
    }

    #[test]
    fn a_turn_costs_work_bounded_by_the_board_however_many_pawns_there_are() {
        let (width, height) = (15, 15);
        // The rings look at no more than 2 × height × (width + height)
        // tiles and two pawns on each; a turn searches at most twice, each
        // search visiting each tile at most once.
        let rings = 2 * height * (width + height);
        let bound = (3 * rings + 2 * width * height) as u64;
        for crowd in [10, 20_000] {
            // A crowd in the top-left corner, and five pawns far from it
            // whose bots take a turn each.
            let mut pawns: Vec<Standing> = (0..crowd)
                .map(|k| Standing::Alive(k % 3, k / 3 % 3))
                .collect();
            pawns.extend((10..15).map(|x| Standing::Alive(x, 14)));
            let world = world_of(width, height, &pawns);
            let mut bot = Bot::new(&Config::classic());
            for pawn in &world.pawns()[crowd as usize..] {
                bot.decide(&world, pawn.id(), Duration::ZERO);
            }
            let per_turn = bot.examined / 5;
            assert!(
                per_turn <= bound,
                "with {crowd} pawns a turn looked at {per_turn} tiles and pawns, more than {bound}"
            );
        }
    }
}
