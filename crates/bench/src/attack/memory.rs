//! Memory goes back: boom's resident memory at start, with a crowd of
//! players connected (18,000 at full scale: the machine's hard limit of
//! 20,000 open files bounds the attacking side too), and after they all
//! left; twice, to show the second crowd reuses what the first gave back.
//! weft's reactor returns freed memory to the system when a crowd of
//! connections leaves, and boom's session drops its tables' room when
//! everyone left.

use std::time::{Duration, Instant};

use super::crowd::{Crowd, Plan};
use super::outcome::{count, mib};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::telnet;
use super::{Context, Error, Outcome};

/// Memory kept after a crowd left, as a share of what it took, above which
/// the memory did not go back.
const KEPT_BOUND: f64 = 0.25;

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let players = context.count(18_000, 100);
    let target = Target::boom(context, 8, &[], FD_LIMIT)?;
    let start = target.sample()?;
    let mut outcomes = Vec::new();
    for round in 1..=2 {
        let mut outcome = Outcome::new(format!(
            "memory: {} players arrive, then leave (crowd {round} of 2)",
            count(players)
        ));
        let before = target.sample()?;
        let began = Instant::now();
        let crowd = Crowd::start(target.address(), Sources::new(32))?;
        crowd.open(
            players,
            Plan {
                hello: telnet::stock_client(),
                read: true,
                ..Plan::default()
            },
        );
        let connected = crowd.wait_connected(players, Duration::from_secs(300));
        crowd.wait_until(Duration::from_secs(60), |m| {
            m.iter()
                .filter(|m| m.connected.is_some())
                .all(|m| m.first_byte.is_some())
        });
        let arrived = began.elapsed();
        std::thread::sleep(Duration::from_secs(2));
        let full = target.sample()?;
        crowd.close_all();
        let gone = target.wait_for_fds(start.fds, Duration::from_secs(120));
        drop(crowd);
        let (memory, after) = target.memory_since(&before, began, Duration::from_secs(1))?;
        outcome.memory = Some(memory);
        let peak = memory.peak_kib;
        outcome.drop_time = Some(format!(
            "all closed on the server {:.1} s after they left",
            gone.as_secs_f64()
        ));
        let taken = peak.saturating_sub(before.rss_kib);
        let kept = after.rss_kib.saturating_sub(start.rss_kib);
        outcome.detail(format!(
            "RSS at the server's start {} MiB; before the crowd {} MiB; with {} players connected {} MiB (peak {} MiB, {:.1} KiB per player); after they left {} MiB",
            mib(start.rss_kib),
            mib(before.rss_kib),
            count(connected),
            mib(full.rss_kib),
            mib(peak),
            taken as f64 / connected.max(1) as f64,
            mib(after.rss_kib)
        ));
        outcome.detail(format!(
            "{} players connected and greeted in {:.1} s; the server's descriptors with them: {}, after: {}",
            count(connected),
            arrived.as_secs_f64(),
            full.fds,
            after.fds
        ));
        outcome.check(
            kept as f64 > taken as f64 * KEPT_BOUND,
            format!(
                "after the crowd left the server kept {} MiB more than at its start ({} MiB taken by the crowd)",
                mib(kept),
                mib(taken)
            ),
        );
        outcome.check(
            connected < players,
            format!(
                "only {} of {} players could connect",
                count(connected),
                count(players)
            ),
        );
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
