//! Telnet option abuse, one abuse after the other on one server, each by
//! a client that reads what it is sent: window sizes of 0 × 0 and
//! 65535 × 65535 (with moves, so that frames are drawn for them), 1,000
//! window sizes a second, TTYPE offers and withdrawals in a loop, DO/DONT
//! storms, and a 10 MB subnegotiation. The telnet layer keeps no more
//! than a bounded subnegotiation, answers each request at most once per
//! change of state (RFC 1143), and a window is only a size to clip to.

use std::time::{Duration, Instant};

use super::crowd::{Crowd, Every, Member, Plan};
use super::observer::Observer;
use super::outcome::{Comparison, Memory, bytes, mib};
use super::sources::Sources;
use super::target::{FD_LIMIT, Target};
use super::telnet;
use super::{Context, Error, Outcome};
use weft::protocols::telnet::{TelnetOption, Verb};

/// More growth than this during one abuse is memory the abuse took.
const GROWTH_BOUND_KIB: u64 = 8 * 1024;

/// One abuse: its name and what the client does.
struct Abuse {
    name: &'static str,
    plan: Plan,
}

/// Window reports at `period`, one of `sizes` after the other, each with
/// a move (right, then left) so that something is drawn for that size.
fn windows(period: Duration, sizes: &[(u16, u16)], with_moves: bool) -> Plan {
    let messages = sizes
        .iter()
        .enumerate()
        .map(|(i, &(w, h))| {
            let mut bytes = telnet::window(w, h);
            if with_moves {
                bytes.push(if i % 2 == 0 { b'd' } else { b'a' });
            }
            bytes
        })
        .collect();
    Plan {
        hello: telnet::stock_client(),
        every: Some(Every { period, messages }),
        read: true,
        ..Plan::default()
    }
}

/// `commands` over and over, as fast as the server takes them.
fn storm(commands: &[Vec<u8>]) -> Plan {
    Plan {
        hello: telnet::stock_client(),
        flood: Some(commands.concat()),
        read: true,
        ..Plan::default()
    }
}

fn abuses() -> Vec<Abuse> {
    let tick = Duration::from_millis(50);
    let (ttype, echo, sga) = (TelnetOption::TTYPE, TelnetOption::ECHO, TelnetOption::SGA);
    let unknown = TelnetOption(200);
    let mut huge = telnet::stock_client();
    huge.extend(telnet::endless_window(10 * 1024 * 1024));
    huge.push(b'd');
    vec![
        Abuse {
            name: "NAWS 0 × 0, with moves",
            plan: windows(tick, &[(0, 0), (0, 0)], true),
        },
        Abuse {
            name: "NAWS 65535 × 65535, with moves",
            plan: windows(tick, &[(65535, 65535), (65535, 65535)], true),
        },
        Abuse {
            name: "1,000 NAWS/s (80 × 24, 200 × 60, 1 × 1, 65535 × 65535 in turn)",
            plan: windows(
                Duration::from_millis(1),
                &[(80, 24), (200, 60), (1, 1), (65535, 65535)],
                false,
            ),
        },
        Abuse {
            name: "TTYPE loop (WILL, IS xterm, SEND, WONT, as fast as taken)",
            plan: storm(&[
                telnet::command(Verb::Will, ttype),
                telnet::subnegotiation(ttype, b"\x00xterm"),
                telnet::subnegotiation(ttype, b"\x01"),
                telnet::command(Verb::Wont, ttype),
            ]),
        },
        Abuse {
            name: "DO/DONT storm (ECHO, SGA, an unknown option; as fast as taken)",
            plan: storm(&[
                telnet::command(Verb::Do, echo),
                telnet::command(Verb::Dont, echo),
                telnet::command(Verb::Do, sga),
                telnet::command(Verb::Dont, sga),
                telnet::command(Verb::Do, unknown),
                telnet::command(Verb::Dont, unknown),
            ]),
        },
        Abuse {
            name: "10 MB subnegotiation (IAC SB NAWS, 10 MB, IAC SE, then a key)",
            plan: Plan {
                hello: huge,
                read: true,
                ..Plan::default()
            },
        },
    ]
}

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let target = Target::boom(context, 8, &[], FD_LIMIT)?;
    let observer = target.observe()?;
    let without = observer.watch(context.window);
    let mut outcomes = Vec::new();
    for abuse in abuses() {
        let outcome = endure(context, &target, &observer, &without, abuse)?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Runs one abuse for the observer's window, then ends it.
fn endure(
    context: &Context,
    target: &Target,
    observer: &Observer,
    without: &super::observer::FrameStats,
    abuse: Abuse,
) -> Result<Outcome, Error> {
    let mut outcome = Outcome::new(format!("telnet: {}", abuse.name));
    let before = target.sample()?;
    let began = Instant::now();
    let cpu = target.cpu_mark();
    let crowd = Crowd::start(target.address(), Sources::new(32))?;
    crowd.open(1, abuse.plan);
    let during = observer.watch(context.window);
    let cpu_during = target.cpu_percent_since(cpu);
    let attacker: Member = crowd.members().first().cloned().ok_or("no attacker")?;
    drop(crowd);
    std::thread::sleep(Duration::from_secs(1));
    let alive = target.sample();
    let peaks = target.sampler.peaks_since(began);
    outcome.observer = Some(Comparison::frames(without, &during));
    let seconds = context.window.as_secs_f64();
    let fate = match (attacker.ended, attacker.lifetime()) {
        (None, _) => "still served at the end".to_string(),
        (Some((_, how)), Some(life)) => {
            format!("dropped after {:.2} s ({how:?})", life.as_secs_f64())
        }
        (Some((_, how)), None) => format!("never connected ({how:?})"),
    };
    outcome.drop_time = Some(fate);
    let answered = match (attacker.hello_sent, attacker.last_byte) {
        (Some(sent), Some(last)) if last > sent => format!(
            "; the server's last bytes to it came {:.2} s after the end of its opening message",
            (last - sent).as_secs_f64()
        ),
        (Some(_), _) => {
            "; nothing came from the server after the end of its opening message".into()
        }
        (None, _) => "; its opening message was never all sent".into(),
    };
    outcome.detail(format!(
        "the attacker sent {} and received {} in {seconds:.0} s{answered}; server CPU {cpu_during:.0}% of a core",
        bytes(attacker.sent),
        bytes(attacker.received),
    ));
    outcome.detail(during.against("during the abuse", without));
    match alive {
        Ok(after) => {
            outcome.memory = Some(Memory {
                before_kib: before.rss_kib,
                peak_kib: peaks.rss_kib,
                after_kib: after.rss_kib,
            });
            let growth = peaks.rss_kib.saturating_sub(before.rss_kib);
            outcome.check(
                growth > GROWTH_BOUND_KIB,
                format!("the server's memory grew by {} MiB", mib(growth)),
            );
        }
        Err(_) => outcome.check(true, "the server died"),
    }
    outcome.check(!observer.is_connected(), "the observer was disconnected");
    outcome.check(during.frames == 0, "the observer got no frame");
    Ok(outcome)
}
