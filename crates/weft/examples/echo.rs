//! Echoes every byte back, with back-pressure: when the peer does not read,
//! reading from it pauses, so memory stays bounded.
//!
//! `cargo run --release -p weft --example echo -- tcp:port=9000:interface=127.0.0.1`
//!
//! It prints `listening on ADDRESS` once ready (port 0 picks a free port)
//! and stops gracefully on SIGINT or SIGTERM.

use weft::{Address, Protocol, Reactor, Transport};

#[derive(Default)]
struct Echo {
    transport: Option<Transport>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(transport) = &self.transport {
            transport.write(data);
        }
    }

    fn pause_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.resume_reading();
        }
    }
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), None) = (args.next(), args.next()) else {
        eprintln!("usage: echo ENDPOINT   (for example: echo tcp:port=9000:interface=127.0.0.1)");
        return std::process::ExitCode::from(2);
    };
    match serve(&endpoint) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(endpoint: &str) -> Result<(), weft::Error> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    let port = reactor.listen(endpoint, |_peer: &Address| Some(Echo::default()))?;
    println!("listening on {}", port.address());
    reactor.run()
}
