//! The TLS benchmark: weft's echo example over `ssl:` against tokio with
//! tokio-rustls (the `tokio-tls-echo` binary: the same rustls, the same
//! *ring* provider, the same configuration), side by side in one run,
//! the servers pinned to one core and the load generator to another (or
//! to several: `--client-cores`).
//!
//! `cargo build --release -p weft -p weft-bench --example echo --bins`, then
//! `cargo run --release -p weft-bench --bin tls-bench` (see `--help`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use rustls::ClientConfig;
use weft_bench::args::RunOptions;
use weft_bench::load::Measured;
use weft_bench::report::{self, Row};
use weft_bench::server::{Server, ServerSpec, built_programs, idle_memory_per_connection};
use weft_bench::{machine_description, pin_to_cores, raise_fd_limit, tls_load};

const USAGE: &str = "\
usage: tls-bench [options]

options:
  --rounds N         rounds over both servers; medians are reported (10)
  --duration SECS    measured seconds per load run (1)
  --warmup SECS      warm-up seconds before each load run (0.3)
  --connections N    connections of the request and streaming runs, and
                     handshakes in flight at once (50)
  --size BYTES       message size (512)
  --idle N           idle TLS connections for the memory figure, measured
                     once per server on a fresh process (10000; 0 skips it)
  --server-core N    core the servers are pinned to (0)
  --client-core N    core the load generator is pinned to (1)
  --client-cores LIST  cores of a load generator with a thread on each (such
                     as 8-15 or 8,9,10), the connections spread evenly over
                     them; --client-core N is the one-core case
";

/// Messages per write of the streaming client.
const STREAM_BATCH: usize = 32;

struct Options {
    run: RunOptions,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        run: RunOptions::with_rounds(10),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        if options.run.take(&arg, || value(&arg))? {
            continue;
        }
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    options.run.check()?;
    Ok(options)
}

fn main() -> ExitCode {
    weft_bench::args::run_command("tls-bench", USAGE, parse_options, run)
}

/// A certificate for `localhost` and its key, made for this run, in a
/// directory removed at the end.
struct Certificate {
    dir: PathBuf,
    certificate: PathBuf,
    key: PathBuf,
}

impl Certificate {
    fn new() -> Result<Certificate, Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("weft-tls-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
        let certificate = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&certificate, made.cert.pem())?;
        std::fs::write(&key, made.signing_key.serialize_pem())?;
        Ok(Certificate {
            dir,
            certificate,
            key,
        })
    }
}

impl Drop for Certificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// weft's echo over `ssl:` and tokio-rustls's, in that order.
fn server_specs(certificate: &Certificate) -> Result<Vec<ServerSpec>, Box<dyn std::error::Error>> {
    let [weft_echo, tokio_echo] = built_programs(
        ["examples/echo", "tokio-tls-echo"],
        "cargo build --release -p weft -p weft-bench --example echo --bins",
    )?;
    let (key, cert) = (
        certificate.key.display().to_string(),
        certificate.certificate.display().to_string(),
    );
    let ssl = format!("ssl:port=0:interface=127.0.0.1:privateKey={key}:certKey={cert}");
    Ok(vec![
        spec("weft", &weft_echo, &[&ssl]),
        spec("tokio-rustls", &tokio_echo, &["127.0.0.1:0", &key, &cert]),
    ])
}

fn spec(name: &str, program: &Path, args: &[&str]) -> ServerSpec {
    ServerSpec {
        name: name.to_owned(),
        program: PathBuf::from(program),
        args: args.iter().map(|a| a.to_string()).collect(),
        ..ServerSpec::default()
    }
}

/// The loads of one round, in the order they run.
#[derive(Clone, Copy)]
enum Load {
    Handshakes,
    RequestResponse,
    Streaming,
}

const LOADS: [Load; 3] = [Load::Handshakes, Load::RequestResponse, Load::Streaming];

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    println!("{}", machine_description());
    let certificate = Certificate::new()?;
    let config = tls_load::client_config(&certificate.certificate)?;
    let specs = server_specs(&certificate)?;
    let fd_limit = options.run.idle as u64 * 2 + 1024;
    let got = raise_fd_limit(fd_limit)?;
    if got < options.run.idle as u64 + 100 {
        return Err(format!("cannot open {} files (limit {got})", options.run.idle).into());
    }
    pin_to_cores(options.run.client_cores.cores())?;
    let mut servers = Vec::new();
    for spec in &specs {
        servers.push(Server::start(spec, options.run.server_core, fd_limit)?);
    }
    let measured = run_rounds(&servers, &specs, &config, options)?;
    for server in servers {
        server.stop()?;
    }
    let mut memory = Vec::new();
    if options.run.idle > 0 {
        for spec in &specs {
            let open = |address, count| tls_load::open_idle(address, &config, count);
            let kib = idle_memory_per_connection(
                spec,
                options.run.server_core,
                fd_limit,
                options.run.idle,
                open,
            )
            .map_err(|e| format!("{} (idle connections): {e}", spec.name))?;
            eprintln!("{:>14}: {kib:.2} KiB per idle TLS connection", spec.name);
            memory.push(kib);
        }
    }
    print_table(&specs, &measured, &memory, options);
    Ok(())
}

/// Per load, per server, the runs of every round.
type Runs = Vec<Vec<Vec<Measured>>>;

fn run_rounds(
    servers: &[Server],
    specs: &[ServerSpec],
    config: &Arc<ClientConfig>,
    options: &Options,
) -> Result<Runs, Box<dyn std::error::Error>> {
    let mut runs: Runs = LOADS
        .iter()
        .map(|_| specs.iter().map(|_| Vec::new()).collect())
        .collect();
    for round in 1..=options.run.rounds {
        let order = weft_bench::round_order(specs.len(), round);
        for (load_index, &load) in LOADS.iter().enumerate() {
            for &index in &order {
                let measured = run_load(load, &servers[index], config, options)
                    .map_err(|e| format!("{}: {e}", specs[index].name))?;
                eprintln!(
                    "round {round} {:>12}: {} (server {:>3.0}% of a core, load generator {:>3.0}% per core)",
                    specs[index].name,
                    describe(load, &measured),
                    measured.server_load(),
                    measured.client_load_per_core(options.run.client_cores.len()),
                );
                runs[load_index][index].push(measured);
            }
        }
    }
    Ok(runs)
}

fn describe(load: Load, measured: &Measured) -> String {
    match load {
        Load::Handshakes => format!("{:>8.0} handshakes/s", measured.rate()),
        Load::RequestResponse => format!("{:>8.0} req/s", measured.rate()),
        Load::Streaming => format!(
            "{:>8.1} MiB/s, {:.2} ms server CPU/MiB",
            measured.mib_per_second(),
            measured.server_cpu_ms_per_mib()
        ),
    }
}

fn run_load(
    load: Load,
    server: &Server,
    config: &Arc<ClientConfig>,
    options: &Options,
) -> std::io::Result<Measured> {
    let run = options.run.against(server.address, server.pid());
    match load {
        Load::Handshakes => tls_load::handshakes(&run, config, options.run.connections),
        Load::RequestResponse => {
            tls_load::request_response(&run, config, options.run.connections, options.run.size)
        }
        Load::Streaming => tls_load::streaming(
            &run,
            config,
            options.run.connections,
            options.run.size,
            STREAM_BATCH,
        ),
    }
}

fn print_table(specs: &[ServerSpec], runs: &Runs, memory: &[f64], options: &Options) {
    let columns: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let ratio_names = vec![format!("{} / {}", columns[0], columns[1])];
    let row = |metric: String, figure: &dyn Fn(&Measured) -> f64, load: usize, decimals| {
        let per_server: Vec<Vec<f64>> = runs[load]
            .iter()
            .map(|r| r.iter().map(figure).collect())
            .collect();
        Row {
            metric,
            values: per_server.iter().map(|v| report::median(v)).collect(),
            ratios: vec![report::paired_ratio(&per_server[0], &per_server[1])],
            decimals,
        }
    };
    let mut rows = vec![
        row(
            format!("full handshakes/s ({} at a time)", options.run.connections),
            &Measured::rate,
            0,
            0,
        ),
        row(
            format!(
                "{}-byte requests/s ({} connections)",
                options.run.size, options.run.connections
            ),
            &Measured::rate,
            1,
            0,
        ),
        row("streaming MiB/s".into(), &Measured::mib_per_second, 2, 1),
        row(
            "server CPU ms per MiB streamed".into(),
            &Measured::server_cpu_ms_per_mib,
            2,
            2,
        ),
    ];
    if memory.len() == specs.len() {
        rows.push(Row {
            metric: format!(
                "resident KiB per idle TLS connection ({})",
                options.run.idle
            ),
            values: memory.iter().map(|m| Some(*m)).collect(),
            ratios: vec![report::paired_ratio(&memory[..1], &memory[1..])],
            decimals: 2,
        });
    }
    println!("\n{}", report::table(&columns, &ratio_names, &rows));
}
