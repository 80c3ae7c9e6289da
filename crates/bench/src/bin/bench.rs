//! The benchmark: weft's echo example (and its async-streams twin) against
//! a plain tokio echo server (and Twisted and uvloop when importable), side
//! by side in one run, plus timers scheduled and cancelled per second, and
//! tasks, timeouts and cross-thread wakes against tokio's current-thread
//! runtime with a `LocalSet`.
//!
//! `cargo build --release -p weft -p weft-bench --example echo --bins`, then
//! `cargo run --release -p weft-bench --bin bench -- all` (see `--help`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use weft_bench::args::{RunOptions, number, seconds};
use weft_bench::load::{self, Measured};
use weft_bench::report::{self, Row};
use weft_bench::server::{Server, ServerSpec, built_programs, idle_memory_per_connection};
use weft_bench::tasks::{self, Runtime};
use weft_bench::timers::{self, Implementation, Pattern};
use weft_bench::{machine_description, pin_to_core, pin_to_cores, raise_fd_limit};

const USAGE: &str = "\
usage: bench [all|echo|timers|async|udp|scaling] [options]

  all       echo servers, then timers, then async (the default)
  echo      echo servers only
  timers    timers only
  async     tasks spawned, timeouts set and cancelled, cross-thread wakes
  udp       UDP echo: weft's udp_echo against tokio's UdpSocket, datagrams/s
            (--connections sockets, one --size datagram in flight each)
  scaling   weft's echo on a pool of 1, 2 … reactors against tokio's
            multi-thread runtime with as many workers (request/response)

options:
  --rounds N         rounds over all servers; medians are reported (20)
  --duration SECS    measured seconds per load run (1)
  --warmup SECS      warm-up seconds before each load run (0.3)
  --connections N    connections of the request and streaming runs (50)
  --size BYTES       message size (512)
  --idle N           idle connections for the memory figure, measured once
                     per server on a fresh process (10000; 0 skips it)
  --servers LIST     comma-separated among weft,tokio-4k,tokio-64k,weft-streams,
                     twisted,uvloop
                     (default: all; Python ones only when importable)
  --loads LIST       comma-separated among request,streaming (both)
  --server-core N    core the servers (and the timer runs) are pinned to (0)
  --client-core N    core the load generator is pinned to (1)
  --client-cores LIST  cores of a load generator with a thread on each (such
                     as 8-15 or 8,9,10), the connections spread evenly over
                     them; --client-core N is the one-core case
  --timer-secs SECS  seconds per timer measurement (0.3)
  --threads LIST     scaling: comma-separated reactor (worker) counts (1,2);
                     the servers of count N run on cores 0 to N-1
  --balanced         scaling: also weft's pool with one acceptor handing each
                     connection to the reactor with the fewest (echo
                     --balanced) instead of SO_REUSEPORT
";

/// Messages per write of the streaming client.
const STREAM_BATCH: usize = 32;

#[derive(Clone)]
struct Options {
    run: RunOptions,
    echo: bool,
    timers: bool,
    udp: bool,
    tasks: bool,
    /// Reactor counts of the scaling run, if that is what runs.
    scaling: Option<Vec<usize>>,
    /// The scaling run also measures weft's pool with one acceptor.
    balanced: bool,
    servers: Option<Vec<String>>,
    loads: Vec<Load>,
    timer_time: Duration,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        echo: true,
        timers: true,
        udp: false,
        tasks: true,
        scaling: None,
        balanced: false,
        run: RunOptions::with_rounds(20),
        servers: None,
        loads: vec![Load::RequestResponse, Load::Streaming],
        timer_time: Duration::from_millis(300),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        if options.run.take(&arg, || value(&arg))? {
            continue;
        }
        match arg.as_str() {
            "all" => (options.echo, options.timers, options.tasks) = (true, true, true),
            "echo" => (options.echo, options.timers, options.tasks) = (true, false, false),
            "timers" => (options.echo, options.timers, options.tasks) = (false, true, false),
            "async" => (options.echo, options.timers, options.tasks) = (false, false, true),
            "udp" => {
                (options.echo, options.timers, options.tasks, options.udp) =
                    (false, false, false, true)
            }
            "scaling" => {
                (options.echo, options.timers, options.tasks) = (false, false, false);
                options.scaling.get_or_insert_with(|| vec![1, 2]);
            }
            "--threads" => {
                options.scaling = Some(
                    value(&arg)?
                        .split(',')
                        .map(|n| number(&arg, n))
                        .collect::<Result<_, _>>()?,
                )
            }
            "--balanced" => options.balanced = true,
            "--servers" => {
                options.servers = Some(value(&arg)?.split(',').map(str::to_owned).collect())
            }
            "--loads" => {
                options.loads = value(&arg)?
                    .split(',')
                    .map(|name| match name {
                        "request" => Ok(Load::RequestResponse),
                        "streaming" => Ok(Load::Streaming),
                        other => Err(format!("unknown load: {other}")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--timer-secs" => options.timer_time = seconds(&arg, &value(&arg)?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    options.run.check()?;
    Ok(options)
}

fn main() -> ExitCode {
    weft_bench::args::run_command("bench", USAGE, parse_options, run)
}

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    println!("{}", machine_description());
    if options.echo {
        echo_benchmark(options)?;
    }
    if options.timers {
        timer_benchmark(options)?;
    }
    if options.udp {
        udp_benchmark(options)?;
    }
    if options.tasks {
        async_benchmark(options)?;
    }
    if let Some(counts) = &options.scaling {
        scaling_benchmark(options, counts)?;
    }
    Ok(())
}

/// The servers to compare, in the order they run. The first two are
/// weft and tokio with a 4 KiB buffer: the ratios are taken against them.
fn server_specs(options: &Options) -> Result<Vec<ServerSpec>, Box<dyn std::error::Error>> {
    let [weft_echo, tokio_echo, stream_echo] = built_programs(
        ["examples/echo", "tokio-echo", "weft-stream-echo"],
        "cargo build --release -p weft -p weft-bench --example echo --bins",
    )?;
    let python_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut specs = vec![
        spec("weft", &weft_echo, &["tcp:port=0:interface=127.0.0.1"]),
        spec("tokio 4 KiB", &tokio_echo, &["127.0.0.1:0"]),
        spec(
            "tokio 64 KiB",
            &tokio_echo,
            &["127.0.0.1:0", "--buffer", "65536"],
        ),
        spec(
            "weft streams",
            &stream_echo,
            &["tcp:port=0:interface=127.0.0.1"],
        ),
    ];
    let keys = ["weft", "tokio-4k", "tokio-64k", "weft-streams"];
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
        ..ServerSpec::default()
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

/// A table row from per-round samples (`samples[column][round]`), with the
/// paired ratios of the `(numerator, denominator)` columns of `ratios`.
fn row(metric: String, samples: &[Vec<f64>], ratios: &[(usize, usize)], decimals: usize) -> Row {
    Row {
        metric,
        values: samples.iter().map(|s| report::median(s)).collect(),
        ratios: ratios
            .iter()
            .map(|&(n, d)| report::paired_ratio(&samples[n], &samples[d]))
            .collect(),
        decimals,
    }
}

/// The two load runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    RequestResponse,
    Streaming,
}

fn echo_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let specs = server_specs(options)?;
    let fd_limit = (options.run.idle as u64 * 2 + 1024).max(65_536);
    let got = raise_fd_limit(fd_limit)?;
    if got < options.run.idle as u64 + 100 {
        return Err(format!("cannot open {} files (limit {got})", options.run.idle).into());
    }
    pin_to_cores(options.run.client_cores.cores())?;

    // Every server stays up (idle ones sleep in the poller) and the load
    // goes to one at a time, in short runs that alternate between them:
    // figures taken seconds apart see about the same background load.
    let mut servers = Vec::new();
    for spec in &specs {
        servers.push(Server::start(spec, options.run.server_core, fd_limit)?);
    }
    let [requests, streaming] = run_rounds(&servers, &specs, options)?;
    for server in servers {
        server.stop()?;
    }

    // Memory, on a fresh process each, so that buffers freed by the load
    // runs do not absorb the idle connections' allocations.
    let mut memory: Vec<Vec<f64>> = specs.iter().map(|_| Vec::new()).collect();
    if options.run.idle > 0 {
        for (spec, memory) in specs.iter().zip(&mut memory) {
            let kib = idle_memory_per_connection(
                spec,
                options.run.server_core,
                fd_limit,
                options.run.idle,
                load::open_idle,
            )
            .map_err(|e| format!("{} (idle connections): {e}", spec.name))?;
            eprintln!("{:>20}: {kib:.2} KiB per idle connection", spec.name);
            memory.push(kib);
        }
    }

    let samples = |runs: &[Vec<Measured>], f: &dyn Fn(&Measured) -> f64| -> Vec<Vec<f64>> {
        runs.iter().map(|r| r.iter().map(f).collect()).collect()
    };
    let mut ratio_names = Vec::new();
    let mut ratios = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        if spec.name.starts_with("tokio") && specs[0].name == "weft" {
            ratio_names.push(format!("weft / {}", spec.name));
            ratios.push((0, index));
        }
        if spec.name == "weft streams" && specs[0].name == "weft" {
            ratio_names.push("weft streams / weft".into());
            ratios.push((index, 0));
        }
    }
    let rows = vec![
        row(
            format!(
                "request/response, requests/s ({} conns × {} B)",
                options.run.connections, options.run.size
            ),
            &samples(&requests, &Measured::rate),
            &ratios,
            0,
        ),
        row(
            format!("streaming echo, MiB/s ({} conns)", options.run.connections),
            &samples(&streaming, &Measured::mib_per_second),
            &ratios,
            1,
        ),
        row(
            "server CPU per request, µs".into(),
            &samples(&requests, &cpu_micros_per_unit),
            &ratios,
            2,
        ),
        row(
            "server CPU per MiB streamed, ms".into(),
            &samples(&streaming, &Measured::server_cpu_ms_per_mib),
            &ratios,
            2,
        ),
        row(
            format!(
                "resident memory per idle connection, KiB ({} conns)",
                options.run.idle
            ),
            &memory,
            &ratios,
            2,
        ),
    ];
    let columns: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    println!(
        "\n### Echo servers (medians of {} rounds, ratios: median of the per-round ratios (interquartile range); \
         server on core {}, load on cores {})\n",
        options.run.rounds, options.run.server_core, options.run.client_cores
    );
    print!("{}", report::table(&columns, &ratio_names, &rows));
    Ok(())
}

/// weft's echo example on a pool of N reactors against tokio's
/// multi-thread runtime with N workers, for each N of `counts`: the
/// servers of count N run on cores 0 to N-1, the load generator on
/// `--client-cores` (where these are among the servers' cores, they share
/// them: a note says so, and so must a report).
fn scaling_benchmark(
    options: &Options,
    counts: &[usize],
) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the bench binary has no directory")?;
    let (weft_echo, tokio_echo) = (dir.join("examples").join("echo"), dir.join("tokio-echo"));
    let fd_limit = 65_536;
    raise_fd_limit(fd_limit)?;
    pin_to_cores(options.run.client_cores.cores())?;
    let mut specs = Vec::new();
    let mut servers = Vec::new();
    for &count in counts {
        let threads = count.to_string();
        let cores: Vec<usize> = (0..count).collect();
        let shared: Vec<String> = cores
            .iter()
            .filter(|core| options.run.client_cores.cores().contains(core))
            .map(usize::to_string)
            .collect();
        if !shared.is_empty() {
            eprintln!(
                "note: the servers ×{count} share core(s) {} with the load generator",
                shared.join(",")
            );
        }
        let endpoint = "tcp:port=0:interface=127.0.0.1";
        let mut of_count = vec![
            spec(
                &format!("weft ×{count}"),
                &weft_echo,
                &[endpoint, "--threads", &threads],
            ),
            spec(
                &format!("tokio ×{count}"),
                &tokio_echo,
                &["127.0.0.1:0", "--threads", &threads],
            ),
        ];
        if options.balanced {
            of_count.push(spec(
                &format!("weft balanced ×{count}"),
                &weft_echo,
                &[endpoint, "--threads", &threads, "--balanced"],
            ));
        }
        for spec in of_count {
            servers.push(Server::start_on(&spec, &cores, fd_limit)?);
            specs.push(spec);
        }
    }
    let scaled = Options {
        loads: vec![Load::RequestResponse],
        ..options.clone()
    };
    let [requests, _] = run_rounds(&servers, &specs, &scaled)?;
    for server in servers {
        server.stop()?;
    }
    // Ratios: weft against tokio at each count (and weft balanced against
    // both), then each against its own first count (the scaling). The
    // columns of count i are i * kinds.len() + kind.
    let mut kinds = vec!["weft", "tokio"];
    if options.balanced {
        kinds.push("weft balanced");
    }
    let column = |i: usize, kind: usize| i * kinds.len() + kind;
    let mut ratio_names = Vec::new();
    let mut ratios = Vec::new();
    for (i, &count) in counts.iter().enumerate() {
        ratio_names.push(format!("weft / tokio ×{count}"));
        ratios.push((column(i, 0), column(i, 1)));
        if options.balanced {
            ratio_names.push(format!("weft balanced / tokio ×{count}"));
            ratios.push((column(i, 2), column(i, 1)));
            ratio_names.push(format!("weft balanced / weft ×{count}"));
            ratios.push((column(i, 2), column(i, 0)));
        }
    }
    for (i, &count) in counts.iter().enumerate().skip(1) {
        for (kind, name) in kinds.iter().enumerate() {
            ratio_names.push(format!("{name} ×{count} / ×{}", counts[0]));
            ratios.push((column(i, kind), column(0, kind)));
        }
    }
    let samples = |f: &dyn Fn(&Measured) -> f64| -> Vec<Vec<f64>> {
        requests.iter().map(|r| r.iter().map(f).collect()).collect()
    };
    let rows = vec![
        row(
            format!(
                "request/response, requests/s ({} conns × {} B)",
                options.run.connections, options.run.size
            ),
            &samples(&Measured::rate),
            &ratios,
            0,
        ),
        row(
            "server CPU per request, µs".into(),
            &samples(&cpu_micros_per_unit),
            &ratios,
            2,
        ),
    ];
    let columns: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    println!(
        "\n### Scaling (medians of {} rounds, ratios: median of the per-round ratios (interquartile range); \
         servers of count N on cores 0..N-1, load on cores {})\n",
        options.run.rounds, options.run.client_cores
    );
    print!("{}", report::table(&columns, &ratio_names, &rows));
    Ok(())
}

/// Runs the loads against the servers, one at a time, in alternating
/// order, round after round; the measurements of each server, per load
/// (request/response first, then streaming).
fn run_rounds(
    servers: &[Server],
    specs: &[ServerSpec],
    options: &Options,
) -> Result<[Vec<Vec<Measured>>; 2], Box<dyn std::error::Error>> {
    let mut requests: Vec<Vec<Measured>> = specs.iter().map(|_| Vec::new()).collect();
    let mut streaming: Vec<Vec<Measured>> = specs.iter().map(|_| Vec::new()).collect();
    for round in 1..=options.run.rounds {
        let order = weft_bench::round_order(specs.len(), round);
        for &load in &options.loads {
            for &index in &order {
                let measured = run_load(load, &servers[index], options)
                    .map_err(|e| format!("{}: {e}", specs[index].name))?;
                let (figure, target) = match load {
                    Load::RequestResponse => (
                        format!(
                            "{:>8.0} req/s, {:>5.2} µs server CPU/req",
                            measured.rate(),
                            cpu_micros_per_unit(&measured)
                        ),
                        &mut requests[index],
                    ),
                    Load::Streaming => (
                        format!("{:>8.1} MiB/s", measured.mib_per_second()),
                        &mut streaming[index],
                    ),
                };
                eprintln!(
                    "round {round} {:>12}: {figure} (server {:>3.0}% of a core, load generator {:>3.0}% per core)",
                    specs[index].name,
                    measured.server_load(),
                    measured.client_load_per_core(options.run.client_cores.len()),
                );
                target.push(measured);
            }
        }
    }
    Ok([requests, streaming])
}

/// One load run against `server`.
fn run_load(load: Load, server: &Server, options: &Options) -> std::io::Result<Measured> {
    let run = options.run.against(server.address, server.pid());
    match load {
        Load::RequestResponse => {
            load::request_response(&run, options.run.connections, options.run.size)
        }
        Load::Streaming => load::streaming(
            &run,
            options.run.connections,
            options.run.size,
            STREAM_BATCH,
        ),
    }
}

fn cpu_micros_per_unit(measured: &Measured) -> f64 {
    measured.server_cpu.as_secs_f64() * 1e6 / measured.units as f64
}

/// weft's `udp_echo` example against `tokio-udp-echo`, both on the server
/// core, loaded in turn, round after round: datagrams echoed per second
/// and server CPU per datagram.
fn udp_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let [weft_echo, tokio_echo] = built_programs(
        ["examples/udp_echo", "tokio-udp-echo"],
        "cargo build --release -p weft -p weft-bench --example udp_echo --bins",
    )?;
    pin_to_cores(options.run.client_cores.cores())?;
    let (weft_at, tokio_at) = (load::free_udp_port()?, load::free_udp_port()?);
    let weft_endpoint = format!("udp:port={}:interface=127.0.0.1", weft_at.port());
    let specs = [
        ServerSpec {
            quiet_at: Some(weft_at),
            ..spec("weft", &weft_echo, &[&weft_endpoint])
        },
        ServerSpec {
            quiet_at: Some(tokio_at),
            ..spec("tokio UdpSocket", &tokio_echo, &[&tokio_at.to_string()])
        },
    ];
    let mut servers = Vec::new();
    for spec in &specs {
        let server = Server::start(spec, options.run.server_core, 1024)?;
        load::wait_for_datagram_echo(server.address, Duration::from_secs(10))
            .map_err(|e| format!("{}: {e}", spec.name))?;
        servers.push(server);
    }
    let mut runs: Vec<Vec<Measured>> = specs.iter().map(|_| Vec::new()).collect();
    for round in 1..=options.run.rounds {
        let order = weft_bench::round_order(specs.len(), round);
        for index in order {
            let server = &servers[index];
            let measured = load::datagram_echo(
                &options.run.against(server.address, server.pid()),
                options.run.connections,
                options.run.size,
            )
            .map_err(|e| format!("{}: {e}", specs[index].name))?;
            eprintln!(
                "round {round} {:>16}: {:>8.0} datagrams/s, {:>5.2} µs server CPU/datagram (server {:>3.0}% of a core, load generator {:>3.0}% per core)",
                specs[index].name,
                measured.rate(),
                cpu_micros_per_unit(&measured),
                measured.server_load(),
                measured.client_load_per_core(options.run.client_cores.len()),
            );
            runs[index].push(measured);
        }
    }
    for server in servers {
        server.stop()?;
    }
    let samples = |f: &dyn Fn(&Measured) -> f64| -> Vec<Vec<f64>> {
        runs.iter().map(|r| r.iter().map(f).collect()).collect()
    };
    let rows = vec![
        row(
            format!(
                "UDP echo, datagrams/s ({} sockets × {} B, one in flight each)",
                options.run.connections, options.run.size
            ),
            &samples(&Measured::rate),
            &[(0, 1)],
            0,
        ),
        row(
            "server CPU per datagram, µs".into(),
            &samples(&cpu_micros_per_unit),
            &[(0, 1)],
            2,
        ),
    ];
    let columns: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    println!(
        "\n### UDP echo (medians of {} rounds, ratios: median of the per-round ratios (interquartile range); \
         server on core {}, load on cores {})\n",
        options.run.rounds, options.run.server_core, options.run.client_cores
    );
    print!(
        "{}",
        report::table(&columns, &["weft / tokio UdpSocket".to_owned()], &rows)
    );
    Ok(())
}

fn timer_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let core = options.run.server_core;
    let time = options.timer_time;
    let rounds = options.run.rounds;
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
            rows.push(row(
                format!("{name}, timers/s"),
                &samples,
                &[(0, 1), (0, 2)],
                0,
            ));
        }
        Ok(rows)
    })
    .join()
    .map_err(|_| "the timer measurement panicked")??;
    let columns: Vec<String> = implementations.iter().map(|(_, n)| n.to_string()).collect();
    let ratio_names = [
        "weft / tokio sleep".into(),
        "weft / tokio DelayQueue".into(),
    ];
    println!(
        "\n### Timers scheduled + cancelled per second \
         (medians of {rounds} rounds, ratios: median of the per-round ratios (interquartile range); core {core})\n"
    );
    print!("{}", report::table(&columns, &ratio_names, &rows));
    Ok(())
}

/// Tasks spawned and completed, timeouts set and cancelled (per second),
/// and cross-thread wake-to-run latency, weft against tokio's
/// current-thread runtime with a `LocalSet`, alternating each round.
fn async_benchmark(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let (core, other) = (options.run.server_core, options.run.client_cores.cores()[0]);
    let time = options.timer_time;
    let rounds = options.run.rounds;
    let runtimes = [Runtime::Weft, Runtime::Tokio];
    let rows = std::thread::spawn(move || -> Result<Vec<Row>, String> {
        pin_to_core(core).map_err(|e| e.to_string())?;
        let mut spawned = vec![Vec::new(), Vec::new()];
        let mut timeouts = vec![Vec::new(), Vec::new()];
        let mut latency = vec![Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (column, runtime) in runtimes.iter().enumerate() {
                spawned[column].push(tasks::spawn_rate(*runtime, time));
                timeouts[column].push(tasks::timeout_rate(*runtime, time));
                latency[column].push(tasks::wake_latency(*runtime, time, core, other));
            }
        }
        Ok(vec![
            row(
                format!(
                    "tasks spawned and completed per second (batches of {})",
                    tasks::BATCH
                ),
                &spawned,
                &[(0, 1)],
                0,
            ),
            row(
                "timeouts set and cancelled per second".into(),
                &timeouts,
                &[(0, 1)],
                0,
            ),
            // A latency: the ratio is tokio's over weft's, so that above 1
            // means weft is faster, as in the other rows.
            row(
                "cross-thread wake to run, µs".into(),
                &latency,
                &[(1, 0)],
                2,
            ),
        ])
    })
    .join()
    .map_err(|_| "the async measurement panicked")??;
    let columns = vec!["weft".to_string(), "tokio LocalSet".to_string()];
    let ratio_names = vec!["weft / tokio (speed)".to_string()];
    println!(
        "\n### Async: tasks, timeouts, cross-thread wakes (medians of {rounds} rounds, ratios: median of \
         the per-round ratios (interquartile range); runtime on core {core}, waking thread on core {other})\n"
    );
    print!("{}", report::table(&columns, &ratio_names, &rows));
    Ok(())
}
