//! A layer of the board: at most one item per tile (R3 for bombs and
//! fires), and how many tiles hold one.

/// At most one `T` per tile, by flat tile index (see
/// [`crate::game::Board::index`]), with the number of tiles holding one.
///
/// The count, and a bit per tile saying whether it holds an item (so that
/// going over the items costs `O(tiles / 64 + items)`), are kept by the
/// only methods that add or remove items, so they are always right.
/// Indices past the end hold nothing and ignore changes.
#[derive(Clone, Debug)]
pub(crate) struct Layer<T> {
    cells: Vec<Option<T>>,
    /// Bit `i % 64` of word `i / 64` is set when tile `i` holds an item.
    occupied: Vec<u64>,
    count: usize,
}

impl<T> Layer<T> {
    /// An empty layer of `cells` tiles.
    pub(crate) fn new(cells: usize) -> Layer<T> {
        Layer {
            cells: std::iter::repeat_with(|| None).take(cells).collect(),
            occupied: vec![0; cells.div_ceil(64)],
            count: 0,
        }
    }

    /// The item on `tile`, if any.
    pub(crate) fn get(&self, tile: usize) -> Option<&T> {
        self.cells.get(tile).and_then(Option::as_ref)
    }

    /// The item on `tile`, to change in place.
    pub(crate) fn get_mut(&mut self, tile: usize) -> Option<&mut T> {
        self.cells.get_mut(tile).and_then(Option::as_mut)
    }

    /// Puts `item` on `tile`, returning the one it replaces.
    pub(crate) fn put(&mut self, tile: usize, item: T) -> Option<T> {
        let cell = self.cells.get_mut(tile)?;
        let replaced = cell.replace(item);
        if replaced.is_none() {
            self.count += 1;
            self.occupied[tile / 64] |= 1 << (tile % 64);
        }
        replaced
    }

    /// Takes the item off `tile`.
    pub(crate) fn take(&mut self, tile: usize) -> Option<T> {
        let taken = self.cells.get_mut(tile)?.take();
        if taken.is_some() {
            self.count -= 1;
            self.occupied[tile / 64] &= !(1 << (tile % 64));
        }
        taken
    }

    /// Number of tiles holding an item.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Every item with its tile, in tile order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        let tiles = self.occupied.iter().enumerate().flat_map(|(word, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits.wrapping_sub(1);
                (bit < 64).then_some(word * 64 + bit)
            })
        });
        tiles.filter_map(|i| Some((i, self.cells[i].as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_follows_puts_replacements_and_takes() {
        let mut layer = Layer::new(3);
        assert_eq!(layer.put(0, 'a'), None);
        assert_eq!(layer.put(2, 'b'), None);
        assert_eq!(layer.put(2, 'c'), Some('b'));
        assert_eq!(layer.count(), 2);
        assert_eq!(layer.take(2), Some('c'));
        assert_eq!(layer.take(2), None);
        assert_eq!(layer.count(), 1);
        assert_eq!(layer.iter().collect::<Vec<_>>(), [(0, &'a')]);
    }

    #[test]
    fn items_come_in_tile_order_across_words() {
        let mut layer = Layer::new(200);
        for tile in [150, 3, 64, 63, 199] {
            layer.put(tile, tile);
        }
        let tiles: Vec<usize> = layer.iter().map(|(i, _)| i).collect();
        assert_eq!(tiles, [3, 63, 64, 150, 199]);
    }

    #[test]
    fn tiles_past_the_end_hold_nothing() {
        let mut layer = Layer::new(1);
        assert_eq!(layer.put(5, 'a'), None);
        assert_eq!(layer.get(5), None);
        assert_eq!(layer.take(5), None);
        assert_eq!(layer.count(), 0);
    }
}
