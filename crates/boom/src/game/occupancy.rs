//! Who stands where: an index of the pawns on each tile, kept by
//! [`crate::game::World`] as pawns move, die and leave.

use super::pawn::PawnId;

/// For each tile, the living pawns on it in joining order; and how many
/// pawns (alive or dead) and living pawns are on the board.
///
/// Every change goes through [`Occupancy::enter`], [`Occupancy::leave`],
/// [`Occupancy::die`], [`Occupancy::revive`] and
/// [`Occupancy::kill_all`], which keep the lists and both counts together.
/// Looking up a tile is `O(1)`; a change is `O(pawns on that tile)`.
#[derive(Clone, Debug)]
pub(crate) struct Occupancy {
    living: Vec<Crowd>,
    placed: usize,
    alive: usize,
}

/// The living pawns on one tile, sorted by id (ids count up in joining
/// order). A tile seldom holds more than one, so one is kept in place and
/// only more take room on the heap.
#[derive(Clone, Debug, Default)]
enum Crowd {
    #[default]
    Nobody,
    One(PawnId),
    Several(Vec<PawnId>),
}

impl Crowd {
    fn ids(&self) -> &[PawnId] {
        match self {
            Crowd::Nobody => &[],
            Crowd::One(id) => std::slice::from_ref(id),
            Crowd::Several(ids) => ids,
        }
    }

    /// Adds `id`; `false` when it is there already.
    fn add(&mut self, id: PawnId) -> bool {
        match self {
            Crowd::Nobody => *self = Crowd::One(id),
            Crowd::One(other) if *other == id => return false,
            Crowd::One(other) => {
                let (first, second) = (id.min(*other), id.max(*other));
                *self = Crowd::Several(vec![first, second]);
            }
            Crowd::Several(ids) => match ids.binary_search(&id) {
                Ok(_) => return false,
                Err(k) => ids.insert(k, id),
            },
        }
        true
    }

    /// Removes `id`; `false` when it was not there.
    fn remove(&mut self, id: PawnId) -> bool {
        match self {
            Crowd::One(other) if *other == id => *self = Crowd::Nobody,
            Crowd::Several(ids) => match ids.binary_search(&id) {
                Ok(k) => {
                    ids.remove(k);
                }
                Err(_) => return false,
            },
            _ => return false,
        }
        true
    }
}

impl Occupancy {
    /// An empty index of `cells` tiles.
    pub(crate) fn new(cells: usize) -> Occupancy {
        Occupancy {
            living: vec![Crowd::Nobody; cells],
            placed: 0,
            alive: 0,
        }
    }

    /// The living pawns on `tile`, in joining order (none past the end).
    pub(crate) fn living(&self, tile: usize) -> &[PawnId] {
        self.living.get(tile).map_or(&[], Crowd::ids)
    }

    /// Empties the index and sizes it to `cells` tiles.
    pub(crate) fn clear(&mut self, cells: usize) {
        self.living.clear();
        self.living.resize(cells, Crowd::Nobody);
        self.placed = 0;
        self.alive = 0;
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
        if self.living[tile].remove(id) {
            self.alive -= 1;
        }
    }

    /// The dead pawn `id` on `tile` lives again.
    pub(crate) fn revive(&mut self, tile: usize, id: PawnId) {
        if self.living[tile].add(id) {
            self.alive += 1;
        }
    }

    /// Every living pawn on `tile` dies: returns them, in joining order.
    pub(crate) fn kill_all(&mut self, tile: usize) -> Vec<PawnId> {
        let Some(crowd) = self.living.get_mut(tile) else {
            return Vec::new();
        };
        let killed = match std::mem::take(crowd) {
            Crowd::Nobody => Vec::new(),
            Crowd::One(id) => vec![id],
            Crowd::Several(ids) => ids,
        };
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
        index.enter(0, PawnId(7), true);
        assert_eq!(index.living(0), [PawnId(2), PawnId(5), PawnId(7)]);
        assert_eq!((index.placed(), index.alive()), (4, 3));
        index.die(0, PawnId(2));
        index.die(0, PawnId(2));
        index.leave(0, PawnId(9), false);
        index.enter(1, PawnId(2), false);
        assert_eq!(index.living(0), [PawnId(5), PawnId(7)]);
        assert_eq!((index.placed(), index.alive()), (4, 2));
        assert_eq!(index.kill_all(0), [PawnId(5), PawnId(7)]);
        assert_eq!((index.placed(), index.alive()), (4, 0));
        assert_eq!(index.living(7), []);
    }

    #[test]
    fn one_pawn_alone_comes_and_goes() {
        let mut index = Occupancy::new(1);
        index.enter(0, PawnId(3), true);
        index.revive(0, PawnId(3));
        assert_eq!((index.living(0), index.alive()), (&[PawnId(3)][..], 1));
        index.die(0, PawnId(4));
        index.leave(0, PawnId(3), true);
        assert_eq!((index.living(0), index.alive()), (&[][..], 0));
        index.enter(0, PawnId(1), true);
        assert_eq!(index.kill_all(0), [PawnId(1)]);
        assert_eq!(index.kill_all(0), []);
    }
}
