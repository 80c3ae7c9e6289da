//! The web front end on a pool of reactors: `/watch` lists the arenas of
//! every reactor, and a watcher of an arena served by another reactor than
//! the one that accepted it is handed over there and sees it, on a plain
//! endpoint, behind a proxy (`haproxy:`) and over TLS (`ssl:`, where the
//! TLS session moves with the connection).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use boom::server::Options;
use rustls::pki_types::ServerName;
use support::browser_socket::{PageSocket, WebStream};
use support::certificate::Certificate;
use support::net::Client;
use support::received::Frames;
use support::{PATIENCE, full};

const STATUS: usize = 3;

/// Opens a stream to the web front end at an address, as a browser (or
/// a proxy in front of the server) would.
type Dial = Box<dyn Fn(SocketAddr) -> Box<dyn WebStream>>;

/// Plain TCP, with `prefix` sent first (a PROXY header, as a proxy in
/// front of the server sends it).
fn plain(prefix: &'static [u8]) -> Dial {
    Box::new(move |address| {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(prefix).unwrap();
        Box::new(stream)
    })
}

/// TLS to `localhost`, trusting `certificate`.
fn over_tls(certificate: &Certificate) -> Dial {
    let config = certificate.client_config();
    Box::new(move |address| {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let connection = rustls::ClientConnection::new(config.clone(), name).unwrap();
        Box::new(rustls::StreamOwned::new(connection, stream))
    })
}

/// The `/watch` page.
fn watch_list(address: SocketAddr, dial: &Dial) -> String {
    let mut stream = dial(address);
    stream.write_all(b"GET /watch HTTP/1.1\r\n\r\n").unwrap();
    let mut page = String::new();
    let _ = stream.read_to_string(&mut page);
    page
}

#[test]
fn watchers_see_the_arenas_of_every_reactor() {
    watchers_see_every_reactor("tcp:port=0:interface=127.0.0.2".into(), plain(b""));
}

#[test]
fn watchers_behind_a_proxy_see_the_arenas_of_every_reactor() {
    watchers_see_every_reactor(
        "haproxy:tcp:port=0:interface=127.0.0.2".into(),
        plain(b"PROXY TCP4 192.0.2.9 127.0.0.2 5555 80\r\n"),
    );
}

#[test]
fn watchers_over_tls_see_the_arenas_of_every_reactor() {
    let certificate = Certificate::new("web-pool");
    let service = certificate.ssl_endpoint("127.0.0.2");
    watchers_see_every_reactor(service, over_tls(&certificate));
}

/// Two players in arenas on two reactors, watched through the web
/// front end served on `service`, each connection to it opened by
/// `dial`.
fn watchers_see_every_reactor(service: String, dial: Dial) {
    // One player per arena: the second player opens an arena on the other
    // reactor.
    let options = Options {
        bots: Some(0),
        max_players: 1,
        ..full()
    };
    let (pool, lobby, (telnet, web)) = support::pool::start_with_web(options, service);

    let mut a = Client::connect(telnet);
    a.frame_until(STATUS, |f| f.status_line("You are A").is_some());
    let mut b = Client::connect(telnet);
    b.frame_until(STATUS, |f| f.status_line("You are B").is_some());
    assert_eq!((lobby.players_in(0), lobby.players_in(1)), (1, 1));

    // Each reactor tells the others its arenas every 20 ticks; asking
    // again until it did is bounded by PATIENCE only to turn a hang into a
    // failure.
    let deadline = Instant::now() + PATIENCE;
    let listed = std::iter::from_fn(|| (Instant::now() < deadline).then(|| watch_list(web, &dial)))
        .find(|page| page.contains("Arena 0.0") && page.contains("Arena 1.0"))
        .expect("both arenas listed");
    assert!(listed.contains("Scores:  A 0"), "{listed}");
    assert!(listed.contains("Scores:  B 0"), "{listed}");

    // Whichever reactor accepts a watcher, it sees the arena it asked for.
    for round in 0..2 {
        for (place, pawn) in [(0, 'A'), (1, 'B')] {
            let path = format!("/view?arena={place}.0");
            let mut watcher = PageSocket::open_on(dial(web), &path);
            watcher.read_until("the arena's player", |page| page.find(pawn).is_some());
            assert!(
                watcher.page.line("scores").contains(&format!("{pawn} 0")),
                "round {round}: {:?}",
                watcher.page
            );
        }
    }
    drop((a, b));
    pool.stop();
    pool.join().unwrap();
}
