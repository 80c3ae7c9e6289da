//! One client floods weft's echo example (it writes as fast as the server
//! reads, and reads the echo back) while another does request/response.
//! The reactor gives each connection one read turn per loop iteration, so
//! the flooder's endless input cannot keep the other waiting.
//!
//! On two cores the flood also takes CPU from everyone: the server's core
//! (its system calls) and the client core (the flooder runs at the lowest
//! priority, but the kernel's loopback work in its system calls cannot be
//! preempted). A control separates that from the reactor: the same flood
//! against a second echo process on the same core, while the observer
//! talks to the first.

use std::time::{Duration, Instant};

use super::outcome::Comparison;
use super::target::Target;
use super::{Context, Error, Outcome};
use std::net::SocketAddr;

use crate::generator::Run;
use crate::load::{self, Measured, Window};

/// The observer's request size, bytes.
const REQUEST: usize = 64;
/// Below this share of its rate in the control (the same flood on another
/// process of the same core), the observer is slowed by the reactor, not
/// by the machine.
const FAIR_SHARE: f64 = 0.5;

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let mut outcome = Outcome::new("one client flooding the echo example");
    let target = Target::example(context, "echo")?;
    let (address, pid) = (target.address(), target.pid());
    let warmup = Duration::from_millis(500);
    let observe = Window {
        warmup,
        measure: context.window,
    };
    let cores = [context.client_core];
    let observer = Run {
        address,
        server_pid: pid,
        window: observe,
        cores: &cores,
    };
    let without = load::request_response(&observer, 1, REQUEST)?;
    let before = target.sample()?;
    let began = Instant::now();
    let (during, flood) = observe_while_flooding(&observer, address)?;
    // The control: a flood of another process on the same core.
    let other = Target::example(context, "echo")?;
    let (control, _) = observe_while_flooding(&observer, other.address())?;
    drop(other);
    outcome.memory = Some(
        target
            .memory_since(&before, began, Duration::from_secs(1))?
            .0,
    );
    outcome.observer = Some(Comparison {
        unit: "round trips/s",
        without: without.rate(),
        during: during.rate(),
        p99_gap_ms: None,
    });
    outcome.detail(format!(
        "the flooder had {:.0} MiB/s echoed back; server CPU {:.0}% of a core during the flood ({:.0}% without)",
        flood.rate() / (1024.0 * 1024.0),
        during.server_load(),
        without.server_load()
    ));
    outcome.detail(format!(
        "observer ({REQUEST}-byte requests, one at a time): {:.0} round trips/s without, {:.0} during; control (the same flood against a second echo process on the server core): {:.0}",
        without.rate(),
        during.rate(),
        control.rate()
    ));
    outcome.detail(format!(
        "one round trip of the observer: {:.0} µs without, {:.0} µs during, {:.0} µs in the control",
        1e6 / without.rate(),
        1e6 / during.rate(),
        1e6 / control.rate()
    ));
    outcome.check(
        during.rate() < control.rate() * FAIR_SHARE,
        format!(
            "the observer got {:.0}% of the rate it gets when the same flood hits another process on the same core: the reactor, not the machine, makes it wait",
            100.0 * during.rate() / control.rate()
        ),
    );
    Ok(vec![outcome])
}

/// The `observer`'s request/response while one client floods `flooded`
/// from the same core (at the lowest priority): the observer's figures,
/// and the flood's.
fn observe_while_flooding(
    observer: &Run,
    flooded: SocketAddr,
) -> std::io::Result<(Measured, Measured)> {
    let flooding = Window {
        warmup: Duration::ZERO,
        measure: observer.window.measure + observer.window.warmup * 2,
    };
    let (pid, cores) = (observer.server_pid, observer.cores.to_vec());
    let flooder = std::thread::spawn(move || {
        // The generator's thread inherits the lowest priority.
        let _ = crate::lower_priority();
        let flood = Run {
            address: flooded,
            server_pid: pid,
            window: flooding,
            cores: &cores,
        };
        load::streaming(&flood, 1, 16 * 1024, 4)
    });
    let during = load::request_response(observer, 1, REQUEST)?;
    let flood = flooder
        .join()
        .map_err(|_| std::io::Error::other("the flooder panicked"))??;
    Ok((during, flood))
}
