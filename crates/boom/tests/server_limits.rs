//! The server's limits, on a fake clock through its real protocol stack: a
//! client that stops reading is dropped, a client flooding keys takes no
//! one's frames, and many players join and leave arenas.

mod support;

use std::time::Duration;

use boom::server::Options;
use support::fake::{FakeClient, FakeServer};
use support::received::Frames;
use support::{classic, full};

#[test]
fn a_client_that_stops_reading_is_dropped_after_the_stall_limit_while_others_play() {
    let server = FakeServer::start(Options {
        stall_limit: Duration::from_millis(200),
        ..classic()
    });
    let mut sleeper = server.connect();
    let mut reader = server.connect();
    reader.frame(0);
    sleeper.stop_reading();
    // The reader gets a frame at every tick; the sleeper goes after 200 ms
    // (20 ticks), not before.
    for _ in 0..20 {
        reader.frame(0);
        assert_eq!(server.stats().players(), 2);
    }
    reader.frame(0);
    assert_eq!(server.stats().players(), 1);
    sleeper.pump();
    assert!(sleeper.closed());
    reader.send(b"s");
    reader.frame_until(0, |f| f.at(0, 1) == 'B');
}

#[test]
fn a_client_flooding_keys_takes_no_frames_from_the_others() {
    let server = FakeServer::start(classic());
    let mut flooder = server.connect();
    let mut reader = server.connect();
    reader.frame(0);
    let flood: Vec<u8> = b"wa".iter().copied().cycle().take(256 * 1024).collect();
    for step in 0..20 {
        flooder.send(&flood);
        reader.send(if step % 2 == 0 { b"s" } else { b"w" });
        // One frame per tick, showing the reader's key.
        let frame = reader.frame(0);
        assert_eq!(frame.at(0, 1) == 'B', step % 2 == 0, "{frame:#?}");
        assert_eq!(reader.frame_now(0), None, "one frame per tick");
    }
}

#[test]
fn five_hundred_players_fill_arenas_of_eight_and_leave_them() {
    let server = FakeServer::start(Options {
        bots: Some(0),
        ..full()
    });
    let mut clients: Vec<FakeClient> = (0..500).map(|_| server.connect()).collect();
    assert_eq!(server.stats().players(), 500);
    assert_eq!(server.stats().arenas(), 63);
    let stay = clients.split_off(250);
    drop(clients);
    assert_eq!(server.stats().players(), 250);
    drop(stay);
    assert_eq!(server.stats().players(), 0);
    assert_eq!(server.stats().arenas(), 0);
    let frame = server.connect().frame(3);
    assert!(frame.status_line("You are A ").is_some(), "{frame:#?}");
}
