//! The danger map bots plan on: for every tile, the window of time during
//! which fire will be there.
//!
//! Fire comes from fires burning now and from every bomb's blast, chain
//! reactions included: a bomb reached by an earlier blast is taken to go
//! off with it. The map is worked out from a [`World`] and kept until the
//! world's hazards (bombs, fires, tiles) change.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use super::blast::Blast;
use super::world::World;

/// A time window `[start, end]` during which a tile burns; [`SAFE`] for a
/// tile no fire will reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: Duration,
    pub(crate) end: Duration,
}

/// The window of a tile no fire will reach.
pub(crate) const SAFE: Window = Window {
    start: Duration::MAX,
    end: Duration::ZERO,
};

impl Window {
    /// Widens the window to take in `[start, end]`.
    pub(crate) fn merge(&mut self, start: Duration, end: Duration) {
        self.start = self.start.min(start);
        self.end = self.end.max(end);
    }

    /// Whether no fire will reach the tile.
    pub(crate) fn is_safe(&self) -> bool {
        self.start == Duration::MAX
    }

    /// Whether `[from, to]` overlaps the window.
    pub(crate) fn overlaps(&self, from: Duration, to: Duration) -> bool {
        !self.is_safe() && from <= self.end && to >= self.start
    }
}

/// When fire will be on each tile of a world; empty until its first
/// refresh.
#[derive(Clone, Debug, Default)]
pub(crate) struct DangerMap {
    windows: Vec<Window>,
    /// The world's hazard version the map was worked out for.
    built_for: Option<u64>,
    /// Per tile, the bomb's rank in the build under way (`u32::MAX`: none).
    bomb_slot: Vec<u32>,
}

impl DangerMap {
    /// The window of flat tile index `tile` ([`SAFE`] past the end).
    pub(crate) fn at(&self, tile: usize) -> Window {
        self.windows.get(tile).copied().unwrap_or(SAFE)
    }

    /// Brings the map up to date with `world` at `now`, where fires burn
    /// for `burn`: worked out again only when the world's hazards changed
    /// since (or its size did). One map follows one world.
    pub(crate) fn refresh(&mut self, world: &World, now: Duration, burn: Duration) {
        let cells = world.board().len();
        if self.windows.len() != cells {
            *self = DangerMap {
                windows: vec![SAFE; cells],
                built_for: None,
                bomb_slot: vec![u32::MAX; cells],
            };
        }
        if self.built_for == Some(world.hazard_version()) {
            return;
        }
        self.windows.fill(SAFE);
        let board = world.board();
        for (pos, fire) in world.fires().iter() {
            if let Some(i) = board.index(pos) {
                self.windows[i].merge(now, fire.until);
            }
        }
        // Bombs in order of when they go off; a blast reaching a bomb that
        // would go off later sets it off at the blast's time.
        let mut times: Vec<(usize, Duration, u32)> = Vec::with_capacity(world.bombs().count());
        let mut heap = BinaryHeap::new();
        for (pos, bomb) in world.bombs().iter() {
            let Some(i) = board.index(pos) else { continue };
            self.bomb_slot[i] = times.len() as u32;
            heap.push(Reverse((bomb.explodes_at, times.len())));
            times.push((i, bomb.explodes_at, bomb.size));
        }
        let mut done = vec![false; times.len()];
        while let Some(Reverse((at, k))) = heap.pop() {
            if done[k] || at > times[k].1 {
                continue;
            }
            done[k] = true;
            let (i, _, size) = times[k];
            for j in Blast::reach(world, board.pos(i), size) {
                self.windows[j].merge(at, at.saturating_add(burn));
                let other = self.bomb_slot[j];
                if other != u32::MAX {
                    let other = other as usize;
                    if !done[other] && times[other].1 > at {
                        times[other].1 = at;
                        heap.push(Reverse((at, other)));
                    }
                }
            }
        }
        for &(i, _, _) in &times {
            self.bomb_slot[i] = u32::MAX;
        }
        self.built_for = Some(world.hazard_version());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::board::{Board, Tile};
    use crate::game::burning::ignite;
    use crate::game::explosion::arm;
    use crate::game::position::Pos;
    use crate::game::timeline::Timeline;

    #[test]
    fn the_map_follows_chains_and_fires() {
        let mut world = World::new(Board::filled(7, 1, Tile::Empty));
        let mut timeline = Timeline::new();
        let s = Duration::from_secs;
        arm(&mut world, &mut timeline, Pos::new(0, 0), None, s(1), 2);
        arm(&mut world, &mut timeline, Pos::new(2, 0), None, s(9), 2);
        ignite(&mut world, &mut timeline, Pos::new(6, 0), s(3));
        let mut map = DangerMap::default();
        map.refresh(&world, s(0), s(1));
        let window = |x| map.at(x);
        // The second bomb goes off with the first, at 1 s.
        assert_eq!(
            window(4),
            Window {
                start: s(1),
                end: s(2)
            }
        );
        assert_eq!(window(0).start, s(1));
        assert!(window(5).is_safe());
        assert_eq!(
            window(6),
            Window {
                start: s(0),
                end: s(3)
            }
        );
    }

    #[test]
    fn the_map_is_worked_out_again_only_when_hazards_change() {
        let mut world = World::new(Board::filled(3, 1, Tile::Empty));
        let mut timeline = Timeline::new();
        let s = Duration::from_secs;
        ignite(&mut world, &mut timeline, Pos::new(0, 0), s(9));
        let mut map = DangerMap::default();
        map.refresh(&world, s(0), s(1));
        // A burning fire's window starts when the map was worked out.
        map.refresh(&world, s(4), s(1));
        assert_eq!(map.at(0).start, s(0), "nothing changed: kept");
        arm(&mut world, &mut timeline, Pos::new(2, 0), None, s(5), 1);
        map.refresh(&world, s(4), s(1));
        assert_eq!(map.at(0).start, s(4), "a bomb came: worked out again");
        assert_eq!(map.at(1).start, s(5));
    }
}
