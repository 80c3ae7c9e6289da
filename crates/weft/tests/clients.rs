//! Outgoing connections: TCP (IPv4, IPv6, by name), Unix sockets, and every
//! way a connection attempt can fail; addresses racing (Happy Eyeballs)
//! and a resolver of our own.

mod common;

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{closed_port, full_backlog};
use weft::{Address, ClientFactory, CloseReason, ConnectError, Protocol, Reactor, Transport};

/// Sends a greeting, records the answer, closes once answered.
struct Greeter {
    log: Rc<RefCell<Vec<String>>>,
    transport: Option<Transport>,
}

impl Protocol for Greeter {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(b"hello");
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.log
            .borrow_mut()
            .push(format!("got {}", String::from_utf8_lossy(data)));
        self.transport.as_ref().unwrap().lose_connection();
    }
}

/// A client factory that records what happens and stops the reactor at
/// the end of the attempt.
struct Recorder {
    reactor: Reactor,
    log: Rc<RefCell<Vec<String>>>,
}

impl ClientFactory for Recorder {
    type Protocol = Greeter;

    fn build_protocol(&mut self, peer: &Address) -> Option<Greeter> {
        self.log.borrow_mut().push(format!("connected to {peer}"));
        Some(Greeter {
            log: self.log.clone(),
            transport: None,
        })
    }

    fn connection_failed(&mut self, error: ConnectError) {
        self.log.borrow_mut().push(format!("failed: {error}"));
        self.reactor.stop();
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.log.borrow_mut().push(format!("lost: {reason}"));
        self.reactor.stop();
    }
}

/// An upper-casing echo server protocol.
#[derive(Default)]
struct Upper(Option<Transport>);

impl Protocol for Upper {
    fn connection_made(&mut self, transport: Transport) {
        self.0 = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.0.as_ref().unwrap().write(&data.to_ascii_uppercase());
    }
}

fn recorder(reactor: &Reactor) -> (Recorder, Rc<RefCell<Vec<String>>>) {
    let log = Rc::new(RefCell::new(Vec::new()));
    let recorder = Recorder {
        reactor: reactor.clone(),
        log: log.clone(),
    };
    (recorder, log)
}

/// Serves `Upper` on `listen`, connects to it with `connect(port)`, runs
/// until the client's connection ends and returns the client's log.
fn round_trip(listen: &str, connect: impl FnOnce(&Address) -> String) -> Vec<String> {
    let reactor = Reactor::new().unwrap();
    let port = reactor
        .listen(listen, |_: &Address| Some(Upper::default()))
        .unwrap();
    let (factory, log) = recorder(&reactor);
    reactor.connect(&connect(port.address()), factory).unwrap();
    reactor.run().unwrap();
    log.take()
}

#[test]
fn connects_over_tcp_ipv4_by_address() {
    let log = round_trip("tcp:port=0:interface=127.0.0.1", |a| {
        format!("tcp:host=127.0.0.1:port={}", a.tcp().unwrap().port())
    });
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log[0].starts_with("connected to 127.0.0.1:"));
    assert_eq!(log[1], "got HELLO");
    assert_eq!(log[2], "lost: connection closed cleanly");
}

#[test]
fn connects_over_tcp_by_host_name() {
    let log = round_trip("tcp:port=0:interface=127.0.0.1", |a| {
        format!("tcp:localhost:{}:timeout=10", a.tcp().unwrap().port())
    });
    assert!(log.contains(&"got HELLO".to_string()), "{log:?}");
}

#[test]
fn connects_over_tcp_ipv6() {
    let log = round_trip(r"tcp6:port=0:interface=\:\:1", |a| {
        format!(r"tcp:host=\:\:1:port={}", a.tcp().unwrap().port())
    });
    assert!(log[0].starts_with("connected to [::1]:"), "{log:?}");
    assert_eq!(log[1], "got HELLO");
}

fn socket_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn connects_over_unix_sockets_and_removes_the_file_after() {
    let path = socket_path("roundtrip.sock");
    let listen = format!("unix:{}:mode=600", path.display());
    let log = round_trip(&listen, |a| match a {
        Address::Unix(Some(p)) => format!("unix:path={}", p.display()),
        other => panic!("unexpected {other}"),
    });
    assert_eq!(log[1], "got HELLO", "{log:?}");
    assert!(
        !path.exists(),
        "stopping the reactor removes the socket file"
    );
}

#[test]
fn unix_listening_replaces_a_stale_socket_and_refuses_a_live_one() {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "a stale socket file is left behind");
    let reactor = Reactor::new().unwrap();
    let endpoint = format!("unix:{}:mode=640", path.display());
    let port = reactor
        .listen(&endpoint, |_: &Address| Some(Upper::default()))
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let error = reactor
        .listen(&endpoint, |_: &Address| Some(Upper::default()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("another server is listening"), "{error}");
    assert!(port.stop_listening());
    assert!(!path.exists());
}

#[test]
fn stopping_leaves_alone_a_socket_file_another_server_put_in_its_place() {
    let path = socket_path("replaced.sock");
    let endpoint = format!("unix:{}", path.display());
    let first = Reactor::new().unwrap();
    let first_port = first
        .listen(&endpoint, |_: &Address| Some(Upper::default()))
        .unwrap();
    // Someone removes the file, and a second server binds the same path.
    std::fs::remove_file(&path).unwrap();
    let second = Reactor::new().unwrap();
    let _second_port = second
        .listen(&endpoint, |_: &Address| Some(Upper::default()))
        .unwrap();
    assert!(first_port.stop_listening());
    assert!(path.exists(), "the second server's socket file stays");
    assert!(
        std::os::unix::net::UnixStream::connect(&path).is_ok(),
        "the second server is still reachable"
    );
}

#[test]
fn a_refused_connection_is_reported() {
    let free_port = closed_port();
    let reactor = Reactor::new().unwrap();
    let (factory, log) = recorder(&reactor);
    reactor.connect_tcp("127.0.0.1", free_port, None, factory);
    reactor.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [format!(
            "failed: connection to 127.0.0.1:{free_port} refused"
        )]
    );
}

#[test]
fn an_unresolvable_host_is_reported() {
    let reactor = Reactor::new().unwrap();
    let (factory, log) = recorder(&reactor);
    reactor
        .connect("tcp:host=no-such-host.invalid:port=80", factory)
        .unwrap();
    reactor.run().unwrap();
    let log = log.borrow();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].starts_with("failed: cannot resolve host 'no-such-host.invalid'"),
        "{log:?}"
    );
}

#[test]
fn a_connection_that_never_completes_times_out() {
    // A listener that never accepts, its queue filled: further SYNs are
    // dropped, so a connect stays pending.
    let (_listener, _fillers, address) = full_backlog();
    let reactor = Reactor::new().unwrap();
    let (factory, log) = recorder(&reactor);
    let timeout = Duration::from_millis(200);
    reactor.connect_tcp("127.0.0.1", address.port(), Some(timeout), factory);
    reactor.run().unwrap();
    let log = log.borrow();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("timed out"), "{log:?}");
}

#[test]
fn stopping_an_attempt_reports_it_cancelled() {
    let reactor = Reactor::new().unwrap();
    let (factory, log) = recorder(&reactor);
    let connector = reactor
        .connect("tcp:host=127.0.0.1:port=9", factory)
        .unwrap();
    assert!(connector.is_connecting());
    assert!(connector.stop_connecting());
    assert!(!connector.stop_connecting());
    reactor.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["failed: connecting to 127.0.0.1:9 was cancelled"]
    );
}

#[test]
fn a_listening_port_reports_its_address_and_stops() {
    let reactor = Reactor::new().unwrap();
    let port = reactor
        .listen("tcp:port=0:interface=127.0.0.1", |_: &Address| {
            Some(Upper::default())
        })
        .unwrap();
    let address = port.address().tcp().unwrap();
    assert_ne!(address.port(), 0);
    assert!(port.is_listening());
    assert!(port.stop_listening());
    assert!(!port.is_listening());
    assert!(std::net::TcpStream::connect(address).is_err());
}

#[test]
fn listening_on_a_taken_port_names_the_address_and_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let reactor = Reactor::new().unwrap();
    let error = reactor
        .listen(
            &format!("tcp:port={port}:interface=127.0.0.1"),
            |_: &Address| Some(Upper::default()),
        )
        .unwrap_err();
    let fix = "the address is already in use: stop the other server or choose another port";
    assert_eq!(error.fix(), Some(fix));
    let message = error.to_string();
    assert!(
        message.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(message.contains(fix), "{message}");
}

/// Installs on `reactor` a resolver that knows one name, `dual.test`,
/// with `addresses` (the port asked for is ignored: each address has its
/// own), and says of any other name that its table lacks it.
fn resolve_dual_test_to(reactor: &Reactor, addresses: Vec<SocketAddr>) {
    reactor.install_name_resolver(move |host: &str, _port: u16| match host {
        "dual.test" => Ok(addresses.clone()),
        other => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{other} is not in the test's table"),
        )),
    });
}

/// A server that answers in upper case, on a thread of its own; stops
/// when the returned remote is told to.
fn upper_server() -> (SocketAddr, weft::Remote, std::thread::JoinHandle<()>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let reactor = Reactor::new().unwrap();
        let port = reactor
            .listen("tcp:port=0:interface=127.0.0.1", |_: &Address| {
                Some(Upper::default())
            })
            .unwrap();
        ready_tx
            .send((port.address().tcp().unwrap(), reactor.remote()))
            .unwrap();
        reactor.run().unwrap();
    });
    let (address, remote) = ready_rx.recv_timeout(common::PATIENCE).unwrap();
    (address, remote, thread)
}

#[test]
fn an_address_that_drops_packets_is_raced_not_waited_for() {
    // The first address never answers (its listener's queue is full, so
    // the SYN is dropped); the second does. Tried one after the other,
    // the connect would wait out its whole timeout on the first.
    let (_listener, _fillers, silent) = full_backlog();
    let (answering, server, server_thread) = upper_server();
    let reactor = Reactor::new().unwrap();
    resolve_dual_test_to(&reactor, vec![silent, answering]);
    let (factory, log) = recorder(&reactor);
    let endpoint = format!("tcp:host=dual.test:port={}:timeout=20", answering.port());
    reactor.connect(&endpoint, factory).unwrap();
    reactor.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            format!("connected to {answering}"),
            "got HELLO".to_owned(),
            "lost: connection closed cleanly".to_owned(),
        ]
    );
    server.stop().unwrap();
    server_thread.join().unwrap();
}

#[test]
fn when_every_address_refuses_the_refusal_is_reported_once() {
    let refusing = |_| SocketAddr::from(([127, 0, 0, 1], closed_port()));
    let reactor = Reactor::new().unwrap();
    resolve_dual_test_to(&reactor, (0..3).map(refusing).collect());
    let (factory, log) = recorder(&reactor);
    reactor
        .connect("tcp:host=dual.test:port=1", factory)
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(*log.borrow(), ["failed: connection to dual.test:1 refused"]);
}

#[test]
fn an_installed_resolver_is_used_and_its_failure_named() {
    let (answering, server, server_thread) = upper_server();
    let reactor = Reactor::new().unwrap();
    resolve_dual_test_to(&reactor, vec![answering]);
    let (factory, log) = recorder(&reactor);
    reactor
        .connect("tcp:host=dual.test:port=1", factory)
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(log.borrow()[0], format!("connected to {answering}"));

    let reactor = Reactor::new().unwrap();
    resolve_dual_test_to(&reactor, vec![answering]);
    let (factory, log) = recorder(&reactor);
    reactor
        .connect("tcp:host=elsewhere.test:port=1", factory)
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["failed: cannot resolve host 'elsewhere.test': elsewhere.test is not in the test's table"]
    );
    server.stop().unwrap();
    server_thread.join().unwrap();
}

#[test]
fn a_resolver_that_panics_fails_its_connects_and_breaks_nothing() {
    let (answering, server, server_thread) = upper_server();
    let reactor = Reactor::new().unwrap();
    reactor.install_name_resolver(move |host: &str, _port: u16| match host {
        "dual.test" => Ok(vec![answering]),
        other => panic!("{other} is not in the table"),
    });
    let outcome = common::run(&reactor, async {
        // More panics than the resolver has threads.
        for _ in 0..8 {
            let connecting = reactor.connect_protocol("tcp:host=bad.test:port=1", Upper::default());
            let error = connecting.unwrap().await.err().expect("no connection");
            let message = error.to_string();
            assert!(
                message.contains("the name resolver panicked: bad.test is not in the table"),
                "{message}"
            );
        }
        let good = reactor.connect_protocol("tcp:host=dual.test:port=1", Upper::default());
        good.unwrap().await.map(|_| ())
    });
    assert!(outcome.is_ok(), "resolving goes on: {outcome:?}");
    server.stop().unwrap();
    server_thread.join().unwrap();
}
