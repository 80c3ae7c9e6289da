//! Echoes every byte back, with back-pressure: when the peer does not read,
//! reading from it pauses, so memory stays bounded.
//!
//! `cargo run --release -p weft --example echo -- tcp:port=9000:interface=127.0.0.1`
//!
//! Any server endpoint works, TLS included:
//! `echo ssl:port=8443:interface=127.0.0.1:privateKey=key.pem:certKey=cert.pem`
//! (then `openssl s_client -connect 127.0.0.1:8443`).
//!
//! With `--threads N` it serves on a pool of N reactors, one per thread:
//! over TCP each has its own `SO_REUSEPORT` socket on the port and the
//! kernel spreads the connections; over a Unix socket, or over TCP too
//! with `--balanced`, one acceptor hands each connection to the reactor
//! with the fewest.
//!
//! It prints nothing on its standard output: `listening on ADDRESS` goes
//! to standard error once ready (port 0 picks a free port), with weft's
//! log as `RUST_LOG` asks (`RUST_LOG=weft=debug` shows, for example, why
//! a TLS handshake failed). It stops gracefully on SIGINT or SIGTERM.

use weft::endpoints::ServerEndpoint;
use weft::pool::{Member, Pool};
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

const USAGE: &str = "usage: echo ENDPOINT [--threads N [--balanced]]   \
     (for example: echo tcp:port=9000:interface=127.0.0.1)";

/// How the example serves: on one reactor, or on a pool of them.
enum Serving {
    /// One reactor, on the main thread.
    Alone,
    /// `threads` reactors; `balanced`: one acceptor hands the connections
    /// out even where the kernel could spread them (`SO_REUSEPORT`).
    Pool { threads: usize, balanced: bool },
}

/// The endpoint and how to serve it, from the arguments after the
/// program's name; an error names a bad thread count.
fn parse_args(args: &[String]) -> Result<(&str, Serving), String> {
    let (endpoint, threads, balanced) = match args {
        [endpoint] => return Ok((endpoint, Serving::Alone)),
        [endpoint, flag, n] if flag == "--threads" => (endpoint, n, false),
        [endpoint, flag, n, balanced] if flag == "--threads" && balanced == "--balanced" => {
            (endpoint, n, true)
        }
        _ => return Err(USAGE.to_owned()),
    };
    match threads.parse::<usize>() {
        Ok(threads) if threads >= 1 => Ok((endpoint, Serving::Pool { threads, balanced })),
        _ => Err(format!(
            "echo: invalid value '{threads}' for --threads: expected a whole number from 1\n{USAGE}"
        )),
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (endpoint, serving) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    let served = match serving {
        Serving::Alone => serve(endpoint).map_err(Into::into),
        Serving::Pool { threads, balanced } => serve_on_pool(endpoint, threads, balanced),
    };
    match served {
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
    eprintln!("listening on {}", port.address());
    reactor.run()
}

fn serve_on_pool(
    endpoint: &str,
    threads: usize,
    balanced: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let shared = !balanced
        && matches!(
            endpoint.parse::<ServerEndpoint>()?,
            ServerEndpoint::Tcp(_) | ServerEndpoint::Ssl(_)
        );
    let endpoint = endpoint.to_owned();
    Pool::new().threads(threads).run(move |member: &Member| {
        let echo = |_peer: &Address| Some(Echo::default());
        let port = if shared {
            Some(member.listen_shared(&endpoint, echo)?)
        } else {
            member.listen_balanced(&endpoint, echo)?
        };
        if let (0, Some(port)) = (member.index(), port) {
            eprintln!("listening on {}", port.address());
        }
        Ok(())
    })?;
    Ok(())
}
