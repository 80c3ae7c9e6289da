//! The benchmark: weft's echo example against a plain tokio echo server
//! (and Twisted and uvloop when importable), side by side in one run, plus
//! timers scheduled and cancelled per second.
//!
//! `cargo build --release -p weft --example echo -p weft-bench`, then
//! `cargo run --release -p weft-bench --bin bench -- all` (see `--help`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use weft_bench::load::{self, Measured, Window};
use weft_bench::report::{self, Ratio, Row};
use weft_bench::server::{Server, ServerSpec};
use weft_bench::timers::{self, Implementation, Pattern};
use weft_bench::{pin_to_core, proc_stats, raise_fd_limit};

const USAGE: &str = "\
usage: bench [all|echo|timers] [options]

  all       echo servers, then timers (the default)
  echo      echo servers only
  timers    timers only

options:
  --rounds N         rounds over all servers; medians are reported (3)
  --duration SECS    measured seconds per load run (5)
  --warmup SECS      warm-up seconds before each load run (1)
  --connections N    connections of the request and streaming runs (50)
  --size BYTES       message size (512)
  --idle N           idle connections for the memory figure (10000)
  --servers LIST     comma-separated among weft,tokio-4k,tokio-64k,twisted,uvloop
                     (default: all; Python ones only when importable)
  --server-core N    core the servers (and the timer runs) are pinned to (0)
  --client-core N    core the load generator is pinned to (1)
  --timer-secs SECS  seconds per timer measurement (1)
";

/// Messages per write of the streaming client.
const STREAM_BATCH: usize = 32;

struct Options {
    echo: bool,
    timers: bool,
    rounds: usize,
    window: Window,
    connections: usize,
    size: usize,
    idle: usize,
    servers: Option<Vec<String>>,
    server_core: usize,
    client_core: usize,
    timer_time: Duration,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        echo: true,
        timers: true,
        rounds: 3,
        window: Window {
            warmup: Duration::from_secs(1),
            measure: Duration::from_secs(5),
        },
        connections: 50,
        size: 512,
        idle: 10_000,
        servers: None,
        server_core: 0,
        client_core: 1,
        timer_time: Duration::from_secs(1),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        fn number<T: std::str::FromStr>(name: &str, text: String) -> Result<T, String> {
            text.parse()
                .map_err(|_| format!("{name}: not a number: {text}"))
        }
        fn seconds(name: &str, text: String) -> Result<Duration, String> {
            let secs: f64 = number(name, text)?;
            Duration::try_from_secs_f64(secs).map_err(|e| format!("{name}: {e}"))
        }
        match arg.as_str() {
            "all" => (options.echo, options.timers) = (true, true),
            "echo" => (options.echo, options.timers) = (true, false),
            "timers" => (options.echo, options.timers) = (false, true),
            "--rounds" => options.rounds = number(&arg, value(&arg)?)?,
            "--duration" => options.window.measure = seconds(&arg, value(&arg)?)?,
            "--warmup" => options.window.warmup = seconds(&arg, value(&arg)?)?,
            "--connections" => options.connections = number(&arg, value(&arg)?)?,
            "--size" => options.size = number(&arg, value(&arg)?)?,
            "--idle" => options.idle = number(&arg, value(&arg)?)?,
            "--servers" => {
                options.servers = Some(value(&arg)?.split(',').map(str::to_owned).collect())
            }
            "--server-core" => options.server_core = number(&arg, value(&arg)?)?,
            "--client-core" => options.client_core = number(&arg, value(&arg)?)?,
            "--timer-secs" => options.timer_time = seconds(&arg, value(&arg)?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if options.rounds == 0 || options.connections == 0 || options.size == 0 {
        return Err("--rounds, --connections and --size must be positive".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bench: {message}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    println!("{}", machine_description());
    if options.echo {
        echo_benchmark(options)?;
    }
    if options.timers {
        timer_benchmark(options)?;
    }
    Ok(())
}

/// The servers to compare, in the order they run. The first two are
/// weft and tokio with a 4 KiB buffer: the ratios are taken against them.
fn server_specs(options: &Options) -> Result<Vec<ServerSpec>, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the bench binary has no directory")?;
    let weft_echo = dir.join("examples").join("echo");
    let tokio_echo = dir.join("tokio-echo");
    for program in [&weft_echo, &tokio_echo] {
        if !program.exists() {
            return Err(format!(
                "{} is missing: run `cargo build --release -p weft --example echo -p weft-bench` first",
                program.display()
            )
            .into());
        }
    }
    let python_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut specs = vec![
        spec("weft", &weft_echo, &["tcp:port=0:interface=127.0.0.1"]),
        spec("tokio 4 KiB", &tokio_echo, &["127.0.0.1:0"]),
        spec(
            "tokio 64 KiB",
            &tokio_echo,
            &["127.0.0.1:0", "--buffer", "65536"],
        ),
    ];
    let keys = ["weft", "tokio-4k", "tokio-64k"];
    let mut selected: Vec<(String, ServerSpec)> = keys
        .iter()
        .map(|k| k.to_string())
        .zip(specs.drain(..))
        .collect();
    for (key, module, script) in [
        ("twisted", "twisted", "twisted_echo.py"),
        ("uvloop", "uvloop", "uvloop_echo.py"),
    ] {
        if python_has(module) {
            let script = python_dir.join(script);
            let script = script.to_str().ok_or("non-UTF-8 path")?;
            let name = if key == "twisted" {
                "Twisted"
            } else {
                "uvloop"
            };
            selected.push((
                key.to_owned(),
                spec(name, Path::new("python3"), &[script, "127.0.0.1", "0"]),
            ));
        } else {
            eprintln!("note: python3 cannot import {module}; its server is left out");
        }
    }
    if let Some(wanted) = &options.servers {
        for key in wanted {
            if !selected.iter().any(|(k, _)| k == key) && !["twisted", "uvloop"].contains(&&**key) {
                return Err(format!("unknown server: {key}").into());
            }
        }
        selected.retain(|(key, _)| wanted.contains(key));
    }
    Ok(selected.into_iter().map(|(_, spec)| spec).collect())
}

fn spec(name: &str, program: &Path, args: &[&str]) -> ServerSpec {
    ServerSpec {
        name: name.to_owned(),
        program: PathBuf::from(program),
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// One round's figures for one server.
#[derive(Default)]
struct Figures {
    requests: Measured,
    streaming: Measured,
    idle_kib_per_connection: f64,
}

fn echo_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let specs = server_specs(options)?;
    let fd_limit = (options.idle as u64 * 2 + 1024).max(65_536);
    let got = raise_fd_limit(fd_limit)?;
    if got < options.idle as u64 + 100 {
        return Err(format!("cannot open {} files (limit {got})", options.idle).into());
    }
    pin_to_core(options.client_core)?;
    let mut results: Vec<Vec<Figures>> = specs.iter().map(|_| Vec::new()).collect();
    for round in 1..=options.rounds {
        for (spec, figures) in specs.iter().zip(&mut results) {
            let measured = measure_server(spec, options, fd_limit)?;
            eprintln!(
                "round {round} {:>13}: {:>9.0} req/s {:>8.1} MiB/s {:>6.2} µs CPU/req {:>6.2} KiB/idle conn",
                spec.name,
                measured.requests.rate(),
                mib_per_second(&measured.streaming),
                cpu_micros_per_unit(&measured.requests),
                measured.idle_kib_per_connection,
            );
            figures.push(measured);
        }
    }
    let column = |f: &dyn Fn(&Figures) -> f64| -> Vec<Option<f64>> {
        results
            .iter()
            .map(|rounds| report::median(&rounds.iter().map(f).collect::<Vec<_>>()))
            .collect()
    };
    let rows = vec![
        Row {
            metric: format!(
                "request/response, requests/s ({} conns × {} B)",
                options.connections, options.size
            ),
            values: column(&|f| f.requests.rate()),
            decimals: 0,
        },
        Row {
            metric: format!("streaming echo, MiB/s ({} conns)", options.connections),
            values: column(&|f| mib_per_second(&f.streaming)),
            decimals: 1,
        },
        Row {
            metric: "server CPU per request, µs".into(),
            values: column(&|f| cpu_micros_per_unit(&f.requests)),
            decimals: 2,
        },
        Row {
            metric: "server CPU per MiB streamed, ms".into(),
            values: column(&|f| {
                f.streaming.server_cpu.as_secs_f64() * 1e3 * 1_048_576.0 / f.streaming.units as f64
            }),
            decimals: 2,
        },
        Row {
            metric: format!(
                "resident memory per idle connection, KiB ({} conns)",
                options.idle
            ),
            values: column(&|f| f.idle_kib_per_connection),
            decimals: 2,
        },
    ];
    let columns: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let mut ratios = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        if spec.name.starts_with("tokio") && specs[0].name == "weft" {
            ratios.push(Ratio {
                name: format!("weft / {}", spec.name),
                numerator: 0,
                denominator: index,
            });
        }
    }
    println!(
        "\n### Echo servers (medians of {} rounds; server on core {}, load on core {})\n",
        options.rounds, options.server_core, options.client_core
    );
    print!("{}", report::table(&columns, &rows, &ratios));
    Ok(())
}

fn measure_server(
    spec: &ServerSpec,
    options: &Options,
    fd_limit: u64,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let label = |what: &str| format!("{} ({what})", spec.name);
    let server = Server::start(spec, options.server_core, fd_limit)?;
    let pid = server.pid();
    let requests = load::request_response(
        server.address,
        options.connections,
        options.size,
        options.window,
        pid,
    )
    .map_err(|e| format!("{}: {e}", label("request/response")))?;
    let streaming = load::streaming(
        server.address,
        options.connections,
        options.size,
        STREAM_BATCH,
        options.window,
        pid,
    )
    .map_err(|e| format!("{}: {e}", label("streaming")))?;
    server.stop()?;

    // Memory on a fresh process, so that buffers freed by the load runs
    // do not absorb the idle connections' allocations.
    let mut idle_kib_per_connection = f64::NAN;
    if options.idle > 0 {
        let server = Server::start(spec, options.server_core, fd_limit)?;
        let pid = server.pid();
        std::thread::sleep(Duration::from_millis(300));
        let before = proc_stats::rss_kib(pid)?;
        let streams = load::open_idle(server.address, options.idle)
            .map_err(|e| format!("{}: {e}", label("idle connections")))?;
        std::thread::sleep(Duration::from_millis(500));
        let after = proc_stats::rss_kib(pid)?;
        idle_kib_per_connection = after.saturating_sub(before) as f64 / options.idle as f64;
        drop(streams);
        std::thread::sleep(Duration::from_millis(200));
        server.stop()?;
    }
    Ok(Figures {
        requests,
        streaming,
        idle_kib_per_connection,
    })
}

fn mib_per_second(measured: &Measured) -> f64 {
    measured.rate() / 1_048_576.0
}

fn cpu_micros_per_unit(measured: &Measured) -> f64 {
    measured.server_cpu.as_secs_f64() * 1e6 / measured.units as f64
}

fn timer_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let core = options.server_core;
    let time = options.timer_time;
    let rounds = options.rounds;
    let implementations = [
        (Implementation::Weft, "weft"),
        (Implementation::TokioSleep, "tokio sleep"),
        (Implementation::TokioDelayQueue, "tokio DelayQueue"),
    ];
    let patterns = [
        (
            Pattern::Batch,
            format!("batch: schedule {}, cancel all", timers::LIVE),
        ),
        (
            Pattern::Churn,
            format!("churn: {} pending, cancel oldest + schedule", timers::LIVE),
        ),
    ];
    let rows = std::thread::spawn(move || -> Result<Vec<Row>, String> {
        pin_to_core(core).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        for (pattern, name) in patterns {
            let mut samples: Vec<Vec<f64>> = implementations.iter().map(|_| Vec::new()).collect();
            for _ in 0..rounds {
                for ((implementation, _), samples) in implementations.iter().zip(&mut samples) {
                    samples.push(timers::rate(*implementation, pattern, time));
                }
            }
            rows.push(Row {
                metric: format!("{name}, timers/s"),
                values: samples.iter().map(|s| report::median(s)).collect(),
                decimals: 0,
            });
        }
        Ok(rows)
    })
    .join()
    .map_err(|_| "the timer measurement panicked")??;
    let columns: Vec<String> = implementations.iter().map(|(_, n)| n.to_string()).collect();
    let ratios = [
        Ratio {
            name: "weft / tokio sleep".into(),
            numerator: 0,
            denominator: 1,
        },
        Ratio {
            name: "weft / tokio DelayQueue".into(),
            numerator: 0,
            denominator: 2,
        },
    ];
    println!(
        "\n### Timers scheduled + cancelled per second (medians of {rounds} rounds, core {core})\n"
    );
    print!("{}", report::table(&columns, &rows, &ratios));
    Ok(())
}

/// CPU model, core count and kernel, for the report.
fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "machine: {model}, {cores} cores (shared: figures are noisy, compare ratios), Linux {}",
        kernel.trim()
    )
}
