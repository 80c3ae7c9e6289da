//! Clients that misbehave, over real sockets: the server never panics,
//! keeps its memory bounded, and everyone else keeps receiving frames.
//! Waits block on socket reads or on the server's counters.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use boom::server::{Options, RenderMode};
use socket2::{Domain, Socket, Type};
use support::net::{Client, TestServer};
use support::received::Frames;
use support::{MAX_FRAMES, PATIENCE, classic, full};

/// A client whose receive buffer is as small as the kernel allows, so that
/// not reading fills the server's queue quickly.
fn tiny_window_client(server: &TestServer) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    socket.connect(&server.address.into()).unwrap();
    socket.into()
}

#[test]
fn a_client_that_never_reads_is_dropped_while_others_play() {
    let server = TestServer::start(Options {
        size: "120x60".parse().unwrap(),
        frame_interval: Duration::from_millis(5),
        stall_limit: Duration::from_millis(200),
        ..classic()
    });
    let _sleeper = tiny_window_client(&server);
    let mut reader = server.connect();
    reader.frame(0);
    server.wait_for("both players", |s| s.players() == 2);
    // The reader keeps getting frames until the sleeper is gone.
    for _ in 0..MAX_FRAMES * 10 {
        if server.stats.players() == 1 {
            break;
        }
        reader.frame(0);
    }
    assert_eq!(server.stats.players(), 1, "the sleeper was not dropped");
    // And goes on getting them.
    reader.send(b"s");
    reader.frame_until(0, |f| f.at(0, 1) == 'B');
}

#[test]
fn a_client_flooding_telnet_requests_without_reading_is_dropped() {
    let server = TestServer::start(Options {
        stall_limit: Duration::from_millis(200),
        ..classic()
    });
    let mut flooder = tiny_window_client(&server);
    let mut reader = server.connect();
    reader.frame(0);
    server.wait_for("both players", |s| s.players() == 2);
    // DO for options the server refuses: each one is answered with a WONT
    // that the flooder never reads.
    let requests: Vec<u8> = (0..16 * 1024)
        .flat_map(|n| [255, 253, 100 + (n % 100) as u8])
        .collect();
    let writer = std::thread::spawn(move || {
        while flooder.write_all(&requests).is_ok() {
            if server_gone(&flooder) {
                break;
            }
        }
    });
    for _ in 0..MAX_FRAMES * 10 {
        if server.stats.players() == 1 {
            break;
        }
        reader.frame(0);
    }
    assert_eq!(server.stats.players(), 1, "the flooder was not dropped");
    writer.join().unwrap();
    reader.send(b"s");
    reader.frame_until(0, |f| f.at(0, 1) == 'B');
}

/// Whether the server closed the connection (a peek sees the end or an
/// error; data waiting or nothing yet means it is open).
fn server_gone(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let gone = match stream.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() != std::io::ErrorKind::WouldBlock,
    };
    stream.set_nonblocking(false).unwrap();
    gone
}

/// A little xorshift generator: random bytes without a dependency.
fn random_bytes(seed: &mut u64, out: &mut [u8]) {
    for byte in out {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *byte = (*seed >> 24) as u8;
    }
}

#[test]
fn random_bytes_at_full_speed_harm_no_one() {
    for (options, status) in [
        (classic(), 0),
        (
            Options {
                bots: Some(0),
                ..full()
            },
            3,
        ),
    ] {
        let server = TestServer::start(options);
        let mut reader = server.connect();
        reader.frame(status);
        let mut noisy = TcpStream::connect(server.address).unwrap();
        let writer = std::thread::spawn(move || {
            let mut seed = 0x9e37_79b9_7f4a_7c15;
            let mut buf = vec![0u8; 64 * 1024];
            for _ in 0..64 {
                random_bytes(&mut seed, &mut buf);
                // No `q` nor Ctrl-C: the noise should go on, not leave
                // politely.
                for byte in &mut buf {
                    if byte.eq_ignore_ascii_case(&b'q') || *byte == 3 {
                        *byte = b'x';
                    }
                }
                noisy.write_all(&buf).expect("the server keeps reading");
            }
        });
        if status == 0 {
            // The classic game repaints while the noise goes on.
            for _ in 0..20 {
                reader.frame(status);
            }
        }
        writer.join().unwrap();
        server.wait_for("the noisy client to leave", |s| s.players() == 1);
        // Its pawn is gone from the reader's board.
        let frame = reader.frame_until(status, |f| !f.shows('B') && !f.shows('b'));
        assert!(frame.shows('A'));
    }
}

#[test]
fn telnet_commands_cut_across_reads_still_negotiate() {
    let server = TestServer::start(Options {
        render: RenderMode::Auto,
        bots: Some(0),
        ..full()
    });
    let mut client = server.connect();
    // WILL NAWS, then the window size 80 x 24, one byte per write.
    let mut bytes = vec![255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240];
    bytes.extend_from_slice(b"\x1b[A");
    for byte in bytes {
        client.send(&[byte]);
    }
    // The client spoke telnet: ANSI, cursor hidden, the board's border
    // centred at row 4, column 34 of 80 x 24.
    client.read_until(b"\x1b[?25l");
    client.read_until(b"\x1b[4;34H+-----------+");
}

#[test]
fn an_endless_subnegotiation_and_an_endless_line_are_not_buffered() {
    let server = TestServer::start(classic());
    let mut client = server.connect();
    client.frame(0);
    // IAC SB NAWS and 4 MiB of content with no IAC SE.
    client.send(&[255, 250, 31]);
    let chunk = vec![b'x'; 64 * 1024];
    let mut reader = server.connect();
    for _ in 0..64 {
        client.send(&chunk);
    }
    reader.frame(0);
    // The subnegotiation ends; then an endless line, then a key. Input
    // past a player's allowance for one frame interval is dropped, so the
    // key waits until the server has read the line and a tick has passed.
    client.send(&[255, 240]);
    for _ in 0..64 {
        client.send(&chunk);
    }
    client.wait_for_a_tick_after_reading();
    client.send(b"d");
    reader.frame_until(0, |f| f.at(1, 0) == 'A');
}

#[test]
fn a_client_vanishing_mid_frame_harms_no_one() {
    let server = TestServer::start(Options {
        size: "200x100".parse().unwrap(),
        ..classic()
    });
    let mut reader = server.connect();
    reader.frame(0);
    for _ in 0..20 {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket.connect(&server.address.into()).unwrap();
        let mut stream: TcpStream = socket.into();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut some = [0u8; 100];
        let _ = std::io::Read::read(&mut stream, &mut some);
        // Reset the connection with unread data pending.
        Socket::from(stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    server.wait_for("the vanished clients to leave", |s| s.players() == 1);
    reader.send(b"s");
    reader.frame_until(0, |f| f.at(0, 1) == 'A');
}

#[test]
fn five_hundred_connections_join_and_leave() {
    boom::server::raise_open_file_limit();
    let server = TestServer::start(Options {
        bots: Some(0),
        // Every client of the test comes from 127.0.0.1.
        max_per_address: 500,
        ..full()
    });
    let mut clients: Vec<Client> = (0..500).map(|_| server.connect()).collect();
    for client in &mut clients {
        client.frame(3);
    }
    assert_eq!(server.stats.players(), 500);
    assert_eq!(server.stats.arenas(), 63);
    // Half leave, the other half play on.
    let stay = clients.split_off(250);
    drop(clients);
    server.wait_for("250 players to leave", |s| s.players() == 250);
    let mut stay = stay;
    for client in stay.iter_mut().take(10) {
        client.send(b"e");
    }
    drop(stay);
    server.wait_for("everyone to leave", |s| s.players() == 0);
    assert_eq!(server.stats.arenas(), 0);
    let mut last = server.connect();
    let frame = last.frame(3);
    assert!(frame.status_line("You are A ").is_some(), "{frame:#?}");
}
