//! Descriptor exhaustion: connections until the server has no file
//! descriptor left. boom's reactor then stops accepting for a while (10 ms,
//! doubling up to 1 s while the shortage lasts: no busy loop on a failing
//! `accept`), keeps serving who is connected, and accepts again as soon
//! as descriptors free up.
//!
//! The attackers and the server share the machine's hard limit on open
//! files (20,000), and the attackers need one descriptor per connection
//! too: so the server is started with a lower limit (10,000 at full
//! scale) and attacked with 10 % more connections than that.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::crowd::{Crowd, Plan};
use super::outcome::{Comparison, count};
use super::sources::Sources;
use super::target::Target;
use super::telnet;
use super::{Context, Error, Outcome};

/// A probe served this long after the attackers left is late.
const RECOVERY_BOUND: Duration = Duration::from_secs(5);
/// A server using more of a core than this while it cannot accept is
/// spinning.
const SPINNING: f64 = 50.0;

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let limit = context.count(10_000, 256);
    let attackers = limit + limit / 10;
    let mut outcome = Outcome::new(format!(
        "descriptor exhaustion: {} connections against an open-files limit of {}",
        count(attackers),
        count(limit)
    ));
    let target = Target::boom(context, 8, &[], limit as u64)?;
    let (observer, without, before, began) = target.baseline(context.window)?;

    // Players as a stock telnet client is (they get colour updates only
    // when something changes, so the crowd costs little but descriptors).
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(
        attackers,
        Plan {
            hello: telnet::stock_client(),
            read: true,
            ..Plan::default()
        },
    );
    // Until the server has accepted all it can: no new one for 3 s.
    let mut accepted = 0;
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_secs(3) && began.elapsed() < Duration::from_secs(180) {
        std::thread::sleep(Duration::from_millis(200));
        let now = crowd.count(|m| m.first_byte.is_some());
        if now != accepted {
            (accepted, since) = (now, Instant::now());
        }
    }
    let established = crowd.count(|m| m.connected.is_some());
    let full = target.sample()?;
    let cpu = target.cpu_mark();
    let during = observer.watch(context.window);
    let cpu_during = target.cpu_percent_since(cpu);
    outcome.observer = Some(Comparison::frames(&without, &during));
    let backoffs = target.server.log().count("pausing accepts");
    outcome.detail(format!(
        "accepted and served: {} connections ({} established, the rest waiting in the kernel's accept queue or for it); the server's descriptors: {} before, {} at the limit",
        count(accepted),
        count(established),
        before.fds,
        full.fds
    ));
    outcome.detail(format!(
        "while out of descriptors ({:.0} s): server CPU {cpu_during:.0}% of a core; server log: {backoffs} \"pausing accepts\"",
        context.window.as_secs_f64(),
    ));
    outcome.detail(during.against("while out of descriptors", &without));

    // The attackers leave; how soon is a newcomer served?
    crowd.close_all();
    let left = Instant::now();
    let recovery = probe(target.address(), Duration::from_secs(30));
    let recovered = recovery.map(|at| at - left);
    outcome.drop_time = Some(match recovered {
        Some(d) => format!("a newcomer served {:.2} s after they left", d.as_secs_f64()),
        None => "a newcomer was not served within 30 s".into(),
    });
    let drained = target.wait_for_fds(before.fds, Duration::from_secs(60));
    let (memory, after) = target.memory_since(&before, began, Duration::from_secs(1))?;
    outcome.memory = Some(memory);
    outcome.detail(format!(
        "after they left: descriptors back to {} (before: {}) in {:.1} s",
        after.fds,
        before.fds,
        drained.as_secs_f64()
    ));
    outcome.check(
        backoffs == 0,
        "the server never reported running out of descriptors (the limit was not reached)",
    );
    outcome.check(
        cpu_during > SPINNING,
        format!("the server used {cpu_during:.0}% of a core while it could not accept"),
    );
    outcome.check(
        recovered.is_none_or(|d| d > RECOVERY_BOUND),
        format!("a newcomer was not served within {RECOVERY_BOUND:?} of the attackers leaving"),
    );
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    Ok(vec![outcome])
}

/// Connects and waits for the server's first byte; when it came.
fn probe(address: std::net::SocketAddr, timeout: Duration) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(5)) {
            let _ =
                stream.set_read_timeout(Some(deadline.saturating_duration_since(Instant::now())));
            let mut byte = [0u8; 1];
            if matches!(stream.read(&mut byte), Ok(1)) {
                return Some(Instant::now());
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}
