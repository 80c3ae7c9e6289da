//! Bots: they escape blasts, open the board, hunt, and beat a random
//! player.

mod common;

use boom::game::{Action, Arena, Board, Config, Direction, Event, PawnId, Rng, RoundState, Tile};
use common::*;

fn open_classic(board: Board) -> Arena {
    Arena::with_board(Config::classic(), board).unwrap()
}

#[test]
fn a_bot_moves_out_of_a_blast_before_it_comes() {
    let mut arena = open_classic(Board::filled(7, 7, Tile::Empty));
    let bot = arena.add_bot("Bot");
    arena.insert_pawn(bot, p(3, 3)).unwrap();
    arena.place_bomb(p(3, 2), t(1.0), 3, t(0.0)).unwrap();
    arena.advance(t(1.0));
    let pawn = arena.pawn(bot).unwrap();
    assert!(pawn.is_alive(), "\n{}", show(&arena));
    let pos = pawn.pos().unwrap();
    assert!(pos.x != 3 && pos.y != 2, "still in the blast at {pos}");
}

#[test]
fn a_bot_alone_opens_the_board_and_survives_its_own_bombs() {
    let mut arena = Arena::new(Config::classic().with_seed(3)).unwrap();
    let bot = arena.add_bot("Bot");
    let soft_before = arena.board().count(Tile::Soft);
    let mut exploded = 0;
    for step in 1..=600 {
        arena.advance(t(step as f64 * 0.1));
        exploded += arena
            .drain_events()
            .filter(|(_, e)| matches!(e, Event::BombExploded { .. }))
            .count();
        assert!(
            arena.pawn(bot).unwrap().is_alive(),
            "died at step {step}\n{}",
            show(&arena)
        );
    }
    assert!(exploded >= 5, "only {exploded} bombs");
    assert!(arena.board().count(Tile::Soft) < soft_before - 10);
}

#[test]
fn a_bot_hunts_down_a_player_who_stands_still() {
    let mut arena = open_classic(Board::generate(9, 9));
    let bot = arena.add_bot("Bot");
    let human = arena.join("Human");
    arena.insert_pawn(bot, p(0, 0)).unwrap();
    arena.insert_pawn(human, p(8, 8)).unwrap();
    let mut when = None;
    for step in 1..=1200 {
        arena.advance(t(step as f64 * 0.1));
        if !arena.pawn(human).unwrap().is_alive() {
            when = Some(step);
            break;
        }
    }
    assert!(
        when.is_some(),
        "the player survived 2 minutes\n{}",
        show(&arena)
    );
    assert!(arena.pawn(bot).unwrap().is_alive());
}

#[test]
fn a_bot_will_not_drop_a_bomb_it_cannot_escape() {
    // A dead end one tile long: dropping here would be suicide.
    let board = Board::from_rows(&["..S"]).unwrap();
    let mut arena = Arena::with_board(Config::classic(), board).unwrap();
    let bot = arena.add_bot("Bot");
    arena.advance(t(30.0));
    assert!(arena.pawn(bot).unwrap().is_alive());
    assert_eq!(arena.board().tile(p(2, 0)), Some(Tile::Soft));
}

#[test]
fn a_bot_does_not_walk_into_fire() {
    // A corridor whose only way on burns for a long time.
    let mut arena = open_classic(Board::from_rows(&["......"]).unwrap());
    arena.start_fire(p(2, 0), t(30.0), t(0.0)).unwrap();
    let bot = arena.add_bot("Bot");
    for step in 1..=100 {
        arena.advance(t(step as f64 * 0.1));
        let pawn = arena.pawn(bot).unwrap();
        assert!(pawn.is_alive());
        assert!(pawn.pos().unwrap().x < 2, "{}", show(&arena));
    }
}

/// Plays rounds of one bot against a player who acts at random every sixth
/// of a second (the default speed): a random direction, or with `drops`
/// one time in two a bomb instead. Returns how many of `rounds` the bot
/// won, and every round's winner.
fn bot_against_random_player(seed: u64, rounds: u32, drops: bool) -> (u32, Vec<Option<PawnId>>) {
    let mut arena = Arena::new(Config::default().with_seed(seed)).unwrap();
    let bot = arena.add_bot("Bot");
    let random = arena.join("Random");
    let mut rng = Rng::new(seed ^ 0x5eed);
    let mut winners = Vec::new();
    let mut now = t(0.0);
    let step = t(1.0 / 6.0);
    while winners.len() < rounds as usize {
        now += step;
        if matches!(arena.round(), RoundState::Playing { .. }) {
            let action = match rng.below(if drops { 8 } else { 4 }) {
                k @ 0..4 => Action::Move(Direction::ALL[k]),
                _ => Action::DropBomb,
            };
            let _ = arena.act(random, action, now);
        }
        arena.advance(now);
        for (_, event) in arena.drain_events() {
            if let Event::RoundOver { winner, .. } = event {
                winners.push(winner);
            }
        }
    }
    let won = winners.iter().filter(|w| **w == Some(bot)).count() as u32;
    (won, winners)
}

#[test]
fn a_bot_beats_a_random_player_in_at_least_95_percent_of_200_rounds() {
    let (won, winners) = bot_against_random_player(2024, 200, false);
    let draws = winners.iter().filter(|w| w.is_none()).count();
    eprintln!("the bot won {won} of 200 rounds ({draws} draws)");
    assert!(
        won >= 190,
        "the bot won {won} of 200 rounds ({draws} draws)"
    );
}

#[test]
fn a_bot_also_beats_a_random_player_who_drops_bombs() {
    let (won, winners) = bot_against_random_player(7, 100, true);
    let draws = winners.iter().filter(|w| w.is_none()).count();
    eprintln!("the bot won {won} of 100 rounds ({draws} draws)");
    assert!(won >= 95, "the bot won {won} of 100 rounds ({draws} draws)");
}
