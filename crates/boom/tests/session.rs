//! The session core on its own: no sockets, no transports, no clock. Each
//! test says what happens at which time and reads what the session
//! answers for each player (a `Mailbox`).

mod support;

use std::time::Duration;

use boom::server::{Close, Options, RenderMode, Session};
use support::driver::Driver;
use support::{classic, contains, full};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_player_gets_the_board_at_each_tick_and_moves_when_it_types() {
    let mut game = Driver::new(classic());
    let a = game.join();
    assert!(game.mail.take(a).is_empty(), "frames come with ticks");
    game.tick();
    let frame = game.frame(a, 0).expect("a frame");
    assert_eq!(frame.rows[0], "A :::::::::");
    game.keys(a, b"d");
    game.tick();
    assert_eq!(game.frame(a, 0).expect("a frame").rows[0], " A:::::::::");
}

#[test]
fn a_fuse_burns_out_on_the_tick_after_its_time_and_not_before() {
    let mut game = Driver::new(classic());
    let a = game.join();
    // Right, drop (fuse 600 ms), left, down: out of the blast.
    game.keys(a, b"deas");
    for _ in 0..59 {
        game.tick();
        assert!(!game.frame(a, 0).expect("a frame").shows('x'));
    }
    game.tick();
    let blast = game.frame(a, 0).expect("a frame");
    assert_eq!(&blast.rows[0][..3], "xxx");
    assert_eq!(blast.at(0, 1), 'A');
}

#[test]
fn a_flooding_player_gets_a_few_actions_per_tick_and_the_others_their_frames() {
    let mut game = Driver::new(classic());
    let flooder = game.join();
    let other = game.join();
    game.tick();
    // Up and left from (0, 0): every one refused, but each one an action.
    let flood: Vec<u8> = b"wa".iter().copied().cycle().take(64 * 1024).collect();
    for step in 0..10 {
        // A megabyte of keys in each frame interval, and one key from the
        // other player after it.
        for _ in 0..16 {
            game.keys(flooder, &flood);
        }
        game.keys(other, if step % 2 == 0 { b"s" } else { b"w" });
        let work = game.tick();
        // Per player, at most 8 actions and 4 KiB decoded per tick.
        assert!(work.actions <= 2 * 8, "{work:?}");
        assert!(work.decoded <= 2 * 4096, "{work:?}");
        assert_eq!(work.skimmed, 16 * 64 * 1024 - 4096, "{work:?}");
        assert_eq!(work.frames, 2, "one frame each: {work:?}");
        // The other player's key was applied: B alternates between (0, 1)
        // and (0, 0).
        let frame = game.frame(other, 0).expect("a frame");
        assert_eq!(frame.at(0, 1) == 'B', step % 2 == 0, "{frame:#?}");
        game.mail.take(flooder);
    }
}

#[test]
fn a_flooding_player_can_still_quit() {
    let mut game = Driver::new(full());
    let a = game.join();
    game.tick();
    let mut flood = vec![b'x'; 256 * 1024];
    flood.push(b'q');
    game.keys(a, &flood);
    assert_eq!(game.mail.closed(a), Some(Close::AfterSending));
    assert!(contains(
        &game.mail.take(a),
        b"Bye! Thanks for playing boom."
    ));
    assert_eq!(game.session.stats().players(), 0);
}

/// The classic game, dropping clients that stop reading for 100 ms.
fn stalls_after_100_ms() -> Driver {
    Driver::new(Options {
        stall_limit: ms(100),
        ..classic()
    })
}

#[test]
fn a_client_that_stops_reading_is_skipped_then_dropped_after_the_stall_limit() {
    let mut game = stalls_after_100_ms();
    let sleeper = game.join();
    let reader = game.join();
    game.session.pause(sleeper, game.now);
    for _ in 0..10 {
        let work = game.tick();
        assert_eq!((work.frames, work.skipped), (1, 1));
        assert!(game.mail.take(sleeper).is_empty());
        assert_eq!(game.mail.closed(sleeper), None);
    }
    game.tick();
    assert_eq!(game.mail.closed(sleeper), Some(Close::Abort));
    assert_eq!(game.session.stats().players(), 1);
    game.mail.take(reader);
    game.tick();
    // The sleeper's pawn (A) is gone from the board; the reader plays on.
    assert!(!game.frame(reader, 0).expect("a frame").shows('A'));
    game.session.leave(sleeper);
}

#[test]
fn a_client_that_reads_again_in_time_catches_up() {
    let mut game = stalls_after_100_ms();
    let a = game.join();
    game.session.pause(a, game.now);
    for _ in 0..5 {
        game.tick();
    }
    game.session.resume(a);
    game.tick();
    assert!(game.frame(a, 0).is_some());
    for _ in 0..20 {
        game.tick();
    }
    assert_eq!(game.mail.closed(a), None);
}

#[test]
fn a_player_id_stays_taken_until_its_connection_ends() {
    let mut game = Driver::new(full());
    let a = game.join();
    game.keys(a, b"q");
    assert_eq!(game.mail.closed(a), Some(Close::AfterSending));
    // The connection has not ended yet: a newcomer gets another id, which
    // the end of the first connection leaves alone.
    let b = game.join();
    assert_ne!(a, b);
    game.session.leave(a);
    game.tick();
    assert!(
        game.frame(b, 3)
            .expect("a frame")
            .status_line("You are A ")
            .is_some()
    );
    assert_eq!(game.session.stats().players(), 1);
}

#[test]
fn going_down_says_goodbye_to_everyone_and_the_ticks_stop() {
    let mut game = Driver::new(full());
    let a = game.join();
    let b = game.join();
    game.tick();
    game.session.shut_down(&mut game.mail);
    for player in [a, b] {
        assert_eq!(game.mail.closed(player), Some(Close::AfterSending));
        assert!(contains(
            &game.mail.take(player),
            b"The server is going down. Bye!\r\n"
        ));
    }
    let work = game.tick();
    assert_eq!(work.frames, 0);
    assert!(game.mail.take(a).is_empty());
}

#[test]
fn a_client_that_speaks_telnet_gets_ansi_from_then_on() {
    let mut game = Driver::new(Options {
        render: RenderMode::Auto,
        ..full()
    });
    let a = game.join();
    game.tick();
    assert!(game.frame(a, 3).is_some(), "plain at first");
    game.session.telnet_spoken(a);
    game.session.resize(a, 80, 24);
    game.tick();
    let bytes = game.mail.take(a);
    assert!(contains(&bytes, b"\x1b[2J"), "cleared");
    assert!(contains(&bytes, b"\x1b[4;34H+-----------+"), "centred");
    // Nothing changed: nothing to send.
    game.tick();
    assert!(game.mail.take(a).is_empty());
}

#[test]
fn a_session_refuses_more_bots_than_an_arena_holds() {
    let options = Options {
        bots: Some(9),
        ..full()
    };
    let error = Session::new(options).err().expect("refused");
    assert_eq!(
        error.to_string(),
        "too many bots: 9; an arena of these settings holds at most 8"
    );
    assert!(
        Session::new(Options {
            bots: Some(8),
            ..full()
        })
        .is_ok()
    );
}

#[test]
fn a_connection_that_never_answers_is_closed_after_the_join_timeout() {
    let mut game = Driver::new(Options {
        join_timeout: Duration::from_secs(2),
        ..full()
    });
    let silent = game.join();
    let player = game.join();
    let telnet = game.join();
    game.tick();
    game.keys(player, b"d");
    game.session.telnet_spoken(telnet);
    while game.now < Duration::from_secs(2) - game.interval {
        game.tick();
    }
    assert_eq!(game.mail.closed(silent), None, "not before its time");
    game.tick();
    assert_eq!(game.mail.closed(silent), Some(Close::AfterSending));
    assert!(contains(
        &game.mail.take(silent),
        b"No key pressed within 2 s: closing."
    ));
    // Those who answered are never closed for being quiet.
    while game.now < Duration::from_secs(60) {
        game.tick();
    }
    assert_eq!(game.mail.closed(player), None);
    assert_eq!(game.mail.closed(telnet), None);
}

#[test]
fn connections_that_come_and_go_leave_nothing_waiting_for_their_answer() {
    let mut game = Driver::new(full());
    let stays = game.join();
    for _ in 0..10_000 {
        let passing = game.join();
        game.session.leave(passing);
    }
    assert_eq!(game.session.waiting_for_an_answer(), 1);
    let answers = game.join();
    game.keys(answers, b"d");
    assert_eq!(game.session.waiting_for_an_answer(), 1);
    game.session.telnet_spoken(stays);
    assert_eq!(game.session.waiting_for_an_answer(), 0);
}
