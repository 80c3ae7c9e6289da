//! Beyond the seed: spawn points, rounds, power-ups, the speed limit, board
//! sizes, determinism, and what a server relies on (deadlines, versions).

mod common;

use boom::game::{
    Action, ActionError, Arena, Board, Config, Direction, Event, PowerUp, RoundState, Tile,
};
use common::*;

fn no_rounds() -> Config {
    Config {
        rounds: None,
        ..Config::default()
    }
}

// ----- Spawn points ------------------------------------------------------------

#[test]
fn spawns_fill_corners_first_then_edge_middles_each_made_room_for() {
    let mut arena = Arena::new(no_rounds()).unwrap();
    let names = ["A", "B", "C", "D", "E"];
    for name in names {
        arena.join(name);
    }
    let at: Vec<_> = arena.pawns().iter().map(|p| p.pos().unwrap()).collect();
    assert_eq!(at, [p(0, 0), p(10, 10), p(10, 0), p(0, 10), p(4, 0)]);
    assert_board(
        &arena,
        &[
            "A : E ::: C",
            " #:# #:#:# ",
            ":::::::::::",
            ":#:#:#:#:#:",
            ":::::::::::",
            ":#:#:#:#:#:",
            ":::::::::::",
            ":#:#:#:#:#:",
            ":::::::::::",
            " #:#:#:#:# ",
            "D ::::::: B",
        ],
    );
    // The HARD grid is intact.
    assert_eq!(arena.board().count(Tile::Hard), 25);
}

// ----- Rounds -----------------------------------------------------------------------

#[test]
fn a_round_counts_down_once_two_pawns_are_present_and_ends_with_one_alive() {
    let mut arena = Arena::new(Config::default()).unwrap();
    assert_eq!(arena.round(), RoundState::Waiting);
    let a = arena.join("A");
    assert_eq!(arena.round(), RoundState::Waiting);
    assert_eq!(
        arena.act(a, Action::DropBomb, t(0.5)),
        Err(ActionError::NotInPlay)
    );
    let b = arena.join("B");
    assert_eq!(
        arena.round(),
        RoundState::Countdown {
            round: 1,
            starts_at: t(3.5)
        }
    );
    assert_eq!(arena.next_deadline(), Some(t(3.5)));
    assert_eq!(
        arena.act(a, Action::Move(Direction::Right), t(1.0)),
        Err(ActionError::NotInPlay)
    );
    arena.advance(t(3.5));
    assert!(matches!(
        arena.round(),
        RoundState::Playing { round: 1, .. }
    ));
    // Someone joining now watches until the next round.
    let c = arena.join("C");
    assert_eq!(arena.pawn(c).unwrap().pos(), None);
    assert_eq!(
        arena.act(c, Action::DropBomb, t(4.0)),
        Err(ActionError::NotInPlay)
    );
    // B dies: A survives and scores.
    events(&mut arena);
    let b_at = arena.pawn(b).unwrap().pos().unwrap();
    arena.start_fire(b_at, t(1.0), t(5.0)).unwrap();
    let evs = events(&mut arena);
    assert!(evs.contains(&Event::RoundOver {
        round: 1,
        winner: Some(a)
    }));
    assert_eq!(arena.pawn(a).unwrap().score(), 1);
    assert_eq!(
        arena.round(),
        RoundState::Over {
            round: 1,
            winner: Some(a),
            next_at: t(8.0)
        }
    );
    assert_eq!(
        arena.act(a, Action::DropBomb, t(6.0)),
        Err(ActionError::NotInPlay)
    );
    // After the pause: a fresh board, everyone present respawned.
    arena.advance(t(8.0));
    let evs = events(&mut arena);
    assert!(evs.contains(&Event::BoardReset));
    assert!(evs.contains(&Event::CountdownStarted {
        round: 2,
        starts_at: t(11.0)
    }));
    for id in [a, b, c] {
        let pawn = arena.pawn(id).unwrap();
        assert!(pawn.is_alive() && pawn.in_round() && pawn.pos().is_some());
    }
    assert_eq!(arena.fire_count(), 0);
    arena.advance(t(11.0));
    assert!(matches!(
        arena.round(),
        RoundState::Playing { round: 2, .. }
    ));
    arena.act(c, Action::DropBomb, t(11.0)).unwrap();
}

#[test]
fn pawns_dying_at_the_same_instant_make_a_draw() {
    let mut arena = Arena::new(Config::default()).unwrap();
    let a = arena.join("A");
    let b = arena.join("B");
    arena.advance(t(3.0));
    // Move both next to each other is long; set fires on both at once by
    // bombs with the same fuse.
    let (pa, pb) = (
        arena.pawn(a).unwrap().pos().unwrap(),
        arena.pawn(b).unwrap().pos().unwrap(),
    );
    arena.place_bomb(pa, t(1.0), 1, t(3.0)).unwrap();
    arena.place_bomb(pb, t(1.0), 1, t(3.0)).unwrap();
    arena.advance(t(4.0));
    assert!(matches!(
        arena.round(),
        RoundState::Over { winner: None, .. }
    ));
    assert_eq!(
        arena.pawn(a).unwrap().score() + arena.pawn(b).unwrap().score(),
        0
    );
}

#[test]
fn leaving_during_the_countdown_goes_back_to_waiting_and_leaving_during_play_ends_the_round() {
    let mut arena = Arena::new(Config::default()).unwrap();
    let a = arena.join("A");
    let b = arena.join("B");
    arena.leave(b).unwrap();
    assert_eq!(arena.round(), RoundState::Waiting);
    assert_eq!(arena.next_deadline(), None);
    let c = arena.join("C");
    arena.advance(t(3.0));
    assert!(matches!(
        arena.round(),
        RoundState::Playing { round: 1, .. }
    ));
    arena.leave(c).unwrap();
    assert_eq!(
        arena.round(),
        RoundState::Over {
            round: 1,
            winner: Some(a),
            next_at: t(6.0)
        }
    );
    arena.advance(t(6.0));
    assert_eq!(arena.round(), RoundState::Waiting);
    assert!(arena.pawn(a).unwrap().pos().is_some());
}

#[test]
fn a_round_that_runs_out_of_time_is_a_draw() {
    let mut arena = Arena::new(Config::default()).unwrap();
    arena.join("A");
    arena.join("B");
    arena.advance(t(3.0 + 179.0));
    assert!(matches!(arena.round(), RoundState::Playing { .. }));
    arena.advance(t(3.0 + 180.0));
    assert!(matches!(
        arena.round(),
        RoundState::Over { winner: None, .. }
    ));
}

#[test]
fn bots_count_as_pawns_for_rounds_and_rounds_keep_coming() {
    let mut arena = Arena::new(Config::default().with_seed(9)).unwrap();
    arena.add_bot("X");
    arena.add_bot("Y");
    arena.add_bot("Z");
    let mut overs = 0;
    let mut now = t(0.0);
    while overs < 5 && now < t(3000.0) {
        now += t(0.25);
        arena.advance(now);
        overs += arena
            .drain_events()
            .filter(|(_, e)| matches!(e, Event::RoundOver { .. }))
            .count();
    }
    assert_eq!(overs, 5, "rounds stalled at {now:?}");
}

// ----- Power-ups ---------------------------------------------------------------------

#[test]
fn power_ups_hide_under_a_fixed_share_of_soft_tiles_one_seed_one_board() {
    let hidden = |seed| {
        let arena = Arena::new(Config::default().with_seed(seed)).unwrap();
        let board = arena.board();
        (0..board.len())
            .filter_map(|i| {
                board
                    .hidden_powerup(board.pos(i))
                    .map(|k| (board.pos(i), k))
            })
            .collect::<Vec<_>>()
    };
    let one = hidden(1);
    assert!(!one.is_empty());
    assert_eq!(one, hidden(1));
    assert_ne!(one, hidden(2));
    let arena = Arena::new(Config::default().with_seed(1)).unwrap();
    // A quarter of the SOFT tiles away from the corners and edge middles.
    let board = arena.board();
    let near_spawn = |pos: boom::Pos| {
        boom::game::spawn_points(11, 11, 8)
            .iter()
            .any(|s| s.distance(pos) <= 1)
    };
    let eligible = (0..board.len())
        .map(|i| board.pos(i))
        .filter(|&pos| board.tile(pos) == Some(Tile::Soft) && !near_spawn(pos))
        .count();
    assert_eq!(one.len(), eligible * 25 / 100);
    assert!(
        one.iter()
            .all(|(pos, _)| board.tile(*pos) == Some(Tile::Soft) && !near_spawn(*pos))
    );
    // None visible, none in the classic game.
    let classic = Arena::new(Config::classic()).unwrap();
    assert!((0..121).all(|i| {
        classic
            .board()
            .hidden_powerup(classic.board().pos(i))
            .is_none()
    }));
}

fn powerup_row() -> Arena {
    let mut board = Board::from_rows(&["..S...."]).unwrap();
    board.set_powerup(p(2, 0), Some(PowerUp::Flame));
    board.set_powerup(p(4, 0), Some(PowerUp::Bomb));
    board.set_powerup(p(5, 0), Some(PowerUp::Speed));
    Arena::with_board(no_rounds(), board).unwrap()
}

#[test]
fn fire_uncovers_a_power_up_and_walking_in_takes_it() {
    let mut arena = powerup_row();
    assert_board(&arena, &["  : *> "]);
    let a = arena.join("A");
    arena.insert_pawn(a, p(0, 0)).unwrap();
    arena.place_bomb(p(1, 0), t(1.0), 1, t(0.0)).unwrap();
    arena.advance(t(1.0));
    let evs = events(&mut arena);
    assert!(evs.contains(&Event::PowerUpUncovered {
        at: p(2, 0),
        kind: PowerUp::Flame
    }));
    assert!(!arena.pawn(a).unwrap().is_alive());
    let b = arena.join("B");
    arena.insert_pawn(b, p(3, 0)).unwrap();
    assert_board(&arena, &["axxB*> "]);
    arena.advance(t(2.0));
    assert_board(&arena, &["a %B*> "]);
    arena.act(b, Action::Move(Direction::Left), t(2.0)).unwrap();
    assert_eq!(arena.pawn(b).unwrap().flame(), 2);
    arena
        .act(b, Action::Move(Direction::Right), t(2.2))
        .unwrap();
    arena
        .act(b, Action::Move(Direction::Right), t(2.4))
        .unwrap();
    assert_eq!(arena.pawn(b).unwrap().bombs_owned(), 2);
    assert_eq!(arena.pawn(b).unwrap().bombs_in_stock(), 2);
    arena
        .act(b, Action::Move(Direction::Right), t(2.6))
        .unwrap();
    assert_eq!(arena.pawn(b).unwrap().speed(), Some(7));
    assert_board(&arena, &["a    B "]);
    assert!(events(&mut arena).contains(&Event::PowerUpTaken {
        pawn: b,
        at: p(5, 0),
        kind: PowerUp::Speed
    }));
}

#[test]
fn fire_destroys_an_uncovered_power_up_but_not_the_one_it_uncovers() {
    let mut board = Board::from_rows(&["...S"]).unwrap();
    board.set_powerup(p(1, 0), Some(PowerUp::Bomb));
    board.set_powerup(p(3, 0), Some(PowerUp::Speed));
    let mut arena = Arena::with_board(no_rounds(), board).unwrap();
    assert_board(&arena, &[" * :"]);
    // A chain: the first blast uncovers (3,0), the second re-lights it.
    arena.place_bomb(p(0, 0), t(1.0), 3, t(0.0)).unwrap();
    arena.place_bomb(p(2, 0), t(5.0), 1, t(0.0)).unwrap();
    arena.advance(t(1.0));
    let evs = events(&mut arena);
    assert!(evs.contains(&Event::PowerUpDestroyed {
        at: p(1, 0),
        kind: PowerUp::Bomb
    }));
    assert!(evs.contains(&Event::PowerUpUncovered {
        at: p(3, 0),
        kind: PowerUp::Speed
    }));
    arena.advance(t(2.0));
    assert_board(&arena, &["   >"]);
    // A later fire destroys it.
    arena.start_fire(p(3, 0), t(1.0), t(3.0)).unwrap();
    arena.advance(t(4.0));
    assert_board(&arena, &["    "]);
}

// ----- Speed -----------------------------------------------------------------------------

#[test]
fn moves_faster_than_the_speed_are_dropped() {
    let mut arena = Arena::with_board(no_rounds(), Board::filled(40, 1, Tile::Empty)).unwrap();
    let a = arena.join("A");
    arena
        .act(a, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    assert_eq!(
        arena.act(a, Action::Move(Direction::Right), t(0.1)),
        Err(ActionError::TooSoon)
    );
    arena
        .act(a, Action::Move(Direction::Right), t(1.0 / 6.0))
        .unwrap();
    // Key repeat at 30 per second for 3 seconds moves about 6 tiles a second.
    let start = arena.pawn(a).unwrap().pos().unwrap().x;
    for k in 1..=90 {
        let _ = arena.act(a, Action::Move(Direction::Right), t(1.0 + k as f64 / 30.0));
    }
    let moved = arena.pawn(a).unwrap().pos().unwrap().x - start;
    assert!((15..=19).contains(&moved), "moved {moved} tiles in 3 s");
    // A refused move (blocked) does not use up the pawn's move.
    let mut arena = Arena::with_board(no_rounds(), Board::from_rows(&["..H"]).unwrap()).unwrap();
    let b = arena.join("B");
    arena
        .act(b, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    arena
        .act(b, Action::Move(Direction::Right), t(0.2))
        .unwrap_err();
    arena.act(b, Action::Move(Direction::Left), t(0.2)).unwrap();
}

#[test]
fn the_classic_game_has_no_speed_limit() {
    let mut arena =
        Arena::with_board(Config::classic(), Board::filled(40, 1, Tile::Empty)).unwrap();
    let a = arena.join("A");
    for _ in 0..39 {
        arena
            .act(a, Action::Move(Direction::Right), t(0.0))
            .unwrap();
    }
    assert_eq!(arena.pawn(a).unwrap().pos(), Some(p(39, 0)));
}

// ----- Board sizes, determinism, what a server relies on -----------------------------------

#[test]
fn every_board_size_from_5_to_101_works_even_ones_too() {
    for size in [5, 6, 7, 8, 10, 11, 12, 21, 50, 64, 99, 100, 101] {
        for (w, h) in [(size, size), (size, 5), (5, size)] {
            let mut arena =
                Arena::new(Config::default().with_size(w, h).with_seed(w as u64)).unwrap();
            for k in 0..4 {
                arena.add_bot(&format!("B{k}"));
            }
            let mut now = t(0.0);
            for _ in 0..40 {
                now += t(0.5);
                arena.advance(now);
                arena.drain_events();
                arena.check_invariants().unwrap();
            }
            let frame = boom::render::plain::frame(&arena);
            assert_eq!(frame.len(), (w + 4) * (h + 2), "{w} x {h}");
        }
    }
}

#[test]
fn one_seed_one_game() {
    let play = |seed| {
        let mut arena = Arena::new(Config::default().with_seed(seed)).unwrap();
        for name in ["W", "X", "Y", "Z"] {
            arena.add_bot(name);
        }
        for k in 1..=240 {
            arena.advance(t(k as f64 * 0.25));
        }
        arena.drain_events().collect::<Vec<_>>()
    };
    let one = play(11);
    assert!(one.len() > 100);
    assert_eq!(one, play(11));
    assert_ne!(one, play(12));
}

#[test]
fn nothing_to_do_costs_nothing_and_changes_nothing() {
    let mut arena = Arena::new(Config::classic()).unwrap();
    let a = arena.join("A");
    assert_eq!(arena.next_deadline(), None);
    let version = arena.version();
    arena.advance(t(100.0));
    assert_eq!(arena.version(), version);
    arena
        .act(a, Action::Move(Direction::Right), t(100.0))
        .unwrap();
    assert_ne!(arena.version(), version);
    let version = arena.version();
    assert!(arena.act(a, Action::Move(Direction::Up), t(100.0)).is_err());
    assert_eq!(
        arena.version(),
        version,
        "a refusal changes nothing visible"
    );
    arena.act(a, Action::DropBomb, t(100.0)).unwrap();
    assert_eq!(arena.next_deadline(), Some(t(102.0)));
    // Time never goes backwards.
    arena.advance(t(50.0));
    assert_eq!(arena.now(), t(100.0));
}

#[test]
fn a_jump_of_years_does_not_replay_years_of_play() {
    let mut arena = Arena::new(Config::default()).unwrap();
    for name in ["W", "X", "Y"] {
        arena.add_bot(name);
    }
    let human = arena.join("H");
    arena.drain_events();
    arena.advance(t(1e9));
    arena.check_invariants().unwrap();
    assert_eq!(arena.now(), t(1e9));
    // Only the last minute was played out (what was already due before the
    // jump, such as the countdown's end, ran on time).
    let early = arena
        .events()
        .iter()
        .filter(|(at, _)| *at < t(1e9 - 60.0))
        .count();
    assert!(early < 10, "{early} events before the last minute");
    assert!(arena.events().len() > 10);
    arena.advance(std::time::Duration::MAX);
    assert_eq!(arena.now(), Arena::END_OF_TIME);
    let _ = arena.act(human, Action::DropBomb, std::time::Duration::MAX);
    arena.advance(std::time::Duration::MAX);
    assert_eq!(arena.bomb_count(), 0);
    arena.check_invariants().unwrap();
}
