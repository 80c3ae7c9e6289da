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
//! with a reactor per core unless they give `--threads`); the players run
//! on a weft reactor pinned to CPU 1, or on one thread per core of
//! `--player-cores` (such as `8-15`), each pinned to its core with its
//! share of the players. One markdown table row per
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
//! (russh's client, one task each on a tokio runtime of each players'
//! thread): they
//! count updates as telnet players do, and each notes the time from its
//! connect to the first whole board drawn (the last column).

mod seen;
mod ssh;
mod threads;

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use weft::{Protocol, Transport};
use weft_bench::cores::CoreList;

use seen::{Seen, Shared, Summary, read};
use threads::Play;

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
    /// The CPUs the server runs on (such as 0-3 or 0,1).
    #[arg(long, default_value = "0")]
    server_cores: CoreList,
    /// The CPUs the players run on: a thread on each (such as 8-15 or
    /// 8,9), the players split evenly over them.
    #[arg(long, alias = "player-core", default_value = "1")]
    player_cores: CoreList,
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

/// One simulated player over TCP.
struct Player {
    client: Client,
    seen: Shared,
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
        read(&self.seen, |seen| seen.connected = true);
        self.keyboards.borrow_mut().push((transport, self.client));
    }

    fn data_received(&mut self, data: &[u8]) {
        let now = Instant::now();
        let seen = self.seen.clone();
        read(&seen, |seen| self.saw(data, now, seen));
    }
}

impl Player {
    /// A player that started to connect at `started`, and once connected
    /// adds its keyboard to `keyboards`.
    fn new(
        client: Client,
        seen: Shared,
        keyboards: Rc<RefCell<Vec<(Transport, Client)>>>,
        started: Instant,
    ) -> Player {
        Player {
            client,
            seen,
            keyboards,
            started,
            line_start: true,
            borders: 0,
            upgraded: false,
            partial: Vec::new(),
        }
    }

    /// Counts what `data`, arrived at `now`, brings.
    fn saw(&mut self, data: &[u8], now: Instant, seen: &mut Seen) {
        seen.bytes += data.len() as u64;
        match self.client {
            Client::Telnet => {
                // The negotiation comes first; the first screen clears it.
                if seen.first_board.is_none() && contains(data, b"\x1b[") {
                    seen.first_board = Some(now - self.started);
                }
                seen.frame(now);
            }
            Client::Web => self.web_data(data, now, seen),
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
    // The measuring thread stays off the server's cores.
    weft_bench::pin_to_cores(args.player_cores.cores())
        .map_err(|e| format!("cannot run on the player cores {}: {e}", args.player_cores))?;
    let classic = args.server_args.iter().any(|a| a == "--classic");
    let client = match (args.telnet, args.web) {
        (true, _) => Client::Telnet,
        (_, true) => Client::Web,
        _ => Client::Plain,
    };
    let period = args.frame_ms.unwrap_or(if classic { 200 } else { 50 });
    let command: Vec<&str> = std::iter::once("boom")
        .chain(args.server_args.iter().map(String::as_str))
        .collect();
    println!(
        "server: {} on cores {}; players on cores {}",
        command.join(" "),
        args.server_cores,
        args.player_cores
    );
    println!(
        "| players | connected | frames/player/s | share of expected | p99 gap (ms) | server CPU | CPU per player | server RSS (MiB) | bytes/player/s | frames sent / skipped per s (server log) | connect → board p50 / p99 (ms) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &players in &args.players {
        let mut server = Server::start(
            &args.server_args,
            args.server_cores.cores(),
            client,
            args.ssh,
        )?;
        let measured = measure(&args, client, players, &server);
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

/// Starts the players on their threads, waits until every one connected
/// (at most a minute), then measures for `--seconds` with everyone still
/// connected, and stops them.
fn measure(
    args: &Args,
    client: Client,
    players: usize,
    server: &Server,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let play = if args.ssh {
        let port = server.ssh_port.ok_or("the server announced no SSH port")?;
        Play::Ssh {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    } else {
        Play::Weft {
            client,
            port: server.port,
        }
    };
    let seen: Vec<Shared> = (0..players).map(|_| Shared::default()).collect();
    let key_every = Duration::from_millis(args.key_ms.max(1));
    let running = threads::start(play, args.player_cores.cores(), &seen, key_every)?;
    let window = measure_window(&seen, &running, args.seconds, server.child.id());
    // A thread's own error says more than the window's.
    running.stop()?;
    let (elapsed, cpu, rss) = window?;
    Ok(Measured {
        elapsed,
        cpu,
        rss,
        seen: seen.iter().map(|s| read(s, std::mem::take)).collect(),
    })
}

/// Waits until every player of `seen` connected (at most a minute, while
/// every thread of `players` runs), forgets what they saw so far, and
/// measures `seconds`: the time it took, the server's CPU use in cores,
/// its resident memory at the end in MiB.
fn measure_window(
    seen: &[Shared],
    players: &threads::Players,
    seconds: u64,
    pid: u32,
) -> Result<(f64, f64, f64), String> {
    let started = Instant::now();
    while !seen::all_connected(seen) && started.elapsed() < Duration::from_secs(60) {
        if players.failed() {
            return Err("a players' thread ended".into());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    for player in seen {
        read(player, Seen::reset);
    }
    let (at, ticks_before) = (Instant::now(), cpu_ticks(pid));
    std::thread::sleep(Duration::from_secs(seconds));
    let elapsed = at.elapsed().as_secs_f64();
    let cpu = (cpu_ticks(pid) - ticks_before) as f64 / clock_ticks_per_second() / elapsed;
    Ok((elapsed, cpu, rss_mib(pid)))
}

/// Prints the table row of one measurement.
fn report(args: &Args, players: usize, period: u64, server: &Server, measured: &Measured) {
    let Measured {
        elapsed,
        cpu,
        rss,
        seen,
    } = measured;
    let Summary {
        connected,
        frames_per_player: per_player,
        bytes_per_player,
        p99_gap_ms: p99,
        to_board_ms,
    } = Summary::of(seen, *elapsed);
    let share = if args.telnet || args.web || args.ssh {
        "n/a (updates on change)".to_string()
    } else {
        format!("{:.0}%", per_player * period as f64 / 10.0)
    };
    let to_board = match to_board_ms {
        Some((median, p99)) => format!("{median:.0} / {p99:.0}"),
        None => "n/a".to_string(),
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
        bytes_per_player,
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
