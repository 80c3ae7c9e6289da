//! Prints what a QOTD server sends, and exits 0 when it closes the
//! connection; exits 1 with a one-line reason when the connect fails.
//!
//! `cargo run -p weft --example qotd_client -- tcp:host=localhost:port=17:timeout=5`
use std::io::Write;
use std::process::ExitCode;

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp:localhost:17".into());
    let outcome = weft::react(|reactor| async move {
        let (mut quote, _) = weft::streams::open_connection(&reactor, &endpoint)?.await?;
        loop {
            let data = quote.read(4096).await?;
            if data.is_empty() {
                return Ok::<_, Failure>(());
            }
            std::io::stdout().write_all(&data)?;
        }
    });
    match outcome.map_err(Failure::from).and_then(|done| done) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qotd_client: {error}");
            ExitCode::FAILURE
        }
    }
}
