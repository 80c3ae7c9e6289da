//! Connect and reset: connections opened and reset at once (`SO_LINGER`
//! 0, then close: an RST instead of a FIN), one after the other, as fast
//! as the kernel makes them, for the observer's whole window (so at least
//! 5,000 at full scale, and in practice many more). Some reach boom
//! before it accepts them, some just after it greeted them; every one
//! must be forgotten: no descriptor, no player, no memory left behind.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::outcome::{Comparison, Memory, count};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::{Context, Error, Outcome};

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let resets = context.count(5000, 50);
    let mut outcome = Outcome::new(format!(
        "connect-and-RST as fast as they come for {:.0} s (at least {})",
        context.window.as_secs_f64(),
        count(resets)
    ));
    let target = Target::boom(context, 8, &[], FD_LIMIT)?;
    let observer = target.observe()?;
    let without = observer.watch(context.window);
    let before = target.sample()?;
    let began = Instant::now();
    let address = target.address();
    let window = context.window;
    let attacker = std::thread::spawn(move || {
        let _ = crate::lower_priority();
        connect_and_reset(address, resets, window)
    });
    let made = attacker.join().map_err(|_| "the attacker panicked")??;
    let finished = Instant::now();
    let during = observer.between(began, finished);
    outcome.observer = Some(Comparison::frames(&without, &during));
    let cleaned = target.wait_for_fds(before.fds, Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(1));
    let after = target.sample()?;
    outcome.memory = Some(Memory {
        before_kib: before.rss_kib,
        peak_kib: target.sampler.peaks_since(began).rss_kib,
        after_kib: after.rss_kib,
    });
    outcome.drop_time = Some(format!(
        "all forgotten {:.2} s after the last reset",
        cleaned.as_secs_f64()
    ));
    outcome.detail(format!(
        "{} connections made and reset in {:.2} s ({:.0}/s); the server's descriptors before / peak / after: {} / {} / {}",
        count(made),
        (finished - began).as_secs_f64(),
        made as f64 / (finished - began).as_secs_f64(),
        before.fds,
        target.sampler.peaks_since(began).fds,
        after.fds
    ));
    outcome.detail(format!(
        "observer during the resets: {:.1} frames/s (without: {:.1}), p99 gap {:.0} ms",
        during.per_second,
        without.per_second,
        during.p99_gap.as_secs_f64() * 1e3
    ));
    outcome.check(
        after.fds > before.fds,
        format!(
            "the server kept {} descriptors more than before",
            after.fds - before.fds
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
