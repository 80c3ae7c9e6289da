//! The robustness battery: attacks on boom and on weft's examples, each
//! with the figures it holds now, as a Markdown table and details.
//!
//! `cargo build --release -p boom -p weft -p weft-bench --examples --bins`,
//! then `target/release/attack all` (see `--help`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft_bench::args::{number, seconds};
use weft_bench::attack::outcome::table;
use weft_bench::attack::{ATTACKS, Context, Outcome};
use weft_bench::{machine_description, pin_to_core, raise_fd_limit};

/// The open files this program may hold: the machine's hard limit, which
/// the largest attacks stay under.
const FD_LIMIT: u64 = 20_000;

fn usage() -> String {
    let mut text = String::from(
        "usage: attack [all | ATTACK...] [options]

Runs the attacks named (all of them with `all`, the default) against the
release binaries of boom and weft's examples, and prints a Markdown table
of what each costs others and what the server does about it.

attacks:
",
    );
    for attack in ATTACKS {
        text.push_str(&format!("  {:<14} {}\n", attack.name, attack.summary));
    }
    text.push_str(
        "
options:
  --scale F           multiply every count of connections by F (1; 0.1 for a quick run)
  --join-timeout S    give boom --join-timeout S for the slowloris (default: boom's, 60 s)
  --window S          seconds an observer measures, without and during an attack (10)
  --bin-dir DIR       where the release binaries are (the directory of this program)
  --server-core N     core the servers are pinned to (0)
  --client-core N     core the attackers and observers run on (1)
",
    );
    text
}

fn parse() -> Result<(Vec<&'static str>, Context), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut context = Context {
        bin_dir: exe.parent().map(PathBuf::from).unwrap_or_default(),
        scale: 1.0,
        join_timeout: None,
        window: Duration::from_secs(10),
        server_core: 0,
        client_core: 1,
    };
    let mut chosen = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "all" => chosen.extend(ATTACKS.iter().map(|a| a.name)),
            "--scale" => {
                context.scale = number(&arg, &value(&arg)?)?;
                if !(context.scale > 0.0 && context.scale <= 1.0) {
                    return Err("--scale must be in (0, 1]".into());
                }
            }
            "--join-timeout" => context.join_timeout = Some(number(&arg, &value(&arg)?)?),
            "--window" => context.window = seconds(&arg, &value(&arg)?)?,
            "--bin-dir" => context.bin_dir = PathBuf::from(value(&arg)?),
            "--server-core" => context.server_core = number(&arg, &value(&arg)?)?,
            "--client-core" => context.client_core = number(&arg, &value(&arg)?)?,
            "-h" | "--help" => {
                print!("{}", usage());
                std::process::exit(0);
            }
            name => match ATTACKS.iter().find(|a| a.name == name) {
                Some(attack) => chosen.push(attack.name),
                None => return Err(format!("unknown attack or option: {name}")),
            },
        }
    }
    if chosen.is_empty() {
        chosen.extend(ATTACKS.iter().map(|a| a.name));
    }
    chosen.dedup();
    Ok((chosen, context))
}

fn main() -> ExitCode {
    let (chosen, context) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("attack: {message}");
            eprint!("{}", usage());
            return ExitCode::from(2);
        }
    };
    for binary in ["boom", "examples/echo", "examples/chat"] {
        if !context.binary(binary).exists() {
            eprintln!(
                "attack: {} is missing: build it with `cargo build --release -p boom -p weft --examples --bins`",
                context.binary(binary).display()
            );
            return ExitCode::FAILURE;
        }
    }
    let machine = machine_description();
    if let Err(e) = raise_fd_limit(FD_LIMIT) {
        eprintln!("attack: cannot raise the open-files limit: {e}");
    }
    // Every thread started from here on (attackers, observers) runs on the
    // client core.
    if let Err(e) = pin_to_core(context.client_core) {
        eprintln!("attack: cannot pin to core {}: {e}", context.client_core);
    }
    let command: Vec<String> = std::env::args().skip(1).collect();
    println!("# Robustness battery\n");
    println!("{machine}");
    println!("command: `target/release/attack {}`\n", command.join(" "));
    let mut outcomes: Vec<Outcome> = Vec::new();
    let began = Instant::now();
    for name in chosen {
        let attack = ATTACKS
            .iter()
            .find(|a| a.name == name)
            .expect("a known attack");
        eprintln!("== {}: {}", attack.name, attack.summary);
        let started = Instant::now();
        let results = (attack.run)(&context).unwrap_or_else(|error| {
            let mut failed = Outcome::new(attack.name);
            failed.check(
                true,
                format!("the attack could not run to its end: {error}"),
            );
            vec![failed]
        });
        for outcome in &results {
            eprintln!("{}", outcome.details_markdown());
        }
        eprintln!(
            "== {} done in {:.0} s\n",
            attack.name,
            started.elapsed().as_secs_f64()
        );
        outcomes.extend(results);
    }
    println!("{}", table(&outcomes));
    println!("## Details\n");
    for outcome in &outcomes {
        println!("{}", outcome.details_markdown());
    }
    let failed = outcomes.iter().filter(|o| !o.held()).count();
    println!(
        "{} attacks in {:.0} s; defences that did not hold: {failed}",
        outcomes.len(),
        began.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
