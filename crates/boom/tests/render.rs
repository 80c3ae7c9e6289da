//! The plain renderer (R20): the frame, and what a cell shows first.

mod common;

use boom::game::{Action, Arena, Board, Config, Direction, PowerUp, Tile};
use boom::render::plain::frame;
use common::*;

#[test]
fn r20_a_fresh_11x11_board_with_one_pawn() {
    let mut arena = Arena::new(Config::classic()).unwrap();
    arena.join("A");
    let text = String::from_utf8(frame(&arena)).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 14, "13 lines, each ending in CR LF");
    assert_eq!(lines[13], "");
    assert_eq!(lines[0], "+-----------+");
    assert_eq!(lines[1], "|A :::::::::|");
    assert_eq!(lines[2], "| #:#:#:#:#:|");
    assert_eq!(lines[3], "|:::::::::::|");
    assert_eq!(lines[11], "|:::::::::::|");
    assert_eq!(lines[12], "+-----------+");
}

#[test]
fn r20_precedence_pawn_then_bomb_then_fire_then_tile() {
    let mut arena =
        Arena::with_board(Config::classic(), Board::from_rows(&["....SH"]).unwrap()).unwrap();
    let a = arena.join("alice");
    let b = arena.join("bob");
    // Both on (0,0): the first to join shows.
    assert_board(&arena, &["A   :#"]);
    arena
        .act(b, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    arena.act(b, Action::DropBomb, t(0.0)).unwrap();
    // A pawn on its bomb shows the pawn; the bomb shows once it leaves.
    assert_board(&arena, &["AB  :#"]);
    arena
        .act(b, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    assert_board(&arena, &["AOB :#"]);
    arena
        .act(b, Action::Move(Direction::Right), t(0.0))
        .unwrap();
    // Fire on (0,0), (1,0), (2,0): dead pawns in lower case over the fire.
    arena.advance(t(2.0));
    assert!(!arena.pawn(a).unwrap().is_alive());
    assert_board(&arena, &["axxB:#"]);
    arena.advance(t(3.0));
    assert_board(&arena, &["a  B:#"]);
}

#[test]
fn power_ups_have_their_own_glyphs() {
    let mut board = Board::filled(3, 1, Tile::Empty);
    board.set_powerup(p(0, 0), Some(PowerUp::Bomb));
    board.set_powerup(p(1, 0), Some(PowerUp::Flame));
    board.set_powerup(p(2, 0), Some(PowerUp::Speed));
    let arena = Arena::with_board(Config::classic(), board).unwrap();
    assert_board(&arena, &["*%>"]);
}
