//! ClientService over real sockets: it connects once a server comes up,
//! reconnects across two server restarts, and stops cleanly.

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{closed_port, run};
use weft::client::{Backoff, ClientService, ServiceStopped};
use weft::{Address, ListeningPort, Protocol, Reactor, Transport};

/// Back-off short enough for a test, without jitter.
const QUICK: Backoff = Backoff {
    initial: Duration::from_millis(10),
    factor: 2.0,
    max: Duration::from_millis(100),
    jitter: Duration::ZERO,
};

/// The server side: remembers every connection it accepted.
struct Accepted(Rc<RefCell<Vec<Transport>>>);

impl Protocol for Accepted {
    fn connection_made(&mut self, transport: Transport) {
        self.0.borrow_mut().push(transport);
    }

    fn data_received(&mut self, _data: &[u8]) {}
}

#[derive(Debug)]
struct Client;

impl Protocol for Client {
    fn data_received(&mut self, _data: &[u8]) {}
}

fn listen(reactor: &Reactor, port: u16, accepted: &Rc<RefCell<Vec<Transport>>>) -> ListeningPort {
    let accepted = accepted.clone();
    reactor
        .listen(
            &format!("tcp:port={port}:interface=127.0.0.1"),
            move |_peer: &Address| Some(Accepted(accepted.clone())),
        )
        .expect("listen")
}

#[test]
fn a_service_reconnects_across_two_server_restarts_and_stops_cleanly() {
    let reactor = Reactor::new().unwrap();
    let accepted = Rc::new(RefCell::new(Vec::new()));
    let first = listen(&reactor, 0, &accepted);
    let port = first.address().tcp().map(|a: SocketAddr| a.port()).unwrap();
    let target = format!("tcp:host=127.0.0.1:port={port}:timeout=5");
    let service = ClientService::start_with(&reactor, &target, QUICK, || Client).unwrap();
    let (generations, after_stop) = run(&reactor, async {
        let mut listener = Some(first);
        let mut generations = Vec::new();
        for generation in 1..=3 {
            let connected = service.when_connected().await.expect("connected");
            generations.push((generation, accepted.borrow().len()));
            if generation == 3 {
                break;
            }
            // The server restarts: it stops listening and drops everyone.
            listener.take().unwrap().stop_listening();
            for transport in accepted.borrow().iter() {
                transport.abort_connection();
            }
            connected.closed().await;
            assert!(
                service.current().is_none(),
                "a closed connection is not current"
            );
            listener = Some(listen(&reactor, port, &accepted));
        }
        let last = service.current().expect("connected");
        service.stop().await;
        assert!(last.is_closed(), "stop closed the connection");
        (generations, service.when_connected().await.map(|_| ()))
    });
    assert_eq!(generations, [(1, 1), (2, 2), (3, 3)]);
    assert_eq!(after_stop, Err(ServiceStopped));
}

#[test]
fn a_service_keeps_trying_until_the_server_comes_up() {
    let reactor = Reactor::new().unwrap();
    let port = closed_port();
    let target = format!("tcp:host=127.0.0.1:port={port}:timeout=5");
    let service = ClientService::start_with(&reactor, &target, QUICK, || Client).unwrap();
    let accepted = Rc::new(RefCell::new(Vec::new()));
    let (refused, connected) = run(&reactor, async {
        let mut refused = Vec::new();
        while refused.len() < 3 {
            let failed = service.next_failure().await.expect("the service runs");
            refused.push((failed.count, failed.error.to_string()));
        }
        assert!(service.current().is_none());
        let _listener = listen(&reactor, port, &accepted);
        (refused, service.when_connected().await)
    });
    let counts: Vec<u64> = refused.iter().map(|(count, _)| *count).collect();
    assert_eq!(counts, [1, 2, 3]);
    assert!(
        refused.iter().all(|(_, error)| error.contains("refused")),
        "{refused:?}"
    );
    assert!(connected.is_ok());
    assert_eq!(service.failed_attempts(), 3);
    assert_eq!(accepted.borrow().len(), 1);
}

#[test]
fn stopping_the_service_ends_a_wait_for_a_failure() {
    let reactor = Reactor::new().unwrap();
    let target = format!("tcp:host=127.0.0.1:port={}:timeout=5", closed_port());
    let service = ClientService::start_with(&reactor, &target, QUICK, || Client).unwrap();
    let waiting = service.next_failure();
    let closed = service.stop();
    let (waited, after_stop) = run(&reactor, async {
        closed.await;
        (waiting.await, service.next_failure().await)
    });
    assert_eq!(waited.unwrap_err(), ServiceStopped);
    assert_eq!(after_stop.unwrap_err(), ServiceStopped);
    assert_eq!(service.failed_attempts(), 0, "the attempt was abandoned");
}
