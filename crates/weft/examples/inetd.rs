//! Serves a program on an endpoint, as inetd does (Twisted's
//! `twisted.runner.inetd`): each connection gets a child process of its
//! own, whose standard input is what the client sends and whose standard
//! output goes back to the client.
//!
//! `cargo run -p weft --example inetd -- tcp:port=9000:interface=127.0.0.1 tr a-z A-Z`
//! (then `nc 127.0.0.1 9000`, type, and Ctrl-D).
//!
//! - Back-pressure runs both ways: a client that does not read pauses the
//!   reading of its child's output, and a child that does not read pauses
//!   the reading of its client.
//! - The client's end of input (a half-close) is the end of the child's
//!   input, and the child runs on until it exits (as with inetd); the end
//!   of the child's output closes the connection, once what it wrote is
//!   sent.
//! - A connection that ends before its child (reset, or the client gone
//!   while the child wrote) takes the child with it (SIGTERM).
//! - A program that cannot start is named to the client and logged; the
//!   connection closes once the client has sent everything.
//!
//! `listening on ADDRESS` goes to standard error once ready, with each
//! child's exit as `RUST_LOG=info` asks; the children's standard error is
//! the server's.

use std::cell::RefCell;
use std::process::{Command, ExitCode};
use std::rc::Rc;

use weft::{Address, CloseReason, HalfClose, Process, Protocol, Reactor, Transport};

const USAGE: &str = "usage: inetd ENDPOINT PROGRAM [ARGUMENT]...   \
                     (for example: inetd tcp:port=9000:interface=127.0.0.1 tr a-z A-Z)";

/// One side's transport, once connected, for the other side to reach.
type Side = Rc<RefCell<Option<Transport>>>;

/// Runs `act` on `side`'s transport, if it is connected.
fn on(side: &Side, act: impl FnOnce(&Transport)) {
    if let Some(transport) = &*side.borrow() {
        act(transport);
    }
}

/// The client's connection: what it sends goes to the child.
struct ClientSide {
    program: Rc<Vec<String>>,
    client: Side,
    child: Side,
    process: Option<Process>,
}

impl Protocol for ClientSide {
    fn connection_made(&mut self, transport: Transport) {
        *self.client.borrow_mut() = Some(transport.clone());
        let mut command = Command::new(&self.program[0]);
        command.args(&self.program[1..]);
        let child = ChildSide {
            client: self.client.clone(),
            child: self.child.clone(),
        };
        let reactor = Reactor::current().expect("connections are made on the reactor's thread");
        match reactor.spawn_process(&mut command, child) {
            Ok(process) => {
                let exited = process.wait();
                let pid = process.pid();
                reactor
                    .spawn(async move {
                        match exited.await {
                            Ok(status) => tracing::info!(pid, %status, "the child exited"),
                            Err(error) => tracing::warn!(pid, %error, "the child ended"),
                        }
                    })
                    .detach();
                self.process = Some(process);
            }
            Err(error) => {
                tracing::warn!(%error, "a connection's child did not start");
                transport.write(format!("inetd: {error}\n").as_bytes());
                // Closing now, with the client's input unread, would reset
                // the connection and lose the message.
                transport.shutdown_write();
            }
        }
    }

    fn data_received(&mut self, data: &[u8]) {
        on(&self.child, |child| child.write(data));
    }

    fn eof_received(&mut self) -> HalfClose {
        match &*self.child.borrow() {
            Some(child) => {
                child.shutdown_write();
                HalfClose::KeepOpen
            }
            None => HalfClose::Close,
        }
    }

    fn pause_writing(&mut self) {
        on(&self.child, Transport::pause_reading);
    }

    fn resume_writing(&mut self) {
        on(&self.child, Transport::resume_reading);
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        self.client.borrow_mut().take();
        // The child's side still up: the client ended first, and takes the
        // child with it.
        let Some(child) = self.child.borrow_mut().take() else {
            return;
        };
        child.lose_connection();
        if let Some(process) = &self.process {
            let _ = process.signal(libc::SIGTERM);
        }
    }
}

/// The child's standard input and output: what it writes goes to the
/// client.
struct ChildSide {
    client: Side,
    child: Side,
}

impl Protocol for ChildSide {
    fn connection_made(&mut self, transport: Transport) {
        *self.child.borrow_mut() = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        on(&self.client, |client| client.write(data));
    }

    fn pause_writing(&mut self) {
        on(&self.client, Transport::pause_reading);
    }

    fn resume_writing(&mut self) {
        on(&self.client, Transport::resume_reading);
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        self.child.borrow_mut().take();
        on(&self.client, Transport::lose_connection);
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, program @ ..] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if program.is_empty() {
        eprintln!("inetd: the program to serve is missing\n{USAGE}");
        return ExitCode::from(2);
    }
    match serve(endpoint, program.to_vec()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("inetd: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(endpoint: &str, program: Vec<String>) -> Result<(), weft::Error> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    let program = Rc::new(program);
    let port = reactor.listen(endpoint, move |_peer: &Address| {
        Some(ClientSide {
            program: program.clone(),
            client: Side::default(),
            child: Side::default(),
            process: None,
        })
    })?;
    eprintln!("listening on {}", port.address());
    reactor.run()
}
