//! A pool of reactors over real sockets: connections spread by the kernel
//! (`SO_REUSEPORT`) or by one acceptor, nothing lost when a connection
//! moves, a panic kept to its connection, and one stop for all.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::{PATIENCE, recv};
use weft::pool::{Member, Pool, PoolError, PoolHandle};
use weft::{Address, Protocol, Transport};

/// Says which reactor serves it (one byte), then echoes; panics when
/// told `panic`.
struct Tagged {
    index: u8,
    transport: Option<Transport>,
}

impl Protocol for Tagged {
    fn connection_made(&mut self, transport: Transport) {
        transport.write(&[self.index]);
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        assert_ne!(data, b"panic", "asked to panic");
        self.transport.as_ref().unwrap().write(data);
    }
}

fn tagged(member: &Member) -> impl FnMut(&Address) -> Option<Tagged> + 'static {
    let index = u8::try_from(member.index()).unwrap();
    move |_: &Address| {
        Some(Tagged {
            index,
            transport: None,
        })
    }
}

/// Starts a pool of `threads` reactors serving [`Tagged`] on
/// `127.0.0.1:0`, spread by the kernel (`shared`) or by one acceptor.
fn start(threads: usize, shared: bool) -> (PoolHandle, SocketAddr) {
    start_on("tcp:port=0:interface=127.0.0.1", threads, shared)
}

/// [`start`] on `endpoint`, a TCP-based endpoint with port 0.
fn start_on(endpoint: &'static str, threads: usize, shared: bool) -> (PoolHandle, SocketAddr) {
    let (address_tx, address_rx) = mpsc::channel();
    let handle = Pool::new()
        .threads(threads)
        .start(move |member: &Member| {
            let port = if shared {
                Some(member.listen_shared(endpoint, tagged(member))?)
            } else {
                member.listen_balanced(endpoint, tagged(member))?
            };
            if let (0, Some(port)) = (member.index(), port) {
                address_tx.send(port.address().tcp().unwrap()).unwrap();
            }
            Ok(())
        })
        .unwrap();
    let address = recv(&address_rx);
    (handle, address)
}

/// Connects and reads the byte naming the reactor that serves it.
fn connect(address: SocketAddr) -> (TcpStream, u8) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut index = [0u8];
    stream.read_exact(&mut index).unwrap();
    (stream, index[0])
}

fn spread(indexes: impl IntoIterator<Item = u8>) -> BTreeMap<u8, usize> {
    let mut spread = BTreeMap::new();
    for index in indexes {
        *spread.entry(index).or_insert(0) += 1;
    }
    spread
}

/// Both reactors of a pool of two serve some of `clients` (the kernel's
/// hash of each connection's addresses puts all 200 on one reactor with a
/// negligible chance).
fn assert_both_reactors_serve(clients: &[(TcpStream, u8)]) {
    let spread = spread(clients.iter().map(|(_, index)| *index));
    assert_eq!(
        spread.keys().copied().collect::<Vec<_>>(),
        [0, 1],
        "{spread:?}"
    );
}

#[test]
fn the_kernel_spreads_connections_over_the_reactors_shared_sockets() {
    let (pool, address) = start(2, true);
    let clients: Vec<_> = (0..200).map(|_| connect(address)).collect();
    assert_both_reactors_serve(&clients);
    pool.stop();
    pool.join().unwrap();
}

#[test]
fn a_shared_endpoint_behind_a_proxy_reads_each_header_on_every_reactor() {
    let (pool, address) = start_on("haproxy:tcp:port=0:interface=127.0.0.1", 2, true);
    let clients: Vec<_> = (0..200u16)
        .map(|n| {
            let mut stream = TcpStream::connect(address).unwrap();
            stream.set_read_timeout(Some(PATIENCE)).unwrap();
            let message = format!("from client {n}");
            let header = format!("PROXY TCP4 192.0.2.1 127.0.0.1 {} 80\r\n", 1000 + n);
            stream.write_all(header.as_bytes()).unwrap();
            stream.write_all(message.as_bytes()).unwrap();
            let mut index = [0u8];
            stream.read_exact(&mut index).unwrap();
            let mut echoed = vec![0; message.len()];
            stream.read_exact(&mut echoed).unwrap();
            assert_eq!(echoed, message.as_bytes(), "the header is read, not echoed");
            (stream, index[0])
        })
        .collect();
    assert_both_reactors_serve(&clients);
    pool.stop();
    pool.join().unwrap();
}

#[test]
fn a_unix_udp_or_systemd_endpoint_cannot_be_shared_and_the_error_says_what_to_use() {
    for (endpoint, advice) in [
        ("unix:/tmp/weft-pool-never-bound.sock", "listen_balanced"),
        ("udp:port=0", "listen_udp"),
        ("systemd:domain=INET:index=0", "listen_balanced"),
    ] {
        let failing = Pool::new().threads(1).start(move |member: &Member| {
            member.listen_shared(endpoint, tagged(member))?;
            Ok(())
        });
        let error = failing.unwrap().join().unwrap_err();
        let message = format!("{error}: {:?}", std::error::Error::source(&error));
        assert!(message.contains(advice), "{endpoint}: {message}");
    }
}

#[test]
fn one_acceptor_spreads_connections_by_load_and_loses_no_byte_sent_at_once() {
    let (pool, address) = start(3, false);
    let mut clients = Vec::new();
    for n in 0..150u32 {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        // Sent before the connection is handed over, while it moves.
        let message: Vec<u8> = (0..1000)
            .flat_map(|i: u32| (n * 1000 + i).to_le_bytes())
            .collect();
        stream.write_all(&message).unwrap();
        clients.push((stream, message));
    }
    let mut indexes = Vec::new();
    for (stream, message) in &mut clients {
        let mut reply = vec![0; 1 + message.len()];
        stream.read_exact(&mut reply).unwrap();
        indexes.push(reply[0]);
        assert!(reply[1..] == message[..], "the echo is whole and in order");
    }
    let spread = spread(indexes);
    assert_eq!(spread.len(), 3, "{spread:?}");
    assert!(
        spread.values().all(|n| *n >= 40),
        "spread by load: {spread:?}"
    );
    pool.stop();
    pool.join().unwrap();
}

#[test]
fn a_panic_stays_with_its_connection_while_every_reactor_serves_on() {
    let (pool, address) = start(2, false);
    let mut clients: Vec<_> = (0..20).map(|_| connect(address)).collect();
    let (victim, _) = &mut clients[0];
    victim.write_all(b"panic").unwrap();
    let mut rest = Vec::new();
    let ended = victim.read_to_end(&mut rest).unwrap_err();
    assert_eq!(
        ended.kind(),
        std::io::ErrorKind::ConnectionReset,
        "the panicking protocol's connection is aborted"
    );
    for (stream, _) in &mut clients[1..] {
        stream.write_all(b"still there").unwrap();
        let mut echo = [0u8; 11];
        stream.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"still there");
    }
    pool.stop();
    pool.join().unwrap();
}

#[test]
fn a_setup_that_fails_or_panics_stops_the_whole_pool_and_says_where() {
    let failing = Pool::new().threads(3).start(|member: &Member| {
        if member.index() == 2 {
            member.listen_shared("tcp:port=1:interface=192.0.2.1", |_: &Address| {
                Some(Tagged {
                    index: 0,
                    transport: None,
                })
            })?;
        }
        Ok(())
    });
    match failing.unwrap().join() {
        Err(PoolError::Setup { index: 2, .. }) => {}
        other => panic!("expected reactor 2's setup to fail, got {other:?}"),
    }
    let panicking = Pool::new().threads(2).start(|member: &Member| {
        assert_ne!(member.index(), 1, "setup panics on reactor 1");
        Ok(())
    });
    match panicking.unwrap().join() {
        Err(PoolError::Panicked { index: 1 }) => {}
        other => panic!("expected reactor 1 to panic, got {other:?}"),
    }
}

#[test]
fn one_stop_flushes_and_closes_the_connections_of_every_reactor() {
    let (pool, address) = start(2, true);
    let mut clients: Vec<_> = (0..40).map(|_| connect(address)).collect();
    let spread = spread(clients.iter().map(|(_, index)| *index));
    assert_eq!(spread.len(), 2, "connections on every reactor: {spread:?}");
    for (stream, _) in &mut clients {
        stream.write_all(b"last words").unwrap();
    }
    // Every echo is written before the stop is asked for.
    for (stream, _) in &mut clients {
        let mut echo = [0u8; 10];
        stream.read_exact(&mut echo).unwrap();
    }
    pool.stop();
    for (stream, _) in &mut clients {
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "a clean close after everything was sent");
    }
    pool.join().unwrap();
}

/// Connects `WEFT_POOL_CLIENTS` clients to `WEFT_POOL_ADDRESS` and prints
/// how many each reactor serves: run by the test below in a process of its
/// own, so that ten thousand client sockets do not count against the
/// pool's open-file limit.
#[test]
#[ignore = "the client half of ten_thousand_connections_spread_over_the_pool, run as its child"]
fn pool_clients() {
    raise_open_file_limit();
    let address: SocketAddr = std::env::var("WEFT_POOL_ADDRESS").unwrap().parse().unwrap();
    let count: usize = std::env::var("WEFT_POOL_CLIENTS").unwrap().parse().unwrap();
    let clients: Vec<_> = (0..count).map(|_| connect(address)).collect();
    let spread = spread(clients.iter().map(|(_, index)| *index));
    let counts: Vec<String> = spread.values().map(usize::to_string).collect();
    println!("spread {}", counts.join(" "));
}

#[test]
fn ten_thousand_connections_spread_over_the_pool() {
    const CLIENTS: usize = 10_000;
    raise_open_file_limit();
    let (pool, address) = start(2, true);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pool_clients",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WEFT_POOL_ADDRESS", address.to_string())
        .env("WEFT_POOL_CLIENTS", CLIENTS.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{output}");
    let line = output
        .lines()
        .find_map(|line| {
            line.split_once("spread ")
                .map(|(_, counts)| counts.to_owned())
        })
        .expect("the clients report their spread");
    let counts: Vec<usize> = line.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(counts.iter().sum::<usize>(), CLIENTS, "{counts:?}");
    assert_eq!(counts.len(), 2, "both reactors serve: {counts:?}");
    assert!(
        counts.iter().all(|n| *n > CLIENTS / 4),
        "spread evenly: {counts:?}"
    );
    pool.stop();
    pool.join().unwrap();
}

/// Raises the soft open-file limit to the hard one.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
