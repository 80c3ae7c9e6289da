//! Connect and reset: connections opened and reset at once (`SO_LINGER`
//! 0, then close: an RST instead of a FIN), one after the other, as fast
//! as the kernel makes them, for the observer's whole window (so at least
//! 5,000 at full scale, and in practice many more). Some reach boom
//! before it accepts them, some just after it greeted them; every one
//! must be forgotten: no descriptor, no player, no memory left behind —
//! right after the flood, and once boom's join timeout (60 s, counted
//! from each connection's arrival) has passed for every one of them.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::outcome::{Comparison, count, mib};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::{Context, Error, Outcome};

/// boom's default join timeout, and a little more.
const PAST_JOIN_TIMEOUT: Duration = Duration::from_secs(65);
/// More memory than this kept after the flood is memory the flood took.
const KEPT_BOUND_KIB: u64 = 8 * 1024;

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let resets = context.count(5000, 50);
    let mut outcome = Outcome::new(format!(
        "connect-and-RST as fast as they come for {:.0} s (at least {})",
        context.window.as_secs_f64(),
        count(resets)
    ));
    let target = Target::boom(context, 8, &[], FD_LIMIT)?;
    let (observer, without, before, began) = target.baseline(context.window)?;
    let cpu = target.cpu_mark();
    let address = target.address();
    let window = context.window;
    let attacker = std::thread::spawn(move || {
        let _ = crate::lower_priority();
        connect_and_reset(address, resets, window)
    });
    let made = attacker.join().map_err(|_| "the attacker panicked")??;
    let finished = Instant::now();
    let cpu_during = target.cpu_percent_since(cpu);
    let during = observer.between(began, finished);
    outcome.observer = Some(Comparison::frames(&without, &during));
    let cleaned = target.wait_for_fds(before.fds, Duration::from_secs(30));
    let (_, after) = target.memory_since(&before, began, Duration::from_secs(1))?;
    let wait = PAST_JOIN_TIMEOUT.saturating_sub(finished.elapsed());
    let (memory, later) = target.memory_since(&before, began, wait)?;
    outcome.memory = Some(memory);
    outcome.drop_time = Some(format!(
        "all forgotten {:.2} s after the last reset",
        cleaned.as_secs_f64()
    ));
    outcome.detail(format!(
        "{} connections made and reset in {:.2} s ({:.0}/s); server CPU {cpu_during:.0}% of a core; the server's descriptors before / peak / after: {} / {} / {}",
        count(made),
        (finished - began).as_secs_f64(),
        made as f64 / (finished - began).as_secs_f64(),
        before.fds,
        target.sampler.peaks_since(began).fds,
        after.fds
    ));
    let kept = later.rss_kib.saturating_sub(before.rss_kib);
    outcome.detail(format!(
        "server RSS before {} MiB, right after the flood {} MiB, {:.0} s after it (past the join timeout) {} MiB: {:.1} bytes kept per connection made",
        mib(before.rss_kib),
        mib(after.rss_kib),
        PAST_JOIN_TIMEOUT.as_secs_f64(),
        mib(later.rss_kib),
        kept as f64 * 1024.0 / made.max(1) as f64
    ));
    outcome.detail(during.against("during the resets", &without));
    outcome.check(
        after.fds > before.fds,
        format!(
            "the server kept {} descriptors more than before",
            after.fds - before.fds
        ),
    );
    outcome.check(
        kept > KEPT_BOUND_KIB,
        format!(
            "the server kept {} MiB more than before the flood, {:.0} s after it ({:.1} bytes per connection made)",
            mib(kept),
            PAST_JOIN_TIMEOUT.as_secs_f64(),
            kept as f64 * 1024.0 / made.max(1) as f64
        ),
    );
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    Ok(vec![outcome])
}

/// Makes connections, each reset as soon as it is made, until at least
/// `n` are made and `window` has passed; how many were made.
fn connect_and_reset(address: SocketAddr, n: usize, window: Duration) -> io::Result<usize> {
    let mut sources = Sources::new(32);
    let mut made = 0;
    let began = Instant::now();
    while made < n || began.elapsed() < window {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        socket.bind(&sources.next_source().into())?;
        if socket
            .connect_timeout(&address.into(), Duration::from_secs(5))
            .is_ok()
        {
            made += 1;
        }
        socket.set_linger(Some(Duration::ZERO))?;
    }
    Ok(made)
}
