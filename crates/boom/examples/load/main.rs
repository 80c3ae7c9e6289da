//! Load generator: for each player count N, starts a boom server, connects
//! N players that press random keys, and reports whether each still gets
//! its frames on time.
//!
//! ```text
//! cargo build --release -p boom
//! cargo run --release -p boom --example load -- --players 1000,5000,10000 -- --classic
//! cargo run --release -p boom --example load -- --players 10000 --telnet -- --bots 2
//! cargo run --release -p boom --example load -- --players 10000 --web
//! cargo run --release -p boom --example load -- --players 1000 --ssh
//! ```
//!
//! Arguments after `--` go to the server (`target/release/boom`, started
//! on a free port of 127.0.0.1, pinned to CPU 0 or to `--server-cores`,
//! with one reactor unless they give `--threads`); the players run on
//! this process's weft reactor, pinned to CPU 1 or to `--player-core`. One markdown table row per
//! N: frames per player per second, the share of the frames the frame
//! period allows (plain frames only: classic repaints every period, so 100%
//! is full rate), the 99th percentile gap between two frames of a player,
//! the server's CPU use (`/proc`) in all and per player, its resident memory, and the bytes each
//! player received per second, and the server's own count of frames sent
//! and skipped (for players not reading) per second, from its log.
//!
//! Plain frames are counted exactly (every second border line ends one).
//! With `--telnet` the players answer the negotiation as a stock telnet
//! client does (80 x 24 window), so the server sends ANSI updates, and
//! each read with data counts as one update arriving (updates go out only
//! when something changed, so their rate follows the game, not the period).
//! With `--web` the players are browsers' WebSockets on the server's web
//! front end (`--web`): each opens `/play`, and each message received
//! counts as one update. Each row also gives the time from starting to
//! connect to the first board drawn (the first plain frame, the first
//! ANSI screen, or the `board` message), median and 99th percentile.
//! With `--ssh` the server also serves SSH and the players log in over it
//! (russh's client, one task each on a tokio runtime of this thread): they
//! count updates as telnet players do, and each notes the time from its
//! connect to the first whole board drawn (the last column).

mod ssh;

use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use weft::time::{LoopingCall, Scheduler, StartAt};
use weft::{Address, Protocol, Reactor, Transport};

/// Starts boom servers and connects players to them.
#[derive(Parser, Debug)]
struct Args {
    /// Player counts to measure, one server run each.
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,10000")]
    players: Vec<usize>,
    /// How long to measure, after everyone connected.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Each player presses a key this often (milliseconds).
    #[arg(long, default_value_t = 200)]
    key_ms: u64,
    /// The server's frame period (milliseconds), to compute the share of
    /// expected frames: 200 for `--classic`, 50 otherwise, unless given.
    #[arg(long)]
    frame_ms: Option<u64>,
    /// Answer the telnet negotiation so that the server sends ANSI updates.
    #[arg(long, conflicts_with = "web")]
    telnet: bool,
    /// Play through the web front end: a WebSocket per player.
    #[arg(long)]
    web: bool,
    /// Play over SSH (the server serves it too; ANSI updates).
    #[arg(long, conflicts_with_all = ["telnet", "web"])]
    ssh: bool,
    /// The CPUs the server runs on (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    server_cores: Vec<usize>,
    /// The CPU the players run on.
    #[arg(long, default_value_t = 1)]
    player_core: usize,
    /// Arguments for the server.
    #[arg(last = true)]
    server_args: Vec<String>,
}

/// What a stock telnet client answers: DO ECHO, DO SGA, WILL NAWS, 80 x 24.
const TELNET_HELLO: &[u8] = &[
    255, 253, 1, 255, 253, 3, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240,
];

/// How the players talk to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Client {
    /// Like `nc`: plain frames.
    Plain,
    /// Like a stock telnet client: ANSI updates.
    Telnet,
    /// Like the browser page: a WebSocket.
    Web,
}

/// The request that opens a player's WebSocket.
const WEB_UPGRADE: &[u8] = b"GET /play?name=Load HTTP/1.1\r\nHost: load\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A key as the page sends it: a masked text frame of one byte.
fn web_key(key: u8) -> [u8; 7] {
    const MASK: [u8; 4] = [0x1f, 0x2e, 0x3d, 0x4c];
    [
        0x81,
        0x81,
        MASK[0],
        MASK[1],
        MASK[2],
        MASK[3],
        key ^ MASK[0],
    ]
}

/// What one player saw since the measurement began.
#[derive(Default)]
struct Seen {
    connected: bool,
    /// From starting to connect to the first board drawn.
    first_board: Option<Duration>,
    frames: u64,
    bytes: u64,
    last_frame: Option<Instant>,
    gaps: Vec<Duration>,
}

impl Seen {
    fn reset(&mut self) {
        self.frames = 0;
        self.bytes = 0;
        self.last_frame = None;
        self.gaps.clear();
    }

    fn frame(&mut self, at: Instant) {
        self.frames += 1;
        if let Some(last) = self.last_frame.replace(at) {
            self.gaps.push(at - last);
        }
    }
}

struct Player {
    client: Client,
    seen: Rc<RefCell<Seen>>,
    keyboards: Rc<RefCell<Vec<(Transport, Client)>>>,
    /// When it started to connect.
    started: Instant,
    line_start: bool,
    borders: u64,
    /// Web: the response head is read.
    upgraded: bool,
    /// Web: bytes of a frame not complete yet.
    partial: Vec<u8>,
}

impl Protocol for Player {
    fn connection_made(&mut self, transport: Transport) {
        match self.client {
            Client::Telnet => transport.write(TELNET_HELLO),
            Client::Web => transport.write(WEB_UPGRADE),
            Client::Plain => {}
        }
        self.seen.borrow_mut().connected = true;
        self.keyboards.borrow_mut().push((transport, self.client));
    }

    fn data_received(&mut self, data: &[u8]) {
        let now = Instant::now();
        let seen = self.seen.clone();
        let mut seen = seen.borrow_mut();
        seen.bytes += data.len() as u64;
        match self.client {
            Client::Telnet => {
                // The negotiation comes first; the first screen clears it.
                if seen.first_board.is_none() && contains(data, b"\x1b[") {
                    seen.first_board = Some(now - self.started);
                }
                seen.frame(now);
            }
            Client::Web => self.web_data(data, now, &mut seen),
            Client::Plain => {
                for &byte in data {
                    if self.line_start && byte == b'+' {
                        self.borders += 1;
                        if self.borders % 2 == 0 {
                            seen.first_board.get_or_insert(now - self.started);
                            seen.frame(now);
                        }
                    }
                    self.line_start = byte == b'\n';
                }
            }
        }
    }
}

impl Player {
    /// Counts the server's messages (unmasked frames, payloads under 64
    /// KiB); the first is the board.
    fn web_data(&mut self, data: &[u8], now: Instant, seen: &mut Seen) {
        self.partial.extend_from_slice(data);
        let mut at = 0;
        if !self.upgraded {
            let Some(end) = self.partial.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            self.upgraded = true;
            at = end + 4;
        }
        loop {
            let rest = &self.partial[at..];
            if rest.len() < 2 {
                break;
            }
            let (length, header) = match rest[1] & 0x7f {
                126 if rest.len() >= 4 => (usize::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
                126 => break,
                n => (usize::from(n), 2),
            };
            if rest.len() < header + length {
                break;
            }
            if rest[header..].starts_with(b"board ") {
                seen.first_board.get_or_insert(now - self.started);
            }
            seen.frame(now);
            at += header + length;
        }
        self.partial.drain(..at);
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    boom::server::raise_open_file_limit();
    pin_to_cpu(args.player_core);
    let classic = args.server_args.iter().any(|a| a == "--classic");
    let client = match (args.telnet, args.web) {
        (true, _) => Client::Telnet,
        (_, true) => Client::Web,
        _ => Client::Plain,
    };
    let period = args.frame_ms.unwrap_or(if classic { 200 } else { 50 });
    println!("server: boom {}", args.server_args.join(" "));
    println!(
        "| players | connected | frames/player/s | share of expected | p99 gap (ms) | server CPU | CPU per player | server RSS (MiB) | bytes/player/s | frames sent / skipped per s (server log) | connect → board p50 / p99 (ms) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &players in &args.players {
        let mut server = Server::start(&args.server_args, &args.server_cores, client, args.ssh)?;
        let measured = if args.ssh {
            measure_ssh(&args, players, &server)
        } else {
            measure(&args, client, players, &server)
        };
        server.stop();
        report(&args, players, period, &server, &measured?);
    }
    Ok(())
}

/// A boom server child process.
struct Server {
    child: Child,
    port: u16,
    /// Its SSH port, when it serves SSH.
    ssh_port: Option<u16>,
    /// The last "server load" line of its log (frames sent and skipped per
    /// second over its last 10 s).
    load: Arc<Mutex<String>>,
}

impl Server {
    fn start(
        extra: &[String],
        cores: &[usize],
        client: Client,
        ssh: bool,
    ) -> Result<Server, Box<dyn std::error::Error>> {
        let mut path = std::env::current_exe()?;
        path.pop();
        path.pop();
        let boom = path.join("boom");
        let cores: Vec<String> = cores.iter().map(usize::to_string).collect();
        // One reactor per core it is given, unless told otherwise.
        let threads = if extra.iter().any(|a| a == "--threads" || a == "--classic") {
            Vec::new()
        } else {
            vec!["--threads".to_owned(), cores.len().to_string()]
        };
        // One key for every run: the first makes it.
        let host_key = std::env::temp_dir().join("boom-load-ssh-host-key");
        let ssh_args = if ssh {
            vec![
                "--ssh".to_owned(),
                "tcp:port=0:interface=127.0.0.1".to_owned(),
                "--ssh-host-key".to_owned(),
                host_key.display().to_string(),
            ]
        } else {
            Vec::new()
        };
        let mut child = Command::new("taskset")
            .args(["-c", &cores.join(",")])
            .arg(&boom)
            .args(["--listen", "tcp:port=0:interface=127.0.0.1"])
            .args(if client == Client::Web {
                &["--web", "tcp:port=0:interface=127.0.0.1"][..]
            } else {
                &[]
            })
            // Every simulated player comes from 127.0.0.1.
            .args(["--max-per-address", "100000"])
            .args(threads)
            .args(ssh_args)
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {} under taskset: {e}", boom.display()))?;
        let stdout = child.stdout.take().ok_or("no server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut port, mut ssh_port) = (None, None);
        // Players play on the web front end's port with --web.
        let players_on = if client == Client::Web {
            "web front end on "
        } else {
            "listening on "
        };
        // "boom: listening on 127.0.0.1:PORT; …", "boom: web front end on
        // 127.0.0.1:PORT; …", "boom: SSH on 127.0.0.1:PORT; …"
        while port.is_none() || (ssh && ssh_port.is_none()) {
            let line = lines.next().ok_or("the server ended")??;
            let found = |prefix: &str| {
                line.split(prefix)
                    .nth(1)
                    .and_then(|rest| rest.split(';').next())
                    .and_then(|address| address.rsplit(':').next())
                    .and_then(|port| port.trim().parse::<u16>().ok())
            };
            port = port.or(found(players_on));
            ssh_port = ssh_port.or(found("SSH on "));
        }
        let port = port.ok_or("no port announced")?;
        let load = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().ok_or("no server stderr")?;
        let last = load.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("server load") {
                    *last.lock().unwrap_or_else(|e| e.into_inner()) = line;
                }
            }
        });
        Ok(Server {
            child,
            port,
            ssh_port,
            load,
        })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one measurement gathered.
struct Measured {
    /// Seconds measured.
    elapsed: f64,
    /// The server's CPU use over them, in cores.
    cpu: f64,
    /// The server's resident memory at the end, MiB.
    rss: f64,
    /// What each player saw.
    seen: Vec<Seen>,
}

/// Players over telnet (or plain TCP) on this thread's weft reactor.
fn measure(
    args: &Args,
    client: Client,
    players: usize,
    server: &Server,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    let keyboards: Rc<RefCell<Vec<(Transport, Client)>>> = Rc::default();
    let seen: Vec<Rc<RefCell<Seen>>> = (0..players).map(|_| Rc::default()).collect();
    // Connect in waves of 200, so the server's accept queue never overflows.
    let waiting = Rc::new(RefCell::new(seen.clone()));
    let connecting = {
        let (reactor, keyboards, waiting) = (reactor.clone(), keyboards.clone(), waiting.clone());
        let port = server.port;
        LoopingCall::start(
            &reactor.clone(),
            Duration::from_millis(20),
            StartAt::Now,
            move |_| {
                let wave: Vec<_> = {
                    let mut waiting = waiting.borrow_mut();
                    let n = waiting.len().min(200);
                    waiting.drain(..n).collect()
                };
                for seen in wave {
                    let keyboards = keyboards.clone();
                    let started = Instant::now();
                    reactor.connect_tcp("127.0.0.1", port, None, move |_: &Address| {
                        Some(Player {
                            client,
                            seen: seen.clone(),
                            keyboards: keyboards.clone(),
                            started,
                            line_start: true,
                            borders: 0,
                            upgraded: false,
                            partial: Vec::new(),
                        })
                    });
                }
            },
        )
    };
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let typing = {
        let keyboards = keyboards.clone();
        LoopingCall::start(
            &reactor,
            Duration::from_millis(args.key_ms.max(1)),
            StartAt::AfterInterval,
            move |_| {
                for (keyboard, client) in keyboards.borrow().iter() {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let key = b"wasdwasde"[(seed % 9) as usize];
                    match client {
                        Client::Web => keyboard.write(&web_key(key)),
                        _ => keyboard.write(&[key]),
                    }
                }
            },
        )
    };
    // Once everyone is connected (or after a minute), measure.
    let started = Instant::now();
    let mark: Rc<RefCell<Option<(Instant, u64)>>> = Rc::default();
    // The server's memory and CPU time when the measurement ends, while
    // everyone is still connected (stopping this reactor disconnects the
    // players, and the server gives their memory back).
    let at_end: Rc<Cell<Option<(Instant, u64, f64)>>> = Rc::default();
    let pid = server.child.id();
    let watching = {
        let (reactor, seen, mark, keyboards, at_end) = (
            reactor.clone(),
            seen.clone(),
            mark.clone(),
            keyboards.clone(),
            at_end.clone(),
        );
        let seconds = Duration::from_secs(args.seconds);
        LoopingCall::start(
            &reactor.clone(),
            Duration::from_millis(500),
            StartAt::AfterInterval,
            move |_| {
                let mut mark = mark.borrow_mut();
                match *mark {
                    None if keyboards.borrow().len() >= players
                        || started.elapsed() > Duration::from_secs(60) =>
                    {
                        for s in &seen {
                            s.borrow_mut().reset();
                        }
                        *mark = Some((reactor.now(), cpu_ticks(pid)));
                    }
                    Some((at, _)) if at.elapsed() >= seconds => {
                        at_end.set(Some((Instant::now(), cpu_ticks(pid), rss_mib(pid))));
                        reactor.stop();
                    }
                    _ => {}
                }
            },
        )
    };
    reactor.run()?;
    for looping in [connecting, typing, watching] {
        looping.stop();
    }
    let (at, ticks_before) = mark.borrow_mut().take().ok_or("never started measuring")?;
    let (ended, ticks_after, rss) = at_end.get().ok_or("the measurement did not end")?;
    let elapsed = ended.duration_since(at).as_secs_f64();
    Ok(Measured {
        elapsed,
        cpu: (ticks_after - ticks_before) as f64 / clock_ticks_per_second() / elapsed,
        rss,
        seen: seen
            .iter()
            .map(|s| std::mem::take(&mut *s.borrow_mut()))
            .collect(),
    })
}

/// Players over SSH, one task each on a tokio runtime of this thread.
fn measure_ssh(
    args: &Args,
    players: usize,
    server: &Server,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let port = server.ssh_port.ok_or("the server announced no SSH port")?;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let key_every = Duration::from_millis(args.key_ms.max(1));
    let seen: Vec<ssh::Shared> = (0..players).map(|_| Arc::default()).collect();
    let pid = server.child.id();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (elapsed, cpu, rss) = runtime.block_on(async {
        let mut tasks = Vec::new();
        // Connect in waves of 50, so the server's accept queue never
        // overflows.
        for (n, player) in seen.iter().enumerate() {
            tasks.push(tokio::spawn(ssh::play(
                address,
                n,
                key_every,
                player.clone(),
            )));
            if n % 50 == 49 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        // Once everyone is connected (or after a minute), measure.
        let started = Instant::now();
        let connected = || {
            seen.iter()
                .filter(|s| ssh::read(s, |s| s.connected))
                .count()
        };
        while connected() < players && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        for player in &seen {
            ssh::read(player, Seen::reset);
        }
        let (at, ticks_before) = (Instant::now(), cpu_ticks(pid));
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        let elapsed = at.elapsed().as_secs_f64();
        let cpu = (cpu_ticks(pid) - ticks_before) as f64 / clock_ticks_per_second() / elapsed;
        let rss = rss_mib(pid);
        for task in tasks {
            task.abort();
        }
        (elapsed, cpu, rss)
    });
    Ok(Measured {
        elapsed,
        cpu,
        rss,
        seen: seen.iter().map(|s| ssh::read(s, std::mem::take)).collect(),
    })
}

/// Prints the table row of one measurement.
fn report(args: &Args, players: usize, period: u64, server: &Server, measured: &Measured) {
    let Measured {
        elapsed,
        cpu,
        rss,
        seen,
    } = measured;
    let connected = seen.iter().filter(|s| s.connected).count().max(1);
    let frames: u64 = seen.iter().map(|s| s.frames).sum();
    let bytes: u64 = seen.iter().map(|s| s.bytes).sum();
    let mut gaps: Vec<Duration> = seen.iter().flat_map(|s| s.gaps.clone()).collect();
    gaps.sort();
    let percentile = |sorted: &[Duration], p: usize| {
        sorted
            .get(sorted.len().saturating_sub(1) * p / 100)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    let p99 = percentile(&gaps, 99);
    let per_player = frames as f64 / connected as f64 / elapsed;
    let share = if args.telnet || args.web || args.ssh {
        "n/a (updates on change)".to_string()
    } else {
        format!("{:.0}%", per_player * period as f64 / 10.0)
    };
    let mut boards: Vec<Duration> = seen.iter().filter_map(|s| s.first_board).collect();
    boards.sort();
    let to_board = if boards.is_empty() {
        "n/a".to_string()
    } else {
        format!(
            "{:.0} / {:.0}",
            percentile(&boards, 50),
            percentile(&boards, 99)
        )
    };
    let log = server
        .load
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let field = |name: &str| {
        log.split(&format!("{name}="))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("?")
            .to_owned()
    };
    println!(
        "| {players} | {connected} | {per_player:.2} | {share} | {p99:.0} | {:.0}% of a core | {:.0} µs/s | {:.0} | {:.0} | {} / {} | {to_board} |",
        cpu * 100.0,
        cpu * 1e6 / connected as f64,
        rss,
        bytes as f64 / connected as f64 / elapsed,
        field("frames_per_second"),
        field("skipped_per_second"),
    );
}

/// User plus system CPU ticks of process `pid`.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name (which ends with ')'): utime is the 12th field,
    // stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn pin_to_cpu(cpu: usize) {
    // SAFETY: the set is initialised by CPU_ZERO before use.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}
