//! What a hostile client can make the kernel hold, over real sockets:
//! players that force redraws but never read are dropped with a bounded
//! amount queued for them, and a dropped connection leaves nothing behind;
//! one address cannot hold more than its share of connections.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use boom::server::{Options, RenderMode};
use socket2::{Domain, Socket, Type};
use support::net::TestServer;
use support::received::Frames;
use support::{PATIENCE, TELNET_HELLO, full};

/// The server's frame interval, and the attackers' pace.
const FRAME: Duration = Duration::from_millis(10);

/// How often the test looks at the kernel's queues during an attack, and
/// how many looks it allows (together, far more than the test needs).
const LOOK_EVERY: Duration = Duration::from_millis(5);
const MAX_LOOKS: usize = 6000;

/// Most bytes the kernel may hold for one player: twice the server's
/// 64 KiB send buffer (Linux doubles `SO_SNDBUF`), with room to spare.
const KERNEL_BOUND: usize = 256 * 1024;

/// The server's sockets with peers at these ports: for each, its send
/// queue (bytes the kernel holds for the peer) from `/proc/net/tcp`.
fn server_sockets(server: SocketAddr, peers: &[u16]) -> Vec<(u16, usize)> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let local = format!(":{:04X}", server.port());
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if !fields.get(1)?.ends_with(&local) {
                return None;
            }
            let peer = u16::from_str_radix(fields.get(2)?.rsplit(':').next()?, 16).ok()?;
            let tx_queue = usize::from_str_radix(fields.get(4)?.split(':').next()?, 16).ok()?;
            peers.contains(&peer).then_some((peer, tx_queue))
        })
        .collect()
}

/// A telnet window-size message: each one makes the server redraw the
/// whole screen for that client.
fn naws(width: u16, height: u16) -> Vec<u8> {
    let [w1, w0] = width.to_be_bytes();
    let [h1, h0] = height.to_be_bytes();
    vec![255, 250, 31, w1, w0, h1, h0, 255, 240]
}

#[test]
fn players_forcing_redraws_without_reading_are_dropped_with_bounded_kernel_buffers() {
    const ATTACKERS: usize = 8;
    let server = TestServer::start(Options {
        render: RenderMode::Auto,
        size: "30x15".parse().unwrap(),
        frame_interval: FRAME,
        stall_limit: Duration::from_millis(300),
        bots: Some(0),
        max_players: 64,
        ..full()
    });
    let mut observer = server.connect();
    observer.frame(3);
    let (done_tx, done_rx) = mpsc::channel();
    let mut ports = Vec::new();
    for n in 0..ATTACKERS {
        // A modest window of its own (no growing it), and every message
        // sent at once.
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(16 * 1024).unwrap();
        socket.connect(&server.address.into()).unwrap();
        let mut stream = TcpStream::from(socket);
        stream.set_nodelay(true).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        ports.push(stream.local_addr().unwrap().port());
        let done = done_tx.clone();
        std::thread::spawn(move || {
            // A telnet client's opening (WILL NAWS), then resize, resize,
            // resize …, never reading: until the server hangs up.
            let _ = stream.write_all(TELNET_HELLO);
            // One resize per frame interval, as the attack battery paced
            // it (the pace of the attack, not a wait for anything).
            let sizes = (0..).map(|i: usize| {
                let width = 80 + (i + n) % 40;
                let height = 24 + i % 20;
                naws(width as u16, height as u16)
            });
            let outcome = sizes
                .map(|message| {
                    std::thread::sleep(FRAME);
                    stream.write_all(&message)
                })
                .find(Result::is_err)
                .and_then(Result::err);
            let _ = done.send(outcome.map(|error| error.kind()));
        });
    }
    server.wait_for("every attacker to join", |s| s.players() == ATTACKERS + 1);
    // Until every attacker is dropped, look at what the kernel holds for
    // each, every few milliseconds.
    let mut most_held = 0;
    let mut dropped = 0;
    let mut looks = 0;
    while dropped < ATTACKERS {
        most_held = server_sockets(server.address, &ports)
            .iter()
            .map(|(_, held)| *held)
            .fold(most_held, usize::max);
        looks += 1;
        assert!(looks < MAX_LOOKS, "the attackers were not all dropped");
        if done_rx.recv_timeout(LOOK_EVERY).is_ok() {
            dropped += 1;
        }
    }
    assert!(
        most_held <= KERNEL_BOUND,
        "the kernel held {most_held} bytes for one attacker"
    );
    server.wait_for("the attackers to leave", |s| s.players() == 1);
    assert_eq!(
        server_sockets(server.address, &ports),
        Vec::new(),
        "dropped connections are reset, not left to the kernel"
    );
    // The observer plays on.
    observer.send(b"d");
    observer.frame(3);
    observer.send(b"a");
    observer.frame(3);
}

#[test]
fn one_address_holds_at_most_its_share_of_connections() {
    let server = TestServer::start(Options {
        max_per_address: 3,
        ..full()
    });
    let mut admitted: Vec<_> = (0..3).map(|_| server.connect()).collect();
    for client in &mut admitted {
        client.frame(3);
    }
    let mut refused = TcpStream::connect(server.address).unwrap();
    refused.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut told = String::new();
    refused.read_to_string(&mut told).unwrap();
    assert_eq!(
        told,
        "Too many connections from your address (at most 3). Close one and try again.\r\n"
    );
    assert_eq!(server.stats.players(), 3);
    // One leaves: there is room again.
    drop(admitted.pop());
    server.wait_for("one player to leave", |s| s.players() == 2);
    let mut next = server.connect();
    next.frame(3);
    next.stream.write_all(b"q").unwrap();
}
