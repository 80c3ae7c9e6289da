//! Players that never read, and force full redraws by reporting a new
//! window size every frame. boom bounds each player's kernel send buffer
//! (`SO_SNDBUF` 64 KiB, which Linux doubles), stops sending frames (and
//! reading input) once a player's queue passes its high-water mark, and
//! drops a player whose queue stayed paused for the stall limit (10 s)
//! with a reset (RST), so that no closed socket lingers in FIN-WAIT-1
//! holding the data it could not deliver.
//!
//! The attackers fix their receive buffer (`SO_RCVBUF` 64 KiB, 128 KiB
//! once doubled): left alone, Linux (6.18 here) keeps growing the receive
//! buffer of a connection that does not read, up to `tcp_rmem`'s maximum
//! (32 MiB here), so the attacker's own kernel would absorb many minutes
//! of frames and the server would never see a player stall. Fixed, the
//! buffers fill in seconds.
//!
//! Kernel memory is reported twice: the queues of the server's port
//! (`/proc/net/tcp`: the bytes in the server's send queues, and in the
//! attackers' receive queues), which only this attack moves; and the
//! `TCP: … mem` pages of `/proc/net/sockstat`, which count every TCP
//! socket of the machine (both ends of every loopback connection, and
//! whatever else runs on this shared machine).

use std::time::{Duration, Instant};

use super::crowd::{Crowd, Ending, Every, Member, Plan};
use super::outcome::{Comparison, count, spread};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::telnet;
use super::{Context, Error, Outcome};

/// boom's stall limit (`Options::stall_limit`, not a command-line option).
const STALL_LIMIT: Duration = Duration::from_secs(10);
/// Time to fill the buffers before the stall limit starts to run, at
/// most: a player alive longer than this plus the stall limit was not
/// dropped in time.
const FILL_BOUND: Duration = Duration::from_secs(30);

/// The attackers' receive buffer (`SO_RCVBUF`; Linux doubles it).
const RECEIVE_BUFFER: usize = 64 * 1024;
/// The most a server send queue may hold: its `SO_SNDBUF` (64 KiB),
/// doubled by Linux, and the one buffer (at most 64 KiB) of the write
/// that crossed it (the kernel checks the limit before a write, not
/// after).
const SEND_QUEUE_BOUND: u64 = 3 * 64 * 1024;

/// The plan of a player that never reads: a stock telnet client whose
/// window changes size every frame (each change redraws its screen), with
/// a receive buffer of `receive_buffer` bytes that the kernel does not
/// grow.
pub fn never_reading(receive_buffer: usize) -> Plan {
    Plan {
        hello: telnet::stock_client(),
        every: Some(Every {
            period: Duration::from_millis(50),
            messages: vec![telnet::window(200, 60), telnet::window(201, 61)],
        }),
        read: false,
        receive_buffer: Some(receive_buffer),
        ..Plan::default()
    }
}

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let attackers = context.count(1000, 10);
    let mut outcome = Outcome::new(format!(
        "{} players that never read, a new window size every 50 ms",
        count(attackers)
    ));
    let target = Target::boom(context, 8, &[], FD_LIMIT)?;
    target.sampler.watch_port(target.address().port());
    let (observer, without, before, began) = target.baseline(context.window)?;
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(attackers, never_reading(RECEIVE_BUFFER));
    let connected = crowd.wait_connected(attackers, Duration::from_secs(60));
    let all_in = Instant::now();
    crowd.wait_until(STALL_LIMIT + FILL_BOUND, |m| {
        m.iter().any(|m| m.ended.is_some())
    });
    let first_drop = Instant::now();
    let during = observer.between(all_in, first_drop);
    outcome.observer = Some(Comparison::frames(&without, &during));
    crowd.wait_until(STALL_LIMIT + FILL_BOUND, |m| {
        m.iter().all(|m| m.ended.is_some())
    });
    let members: Vec<Member> = crowd.members().clone();
    drop(crowd);
    // Every attacker's socket is closed now; what the kernel still holds
    // is held for nobody.
    let (memory, after) = target.memory_since(&before, began, Duration::from_secs(2))?;
    outcome.memory = Some(memory);
    let peaks = target.sampler.peaks_since(began);
    let lifetimes: Vec<Duration> = members.iter().filter_map(Member::lifetime).collect();
    let ending = |how: Ending| {
        members
            .iter()
            .filter(|m| matches!(m.ended, Some((_, e)) if e == how))
            .count()
    };
    let (reset, closed) = (ending(Ending::Reset), ending(Ending::Closed));
    let open = members.iter().filter(|m| m.is_open()).count();
    outcome.drop_time = Some(spread(&lifetimes));
    outcome.detail(format!(
        "{} connected; dropped by the server: {} ({} with a reset, {} with an orderly close); not dropped: {}",
        count(connected),
        count(lifetimes.len()),
        count(reset),
        count(closed),
        count(open)
    ));
    let queues = |s: &super::sampler::Sample| s.port.unwrap_or_default();
    outcome.detail(format!(
        "the server's send queues (its port in /proc/net/tcp) before / peak / after: {} / {} / {} KiB, at the peak {:.0} KiB per attacker (SO_SNDBUF doubled is 128 KiB; the write that crosses it may add up to 64 KiB); the attackers' receive queues at the peak: {} KiB",
        queues(&before).send_bytes / 1024,
        peaks.send_bytes / 1024,
        queues(&after).send_bytes / 1024,
        peaks.send_bytes as f64 / 1024.0 / connected.max(1) as f64,
        peaks.peer_receive_bytes / 1024
    ));
    outcome.detail(format!(
        "kernel TCP memory (/proc/net/sockstat, the whole shared machine) before / peak / after: {} / {} / {} pages ({} / {} / {} MiB)",
        before.tcp.memory_pages,
        peaks.tcp_pages,
        after.tcp.memory_pages,
        before.tcp.memory_kib() / 1024,
        crate::proc_stats::pages_kib(peaks.tcp_pages) / 1024,
        after.tcp.memory_kib() / 1024,
    ));
    outcome.detail(format!(
        "orphaned TCP sockets before / peak / after: {} / {} / {}",
        before.tcp.orphans, peaks.orphans, after.tcp.orphans
    ));
    outcome.detail(during.against(
        &format!(
            "while they filled their buffers ({:.1} s)",
            (first_drop - all_in).as_secs_f64()
        ),
        &without,
    ));
    outcome.detail(format!(
        "server log: {} \"dropping a client that stopped reading\"",
        count(target.server.log().count("stopped reading"))
    ));
    let bound = STALL_LIMIT + FILL_BOUND;
    let late = lifetimes.iter().filter(|l| **l > bound).count();
    outcome.check(
        open > 0,
        format!("{open} players that never read were not dropped"),
    );
    outcome.check(
        late > 0,
        format!("{late} were dropped more than {bound:?} after connecting"),
    );
    outcome.check(
        closed > 0,
        format!("{closed} were closed in order (FIN) instead of reset"),
    );
    outcome.check(
        peaks.send_bytes > SEND_QUEUE_BOUND * connected as u64,
        format!(
            "the server's send queues held {} KiB for {connected} attackers, over {} KiB each",
            peaks.send_bytes / 1024,
            SEND_QUEUE_BOUND / 1024
        ),
    );
    outcome.check(
        queues(&after).send_bytes > 64 * 1024,
        format!(
            "{} KiB stayed in the server's send queues after the attackers were dropped",
            queues(&after).send_bytes / 1024
        ),
    );
    outcome.check(
        after.tcp.orphans > before.tcp.orphans + 16,
        format!("{} orphaned sockets remained", after.tcp.orphans),
    );
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    Ok(vec![outcome])
}
