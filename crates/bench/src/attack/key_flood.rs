//! Key flood: players in one arena press keys (moves and bombs) as fast as
//! their sockets take them, while an observer plays in another arena.
//! boom applies a few actions per player per frame interval and only
//! scans the rest for `q`; the frame tick stays on its grid for everyone.

use std::time::{Duration, Instant};

use super::crowd::{Crowd, Plan};
use super::outcome::{Comparison, count};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::{Context, Error, Outcome};

/// The frame interval boom runs with (`--frame-ms 50`).
const FRAME: Duration = Duration::from_millis(50);

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let flooders = context.count(30, 2);
    let mut outcome = Outcome::new(format!(
        "key flood: {flooders} players pressing keys as fast as they can, the observer in another arena"
    ));
    // Arenas of `flooders` players: they fill the first, the observer
    // (who comes last) opens the second.
    let target = Target::boom(context, flooders, &[], FD_LIMIT)?;
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(
        flooders,
        Plan {
            hello: b"w".to_vec(),
            read: true,
            ..Plan::default()
        },
    );
    crowd.wait_connected(flooders, Duration::from_secs(30));
    let observer = target.observe()?;
    let without = observer.watch(context.window);
    let before = target.sample()?;
    let sent_before: u64 = crowd.members().iter().map(|m| m.sent).sum();
    let began = Instant::now();
    let cpu = target.cpu_mark();
    crowd.flood(Some(b"wdsaewdsaeddaawwssee".as_slice()));
    let during = observer.watch(context.window);
    let cpu_during = target.cpu_percent_since(cpu);
    crowd.flood(None);
    let sent: u64 = crowd.members().iter().map(|m| m.sent).sum::<u64>() - sent_before;
    let still = crowd.count(|m| m.is_open());
    drop(crowd);
    outcome.memory = Some(
        target
            .memory_since(&before, began, Duration::from_secs(1))?
            .0,
    );
    outcome.observer = Some(Comparison::frames(&without, &during));
    let seconds = context.window.as_secs_f64();
    outcome.detail(format!(
        "the flooders sent {} keys/s in all ({} MiB in {seconds:.0} s); {still} of {flooders} still connected at the end; server CPU {cpu_during:.0}% of a core",
        count((sent as f64 / seconds) as usize),
        sent / (1024 * 1024)
    ));
    outcome.detail(during.against("during the flood", &without));
    outcome.check(
        during.p99_gap > FRAME * 2,
        format!(
            "the observer's p99 frame gap was {:.0} ms, over twice the frame interval",
            during.p99_gap.as_secs_f64() * 1e3
        ),
    );
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    Ok(vec![outcome])
}
