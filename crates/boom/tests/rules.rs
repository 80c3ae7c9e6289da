//! The seed's rules R1–R16 (shared/BOOM_RULES.md), each rule and each
//! worked example a test, on the classic configuration with simulated time.

mod common;

use boom::game::{
    Action, ActionError, Arena, Board, Config, Direction, Event, IllegalMoveReason, Tile,
};
use common::*;

// ----- Tiles and the board ------------------------------------------------

#[test]
fn r1_fire_destroys_soft_but_never_hard() {
    let mut arena = classic_on(Board::from_rows(&["S.H"]).unwrap());
    arena.place_bomb(p(1, 0), t(1.0), 5, t(0.0)).unwrap();
    arena.advance(t(1.0));
    assert_board(&arena, &["xx#"]);
    arena.advance(t(2.0));
    assert_board(&arena, &["  #"]);
    assert_eq!(arena.board().tile(p(0, 0)), Some(Tile::Empty));
    assert_eq!(arena.board().tile(p(2, 0)), Some(Tile::Hard));
}

#[test]
fn r2_generated_board_is_hard_where_both_coordinates_are_odd() {
    let arena = classic_on(Board::generate(5, 5));
    assert_board(&arena, &[":::::", ":#:#:", ":::::", ":#:#:", ":::::"]);
    assert_eq!(
        arena.board().rows(),
        ["SSSSS", "SHSHS", "SSSSS", "SHSHS", "SSSSS"]
    );
    let seed = Arena::new(Config::classic()).unwrap();
    assert_eq!((seed.board().width(), seed.board().height()), (11, 11));
}

#[test]
fn r3_one_bomb_and_one_fire_per_tile_any_number_of_pawns() {
    let mut arena = Arena::new(Config::classic()).unwrap();
    let a = arena.join("A");
    let b = arena.join("B");
    assert_eq!(arena.pawns_at(p(0, 0)).count(), 2);
    arena.act(a, Action::DropBomb, t(0.0)).unwrap();
    assert_eq!(
        arena.act(b, Action::DropBomb, t(0.0)),
        Err(ActionError::IllegalMove(IllegalMoveReason::BombThere))
    );
    assert_eq!(
        arena.place_bomb(p(0, 0), t(1.0), 1, t(0.0)),
        Err(ActionError::IllegalMove(IllegalMoveReason::BombThere))
    );
    assert_eq!(arena.bomb_count(), 1);
    arena.start_fire(p(1, 0), t(1.0), t(0.0)).unwrap();
    arena.start_fire(p(1, 0), t(1.0), t(0.5)).unwrap();
    assert_eq!(arena.fire_count(), 1);
}

// ----- Pawns ----------------------------------------------------------------

#[test]
fn r4_a_new_pawn() {
    let mut arena = Arena::new(Config::classic()).unwrap();
    let a = arena.join("alice");
    let pawn = arena.pawn(a).unwrap();
    assert_eq!(pawn.name(), "alice");
    assert_eq!(pawn.bombs_in_stock(), 1);
    assert_eq!(pawn.flame(), 1);
    assert_eq!(pawn.fuse(), t(2.0));
    assert!(pawn.is_alive());
    // In the classic game a pawn is inserted as it joins (R17); with rounds,
    // one joining during play has no board and no location yet.
    assert_eq!(pawn.pos(), Some(p(0, 0)));
    let mut rounds = Arena::new(Config::default()).unwrap();
    rounds.join("a");
    rounds.join("b");
    rounds.advance(t(10.0));
    let late = rounds.join("late");
    assert_eq!(rounds.pawn(late).unwrap().pos(), None);
    assert_eq!(rounds.pawn(late).unwrap().bombs_in_stock(), 1);
}

#[test]
fn r5_insertion_makes_room() {
    let mut arena = classic_on(Board::generate(5, 5));
    for (name, pos) in [
        ("a", p(0, 0)),
        ("b", p(4, 0)),
        ("c", p(0, 4)),
        ("d", p(4, 4)),
        ("e", p(2, 2)),
    ] {
        let id = arena.join(name);
        arena.insert_pawn(id, pos).unwrap();
    }
    // R5's picture, x for EMPTY:  xx xx / x x x /  xxx  / x x x / xx xx
    assert_eq!(
        arena.board().rows(),
        ["..S..", ".H.H.", "S...S", ".H.H.", "..S.."]
    );
    assert_board(&arena, &["A : B", " # # ", ": E :", " # # ", "C : D"]);
    let id = arena.join("f");
    assert_eq!(
        arena.insert_pawn(id, p(5, 0)),
        Err(ActionError::IllegalMove(IllegalMoveReason::OffBoard))
    );
}

#[test]
fn r6_moves_and_their_refusals() {
    let mut arena = Arena::new(Config::classic().with_size(5, 5)).unwrap();
    let a = arena.join("A");
    let illegal = |r| Err(ActionError::IllegalMove(r));
    assert_eq!(
        arena.act(a, Action::Move(Direction::Up), t(0.0)),
        illegal(IllegalMoveReason::OffBoard)
    );
    assert_eq!(
        arena.act(a, Action::Move(Direction::Left), t(0.0)),
        illegal(IllegalMoveReason::OffBoard)
    );
    arena
        .act(a, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    assert_eq!(
        arena.act(a, Action::Move(Direction::Right), t(0.0)),
        illegal(IllegalMoveReason::Blocked(Tile::Soft))
    );
    assert_eq!(
        arena.act(a, Action::Move(Direction::Down), t(0.0)),
        illegal(IllegalMoveReason::Blocked(Tile::Hard))
    );
    // Leaving one's own fresh bomb is allowed; entering a bomb tile is not.
    arena.act(a, Action::DropBomb, t(0.0)).unwrap();
    arena.act(a, Action::Move(Direction::Left), t(0.0)).unwrap();
    assert_board(&arena, &["AO:::", " #:#:", ":::::", ":#:#:", ":::::"]);
    assert_eq!(
        arena.act(a, Action::Move(Direction::Right), t(0.0)),
        illegal(IllegalMoveReason::BombThere)
    );
    // A dead pawn's move is refused.
    arena.advance(t(2.0));
    assert!(!arena.pawn(a).unwrap().is_alive());
    assert_eq!(
        arena.act(a, Action::Move(Direction::Down), t(2.0)),
        Err(ActionError::YoureDead)
    );
}

#[test]
fn r7_moving_into_fire_kills() {
    let mut arena = classic_on(generated_with_empty(5, 5, &[p(2, 0), p(3, 0)]));
    let a = arena.join("A");
    arena.insert_pawn(a, p(0, 0)).unwrap();
    arena.start_fire(p(1, 0), t(5.0), t(0.0)).unwrap();
    arena
        .act(a, Action::Move(Direction::Right), t(0.5))
        .unwrap();
    assert!(!arena.pawn(a).unwrap().is_alive());
    assert!(events(&mut arena).contains(&Event::PawnDied {
        pawn: a,
        at: p(1, 0)
    }));
    assert_board(&arena, &[" a  :", " #:#:", ":::::", ":#:#:", ":::::"]);
}

#[test]
fn r8_dropping_a_bomb() {
    let config = Config {
        start_bombs: 2,
        ..Config::classic()
    };
    let mut arena = Arena::with_board(config, Board::filled(5, 1, Tile::Empty)).unwrap();
    let a = arena.join("A");
    arena.insert_pawn(a, p(0, 0)).unwrap();
    arena.act(a, Action::DropBomb, t(0.5)).unwrap();
    let bomb = *arena.bomb_at(p(0, 0)).unwrap();
    assert_eq!(
        (bomb.size(), bomb.explodes_at(), bomb.owner()),
        (1, t(2.5), Some(a))
    );
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 1);
    // A bomb already there: refused, stock unchanged.
    assert_eq!(
        arena.act(a, Action::DropBomb, t(0.5)),
        Err(ActionError::IllegalMove(IllegalMoveReason::BombThere))
    );
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 1);
    // An empty stock: refused.
    arena
        .act(a, Action::Move(Direction::Right), t(0.6))
        .unwrap();
    arena.act(a, Action::DropBomb, t(0.6)).unwrap();
    arena
        .act(a, Action::Move(Direction::Right), t(0.7))
        .unwrap();
    assert_board(&arena, &["OOA  "]);
    assert_eq!(
        arena.act(a, Action::DropBomb, t(0.7)),
        Err(ActionError::IllegalMove(IllegalMoveReason::NoBombsLeft))
    );
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 0);
    // A dead pawn cannot drop (the second bomb's blast reaches (2, 0)).
    arena.advance(t(2.6));
    assert!(!arena.pawn(a).unwrap().is_alive());
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 2);
    assert_eq!(
        arena.act(a, Action::DropBomb, t(2.6)),
        Err(ActionError::YoureDead)
    );
}

#[test]
fn r9_the_bomb_returns_to_its_owner_by_fuse_or_by_fire() {
    let mut arena = Arena::new(Config::classic().with_size(5, 5)).unwrap();
    let a = arena.join("A");
    arena.act(a, Action::DropBomb, t(0.0)).unwrap();
    arena.act(a, Action::Move(Direction::Down), t(0.0)).unwrap();
    arena
        .act(a, Action::Move(Direction::Down), t(0.0))
        .unwrap_err();
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 0);
    // Set off early by fire.
    arena.start_fire(p(0, 0), t(0.1), t(0.5)).unwrap();
    assert_eq!(arena.bomb_count(), 0);
    assert_eq!(arena.pawn(a).unwrap().bombs_in_stock(), 1);
    // By its fuse (the pawn, at (0,1), died in the first blast: it still
    // gets its bomb back).
    let b = arena.join("B");
    arena.insert_pawn(b, p(4, 4)).unwrap();
    arena.act(b, Action::DropBomb, t(1.0)).unwrap();
    assert_eq!(arena.pawn(b).unwrap().bombs_in_stock(), 0);
    arena.advance(t(3.0));
    assert_eq!(arena.pawn(b).unwrap().bombs_in_stock(), 1);
}

#[test]
fn r10_a_dead_pawn_stays_until_its_player_leaves() {
    let mut arena = Arena::new(Config::classic().with_size(5, 5)).unwrap();
    let a = arena.join("A");
    arena.act(a, Action::DropBomb, t(0.0)).unwrap();
    arena.advance(t(2.0));
    assert_board(&arena, &["ax:::", "x#:#:", ":::::", ":#:#:", ":::::"]);
    arena.advance(t(60.0));
    assert_board(&arena, &["a :::", " #:#:", ":::::", ":#:#:", ":::::"]);
    arena.leave(a).unwrap();
    assert_board(&arena, &["  :::", " #:#:", ":::::", ":#:#:", ":::::"]);
    assert_eq!(arena.leave(a), Err(ActionError::UnknownPawn));
}

// ----- Bombs ------------------------------------------------------------------

#[test]
fn r11_a_bomb_explodes_by_its_fuse_once() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.place_bomb(p(1, 1), t(2.0), 1, t(0.0)).unwrap();
    arena.advance(t(1.999));
    assert_eq!(arena.bomb_count(), 1);
    arena.advance(t(2.0));
    assert_eq!(arena.bomb_count(), 0);
    let exploded = |evs: &[Event]| {
        evs.iter()
            .filter(|e| matches!(e, Event::BombExploded { .. }))
            .count()
    };
    assert_eq!(exploded(&events(&mut arena)), 1);
    arena.advance(t(100.0));
    assert_eq!(exploded(&events(&mut arena)), 0);
}

#[test]
fn r11_a_bomb_explodes_at_once_when_fire_starts_on_its_tile() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.place_bomb(p(1, 1), t(10.0), 1, t(0.0)).unwrap();
    arena.start_fire(p(1, 1), t(1.0), t(3.0)).unwrap();
    assert_eq!(arena.bomb_count(), 0);
    assert_board(&arena, &[":x:", "xxx", ":x:"]);
}

#[test]
fn r12_the_blast_stops_off_board_at_hard_after_soft_and_at_bombs() {
    // Row: bomb, empty, empty, SOFT, empty — SOFT stops the walk.
    let mut arena = classic_on(Board::from_rows(&["...S.", ".H...", "....."]).unwrap());
    arena.place_bomb(p(0, 0), t(1.0), 10, t(0.0)).unwrap();
    arena.advance(t(1.0));
    assert_board(&arena, &["xxxx ", "x#   ", "x    "]);
    // HARD stops without burning; another bomb burns and stops the walk.
    let mut arena = classic_on(Board::from_rows(&[".....", "H...."]).unwrap());
    arena.place_bomb(p(0, 0), t(1.0), 10, t(0.0)).unwrap();
    arena.place_bomb(p(2, 0), t(9.0), 0, t(0.0)).unwrap();
    arena.advance(t(1.0));
    assert_board(&arena, &["xxx  ", "#    "]);
}

#[test]
fn r13_plus_sign_on_a_3x3() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.place_bomb(p(1, 1), t(2.0), 1, t(0.0)).unwrap();
    assert_board(&arena, &[":::", ":O:", ":::"]);
    arena.advance(t(2.0));
    assert_board(&arena, &[":x:", "xxx", ":x:"]);
}

#[test]
fn r13_hard_neighbours_keep_the_fire_in_the_centre() {
    let mut arena = classic_on(Board::from_rows(&["SHS", "H.H", "SHS"]).unwrap());
    arena.place_bomb(p(1, 1), t(2.0), 1, t(0.0)).unwrap();
    arena.advance(t(2.0));
    assert_board(&arena, &[":#:", "#x#", ":#:"]);
}

#[test]
fn r13_four_corners_of_a_5x5() {
    let mut arena = classic_on(Board::generate(5, 5));
    for pos in [p(0, 0), p(4, 0), p(0, 4), p(4, 4)] {
        arena.place_bomb(pos, t(2.0), 1, t(0.0)).unwrap();
    }
    arena.advance(t(2.0));
    assert_board(&arena, &["xx:xx", "x#:#x", ":::::", "x#:#x", "xx:xx"]);
}

#[test]
fn r13_soft_stops_up_and_down_hard_left_and_right() {
    let mut arena = classic_on(generated_with_empty(5, 5, &[p(2, 1)]));
    arena.place_bomb(p(2, 1), t(2.0), 4, t(0.0)).unwrap();
    arena.advance(t(2.0));
    assert_board(&arena, &["::x::", ":#x#:", "::x::", ":#:#:", ":::::"]);
    assert_eq!(burning(&arena), [p(2, 0), p(2, 1), p(2, 2)]);
}

#[test]
fn r13_a_chain_reaction_on_a_3x3() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(0, 0), p(1, 0)]));
    arena.place_bomb(p(0, 0), t(10.0), 1, t(0.0)).unwrap();
    arena.place_bomb(p(1, 0), t(1.0), 1, t(0.0)).unwrap();
    assert_board(&arena, &["OO:", ":#:", ":::"]);
    arena.advance(t(1.0));
    assert_eq!(arena.bomb_count(), 0);
    assert_eq!(burning(&arena), [p(0, 0), p(1, 0), p(2, 0), p(0, 1)]);
    assert_board(&arena, &["xxx", "x#:", ":::"]);
    arena.advance(t(9.0));
    events(&mut arena);
    arena.advance(t(10.0));
    assert_eq!(events(&mut arena), []);
    arena.advance(t(20.0));
    assert_eq!(events(&mut arena), []);
}

#[test]
fn r13_a_small_bomb_shields_the_rest_of_its_column() {
    let empty: Vec<_> = (0..5)
        .map(|x| p(x, 0))
        .chain((0..5).map(|y| p(2, y)))
        .collect();
    let mut arena = classic_on(generated_with_empty(5, 5, &empty));
    arena.place_bomb(p(2, 0), t(1.0), 10, t(0.0)).unwrap();
    arena.place_bomb(p(2, 1), t(5.0), 1, t(0.0)).unwrap();
    assert_board(&arena, &["  O  ", ":#O#:", ":: ::", ":# #:", ":: ::"]);
    arena.advance(t(1.0));
    assert_board(&arena, &["xxxxx", ":#x#:", "::x::", ":# #:", ":: ::"]);
    assert_eq!(arena.bomb_count(), 0);
}

// ----- Fire ---------------------------------------------------------------------

#[test]
fn r14_a_fire_burns_for_the_burn_time() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.place_bomb(p(1, 1), t(2.0), 1, t(0.0)).unwrap();
    arena.advance(t(2.999));
    assert_eq!(arena.fire_count(), 5);
    events(&mut arena);
    arena.advance(t(3.0));
    assert_eq!(arena.fire_count(), 0);
    let outs = events(&mut arena);
    assert_eq!(outs.len(), 5);
    assert!(outs.iter().all(|e| matches!(e, Event::FireOut { .. })));
    assert_board(&arena, &[": :", "   ", ": :"]);
}

#[test]
fn r14_starting_a_fire_destroys_the_tile_sets_off_a_bomb_and_kills() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(0, 0), p(1, 0)]));
    let a = arena.join("A");
    let b = arena.join("B");
    arena.insert_pawn(a, p(0, 0)).unwrap();
    arena.insert_pawn(b, p(0, 0)).unwrap();
    arena.start_fire(p(2, 0), t(1.0), t(0.0)).unwrap();
    assert_eq!(arena.board().tile(p(2, 0)), Some(Tile::Empty));
    arena.place_bomb(p(0, 2), t(9.0), 0, t(0.0)).unwrap();
    arena.start_fire(p(0, 2), t(1.0), t(0.0)).unwrap();
    assert_eq!(arena.bomb_count(), 0);
    arena.start_fire(p(0, 0), t(1.0), t(0.0)).unwrap();
    assert!(!arena.pawn(a).unwrap().is_alive());
    assert!(!arena.pawn(b).unwrap().is_alive());
    assert_board(&arena, &["a x", " #:", "x::"]);
}

#[test]
fn r15_relighting_keeps_the_later_end_and_tells_once() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.start_fire(p(1, 1), t(3.0), t(0.0)).unwrap();
    arena.start_fire(p(1, 1), t(5.0), t(2.0)).unwrap();
    events(&mut arena);
    arena.advance(t(3.0));
    assert!(arena.fire_at(p(1, 1)).is_some());
    assert_eq!(events(&mut arena), []);
    arena.advance(t(6.999));
    assert!(arena.fire_at(p(1, 1)).is_some());
    arena.advance(t(7.0));
    assert!(arena.fire_at(p(1, 1)).is_none());
    let outs: Vec<_> = arena.drain_events().collect();
    assert_eq!(outs, [(t(7.0), Event::FireOut { at: p(1, 1) })]);
    arena.advance(t(20.0));
    assert_eq!(events(&mut arena), []);
    // A shorter re-lighting does not shorten the fire.
    arena.start_fire(p(1, 1), t(5.0), t(20.0)).unwrap();
    arena.start_fire(p(1, 1), t(1.0), t(21.0)).unwrap();
    arena.advance(t(24.9));
    assert!(arena.fire_at(p(1, 1)).is_some());
    arena.advance(t(25.0));
    assert!(arena.fire_at(p(1, 1)).is_none());
}

#[test]
fn r16_fire_on_a_long_fuse_bomb_sets_it_off_and_its_fuse_does_nothing() {
    let mut arena = classic_on(generated_with_empty(3, 3, &[p(1, 1)]));
    arena.place_bomb(p(1, 1), t(10.0), 1, t(0.0)).unwrap();
    arena.start_fire(p(1, 1), t(1.0), t(1.0)).unwrap();
    assert!(events(&mut arena).contains(&Event::BombExploded {
        owner: None,
        at: p(1, 1)
    }));
    arena.advance(t(9.0));
    events(&mut arena);
    arena.advance(t(10.0));
    assert_eq!(events(&mut arena), []);
    assert_eq!(arena.next_deadline(), None);
}

// ----- The seed's server, as far as the engine goes --------------------------------

#[test]
fn r17_every_pawn_is_inserted_at_the_origin_and_leaving_forgets_it() {
    let mut arena = Arena::new(Config::classic()).unwrap();
    let a = arena.join("A");
    let b = arena.join("B");
    assert_eq!(arena.pawn(a).unwrap().pos(), Some(p(0, 0)));
    assert_eq!(arena.pawn(b).unwrap().pos(), Some(p(0, 0)));
    assert_eq!(show(&arena).lines().next(), Some("A :::::::::"));
    arena.leave(a).unwrap();
    assert_eq!(show(&arena).lines().next(), Some("B :::::::::"));
    assert!(arena.pawn(a).is_none());
    assert_eq!(
        arena.act(a, Action::DropBomb, t(0.0)),
        Err(ActionError::UnknownPawn)
    );
}
