//! The game on a pool of reactors, over real sockets: arenas live on
//! reactors, a newcomer joins the reactor with a free seat in an open
//! arena (so those who arrive together meet), names stay unique across
//! reactors, and the counters add up every reactor.

mod support;

use boom::server::Options;
use support::full;
use support::net::Client;
use support::received::{Frame, Frames};

/// Status lines under a full-game board.
const STATUS: usize = 3;

fn shows_all(frame: &Frame, pawns: &str) -> bool {
    pawns.chars().all(|pawn| frame.shows(pawn))
}

#[test]
fn players_fill_an_arena_on_one_reactor_before_the_next_opens_on_another() {
    let options = Options {
        bots: Some(0),
        max_players: 2,
        ..full()
    };
    let (pool, lobby, address) = support::pool::start(options, |member, lobby, server| {
        let port = lobby.listen_dispatched(
            member,
            "tcp:port=0:interface=127.0.0.1",
            server.admission(),
        )?;
        Ok(port.map(|port| port.address().tcp().unwrap()))
    });

    let mut a = Client::connect(address);
    assert!(a.frame(STATUS).status_line("You are A").is_some());
    let mut b = Client::connect(address);
    assert!(b.frame(STATUS).status_line("You are B").is_some());
    a.frame_until(STATUS, |f| shows_all(f, "AB"));
    let mut c = Client::connect(address);
    let frame = c.frame(STATUS);
    assert!(frame.status_line("You are C").is_some(), "{frame:#?}");
    let mut d = Client::connect(address);
    assert!(d.frame(STATUS).status_line("You are D").is_some());
    let frame = c.frame_until(STATUS, |f| shows_all(f, "CD"));
    assert!(
        !frame.shows('A') && !frame.shows('B'),
        "another arena: {frame:#?}"
    );

    assert_eq!(lobby.players_in(0) + lobby.players_in(1), 4);
    assert_eq!(
        (lobby.players_in(0), lobby.players_in(1)),
        (2, 2),
        "one arena on each reactor"
    );
    let stats = lobby.stats();
    assert_eq!((stats.players(), stats.arenas()), (4, 2), "counters add up");

    pool.stop();
    for client in [&mut a, &mut b, &mut c, &mut d] {
        assert!(client.read_to_end().contains("The server is going down"));
    }
    pool.join().unwrap();
}
