//! Connects (giving up after 2 s), sends three lines one second apart,
//! prints each echoed line, and says so when the connection is refused.
//!
//! `cargo run -p weft --example echo_client -- tcp:host=localhost:port=9000:timeout=2`
use std::process::ExitCode;
use std::time::Duration;

use weft::time::Scheduler;

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp:localhost:9000:timeout=2".into());
    weft::react_main(|reactor| async move {
        let (mut reader, writer) = weft::streams::open_connection(&reactor, &endpoint)?.await?;
        for line in ["hello", "what a fine day", "goodbye"] {
            writer.write_all(format!("{line}\n").as_bytes()).await?;
            let echoed = reader.read_line().await?;
            print!("echoed: {}", String::from_utf8_lossy(&echoed));
            reactor.timers().sleep(Duration::from_secs(1)).await;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
