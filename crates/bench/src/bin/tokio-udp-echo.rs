//! A plain tokio UDP echo server on a current-thread runtime, the baseline
//! the UDP benchmark compares weft's `udp_echo` example with: one task,
//! `recv_from` into a 64 KiB buffer, `send_to` back.
//!
//! `tokio-udp-echo ADDRESS`, e.g. `tokio-udp-echo 127.0.0.1:9000`. Like
//! `udp_echo`, it prints nothing on standard output; SIGTERM ends it.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::net::UdpSocket;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address] = args.as_slice() else {
        eprintln!("usage: tokio-udp-echo ADDRESS   (e.g. tokio-udp-echo 127.0.0.1:9000)");
        return ExitCode::from(2);
    };
    let Ok(address) = address.parse::<SocketAddr>() else {
        eprintln!("tokio-udp-echo: '{address}' is not an address like 127.0.0.1:9000");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tokio-udp-echo: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(address)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tokio-udp-echo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(address: SocketAddr) -> std::io::Result<()> {
    let socket = UdpSocket::bind(address).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let (length, from) = socket.recv_from(&mut buffer).await?;
        // A datagram that cannot be sent is lost, as UDP allows.
        let _ = socket.send_to(&buffer[..length], from).await;
    }
}
