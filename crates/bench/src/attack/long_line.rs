//! A 100 MB line to weft's chat example, again and again on new
//! connections, while two others chat. The chat's line receiver keeps at
//! most 4,096 bytes of a line: past that the sender is told and cut off,
//! having cost the server no more than its read buffer.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::outcome::{Comparison, count, mib, spread};
use super::sources::Sources;
use super::target::Target;
use super::{Context, Error, Outcome};

/// What an attacker tries to send as one line.
const LINE: usize = 100 * 1024 * 1024;
/// More growth than this is the line kept in memory.
const GROWTH_BOUND_KIB: u64 = 16 * 1024;

/// One attempt at sending the line.
struct Attempt {
    /// Bytes the kernel took before the connection failed.
    written: usize,
    /// From connecting to the first failed write.
    cut_after: Option<Duration>,
    /// Whether the chat's notice was read (a reset can discard it).
    told: bool,
}

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let mut outcome = Outcome::new("100 MB lines to the chat example, one after the other");
    let target = Target::example(context, "chat")?;
    let mut pair = ChatPair::connect(target.address())?;
    let without = pair.round_trips(context.window)?;
    let before = target.sample()?;
    let began = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = {
        let (address, stop) = (target.address(), stop.clone());
        std::thread::spawn(move || {
            let _ = crate::lower_priority();
            // A new source address now and then: thousands of attempts
            // would use up one address's ports (each waits in TIME-WAIT).
            let mut sources = Sources::new(1000);
            let mut attempts = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                attempts.push(send_long_line(address, &mut sources)?);
            }
            Ok::<_, io::Error>(attempts)
        })
    };
    let during = pair.round_trips(context.window);
    stop.store(true, Ordering::Relaxed);
    let attempts = attacker.join().map_err(|_| "the attacker panicked")??;
    let during = during?;
    let (memory, _) = target.memory_since(&before, began, Duration::from_secs(1))?;
    outcome.memory = Some(memory);
    let peak = memory.peak_kib;
    outcome.observer = Some(Comparison {
        unit: "round trips/s",
        without,
        during,
        p99_gap_ms: None,
    });
    let cut: Vec<Duration> = attempts.iter().filter_map(|a| a.cut_after).collect();
    let whole = attempts.iter().filter(|a| a.cut_after.is_none()).count();
    let most = attempts.iter().map(|a| a.written).max().unwrap_or(0);
    let told = attempts.iter().filter(|a| a.told).count();
    outcome.drop_time = Some(spread(&cut));
    outcome.detail(format!(
        "{} attempts in {:.0} s; each cut off after at most {} KiB taken by the kernels' buffers (of 100 MiB); {} told \"line too long\" before the reset (a reset discards what was not read yet)",
        count(attempts.len()),
        context.window.as_secs_f64(),
        most / 1024,
        count(told)
    ));
    outcome.detail(format!(
        "two others chatting (a line each way per round trip): {without:.0} round trips/s without, {during:.0} during"
    ));
    outcome.check(
        whole > 0,
        format!("{whole} senders wrote the whole 100 MB line"),
    );
    let growth = peak.saturating_sub(before.rss_kib);
    outcome.check(
        growth > GROWTH_BOUND_KIB,
        format!("the server's memory grew by {} MiB", mib(growth)),
    );
    outcome.check(during == 0.0, "the others could not chat");
    Ok(vec![outcome])
}

/// Connects and writes a line of [`LINE`] bytes until the server cuts the
/// connection.
fn send_long_line(address: SocketAddr, sources: &mut Sources) -> io::Result<Attempt> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&sources.next_source().into())?;
    socket.connect(&address.into())?;
    let mut stream: TcpStream = socket.into();
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let chunk = vec![b'x'; 64 * 1024];
    let began = Instant::now();
    let mut written = 0;
    let mut cut_after = None;
    while written < LINE {
        match stream.write(&chunk[..chunk.len().min(LINE - written)]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                cut_after = Some(began.elapsed());
                break;
            }
        }
    }
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut heard = Vec::new();
    let _ = stream.read_to_end(&mut heard);
    let told = heard.windows(13).any(|w| w == b"line too long");
    Ok(Attempt {
        written,
        cut_after,
        told,
    })
}

/// Two chatters: one says a line, the other answers it.
struct ChatPair {
    a: BufReader<TcpStream>,
    b: BufReader<TcpStream>,
    sequence: u64,
}

impl ChatPair {
    fn connect(address: SocketAddr) -> io::Result<ChatPair> {
        let open = || -> io::Result<BufReader<TcpStream>> {
            let stream = TcpStream::connect(address)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            Ok(BufReader::new(stream))
        };
        Ok(ChatPair {
            a: open()?,
            b: open()?,
            sequence: 0,
        })
    }

    /// Round trips per second over `window`.
    fn round_trips(&mut self, window: Duration) -> io::Result<f64> {
        let began = Instant::now();
        let mut trips = 0u64;
        while began.elapsed() < window {
            self.sequence += 1;
            let ping = format!("ping {}", self.sequence);
            let pong = format!("pong {}", self.sequence);
            say(&mut self.a, &ping)?;
            hear(&mut self.b, &ping)?;
            say(&mut self.b, &pong)?;
            hear(&mut self.a, &pong)?;
            trips += 1;
        }
        Ok(trips as f64 / began.elapsed().as_secs_f64())
    }
}

fn say(chatter: &mut BufReader<TcpStream>, line: &str) -> io::Result<()> {
    chatter.get_mut().write_all(format!("{line}\n").as_bytes())
}

/// Reads lines until one ends with `text` (others: announcements).
fn hear(chatter: &mut BufReader<TcpStream>, text: &str) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if chatter.read_line(&mut line)? == 0 {
            return Err(io::Error::other("the chat closed the connection"));
        }
        if line.trim_end().ends_with(text) {
            return Ok(());
        }
    }
}
