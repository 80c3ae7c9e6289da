//! Who stands where: an index of the pawns on each tile, kept by
//! [`crate::game::World`] as pawns move, die and leave.

use super::pawn::PawnId;

/// For each tile, the living pawns on it in joining order; and how many
/// pawns (alive or dead) and living pawns are on the board.
///
/// Every change goes through [`Occupancy::enter`], [`Occupancy::leave`],
/// [`Occupancy::die`] and [`Occupancy::revive`], which keep the lists and
/// both counts together. Looking up a tile is `O(1)`; a change is
/// `O(pawns on that tile)`.
#[derive(Clone, Debug)]
pub(crate) struct Occupancy {
    /// Living pawns per tile, sorted by id (ids count up in joining order).
    living: Vec<Vec<PawnId>>,
    placed: usize,
    alive: usize,
}

impl Occupancy {
    /// An empty index of `cells` tiles.
    pub(crate) fn new(cells: usize) -> Occupancy {
        Occupancy {
            living: vec![Vec::new(); cells],
            placed: 0,
            alive: 0,
        }
    }

    /// The living pawns on `tile`, in joining order (none past the end).
    pub(crate) fn living(&self, tile: usize) -> &[PawnId] {
        self.living.get(tile).map_or(&[], Vec::as_slice)
    }

    /// Number of pawns on the board, alive or dead.
    pub(crate) fn placed(&self) -> usize {
        self.placed
    }

    /// Number of living pawns on the board.
    pub(crate) fn alive(&self) -> usize {
        self.alive
    }

    /// Pawn `id` (living when `alive`) arrives on `tile`.
    pub(crate) fn enter(&mut self, tile: usize, id: PawnId, alive: bool) {
        self.placed += 1;
        if alive {
            self.revive(tile, id);
        }
    }

    /// Pawn `id` (living when `alive`) leaves `tile`.
    pub(crate) fn leave(&mut self, tile: usize, id: PawnId, alive: bool) {
        self.placed -= 1;
        if alive {
            self.die(tile, id);
        }
    }

    /// The living pawn `id` on `tile` dies there.
    pub(crate) fn die(&mut self, tile: usize, id: PawnId) {
        let list = &mut self.living[tile];
        if let Ok(k) = list.binary_search(&id) {
            list.remove(k);
            self.alive -= 1;
        }
    }

    /// The dead pawn `id` on `tile` lives again.
    pub(crate) fn revive(&mut self, tile: usize, id: PawnId) {
        let list = &mut self.living[tile];
        if let Err(k) = list.binary_search(&id) {
            list.insert(k, id);
            self.alive += 1;
        }
    }

    /// Every living pawn on `tile` dies: returns them, in joining order.
    pub(crate) fn kill_all(&mut self, tile: usize) -> Vec<PawnId> {
        let killed = self.living.get_mut(tile).map(std::mem::take);
        let killed = killed.unwrap_or_default();
        self.alive -= killed.len();
        killed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_stay_in_joining_order_and_counts_follow() {
        let mut index = Occupancy::new(2);
        index.enter(0, PawnId(5), true);
        index.enter(0, PawnId(2), true);
        index.enter(0, PawnId(9), false);
        assert_eq!(index.living(0), [PawnId(2), PawnId(5)]);
        assert_eq!((index.placed(), index.alive()), (3, 2));
        index.die(0, PawnId(2));
        index.leave(0, PawnId(9), false);
        index.enter(1, PawnId(2), false);
        assert_eq!(index.living(0), [PawnId(5)]);
        assert_eq!((index.placed(), index.alive()), (3, 1));
        assert_eq!(index.kill_all(0), [PawnId(5)]);
        assert_eq!((index.placed(), index.alive()), (3, 0));
        assert_eq!(index.living(7), []);
    }
}
