//! Reading the numbers of a command line, for the binaries of this crate.

use std::str::FromStr;
use std::time::Duration;

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
