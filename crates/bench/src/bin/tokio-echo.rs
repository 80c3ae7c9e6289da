//! A plain tokio echo server on a current-thread runtime, the baseline the
//! benchmark compares weft with: one task per connection, reading into a
//! buffer of its own (4 KiB, or as given) and writing it all back. With
//! `--threads N`, on tokio's multi-thread runtime with N workers (the
//! baseline of a pool of N reactors).
//!
//! `tokio-echo ADDRESS [--buffer BYTES] [--threads N]`, e.g.
//! `tokio-echo 127.0.0.1:0`. It prints `listening on ADDRESS` once ready;
//! SIGTERM ends it.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const USAGE: &str =
    "usage: tokio-echo ADDRESS [--buffer BYTES] [--threads N]   (e.g. tokio-echo 127.0.0.1:0)";

/// The command line: where to listen, the read buffer, the worker threads
/// (`None`: the current-thread runtime).
fn parse(args: &[String]) -> Option<(SocketAddr, usize, Option<usize>)> {
    let (address, flags) = args.split_first()?;
    let mut buffer = 4096;
    let mut threads = None;
    for pair in flags.chunks(2) {
        let [flag, value] = pair else {
            return None;
        };
        let value: usize = value.parse().ok().filter(|n| *n > 0)?;
        match flag.as_str() {
            "--buffer" => buffer = value,
            "--threads" => threads = Some(value),
            _ => return None,
        }
    }
    Some((address.parse().ok()?, buffer, threads))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((address, buffer, threads)) = parse(&args) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut builder = match threads {
        None => tokio::runtime::Builder::new_current_thread(),
        Some(threads) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(threads);
            builder
        }
    };
    let runtime = match builder.enable_io().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tokio-echo: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(address, buffer)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tokio-echo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(address: SocketAddr, buffer: usize) -> std::io::Result<()> {
    let listener = TcpListener::bind(address).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let mut socket = match listener.accept().await {
            Ok((socket, _peer)) => socket,
            Err(error) => {
                // Out of file descriptors and the like: keep serving.
                eprintln!("tokio-echo: accept: {error}");
                continue;
            }
        };
        // As weft does: small writes go out at once.
        let _ = socket.set_nodelay(true);
        tokio::spawn(async move {
            let mut data = vec![0u8; buffer];
            loop {
                let n = match socket.read(&mut data).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if socket.write_all(&data[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
