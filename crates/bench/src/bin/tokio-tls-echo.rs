//! The TLS baseline: tokio (current-thread runtime) with tokio-rustls,
//! one task per connection reading into a 4 KiB buffer of its own and
//! writing it all back, with the same rustls, the same *ring* provider
//! and the same configuration (loaded by weft from the same files) as
//! weft's `echo ssl:…`.
//!
//! `tokio-tls-echo ADDRESS KEY.pem CERT.pem`, e.g.
//! `tokio-tls-echo 127.0.0.1:0 key.pem cert.pem`. It prints
//! `listening on ADDRESS` once ready; SIGTERM ends it.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use weft::tls::TlsServerOptions;

const USAGE: &str = "usage: tokio-tls-echo ADDRESS KEY.pem CERT.pem";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, key, certificate] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(address) = address.parse::<SocketAddr>() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let config = match TlsServerOptions::new(key, certificate).load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("tokio-tls-echo: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .and_then(|runtime| runtime.block_on(serve(address, TlsAcceptor::from(config))));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tokio-tls-echo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(address: SocketAddr, acceptor: TlsAcceptor) -> std::io::Result<()> {
    let listener = TcpListener::bind(address).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let socket = match listener.accept().await {
            Ok((socket, _peer)) => socket,
            Err(error) => {
                eprintln!("tokio-tls-echo: accept: {error}");
                continue;
            }
        };
        // As weft does: small writes go out at once.
        let _ = socket.set_nodelay(true);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let mut data = vec![0u8; 4096];
            loop {
                let n = match tls.read(&mut data).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if tls.write_all(&data[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
