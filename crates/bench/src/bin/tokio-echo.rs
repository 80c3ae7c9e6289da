//! A plain tokio echo server on a current-thread runtime, the baseline the
//! benchmark compares weft with: one task per connection, reading into a
//! buffer of its own (4 KiB, or as given) and writing it all back.
//!
//! `tokio-echo ADDRESS [--buffer BYTES]`, e.g. `tokio-echo 127.0.0.1:0`.
//! It prints `listening on ADDRESS` once ready; SIGTERM ends it.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const USAGE: &str = "usage: tokio-echo ADDRESS [--buffer BYTES]   (e.g. tokio-echo 127.0.0.1:0)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (address, buffer) = match args.as_slice() {
        [address] => (address, 4096),
        [address, flag, size] if flag == "--buffer" => match size.parse::<usize>() {
            Ok(size) if size > 0 => (address, size),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(address) = address.parse::<SocketAddr>() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
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
