//! Connects, sends a request line, waits at most 2 s for the reply line,
//! prints it, then sends the next; exits 1 with the reason when the
//! connect fails or a reply does not come in time.
//!
//! `cargo run -p weft --example request_client -- tcp:host=localhost:port=9000:timeout=2`
use std::process::ExitCode;
use std::time::Duration;

use weft::time::Scheduler;

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp:localhost:9000:timeout=2".into());
    weft::react_main(|reactor| async move {
        let (mut replies, requests) = weft::streams::open_connection(&reactor, &endpoint)?.await?;
        for request in ["first request", "second request"] {
            requests
                .write_all(format!("{request}\n").as_bytes())
                .await?;
            let reply = reactor
                .timers()
                .timeout(Duration::from_secs(2), replies.read_line());
            print!("reply: {}", String::from_utf8_lossy(&reply.await??));
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
