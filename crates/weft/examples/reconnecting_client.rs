//! Keeps a line connection up, sends `ping N` once a second and prints
//! each line the server sends back; when the server goes away it
//! reconnects with back-off and carries on counting.
//!
//! `cargo run -p weft --example reconnecting_client -- tcp:host=localhost:port=9000`
use std::time::Duration;

use weft::client::ClientService;
use weft::protocols::LineReceiver;
use weft::time::Scheduler;

struct PrintLines;

impl weft::Protocol for PrintLines {
    fn data_received(&mut self, line: &[u8]) {
        println!("{}", String::from_utf8_lossy(line));
    }
}

fn main() -> std::process::ExitCode {
    let endpoint = std::env::args().nth(1).unwrap_or_default();
    weft::react_main(|reactor| async move {
        let service = ClientService::start(&reactor, &endpoint, || LineReceiver::new(PrintLines))?;
        for n in 1.. {
            let connected = service.when_connected().await?;
            let ping = format!("ping {n}\r\n");
            connected.transport().write(ping.as_bytes());
            reactor.timers().sleep(Duration::from_secs(1)).await;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
