//! The full game with plain frames, on a fake clock: spawns, rounds,
//! scores, the companion bot, arenas and names.

mod support;

use boom::server::Options;
use support::fake::{FakeClient, FakeServer};
use support::full;
use support::received::Frame;
use support::received::Frames;

/// Status lines after each plain frame in the full game.
const STATUS: usize = 3;

/// Where `letter` is on the board.
fn find(frame: &Frame, letter: char) -> Option<(usize, usize)> {
    frame
        .rows
        .iter()
        .enumerate()
        .find_map(|(y, row)| row.find(letter).map(|x| (x, y)))
}

/// A key that moves from `(x, y)` onto an EMPTY neighbour.
fn step_to_empty(frame: &Frame, (x, y): (usize, usize)) -> u8 {
    let w = frame.rows[0].len() as i64;
    let h = frame.rows.len() as i64;
    for (dx, dy, key) in [(1, 0, b'd'), (-1, 0, b'a'), (0, 1, b's'), (0, -1, b'w')] {
        let (nx, ny) = (x as i64 + dx, y as i64 + dy);
        if (0..w).contains(&nx) && (0..h).contains(&ny) && frame.at(nx as usize, ny as usize) == ' '
        {
            return key;
        }
    }
    panic!("no empty neighbour of ({x}, {y}) in {frame:#?}");
}

fn status_has(frame: &Frame, text: &str) -> bool {
    frame.status.iter().any(|line| line.contains(text))
}

fn no_bots() -> Options {
    Options {
        bots: Some(0),
        ..full()
    }
}

#[test]
fn a_round_spawns_apart_ends_with_a_death_and_scores_the_survivor() {
    let server = FakeServer::start(no_bots());
    let mut a = server.connect();
    let frame = a.frame(STATUS);
    assert!(status_has(&frame, "Waiting"), "{frame:#?}");
    assert!(frame.status_line("You are A").is_some(), "{frame:#?}");
    let mut b = server.connect();
    let frame = b.frame_until(STATUS, |f| status_has(f, "Round 1: playing"));
    assert!(frame.status_line("You are B (alive)").is_some());
    // Spawns are spread: A and B in different places.
    let pos_a = find(&frame, 'A').expect("A on the board");
    let pos_b = find(&frame, 'B').expect("B on the board");
    assert_ne!(pos_a, pos_b);
    // A drops a bomb and steps next to it: the blast kills A.
    let key = step_to_empty(&frame, pos_a);
    a.send(&[b'e', key]);
    let over = a.frame_until(STATUS, |f| status_has(f, "Round 1 over"));
    assert!(status_has(&over, "B wins"), "{over:#?}");
    assert!(status_has(&over, "  B 1"), "{over:#?}");
    assert!(status_has(&over, "  a 0"), "A is dead: {over:#?}");
    assert!(over.shows('a'), "A shows dead in lower case: {over:#?}");
    // The next round: a fresh board, everyone alive again.
    let next = b.frame_until(STATUS, |f| status_has(f, "Round 2"));
    let next = if next.shows('A') {
        next
    } else {
        b.frame_until(STATUS, |f| f.shows('A'))
    };
    assert!(next.shows('B') && !next.shows('a'), "{next:#?}");
    assert!(status_has(&next, "  A 0  B 1"), "{next:#?}");
}

#[test]
fn a_lone_player_gets_a_bot_that_leaves_for_a_second_player() {
    let server = FakeServer::start(full());
    let mut a = server.connect();
    let frame = a.frame_until(STATUS, |f| status_has(f, "(bot)"));
    assert!(status_has(&frame, "Scores:  A"), "{frame:#?}");
    let mut b = server.connect();
    b.frame(STATUS);
    let frame = a.frame_until(STATUS, |f| !status_has(f, "(bot)") && status_has(f, " C"));
    // The bot (B) left; the second human is C (B was the bot's name).
    assert!(!frame.shows('B'), "{frame:#?}");
    drop(b);
    a.frame_until(STATUS, |f| status_has(f, "(bot)"));
}

#[test]
fn a_full_arena_opens_the_next_one() {
    let server = FakeServer::start(Options {
        max_players: 2,
        ..no_bots()
    });
    let mut a = server.connect();
    a.frame(STATUS);
    let mut b = server.connect();
    b.frame(STATUS);
    let mut c = server.connect();
    let frame = c.frame(STATUS);
    assert!(frame.shows('C'));
    assert!(!frame.shows('A') && !frame.shows('B'), "{frame:#?}");
    assert!(status_has(&frame, "Waiting"));
    assert_eq!(server.stats().arenas(), 2);
    assert_eq!(server.stats().players(), 3);
}

#[test]
fn names_go_past_z_and_stay_unique() {
    let server = FakeServer::start(Options {
        max_players: 1,
        ..no_bots()
    });
    let mut clients: Vec<FakeClient> = (0..28).map(|_| server.connect()).collect();
    let mut names = Vec::new();
    for client in &mut clients {
        let frame = client.frame(STATUS);
        let line = frame
            .status_line("You are ")
            .expect("a you line")
            .to_owned();
        names.push(
            line["You are ".len()..]
                .split(' ')
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 28);
    assert!(names.contains(&"AA".to_owned()) && names.contains(&"AB".to_owned()));
    // A name is free again once its player left, and taken by the next.
    drop(clients.remove(1));
    assert_eq!(server.stats().players(), 27);
    let mut probe = server.connect();
    let frame = probe.frame_until(STATUS, |f| f.status_line("You are B ").is_some());
    assert!(frame.shows('B'));
}

#[test]
fn a_frame_goes_out_only_when_something_changed() {
    let server = FakeServer::start(no_bots());
    let mut a = server.connect();
    let mut frames = vec![a.frame(STATUS)];
    let mut b = server.connect();
    b.frame(STATUS);
    // B's arrival, the countdown, the round: each a new frame, never the
    // same one twice.
    frames.push(a.frame_until(STATUS, |f| status_has(f, "Round 1: playing")));
    let pos = find(frames.last().unwrap(), 'A').unwrap();
    let key = step_to_empty(frames.last().unwrap(), pos);
    a.send(&[key]);
    frames.push(a.frame(STATUS));
    drop(b);
    frames.push(a.frame_until(STATUS, |f| !f.shows('B')));
    let raw = String::from_utf8_lossy(&a.raw()).into_owned();
    let mut seen: Vec<&str> = raw.split("+-----------+\r\n|").collect();
    seen.remove(0);
    for pair in seen.windows(2) {
        assert_ne!(pair[0], pair[1], "the same frame was sent twice");
    }
}
