//! Side-by-side benchmark of weft's reactor against a plain tokio
//! current-thread server (and, when importable, Twisted and uvloop).
//!
//! The `bench` binary starts each echo server in turn on one pinned core,
//! drives it from a load generator of its own on the other core (or on
//! several: `--client-cores`), and
//! prints one table with the ratios weft/tokio. The pieces:
//!
//! - [`server`]: starting a server process pinned to a core, finding its
//!   address, stopping it;
//! - [`proc_stats`]: a process's CPU time and resident memory, from `/proc`;
//! - [`cores`]: lists of cores as command lines give them (`8-15`, `8,9,10`);
//! - [`generator`]: the load generator's threads, one pinned to each core
//!   of a list, and the one measured window they share;
//! - [`load`]: the loads (request/response, streaming, UDP echo, idle
//!   connections), each thread driving its share with mio;
//! - [`tls_load`]: the same loads over TLS, full handshakes, idle TLS
//!   connections (the `tls-bench` binary: weft's TLS echo against
//!   tokio-rustls);
//! - [`timers`]: timers scheduled and cancelled per second, weft vs tokio;
//! - [`tasks`]: tasks, timeouts and cross-thread wakes, weft vs tokio's
//!   current-thread runtime with a `LocalSet`;
//! - [`report`]: medians and the Markdown table.
//!
//! The `attack` binary runs the robustness battery ([`attack`]): attacks on
//! boom and on weft's examples, each measured against the same server
//! without the attack.

pub mod args;
pub mod attack;
pub mod cores;
pub mod generator;
pub mod load;
pub mod proc_stats;
pub mod report;
pub mod server;
pub mod tasks;
pub mod timers;
pub mod tls_load;

use std::io;

/// Pins the calling thread (or, between `fork` and `exec`, the child) to
/// one CPU core.
pub fn pin_to_core(core: usize) -> io::Result<()> {
    pin_to_cores(&[core])
}

/// Pins the calling thread (and what it starts) to the CPUs `cores`.
pub fn pin_to_cores(cores: &[usize]) -> io::Result<()> {
    // SAFETY: `set` is a plain bit set owned by this frame; the calls only
    // read and write it, and `sched_setaffinity` copies it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        for &core in cores {
            libc::CPU_SET(core, &mut set);
        }
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Gives the calling thread the lowest scheduling priority (`SCHED_IDLE`:
/// it runs only when nothing else on its core wants to, and a waking
/// thread of normal priority takes the core at once), so that a thread
/// sharing its core with it (an observer measuring what an attack does to
/// others) is not slowed by it.
pub fn lower_priority() -> io::Result<()> {
    // SAFETY: plain system calls on this thread (pid 0) with an owned,
    // initialised parameter.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Raises the soft and hard limits on open files of the calling process
/// to `limit` (raising the hard limit needs privileges; without them the
/// soft limit goes as high as the hard one allows).
pub fn raise_fd_limit(limit: u64) -> io::Result<u64> {
    let wanted = libc::rlimit {
        rlim_cur: limit as libc::rlim_t,
        rlim_max: limit as libc::rlim_t,
    };
    // SAFETY: plain system calls on valid, owned `rlimit` values.
    unsafe {
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
            return Ok(limit);
        }
        let mut current: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut current) != 0 {
            return Err(io::Error::last_os_error());
        }
        current.rlim_cur = current.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &current) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(current.rlim_cur as u64)
    }
}

/// One line naming the CPU, its cores and the kernel, to head a report.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "machine: {model}, {cores} cores (shared: figures are noisy, compare ratios), Linux {}",
        kernel.trim()
    )
}

/// The order in which round `round` (from 1) runs `count` servers: every
/// other round reverses it, so that no server always follows the same one.
pub fn round_order(count: usize, round: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    if round % 2 == 0 {
        order.reverse();
    }
    order
}
