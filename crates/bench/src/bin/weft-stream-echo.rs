//! weft's echo server written with async streams
//! ([`weft::streams::start_server`]): one task per connection reading
//! what arrived and writing it back, waiting on `drain` when the peer
//! reads slowly. The benchmark sets it beside weft's callback echo
//! example, which does the same work in `data_received`.
//!
//! `weft-stream-echo ENDPOINT`, e.g. `weft-stream-echo tcp:port=0:interface=127.0.0.1`.
//! It prints `listening on ADDRESS` once ready; SIGTERM ends it.

use std::process::ExitCode;

use weft::streams::{self, StreamLimits, StreamReader, StreamWriter};

/// Bytes taken from the reader at most per turn.
const CHUNK: usize = 256 * 1024;

async fn echo(mut reader: StreamReader, writer: StreamWriter) {
    let mut chunk = Vec::new();
    loop {
        match reader.read_into(&mut chunk, CHUNK).await {
            Ok(0) | Err(_) => return,
            Ok(_) => writer.write(&chunk),
        }
        if writer.drain().await.is_err() {
            return;
        }
    }
}

fn main() -> ExitCode {
    let Some(endpoint) = std::env::args().nth(1) else {
        eprintln!("usage: weft-stream-echo ENDPOINT   (e.g. tcp:port=0:interface=127.0.0.1)");
        return ExitCode::from(2);
    };
    let served = weft::react(|reactor| async move {
        reactor.handle_signals()?;
        let limits = StreamLimits::default();
        let port = streams::start_server(&reactor, &endpoint, limits, echo)?;
        println!("listening on {}", port.address());
        std::future::pending::<Result<(), weft::Error>>().await
    });
    match served.and_then(|served| served) {
        Ok(()) | Err(weft::Error::StoppedEarly) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("weft-stream-echo: {error}");
            ExitCode::FAILURE
        }
    }
}
