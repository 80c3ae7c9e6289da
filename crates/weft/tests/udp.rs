//! UDP on real loopback sockets: echo, connected sockets and a peer that
//! is gone, oversized datagrams, a flood, pausing, closing, multicast.

mod common;

use std::cell::{Cell, RefCell};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6, UdpSocket};
use std::rc::Rc;

use common::PATIENCE;
use weft::udp::{DatagramProtocol, DatagramTransport};
use weft::{Reactor, RunUntil};

const LOOPBACK: &str = "udp:port=0:interface=127.0.0.1";

/// Echoes each datagram to its sender.
#[derive(Default)]
struct Echo(Option<DatagramTransport>);

impl DatagramProtocol for Echo {
    fn started(&mut self, transport: DatagramTransport) {
        self.0 = Some(transport);
    }

    fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
        self.0.as_ref().unwrap().write_to(data, from);
    }
}

/// What a [`Recorder`] saw.
#[derive(Default)]
struct Seen {
    datagrams: RefCell<Vec<(Vec<u8>, SocketAddr)>>,
    refused: Cell<usize>,
    stopped: Cell<bool>,
}

/// Records everything it is told.
struct Recorder(Rc<Seen>);

impl DatagramProtocol for Recorder {
    fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
        self.0.datagrams.borrow_mut().push((data.to_vec(), from));
    }

    fn connection_refused(&mut self) {
        self.0.refused.set(self.0.refused.get() + 1);
    }

    fn stopped(&mut self) {
        self.0.stopped.set(true);
    }
}

fn recorder(reactor: &Reactor) -> (DatagramTransport, Rc<Seen>) {
    let seen = Rc::new(Seen::default());
    let transport = reactor
        .listen_udp(LOOPBACK, Recorder(seen.clone()))
        .unwrap();
    (transport, seen)
}

fn run_until(reactor: &Reactor, condition: impl FnMut() -> bool) {
    assert_eq!(
        reactor.run_until(PATIENCE, condition).unwrap(),
        RunUntil::Met
    );
}

fn received(seen: &Seen) -> Vec<Vec<u8>> {
    seen.datagrams
        .borrow()
        .iter()
        .map(|(d, _)| d.clone())
        .collect()
}

#[test]
fn datagrams_are_echoed_to_their_sender_whole() {
    let reactor = Reactor::new().unwrap();
    let server = reactor.listen_udp(LOOPBACK, Echo::default()).unwrap();
    let (client, seen) = recorder(&reactor);
    let big = vec![7u8; 60_000];
    client.write_to(b"ping", server.local_address());
    client.write_to(&big, server.local_address());
    run_until(&reactor, || seen.datagrams.borrow().len() == 2);
    assert_eq!(received(&seen), [b"ping".to_vec(), big]);
    assert!(
        seen.datagrams
            .borrow()
            .iter()
            .all(|(_, from)| *from == server.local_address())
    );
}

#[test]
fn a_connected_socket_writes_to_its_peer_and_hears_that_it_is_gone() {
    let reactor = Reactor::new().unwrap();
    let server = reactor.listen_udp(LOOPBACK, Echo::default()).unwrap();
    let (client, seen) = recorder(&reactor);
    assert_eq!(
        client.write(b"nowhere").unwrap_err().kind(),
        std::io::ErrorKind::NotConnected
    );
    client.connect(server.local_address()).unwrap();
    client.write(b"hello").unwrap();
    run_until(&reactor, || seen.datagrams.borrow().len() == 1);
    assert_eq!(client.peer(), Some(server.local_address()));
    server.stop_listening();
    client.write(b"anyone?").unwrap();
    run_until(&reactor, || seen.refused.get() > 0);
    assert!(client.is_open(), "a refusal does not close the socket");
}

#[test]
fn an_oversized_datagram_is_dropped_and_counted_and_the_next_one_goes() {
    let reactor = Reactor::new().unwrap();
    let server = reactor.listen_udp(LOOPBACK, Echo::default()).unwrap();
    let (client, seen) = recorder(&reactor);
    client.write_to(&vec![0; 70_000], server.local_address());
    assert_eq!(client.dropped(), 1);
    client.write_to(b"small", server.local_address());
    run_until(&reactor, || !seen.datagrams.borrow().is_empty());
    assert_eq!(received(&seen), [b"small".to_vec()]);
}

#[test]
fn after_a_flood_the_server_still_answers_and_holds_no_queue() {
    let reactor = Reactor::new().unwrap();
    let server = reactor.listen_udp(LOOPBACK, Echo::default()).unwrap();
    let flood = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..20_000 {
        let _ = flood.send_to(&[1; 512], server.local_address());
    }
    // The flood fills the server's receive buffer and the kernel drops
    // the rest, pings included, until the server has read its way
    // through: as any UDP client would, ping at each turn of the loop
    // until an answer comes.
    let (client, seen) = recorder(&reactor);
    run_until(&reactor, || {
        client.write_to(b"still there?", server.local_address());
        !seen.datagrams.borrow().is_empty()
    });
    assert_eq!(received(&seen)[0], b"still there?".to_vec());
    assert!(server.pending_bytes() <= server.send_limits().max);
}

#[test]
fn datagrams_that_came_while_reading_was_paused_arrive_on_resume() {
    let reactor = Reactor::new().unwrap();
    let (server, seen) = recorder(&reactor);
    let (witness, witness_seen) = recorder(&reactor);
    server.pause_reading();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for datagram in [&b"one"[..], b"two", b"three"] {
        client.send_to(datagram, server.local_address()).unwrap();
    }
    // Sent after the three: once it arrived, the loop has seen them too.
    client.send_to(b"later", witness.local_address()).unwrap();
    run_until(&reactor, || !witness_seen.datagrams.borrow().is_empty());
    assert!(seen.datagrams.borrow().is_empty());
    server.resume_reading();
    run_until(&reactor, || seen.datagrams.borrow().len() == 3);
    assert_eq!(
        received(&seen),
        [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
    );
}

#[test]
fn closing_the_socket_or_stopping_the_reactor_tells_the_protocol() {
    let reactor = Reactor::new().unwrap();
    let (closed, closed_seen) = recorder(&reactor);
    let (_open, open_seen) = recorder(&reactor);
    assert!(closed.stop_listening());
    assert!(!closed.stop_listening());
    run_until(&reactor, || closed_seen.stopped.get());
    assert!(!open_seen.stopped.get());
    reactor.stop();
    let _ = reactor.run_until(PATIENCE, || false);
    assert!(open_seen.stopped.get());
}

#[test]
fn a_panicking_protocol_closes_its_own_socket_only() {
    struct Panics;
    impl DatagramProtocol for Panics {
        fn datagram_received(&mut self, _: &[u8], _: SocketAddr) {
            panic!("boom");
        }
    }
    let reactor = Reactor::new().unwrap();
    let panics = reactor.listen_udp(LOOPBACK, Panics).unwrap();
    let echo = reactor.listen_udp(LOOPBACK, Echo::default()).unwrap();
    let (client, seen) = recorder(&reactor);
    client.write_to(b"x", panics.local_address());
    client.write_to(b"y", echo.local_address());
    run_until(&reactor, || {
        !panics.is_open() && !seen.datagrams.borrow().is_empty()
    });
    assert_eq!(received(&seen), [b"y".to_vec()]);
}

#[test]
fn a_stream_endpoint_is_refused_for_datagrams_and_back() {
    let reactor = Reactor::new().unwrap();
    let error = reactor.listen_udp("tcp:0", Echo::default()).unwrap_err();
    assert!(
        error.to_string().contains("datagrams need a udp: endpoint"),
        "{error}"
    );
    let error = reactor
        .listen("udp:0", |_: &weft::Address| Some(common::Echo::default()))
        .unwrap_err();
    assert!(error.to_string().contains("listen_udp"), "{error}");
}

/// Joins `group` on the loopback interface; `None` (with a message)
/// where the kernel refuses multicast there.
fn joined(transport: &DatagramTransport, group: Ipv4Addr) -> Option<()> {
    match transport.join_multicast_v4(group, Ipv4Addr::LOCALHOST) {
        Ok(()) => Some(()),
        Err(error) => {
            eprintln!("skipped: the kernel refuses multicast on the loopback interface: {error}");
            None
        }
    }
}

#[test]
fn multicast_reaches_the_members_of_a_group_until_they_leave() {
    let group = Ipv4Addr::new(239, 255, 77, 1);
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Seen::default());
    let member = reactor
        .listen_udp(
            "udp:port=0:interface=0.0.0.0:reuseaddr=1",
            Recorder(seen.clone()),
        )
        .unwrap();
    if joined(&member, group).is_none() {
        return;
    }
    let (sender, _) = recorder(&reactor);
    sender
        .set_multicast_interface_v4(Ipv4Addr::LOCALHOST)
        .unwrap();
    sender.set_multicast_ttl_v4(1).unwrap();
    sender.set_multicast_loop_v4(true).unwrap();
    let to = SocketAddr::from((group, member.local_address().port()));
    sender.write_to(b"to the group", to);
    run_until(&reactor, || !seen.datagrams.borrow().is_empty());
    assert_eq!(received(&seen), [b"to the group".to_vec()]);
    member
        .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
        .unwrap();
    sender.write_to(b"after leaving", to);
    // Unicast to the member's port proves the loop ran past the multicast
    // datagram, which must not have arrived.
    sender.write_to(
        b"direct",
        SocketAddr::from((Ipv4Addr::LOCALHOST, member.local_address().port())),
    );
    run_until(&reactor, || seen.datagrams.borrow().len() == 2);
    assert_eq!(received(&seen)[1], b"direct".to_vec());
}

#[test]
fn the_udp_echo_example_echoes_and_says_nothing_on_stdout() {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = port.local_addr().unwrap();
    // The example binds the port this socket holds once it is let go; a
    // datagram sent before it is bound is refused and sent again.
    drop(port);
    let mut echo = std::process::Command::new(common::example_path("udp_echo"))
        .arg(format!("udp:port={}:interface=127.0.0.1", address.port()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(address).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut buffer = [0; 64];
    let deadline = std::time::Instant::now() + PATIENCE;
    let echoed = loop {
        assert!(echo.try_wait().unwrap().is_none(), "udp_echo exited");
        assert!(
            std::time::Instant::now() < deadline,
            "udp_echo never answered"
        );
        client.send(b"hello").unwrap();
        match client.recv(&mut buffer) {
            Ok(n) => break &buffer[..n],
            // Not bound yet: the kernel answered "port unreachable".
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => continue,
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(echoed, b"hello");
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(echo.id() as i32, libc::SIGTERM) };
    let output = echo.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
}

#[test]
fn ipv6_multicast_reaches_a_member_on_the_loopback_interface() {
    let group: Ipv6Addr = "ff02::77:1".parse().unwrap();
    let loopback = 1; // the interface number of lo
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Seen::default());
    let member = reactor
        .listen_udp(r"udp:port=0:interface=\:\:", Recorder(seen.clone()))
        .unwrap();
    if let Err(error) = member.join_multicast_v6(group, loopback) {
        eprintln!("skipped: the kernel refuses IPv6 multicast on the loopback interface: {error}");
        return;
    }
    let sender = reactor
        .listen_udp(r"udp:port=0:interface=\:\:1", Recorder(Rc::default()))
        .unwrap();
    sender.set_multicast_interface_v6(loopback).unwrap();
    sender.set_multicast_loop_v6(true).unwrap();
    let to = SocketAddrV6::new(group, member.local_address().port(), 0, loopback);
    sender.write_to(b"to the v6 group", to.into());
    if sender.dropped() > 0 {
        eprintln!(
            "skipped: the kernel refused to send to an IPv6 multicast group on the \
             loopback interface (it has no IPv6 multicast route there)"
        );
        return;
    }
    run_until(&reactor, || !seen.datagrams.borrow().is_empty());
    assert_eq!(received(&seen), [b"to the v6 group".to_vec()]);
}
