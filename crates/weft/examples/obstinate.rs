//! The seed post's ObstinateProtocol: answers `no` to everything.
//!
//! `cargo run -p weft --example obstinate`, then `telnet localhost 8900`.

use weft::{Address, Protocol, Reactor, Transport};

#[derive(Default)]
struct Obstinate {
    transport: Option<Transport>,
}

impl Protocol for Obstinate {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, _data: &[u8]) {
        if let Some(transport) = &self.transport {
            transport.write(b"no\r\n");
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    reactor.listen("tcp:8900", |_peer: &Address| Some(Obstinate::default()))?;
    eprintln!("obstinate: listening on port 8900; try `telnet localhost 8900`");
    reactor.run()?;
    Ok(())
}
