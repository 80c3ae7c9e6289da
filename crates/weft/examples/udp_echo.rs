//! Echoes every datagram back to its sender, on a `udp:` endpoint.
//!
//! `cargo run --release -p weft --example udp_echo -- udp:port=9000:interface=127.0.0.1`
//!
//! It prints nothing on standard output; with `RUST_LOG=info` (or
//! `debug`) it logs to standard error. It stops gracefully on SIGINT or
//! SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use weft::Reactor;
use weft::udp::{DatagramProtocol, DatagramTransport};

#[derive(Default)]
struct Echo {
    transport: Option<DatagramTransport>,
}

impl DatagramProtocol for Echo {
    fn started(&mut self, transport: DatagramTransport) {
        tracing::info!(address = %transport.local_address(), "echoing datagrams");
        self.transport = Some(transport);
    }

    fn datagram_received(&mut self, data: &[u8], from: SocketAddr) {
        if let Some(transport) = &self.transport {
            transport.write_to(data, from);
        }
    }
}

const USAGE: &str =
    "usage: udp_echo ENDPOINT   (for example: udp_echo udp:port=9000:interface=127.0.0.1)";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match serve(endpoint) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("udp_echo: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(endpoint: &str) -> Result<(), weft::Error> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    reactor.listen_udp(endpoint, Echo::default())?;
    reactor.run()
}
