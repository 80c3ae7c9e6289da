//! Prints what a QOTD server sends, and exits 0 when it closes the
//! connection; exits 1 with a one-line reason when the connect fails.
//!
//! `cargo run -p weft --example qotd_client -- tcp:host=localhost:port=17:timeout=5`
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp:localhost:17".into());
    weft::react_main(|reactor| async move {
        let (mut quote, _) = weft::streams::open_connection(&reactor, &endpoint)?.await?;
        loop {
            let data = quote.read(4096).await?;
            if data.is_empty() {
                return Ok::<_, Box<dyn std::error::Error>>(());
            }
            std::io::stdout().write_all(&data)?;
        }
    })
}
