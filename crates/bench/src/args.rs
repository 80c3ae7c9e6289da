//! Reading the numbers of a command line, for the binaries of this crate.

use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

/// The `main` of a benchmark command called `program`: `parse` reads its
/// options (an empty error asks for `usage` alone, after `-h`), then `run`
/// runs. Exit code 2 with the usage for a bad command line, 1 for a run
/// that failed (the error on standard error), 0 otherwise.
pub fn run_command<O>(
    program: &str,
    usage: &str,
    parse: impl FnOnce() -> Result<O, String>,
    run: impl FnOnce(&O) -> Result<(), Box<dyn std::error::Error>>,
) -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{program}: {message}");
            }
            eprint!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `text` as the number option `name` takes, or a message naming both.
pub fn number<T: FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: not a number: {text}"))
}

/// `text` as a number of seconds (fractions allowed) for option `name`.
pub fn seconds(name: &str, text: &str) -> Result<Duration, String> {
    let secs: f64 = number(name, text)?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_seconds_name_the_option_when_wrong() {
        assert_eq!(number::<u32>("--rounds", "20"), Ok(20));
        assert_eq!(
            number::<u32>("--rounds", "x"),
            Err("--rounds: not a number: x".into())
        );
        assert_eq!(seconds("--window", "0.5"), Ok(Duration::from_millis(500)));
        assert!(seconds("--window", "-1").is_err());
    }
}
