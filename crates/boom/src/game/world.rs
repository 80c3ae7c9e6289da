//! The world: the board, the bombs and fires on it, and the pawns and where
//! they stand (R3). What brains and renderers read.
//!
//! A [`World`] holds the state of play at one instant and keeps its own
//! books: the number of bombs and of fires, who stands on each tile, how
//! many pawns are on the board and alive, and a version of everything
//! that can burn. It knows nothing of time: when fuses run out and fires
//! go out is the arena's timeline, and the rules that change the world
//! over time are applied by the arena through the crate-private methods
//! here.

use std::time::Duration;

use weft::time::TimerId;

use super::board::{Board, Tile};
use super::bomb::Bomb;
use super::fire::Fire;
use super::layer::Layer;
use super::occupancy::Occupancy;
use super::pawn::{Kit, Pawn, PawnId};
use super::position::Pos;
use super::powerup::PowerUp;

/// What [`World::light`] did to a tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lighting {
    /// The tile was not burning; its fire goes out by the new timer.
    Started,
    /// The tile was burning until earlier: that fire's timer must move to
    /// the new end.
    Extended(TimerId),
    /// The tile was already burning until at least then.
    Kept,
}

/// One layer of a world's board, its bombs or its fires: at most one item
/// per tile, looked up by position or by flat tile index (see
/// [`Board::index`]).
pub struct OnTiles<'a, T> {
    board: &'a Board,
    layer: &'a Layer<T>,
}

impl<T> Clone for OnTiles<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OnTiles<'_, T> {}

impl<'a, T> OnTiles<'a, T> {
    /// The item at `pos`, if any.
    pub fn at(self, pos: Pos) -> Option<&'a T> {
        self.board.index(pos).and_then(|i| self.at_index(i))
    }

    /// The item on flat tile index `tile`, if any.
    pub fn at_index(self, tile: usize) -> Option<&'a T> {
        self.layer.get(tile)
    }

    /// Every item with its tile, row by row.
    pub fn iter(self) -> impl Iterator<Item = (Pos, &'a T)> {
        self.layer
            .iter()
            .map(move |(i, item)| (self.board.pos(i), item))
    }

    /// Number of tiles holding an item.
    pub fn count(self) -> usize {
        self.layer.count()
    }
}

/// Everything on the board at one instant.
///
/// Contract: every method taking a position or a flat tile index takes
/// ones off the board or past the end (answering `None`, nothing or `0`);
/// the counts it reports are always those of what it holds. The
/// crate's methods taking a pawn's index expect one of
/// [`World::pawn_index`].
#[derive(Clone, Debug)]
pub struct World {
    board: Board,
    bombs: Layer<Bomb>,
    fires: Layer<Fire>,
    /// In joining order, so sorted by id.
    pawns: Vec<Pawn>,
    occupancy: Occupancy,
    next_id: u32,
    hazard_version: u64,
}

impl World {
    /// A world on `board`, with no bombs, fires or pawns.
    pub(crate) fn new(board: Board) -> World {
        let cells = board.len();
        World {
            board,
            bombs: Layer::new(cells),
            fires: Layer::new(cells),
            pawns: Vec::new(),
            occupancy: Occupancy::new(cells),
            next_id: 0,
            hazard_version: 0,
        }
    }

    // ----- reading -------------------------------------------------------

    /// The board: tiles and power-ups.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The bombs on the board (R3: at most one per tile).
    pub fn bombs(&self) -> OnTiles<'_, Bomb> {
        OnTiles {
            board: &self.board,
            layer: &self.bombs,
        }
    }

    /// The fires burning on the board (R3: at most one per tile).
    pub fn fires(&self) -> OnTiles<'_, Fire> {
        OnTiles {
            board: &self.board,
            layer: &self.fires,
        }
    }

    /// Every pawn, in joining order.
    pub fn pawns(&self) -> &[Pawn] {
        &self.pawns
    }

    /// The pawn `id`, if it is in the world.
    pub fn pawn(&self, id: PawnId) -> Option<&Pawn> {
        self.pawn_index(id).map(|i| &self.pawns[i])
    }

    /// Where the pawn `id` stands in [`World::pawns`].
    pub fn pawn_index(&self, id: PawnId) -> Option<usize> {
        self.pawns.binary_search_by_key(&id, |p| p.id).ok()
    }

    /// The pawns (alive or dead) on `pos`, in joining order.
    pub fn pawns_at(&self, pos: Pos) -> impl Iterator<Item = &Pawn> {
        self.pawns.iter().filter(move |p| p.pos == Some(pos))
    }

    /// The living pawns on flat tile index `tile`, in joining order.
    pub fn living_on(&self, tile: usize) -> &[PawnId] {
        self.occupancy.living(tile)
    }

    /// Number of pawns on the board, alive or dead.
    pub fn placed_count(&self) -> usize {
        self.occupancy.placed()
    }

    /// Number of living pawns on the board.
    pub fn living_count(&self) -> usize {
        self.occupancy.alive()
    }

    /// The first living pawn on the board, in joining order.
    pub fn first_living(&self) -> Option<PawnId> {
        self.pawns
            .iter()
            .find(|p| p.alive && p.pos.is_some())
            .map(|p| p.id)
    }

    /// A counter that changes whenever bombs, fires or tiles change: what
    /// can burn, and when. A brain may keep what it worked out from them
    /// until it changes.
    pub fn hazard_version(&self) -> u64 {
        self.hazard_version
    }

    // ----- changing --------------------------------------------------------

    /// A new pawn named `name` with `kit` joins, off the board; `bot` when
    /// the arena plays it. Ids count up and are never reused.
    pub(crate) fn join(&mut self, name: &str, bot: bool, kit: Kit) -> PawnId {
        let id = PawnId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.pawns.push(Pawn::new(id, name, bot, kit));
        id
    }

    /// The pawn at `index` leaves the board and the world.
    pub(crate) fn leave(&mut self, index: usize) {
        self.relocate(index, None);
        self.pawns.remove(index);
    }

    /// Moves the pawn at `index` to `to` (off the board with `None`, or
    /// with a position off the board).
    pub(crate) fn relocate(&mut self, index: usize, to: Option<Pos>) {
        let pawn = &mut self.pawns[index];
        if let Some(i) = pawn.pos.and_then(|p| self.board.index(p)) {
            self.occupancy.leave(i, pawn.id, pawn.alive);
        }
        let to = to.filter(|p| self.board.contains(*p));
        if let Some(i) = to.and_then(|p| self.board.index(p)) {
            self.occupancy.enter(i, pawn.id, pawn.alive);
        }
        pawn.pos = to;
    }

    /// The pawn at `index` dies where it stands. Returns its tile when a
    /// living pawn on the board died.
    pub(crate) fn kill(&mut self, index: usize) -> Option<Pos> {
        let pawn = &mut self.pawns[index];
        if !pawn.alive {
            return None;
        }
        pawn.alive = false;
        let pos = pawn.pos?;
        if let Some(i) = self.board.index(pos) {
            self.occupancy.die(i, pawn.id);
        }
        Some(pos)
    }

    /// Every living pawn on flat tile index `tile` dies: returns them, in
    /// joining order.
    pub(crate) fn kill_all_on(&mut self, tile: usize) -> Vec<PawnId> {
        let killed = self.occupancy.kill_all(tile);
        for &id in &killed {
            if let Some(index) = self.pawn_index(id) {
                self.pawns[index].alive = false;
            }
        }
        killed
    }

    /// The pawn at `index` starts afresh: alive, with `kit`.
    pub(crate) fn respawn(&mut self, index: usize, kit: Kit) {
        let pawn = &mut self.pawns[index];
        pawn.kit = kit;
        if !pawn.alive {
            pawn.alive = true;
            if let Some(i) = pawn.pos.and_then(|p| self.board.index(p)) {
                self.occupancy.revive(i, pawn.id);
            }
        }
    }

    /// The kit of the pawn at `index`, to change.
    pub(crate) fn kit_mut(&mut self, index: usize) -> &mut Kit {
        &mut self.pawns[index].kit
    }

    /// The pawn `id`, if present, scores a point.
    pub(crate) fn add_point(&mut self, id: PawnId) {
        if let Some(index) = self.pawn_index(id) {
            self.pawns[index].score += 1;
        }
    }

    /// Puts `bomb` on flat tile index `tile`.
    pub(crate) fn put_bomb(&mut self, tile: usize, bomb: Bomb) {
        self.bombs.put(tile, bomb);
        self.hazard_version += 1;
    }

    /// Takes the bomb off flat tile index `tile`.
    pub(crate) fn take_bomb(&mut self, tile: usize) -> Option<Bomb> {
        let bomb = self.bombs.take(tile)?;
        self.hazard_version += 1;
        Some(bomb)
    }

    /// Sets flat tile index `tile` burning until `until`, keeping a later
    /// end it already has (R15); `timer` gives a new fire its timer.
    /// HARD tiles and tiles off the board do not burn (`None`).
    pub(crate) fn light(
        &mut self,
        tile: usize,
        until: Duration,
        timer: impl FnOnce() -> TimerId,
    ) -> Option<Lighting> {
        if self.board.tile_at_index(tile).unwrap_or(Tile::Hard) == Tile::Hard {
            return None;
        }
        self.hazard_version += 1;
        let lighting = match self.fires.get_mut(tile) {
            Some(fire) if until > fire.until => {
                fire.until = until;
                Lighting::Extended(fire.timer)
            }
            Some(_) => Lighting::Kept,
            None => {
                let timer = timer();
                self.fires.put(tile, Fire { until, timer });
                Lighting::Started
            }
        };
        Some(lighting)
    }

    /// The fire on flat tile index `tile` goes out, if its timer is
    /// `timer` (a fire re-lit later keeps its timer, moved to the later
    /// end). Returns whether it went out.
    pub(crate) fn put_out(&mut self, tile: usize, timer: TimerId) -> bool {
        if !self
            .fires()
            .at_index(tile)
            .is_some_and(|f| f.timer == timer)
        {
            return false;
        }
        self.fires.take(tile);
        self.hazard_version += 1;
        true
    }

    /// A SOFT tile at flat index `tile` is destroyed (it becomes EMPTY).
    /// Returns whether it was SOFT.
    pub(crate) fn destroy_soft(&mut self, tile: usize) -> bool {
        if self.board.tile_at_index(tile) != Some(Tile::Soft) {
            return false;
        }
        let pos = self.board.pos(tile);
        self.board.set_tile(pos, Tile::Empty);
        self.hazard_version += 1;
        true
    }

    /// R5 at `pos`: that tile and its neighbours on the board become EMPTY.
    pub(crate) fn make_room(&mut self, pos: Pos) {
        if !self.board.make_room(pos).is_empty() {
            self.hazard_version += 1;
        }
    }

    /// Removes and returns the power-up at `pos`, hidden or not.
    pub(crate) fn take_powerup(&mut self, pos: Pos) -> Option<PowerUp> {
        self.board.take_powerup(pos)
    }

    /// Lays out `board` for a new round: no bombs, no fires, every pawn off
    /// the board (pawns stay in the world).
    pub(crate) fn lay_out(&mut self, board: Board) {
        let cells = board.len();
        self.board = board;
        self.bombs = Layer::new(cells);
        self.fires = Layer::new(cells);
        self.occupancy.clear(cells);
        for pawn in &mut self.pawns {
            pawn.pos = None;
        }
        self.hazard_version += 1;
    }

    /// Checks what the world's books promise and its types cannot enforce:
    /// the index of who stands where matches the pawns' positions, and
    /// every pawn's stock and bombs on the board add up to at most what it
    /// owns. Describes the first thing broken.
    pub(crate) fn check(&self) -> Result<(), String> {
        let (mut placed, mut living) = (0, 0);
        for pawn in &self.pawns {
            let kit = &pawn.kit;
            let on_board = self.bombs.iter().filter(|(_, b)| b.owner == Some(pawn.id));
            let on_board = on_board.count() as u32;
            if kit.stock > kit.owned || (pawn.in_round() && kit.stock + on_board > kit.owned) {
                return Err(format!(
                    "{} has {} in stock and {on_board} on the board of {}",
                    pawn.id, kit.stock, kit.owned
                ));
            }
            let Some(pos) = pawn.pos else { continue };
            let Some(i) = self.board.index(pos) else {
                return Err(format!("{} is off the board at {pos}", pawn.id));
            };
            if pawn.alive != self.living_on(i).contains(&pawn.id) {
                return Err(format!("{} is misfiled on {pos}", pawn.id));
            }
            placed += 1;
            living += usize::from(pawn.alive);
        }
        let filed: usize = (0..self.board.len()).map(|i| self.living_on(i).len()).sum();
        if (placed, living, living) != (self.placed_count(), self.living_count(), filed) {
            return Err("the counts of pawns on the board are wrong".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Config;
    use weft::time::TimerQueue;

    fn world_with(pawns: usize) -> World {
        let mut world = World::new(Board::filled(3, 3, Tile::Empty));
        for _ in 0..pawns {
            world.join("p", false, Kit::new(&Config::classic()));
        }
        world
    }

    #[test]
    fn the_books_follow_moves_deaths_respawns_and_leaves() {
        let mut world = world_with(3);
        let ids: Vec<PawnId> = world.pawns().iter().map(|p| p.id).collect();
        world.relocate(0, Some(Pos::new(1, 1)));
        world.relocate(1, Some(Pos::new(1, 1)));
        world.relocate(2, Some(Pos::new(9, 9)));
        assert_eq!(world.living_on(4), [ids[0], ids[1]]);
        assert_eq!((world.placed_count(), world.living_count()), (2, 2));
        assert_eq!(world.pawns()[2].pos(), None, "off the board: not placed");
        assert_eq!(world.kill(1), Some(Pos::new(1, 1)));
        assert_eq!(world.kill(1), None, "dies once");
        assert_eq!(world.living_on(4), [ids[0]]);
        world.respawn(1, Kit::new(&Config::classic()));
        assert_eq!(world.living_on(4), [ids[0], ids[1]]);
        assert_eq!(world.kill_all_on(4), [ids[0], ids[1]]);
        assert_eq!((world.placed_count(), world.living_count()), (2, 0));
        assert_eq!(world.first_living(), None);
        world.leave(0);
        assert_eq!(world.placed_count(), 1);
        assert_eq!(world.pawn_index(ids[1]), Some(0));
        world.check().unwrap();
        world.lay_out(Board::filled(2, 2, Tile::Empty));
        assert_eq!((world.placed_count(), world.pawns().len()), (0, 2));
        world.check().unwrap();
    }

    #[test]
    fn lighting_keeps_the_later_end_and_hard_tiles_never_burn() {
        let mut world = World::new(Board::from_rows(&["S.H"]).unwrap());
        let mut timers = TimerQueue::new();
        let mut timer = || timers.schedule(Duration::ZERO, ());
        let s = Duration::from_secs;
        let version = world.hazard_version();
        assert_eq!(world.light(0, s(3), &mut timer), Some(Lighting::Started));
        assert!(world.hazard_version() > version);
        let Some(Lighting::Extended(_)) = world.light(0, s(5), &mut timer) else {
            panic!("a later end extends the fire");
        };
        assert_eq!(world.light(0, s(4), &mut timer), Some(Lighting::Kept));
        assert_eq!(world.fires().at_index(0).map(Fire::until), Some(s(5)));
        assert_eq!(world.light(2, s(4), &mut timer), None);
        assert_eq!(world.light(7, s(4), &mut timer), None);
        assert_eq!(world.fires().count(), 1);
        assert!(world.destroy_soft(0));
        assert!(!world.destroy_soft(1));
        let fire = *world.fires().at_index(0).unwrap();
        assert!(world.put_out(0, fire.timer));
        assert!(!world.put_out(0, fire.timer));
        assert_eq!(world.fires().count(), 0);
    }

    #[test]
    fn the_check_finds_a_stock_larger_than_what_is_owned() {
        let mut world = world_with(1);
        world.kit_mut(0).stock = 5;
        assert!(world.check().is_err());
    }
}
