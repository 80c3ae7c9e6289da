//! Slowloris: connections that hold a place without playing. Each sends
//! one byte every 3 s that is neither a key nor telnet (a `z`), and reads
//! what it is sent (so that the stall limit, which drops clients that do
//! not read, plays no part). boom closes a connection that has pressed no
//! key and spoken no telnet within its join timeout (`--join-timeout`,
//! 60 s by default) with a message saying so.

use std::time::{Duration, Instant};

use super::crowd::{Crowd, Ending, Every, Plan};
use super::outcome::{Comparison, count, spread};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::{Context, Error, Outcome};

/// boom's default join timeout, in seconds.
const DEFAULT_JOIN_TIMEOUT: u64 = 60;
/// A connection closed this long after its timeout is late.
const SLACK: Duration = Duration::from_secs(5);
/// The goodbye of a connection closed for silence.
const GOODBYE: &[u8] = b"No key pressed within";

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let attackers = context.count(2000, 10);
    let timeout = context.join_timeout.unwrap_or(DEFAULT_JOIN_TIMEOUT);
    let timeout_arg = timeout.to_string();
    let extra: Vec<&str> = match context.join_timeout {
        Some(_) => vec!["--join-timeout", &timeout_arg],
        None => vec![],
    };
    let given = if context.join_timeout.is_some() {
        format!("`--join-timeout {timeout}`")
    } else {
        format!("the default join timeout, {timeout} s")
    };
    let mut outcome = Outcome::new(format!(
        "slowloris: {} connections, a byte every 3 s, never a key ({given})",
        count(attackers)
    ));
    let target = Target::boom(context, 8, &extra, FD_LIMIT)?;
    let (observer, without, before, began) = target.baseline(context.window)?;

    // 32 connections from each address: boom's default cap per address.
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(
        attackers,
        Plan {
            every: Some(Every {
                period: Duration::from_secs(3),
                messages: vec![b"z".to_vec()],
            }),
            read: true,
            ..Plan::default()
        },
    );
    let connected = crowd.wait_connected(attackers, Duration::from_secs(120));
    let all_in = Instant::now();
    outcome.detail(format!(
        "{} of {} connections established in {:.1} s, from {} addresses (32 each, boom's default `--max-per-address`)",
        count(connected),
        count(attackers),
        (all_in - began).as_secs_f64(),
        attackers.div_ceil(32)
    ));
    // The observer during the attack: from the moment all are in until
    // the first is closed.
    let cpu = target.cpu_mark();
    crowd.wait_until(Duration::from_secs(timeout + 10), |m| {
        m.iter().any(|m| m.ended.is_some())
    });
    let held = Instant::now();
    let during = observer.between(all_in, held);
    let cpu_during = target.cpu_percent_since(cpu);
    outcome.observer = Some(Comparison::frames(&without, &during));

    let last_connected = crowd
        .members()
        .iter()
        .filter_map(|m| m.connected)
        .max()
        .unwrap_or(all_in);
    let deadline = last_connected + Duration::from_secs(timeout) + SLACK * 4;
    crowd.wait_until(deadline.saturating_duration_since(Instant::now()), |m| {
        m.iter().all(|m| m.ended.is_some())
    });
    let (memory, after) = target.memory_since(&before, began, Duration::from_secs(1))?;
    outcome.memory = Some(memory);
    let peaks = target.sampler.peaks_since(began);

    let members = crowd.members().clone();
    let lifetimes: Vec<Duration> = members.iter().filter_map(|m| m.lifetime()).collect();
    let open = members.iter().filter(|m| m.is_open()).count();
    let told = members.iter().filter(|m| m.heard(GOODBYE)).count();
    let closed = members
        .iter()
        .filter(|m| matches!(m.ended, Some((_, Ending::Closed))))
        .count();
    let bound = Duration::from_secs(timeout) + SLACK;
    let late = lifetimes.iter().filter(|l| **l > bound).count();
    outcome.drop_time = Some(format!("{} (timeout {timeout} s)", spread(&lifetimes)));
    outcome.detail(format!(
        "closed by the server: {} of {} ({} with an orderly close, the others reset as their next byte met the closed socket); told why (\"No key pressed within {timeout} s\"): {}; still open at the end: {}",
        count(lifetimes.len()),
        count(connected),
        count(closed),
        count(told),
        count(open)
    ));
    outcome.detail(during.against(
        &format!(
            "while all were connected ({:.1} s)",
            (held - all_in).as_secs_f64()
        ),
        &without,
    ));
    outcome.detail(format!(
        "server CPU while all were connected: {cpu_during:.0}% of a core"
    ));
    outcome.detail(format!(
        "server log: {} \"closing a connection that never pressed a key\"; open descriptors before / peak / after: {} / {} / {}",
        count(target.server.log().count("never pressed a key")),
        before.fds,
        peaks.fds,
        after.fds
    ));
    outcome.check(
        open > 0,
        format!(
            "{open} connections were still open {:?} past the timeout",
            SLACK * 4
        ),
    );
    outcome.check(
        late > 0,
        format!("{late} connections were closed later than the timeout + {SLACK:?}"),
    );
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    Ok(vec![outcome])
}
