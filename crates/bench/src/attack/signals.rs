//! SIGTERM and SIGINT while boom serves a crowd: 5,000 players who read,
//! then 1,000 stuck clients (they never read, their buffers are full, and
//! the stall limit has not dropped them yet). boom tells every player the
//! server is going down, restores their terminals, and exits with status
//! 0; a goodbye that cannot be delivered must not hold the exit up.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::crowd::{Crowd, Plan};
use super::non_readers::never_reading;
use super::outcome::count;
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::telnet;
use super::{Context, Error, Outcome};

/// An exit later than this after the signal is late.
const EXIT_BOUND: Duration = Duration::from_secs(10);
/// Clients whose server send queues hold this much on average are stuck
/// (a queue holds about 128 KiB once full).
const STUCK_QUEUE: u64 = 64 * 1024;
/// The longest wait for the stuck clients' queues to fill (the stall
/// limit drops them 10 s after they do).
const FILL_BOUND: Duration = Duration::from_secs(20);
/// What players are told.
const GOING_DOWN: &[u8] = b"going down";

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let players = context.count(5000, 20);
    let stuck = context.count(1000, 10);
    let reading = Plan {
        hello: telnet::stock_client(),
        read: true,
        ..Plan::default()
    };
    // A small receive buffer fills in seconds: the server's send queues
    // fill next, well before the stall limit drops anyone.
    let not_reading = never_reading(4096);
    let mut outcomes = Vec::new();
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        let case = Case {
            signal,
            name: format!("{name} with {} players", count(players)),
            clients: players,
            plan: reading.clone(),
            reading: true,
            wait: Duration::from_secs(1),
        };
        outcomes.push(shut_down(context, case)?);
    }
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        let case = Case {
            signal,
            name: format!(
                "{name} with {} stuck clients (not reading, buffers full)",
                count(stuck)
            ),
            clients: stuck,
            plan: not_reading.clone(),
            reading: false,
            wait: Duration::ZERO,
        };
        outcomes.push(shut_down(context, case)?);
    }
    Ok(outcomes)
}

struct Case {
    signal: libc::c_int,
    name: String,
    clients: usize,
    plan: Plan,
    /// Whether the clients read (and so should hear the goodbye).
    reading: bool,
    /// How long after everyone connected (and, for clients that do not
    /// read, the server's send queues to them filled) the signal comes.
    wait: Duration,
}

fn shut_down(context: &Context, case: Case) -> Result<Outcome, Error> {
    let mut outcome = Outcome::new(case.name);
    let mut target = Target::boom(context, 8, &[], FD_LIMIT)?;
    target.sampler.watch_port(target.address().port());
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(case.clients, case.plan);
    let connected = crowd.wait_connected(case.clients, Duration::from_secs(120));
    if case.reading {
        crowd.wait_until(Duration::from_secs(60), |m| {
            m.iter()
                .filter(|m| m.connected.is_some())
                .all(|m| m.first_byte.is_some())
        });
    }
    let filling = Instant::now();
    if !case.reading {
        // Stuck: the server's send queue to each is (nearly) full.
        while filling.elapsed() < FILL_BOUND {
            let queued = target.sample()?.port.unwrap_or_default().send_bytes;
            if queued >= STUCK_QUEUE * connected as u64 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    std::thread::sleep(case.wait);
    let at_signal = target.sample()?;
    let queued = at_signal.port.unwrap_or_default();
    let sent = Instant::now();
    target.server.signal(case.signal)?;
    let status = target.server.wait_exit(EXIT_BOUND * 3)?;
    let took = sent.elapsed();
    crowd.wait_until(Duration::from_secs(5), |m| {
        m.iter().all(|m| m.ended.is_some())
    });
    let told = crowd.count(|m| m.heard(GOING_DOWN));
    let ended = crowd.count(|m| m.ended.is_some());
    outcome.drop_time = Some(match status {
        Some(status) => format!("exit in {:.2} s, {}", took.as_secs_f64(), describe(status)),
        None => format!("still running {:.0} s after the signal", took.as_secs_f64()),
    });
    outcome.detail(format!(
        "{} clients connected; the signal came {:.1} s after they all had; server RSS then {:.1} MiB, {} descriptors, {} KiB in its send queues ({:.0} KiB per client)",
        count(connected),
        (sent - filling).as_secs_f64(),
        at_signal.rss_kib as f64 / 1024.0,
        at_signal.fds,
        queued.send_bytes / 1024,
        queued.send_bytes as f64 / 1024.0 / connected.max(1) as f64
    ));
    outcome.detail(format!(
        "connections closed: {} of {}; told the server is going down: {}",
        count(ended),
        count(connected),
        count(told)
    ));
    outcome.check(
        status.is_none(),
        format!("the server had not exited {took:?} after the signal"),
    );
    outcome.check(
        status.is_some_and(|s| s.code() != Some(0)),
        format!(
            "the server exited with {}",
            status.map_or("?".into(), describe)
        ),
    );
    outcome.check(
        status.is_some() && took > EXIT_BOUND,
        format!("the server took {took:?} to exit"),
    );
    outcome.check(
        case.reading && told < connected,
        format!("{} reading players were not told", connected - told),
    );
    Ok(outcome)
}

/// "status 0", "killed by signal 9".
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => "an unknown status".into(),
    }
}
