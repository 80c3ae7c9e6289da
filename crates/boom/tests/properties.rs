//! Random operations thrown at the engine: it never panics, and its
//! invariants hold after every operation.

use std::collections::HashMap;
use std::time::Duration;

use boom::game::{Action, Arena, Config, Direction, Event, PawnId, Pos};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Join,
    AddBot,
    Leave(u32),
    Act(u32, Option<Direction>),
    Advance(u64),
    Insert(u32, i32, i32),
    PlaceBomb(i32, i32, u64, u32),
    StartFire(i32, i32, u64),
}

fn direction() -> impl Strategy<Value = Option<Direction>> {
    prop_oneof![
        Just(None),
        Just(Some(Direction::Up)),
        Just(Some(Direction::Down)),
        Just(Some(Direction::Left)),
        Just(Some(Direction::Right)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    // Ids 0..12 cover pawns present, pawns gone and pawns never seen;
    // coordinates -2..10 cover tiles off a 7 × 7 board.
    prop_oneof![
        2 => Just(Op::Join),
        1 => Just(Op::AddBot),
        1 => (0u32..12).prop_map(Op::Leave),
        8 => ((0u32..12), direction()).prop_map(|(id, d)| Op::Act(id, d)),
        4 => prop_oneof![10 => 0u64..4000, 1 => Just(u64::MAX)].prop_map(Op::Advance),
        1 => ((0u32..12), -2i32..10, -2i32..10).prop_map(|(id, x, y)| Op::Insert(id, x, y)),
        1 => (-2i32..10, -2i32..10, prop_oneof![Just(0u64), 0u64..5000], 0u32..12)
            .prop_map(|(x, y, f, s)| Op::PlaceBomb(x, y, f, s)),
        1 => (-2i32..10, -2i32..10, prop_oneof![Just(0u64), 0u64..4000]).prop_map(|(x, y, d)| Op::StartFire(x, y, d)),
    ]
}

fn config(kind: u8, seed: u64) -> Config {
    let base = match kind {
        0 => Config::classic(),
        1 => Config::default(),
        _ => Config {
            rounds: None,
            ..Config::default()
        },
    };
    base.with_size(7, 7).with_seed(seed)
}

fn apply(arena: &mut Arena, op: &Op, now: &mut Duration) {
    let ms = Duration::from_millis;
    match *op {
        Op::Join => {
            arena.join("p");
        }
        Op::AddBot => {
            arena.add_bot("b");
        }
        Op::Leave(id) => {
            let _ = arena.leave(PawnId(id));
        }
        Op::Act(id, d) => {
            let action = d.map_or(Action::DropBomb, Action::Move);
            let _ = arena.act(PawnId(id), action, *now);
        }
        Op::Advance(dt) => {
            *now = now.saturating_add(ms(dt));
            arena.advance(*now);
            *now = arena.now();
        }
        Op::Insert(id, x, y) => {
            let _ = arena.insert_pawn(PawnId(id), Pos::new(x, y));
        }
        Op::PlaceBomb(x, y, fuse, size) => {
            let _ = arena.place_bomb(Pos::new(x, y), ms(fuse), size, *now);
        }
        Op::StartFire(x, y, burn) => {
            let _ = arena.start_fire(Pos::new(x, y), ms(burn), *now);
        }
    }
}

fn check(
    arena: &mut Arena,
    before: &HashMap<PawnId, (bool, Option<Pos>)>,
) -> Result<(), TestCaseError> {
    if let Err(broken) = arena.check_invariants() {
        return Err(TestCaseError::fail(broken));
    }
    let board_reset = arena.events().iter().any(|(_, e)| *e == Event::BoardReset);
    for pawn in arena.pawns() {
        if let Some(pos) = pawn.pos() {
            prop_assert!(arena.board().contains(pos));
        }
        // Dead pawns never move (a new round's respawn aside).
        if let Some(&(alive, pos)) = before.get(&pawn.id())
            && !alive
            && !board_reset
        {
            prop_assert!(!pawn.is_alive());
            prop_assert_eq!(pawn.pos(), pos, "dead {} moved", pawn.id());
        }
    }
    // No bomb is overdue: each explodes when its time comes.
    let now = arena.now();
    prop_assert!(arena.bombs().all(|(_, b)| b.explodes_at() > now));
    prop_assert!(arena.fires().all(|(_, f)| f.until() > now));
    prop_assert!(arena.bomb_count() <= arena.board().len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(
        kind in 0u8..3,
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..150),
    ) {
        let mut arena = Arena::new(config(kind, seed)).unwrap();
        let mut now = Duration::ZERO;
        for op in &ops {
            let before: HashMap<PawnId, (bool, Option<Pos>)> = arena
                .pawns()
                .iter()
                .map(|p| (p.id(), (p.is_alive(), p.pos())))
                .collect();
            arena.drain_events();
            apply(&mut arena, op, &mut now);
            check(&mut arena, &before)?;
        }
        // Every bomb eventually explodes and every fire goes out.
        let ids: Vec<PawnId> = arena.pawns().iter().map(|p| p.id()).collect();
        for id in ids {
            arena.leave(id).unwrap();
        }
        let latest = arena.bombs().map(|(_, b)| b.explodes_at()).max().unwrap_or(now);
        arena.advance(latest + Duration::from_secs(10));
        prop_assert_eq!(arena.bomb_count(), 0);
        prop_assert_eq!(arena.fire_count(), 0);
    }
}
