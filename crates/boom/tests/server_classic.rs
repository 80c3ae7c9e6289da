//! The classic game (R17–R20), served on a fake clock to clients
//! connected in memory through the server's real protocol stack: scripted
//! clients play and read plain frames, tick by tick.

mod support;

use support::classic;
use support::fake::FakeServer;
use support::received::Frame;
use support::received::Frames;

const FRESH: [&str; 11] = [
    "A :::::::::",
    " #:#:#:#:#:",
    ":::::::::::",
    ":#:#:#:#:#:",
    ":::::::::::",
    ":#:#:#:#:#:",
    ":::::::::::",
    ":#:#:#:#:#:",
    ":::::::::::",
    ":#:#:#:#:#:",
    ":::::::::::",
];

#[test]
fn a_connection_gets_the_telnet_options_and_the_r20_board() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    let frame = client.frame(0);
    assert_eq!(frame.rows, FRESH);
    // R19: WILL ECHO, WILL SGA, WONT LINEMODE, before anything else.
    assert!(
        client
            .raw()
            .starts_with(&[255, 251, 1, 255, 251, 3, 255, 252, 34]),
        "{:?}",
        &client.raw()[..12]
    );
    // R20: the whole frame, with CR LF line ends.
    let raw = client.raw();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("+-----------+\r\n|A :::::::::|\r\n"));
}

#[test]
fn the_seed_repaints_even_when_nothing_changes() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    let first = client.frame(0);
    for _ in 0..3 {
        assert_eq!(client.frame(0), first);
    }
}

#[test]
fn moves_and_refused_moves() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    client.frame(0);
    client.send(b"d");
    client.frame_until(0, |f| f.at(1, 0) == 'A' && f.at(0, 0) == ' ');
    // Up is off the board, down is HARD, right is SOFT: all refused.
    // Then left, back to (0, 0): the pawn never showed anywhere else.
    client.send(b"wsda");
    client.frame_until(0, |f| f.at(0, 0) == 'A' && f.at(1, 0) == ' ');
    client.send(b"s");
    let frame = client.frame_until(0, |f| f.at(0, 1) == 'A');
    assert_eq!(frame.at(0, 0), ' ');
    assert_eq!(frame.rows[1], "A#:#:#:#:#:");
}

#[test]
fn the_r18_example_is_up_right_left_drop() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    client.frame(0);
    // Start at (0, 1) so that "up" is possible.
    client.send(b"s");
    client.frame_until(0, |f| f.at(0, 1) == 'A');
    client.send(b"w\r\ndo\rq\nae");
    // Up to (0,0), right to (1,0), left to (0,0), drop: A on its bomb.
    // The bomb then shows once A leaves it.
    let frame = client.frame_until(0, |f| f.at(0, 0) == 'A' && f.at(0, 1) == ' ');
    assert_eq!(frame.at(1, 0), ' ');
    client.send(b"s");
    client.frame_until(0, |f| f.at(0, 0) == 'O' && f.at(0, 1) == 'A');
}

fn no_fire(f: &Frame) -> bool {
    !f.shows('x')
}

#[test]
fn a_bomb_blasts_at_fuse_time_the_stock_comes_back_and_a_death_shows_lower_case() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    client.frame(0);
    // Right, drop, left, down: A waits at (0,1), out of the blast.
    client.send(b"de");
    client.frame_until(0, |f| f.at(1, 0) == 'A');
    // Right again is refused (SOFT); left leaves the bomb behind.
    client.send(b"a");
    client.frame_until(0, |f| f.at(1, 0) == 'O' && f.at(0, 0) == 'A');
    // Moving onto the bomb is refused.
    client.send(b"ds");
    let frame = client.frame_until(0, |f| f.at(0, 1) == 'A');
    assert_eq!(frame.at(1, 0), 'O');
    // The blast: (1,0), its neighbours (0,0) and (2,0) burn; (1,1) is
    // HARD and stays.
    let blast = client.frame_until(0, |f| f.shows('x'));
    assert_eq!(&blast.rows[0][..3], "xxx");
    assert_eq!(blast.at(1, 1), '#');
    assert_eq!(blast.at(0, 1), 'A');
    // The fire goes out: the SOFT tile at (2,0) is gone.
    let after = client.frame_until(0, no_fire);
    assert_eq!(&after.rows[0][..4], "   :");
    // The bomb is back in stock: drop another at (0,0), step right into
    // its blast and die.
    client.send(b"wed");
    client.frame_until(0, |f| f.at(0, 0) == 'O' && f.at(1, 0) == 'A');
    let dead = client.frame_until(0, |f| f.at(1, 0) == 'a');
    assert!(!dead.shows('A'));
    // R10: the dead pawn stays, and cannot move.
    let later = client.frame_until(0, no_fire);
    client.send(b"a");
    assert_eq!(later.at(1, 0), 'a');
    for _ in 0..3 {
        assert_eq!(client.frame(0).at(1, 0), 'a');
    }
}

#[test]
fn names_go_by_connection_order_and_a_leaving_pawn_is_gone() {
    let server = FakeServer::start(classic());
    let mut a = server.connect();
    a.frame(0);
    let mut b = server.connect();
    b.frame(0);
    // B is inserted at (0,0) under A; B steps right and shows.
    b.send(b"d");
    let frame = a.frame_until(0, |f| f.at(1, 0) == 'B');
    assert_eq!(frame.at(0, 0), 'A');
    let mut c = server.connect();
    c.send(b"s");
    a.frame_until(0, |f| f.at(0, 1) == 'C');
    drop(b);
    let frame = a.frame_until(0, |f| !f.shows('B'));
    assert_eq!(frame.at(1, 0), ' ');
    assert_eq!(frame.at(0, 1), 'C');
    drop(c);
    a.frame_until(0, |f| !f.shows('C'));
}

#[test]
fn a_telnet_client_still_gets_plain_frames_in_the_classic_game() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    // A stock telnet client agrees: DO ECHO, DO SGA, WILL SGA, and sends
    // keys one at a time.
    client.send(&[255, 253, 1, 255, 253, 3, 255, 251, 3]);
    client.frame(0);
    client.send(b"d");
    client.frame_until(0, |f| f.at(1, 0) == 'A');
}

#[test]
fn a_line_at_a_time_client_plays() {
    let server = FakeServer::start(classic());
    let mut client = server.connect();
    client.frame(0);
    // nc sends a whole line when Enter is pressed.
    client.send(b"d\n");
    client.frame_until(0, |f| f.at(1, 0) == 'A');
    client.send(b"as\r\n");
    client.frame_until(0, |f| f.at(0, 1) == 'A');
}
