//! The server on real sockets, as `nc` meets it: the telnet opening and
//! the board arrive over TCP, keys typed a line at a time move the pawn,
//! and Unix sockets serve too. (The rules are tested on the fake clock;
//! clients that misbehave are in `server_robustness.rs`.)

mod support;

use std::io::Read;

use boom::server::Options;
use support::net::TestServer;
use support::received::Frames;
use support::{PATIENCE, classic, full};

#[test]
fn an_nc_style_client_plays_a_line_at_a_time_over_tcp() {
    let server = TestServer::start(classic());
    let mut client = server.connect();
    let frame = client.frame(0);
    assert_eq!(&frame.rows[0], "A :::::::::");
    // R19: WILL ECHO, WILL SGA, WONT LINEMODE, before anything else.
    assert!(
        client
            .raw()
            .starts_with(&[255, 251, 1, 255, 251, 3, 255, 252, 34])
    );
    // nc sends a whole line when Enter is pressed.
    client.send(b"d\n");
    client.frame_until(0, |f| f.at(1, 0) == 'A');
    client.send(b"as\r\n");
    client.frame_until(0, |f| f.at(0, 1) == 'A');
}

#[test]
fn the_server_listens_on_a_unix_socket_too() {
    let path = std::env::temp_dir().join(format!("boom-test-{}.sock", std::process::id()));
    let server = TestServer::start(Options {
        endpoints: vec![format!("unix:{}", path.display()).parse().unwrap()],
        bots: Some(0),
        ..full()
    });
    let mut tcp = server.connect();
    tcp.frame(3);
    let mut unix = std::os::unix::net::UnixStream::connect(&path).expect("connect");
    unix.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("You are B") {
        let mut buf = [0u8; 4096];
        let n = unix.read(&mut buf).expect("read");
        assert!(n > 0, "closed");
        got.extend_from_slice(&buf[..n]);
    }
    tcp.frame_until(3, |f| f.shows('B'));
    drop(unix);
    server.stop();
    let _ = std::fs::remove_file(&path);
}
