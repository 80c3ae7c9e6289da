//! Reading the numbers of a command line, for the binaries of this crate.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use crate::cores::CoreList;
use crate::generator::Run;
use crate::load::Window;

/// The options every side-by-side run of servers takes (`bench`,
/// `tls-bench`): how many rounds, how long each load runs, its
/// connections and message size, the idle connections of the memory
/// figure, the core of the servers and the cores of the load generator.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Rounds over all servers; medians are reported.
    pub rounds: usize,
    /// Warm-up and measured time of each load run.
    pub window: Window,
    /// Connections of the loads.
    pub connections: usize,
    /// Message size, bytes.
    pub size: usize,
    /// Idle connections for the memory figure.
    pub idle: usize,
    /// The core the servers are pinned to.
    pub server_core: usize,
    /// The cores of the load generator: one thread on each, the
    /// connections spread evenly over them.
    pub client_cores: CoreList,
}

impl RunOptions {
    /// The defaults, with `rounds` rounds.
    pub fn with_rounds(rounds: usize) -> Self {
        RunOptions {
            rounds,
            window: Window {
                warmup: Duration::from_millis(300),
                measure: Duration::from_millis(1000),
            },
            connections: 50,
            size: 512,
            idle: 10_000,
            server_core: 0,
            client_cores: CoreList::one(1),
        }
    }

    /// A load run against the server at `address`, process `server_pid`,
    /// with these options' window and load generator cores.
    pub fn against(&self, address: SocketAddr, server_pid: u32) -> Run<'_> {
        Run {
            address,
            server_pid,
            window: self.window,
            cores: self.client_cores.cores(),
        }
    }

    /// Takes `arg` if it is one of these options, its value from
    /// `value`: `Ok(true)` when taken, `Ok(false)` when `arg` is another
    /// option, an error naming a bad value.
    pub fn take(
        &mut self,
        arg: &str,
        value: impl FnOnce() -> Result<String, String>,
    ) -> Result<bool, String> {
        match arg {
            "--rounds" => self.rounds = number(arg, &value()?)?,
            "--duration" => self.window.measure = seconds(arg, &value()?)?,
            "--warmup" => self.window.warmup = seconds(arg, &value()?)?,
            "--connections" => self.connections = number(arg, &value()?)?,
            "--size" => self.size = number(arg, &value()?)?,
            "--idle" => self.idle = number(arg, &value()?)?,
            "--server-core" => self.server_core = number(arg, &value()?)?,
            "--client-core" => self.client_cores = CoreList::one(number(arg, &value()?)?),
            "--client-cores" => self.client_cores = cores(arg, &value()?)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Refuses counts that would measure nothing, and a load generator
    /// thread without a connection.
    pub fn check(&self) -> Result<(), String> {
        if self.rounds == 0 || self.connections == 0 || self.size == 0 {
            return Err("--rounds, --connections and --size must be positive".into());
        }
        if self.connections < self.client_cores.len() {
            return Err(format!(
                "--connections {} is fewer than the {} load generator threads of --client-cores {}: \
                 each thread needs a connection",
                self.connections,
                self.client_cores.len(),
                self.client_cores
            ));
        }
        Ok(())
    }
}

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

/// `text` as the list of cores option `name` takes (`8-15`, `8,9,10`), or
/// a message naming both and what is wrong.
pub fn cores(name: &str, text: &str) -> Result<CoreList, String> {
    text.parse().map_err(|e| format!("{name}: {e}: {text}"))
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

    #[test]
    fn run_options_take_their_own_and_leave_the_rest() {
        let mut run = RunOptions::with_rounds(20);
        assert_eq!(run.take("--rounds", || Ok("3".into())), Ok(true));
        assert_eq!(run.take("--warmup", || Ok("0.5".into())), Ok(true));
        assert_eq!(run.take("--servers", || panic!("not read")), Ok(false));
        assert_eq!(
            (run.rounds, run.window.warmup),
            (3, Duration::from_millis(500))
        );
        assert!(
            run.take("--size", || Err("--size needs a value".into()))
                .is_err()
        );
        run.connections = 0;
        assert!(run.check().is_err());
    }

    #[test]
    fn client_cores_take_a_list_or_one_core() {
        let mut run = RunOptions::with_rounds(1);
        assert_eq!(run.client_cores.cores(), [1]);
        assert_eq!(run.take("--client-cores", || Ok("8-11".into())), Ok(true));
        assert_eq!(run.client_cores.cores(), [8, 9, 10, 11]);
        assert_eq!(run.take("--client-cores", || Ok("0,1".into())), Ok(true));
        assert_eq!(run.client_cores.cores(), [0, 1]);
        assert_eq!(run.take("--client-core", || Ok("3".into())), Ok(true));
        assert_eq!(run.client_cores.cores(), [3]);
        assert_eq!(run.check(), Ok(()));
    }

    #[test]
    fn a_bad_list_of_client_cores_is_named() {
        let mut run = RunOptions::with_rounds(1);
        assert_eq!(
            run.take("--client-cores", || Ok("15-8".into())),
            Err("--client-cores: the range `15-8` goes backwards: 15-8".into())
        );
        let error = run.take("--client-cores", || Ok("8,x".into())).unwrap_err();
        assert!(
            error.starts_with("--client-cores: `x` is not a core number"),
            "{error}"
        );
        assert_eq!(
            run.client_cores.cores(),
            [1],
            "a refused list changes nothing"
        );
    }

    #[test]
    fn every_load_generator_thread_needs_a_connection() {
        let mut run = RunOptions::with_rounds(1);
        run.client_cores = "8-15".parse().unwrap();
        run.connections = 4;
        let error = run.check().unwrap_err();
        assert!(
            error.contains("--connections 4 is fewer than the 8 load generator threads"),
            "{error}"
        );
        run.connections = 8;
        assert_eq!(run.check(), Ok(()));
    }
}
