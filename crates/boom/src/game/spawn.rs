//! Where pawns appear: spawn points spread over the board.

use super::position::Pos;

/// Spawn points of a `width` × `height` board, in the order pawns get them:
/// the four corners, then the middles of the four edges, then inner points
/// chosen farthest-first (each the inner point farthest from all those
/// already chosen), at most `limit` in all, without duplicates.
///
/// Every point has even coordinates when the board's sides are odd, so
/// that making room there (R5) never breaks a HARD tile of the generated
/// grid. Tiny boards give fewer points (a 1 × 1 board has one).
pub fn spawn_points(width: usize, height: usize, limit: usize) -> Vec<Pos> {
    let mut points: Vec<Pos> = Vec::new();
    if width == 0 || height == 0 {
        return points;
    }
    let (w, h) = (width as i32, height as i32);
    let even = |n: i32| n & !1;
    let (mx, my) = (even((w - 1) / 2), even((h - 1) / 2));
    let fixed = [
        Pos::new(0, 0),
        Pos::new(w - 1, h - 1),
        Pos::new(w - 1, 0),
        Pos::new(0, h - 1),
        Pos::new(mx, 0),
        Pos::new(mx, h - 1),
        Pos::new(0, my),
        Pos::new(w - 1, my),
    ];
    for p in fixed {
        if points.len() < limit && !points.contains(&p) {
            points.push(p);
        }
    }
    let mut inner: Vec<Pos> = (2..w - 1)
        .step_by(2)
        .flat_map(|x| (2..h - 1).step_by(2).map(move |y| Pos::new(x, y)))
        .filter(|p| !points.contains(p))
        .collect();
    // Distance from each candidate to the nearest chosen point.
    let mut nearest: Vec<u32> = inner
        .iter()
        .map(|c| {
            points
                .iter()
                .map(|p| p.distance(*c))
                .min()
                .unwrap_or(u32::MAX)
        })
        .collect();
    while points.len() < limit && !inner.is_empty() {
        let best = (0..inner.len())
            .max_by_key(|&i| (nearest[i], std::cmp::Reverse(i)))
            .unwrap_or(0);
        // A point closer than 3 tiles to another adds crowding, not room.
        if nearest[best] < 3 && points.len() >= 4 {
            break;
        }
        let chosen = inner.swap_remove(best);
        nearest.swap_remove(best);
        for (c, n) in inner.iter().zip(nearest.iter_mut()) {
            *n = (*n).min(c.distance(chosen));
        }
        points.push(chosen);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_then_edge_middles_then_inner_points() {
        let points = spawn_points(11, 11, 100);
        assert_eq!(
            points[..8],
            [
                Pos::new(0, 0),
                Pos::new(10, 10),
                Pos::new(10, 0),
                Pos::new(0, 10),
                Pos::new(4, 0),
                Pos::new(4, 10),
                Pos::new(0, 4),
                Pos::new(10, 4),
            ]
        );
        assert!(points.len() > 8);
        assert!(points.iter().all(|p| p.x % 2 == 0 && p.y % 2 == 0));
        let inner = &points[8..];
        assert!(
            inner
                .iter()
                .all(|p| p.x > 0 && p.y > 0 && p.x < 10 && p.y < 10)
        );
    }

    #[test]
    fn big_boards_have_a_hundred_distinct_points_and_tiny_ones_work() {
        let points = spawn_points(101, 101, 100);
        assert_eq!(points.len(), 100);
        let mut sorted = points.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        assert_eq!(spawn_points(1, 1, 10), [Pos::new(0, 0)]);
        assert_eq!(spawn_points(5, 5, 2).len(), 2);
        assert!(spawn_points(6, 4, 10).iter().all(|p| p.x < 6 && p.y < 4));
    }
}
