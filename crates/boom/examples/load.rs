//! Load generator: N players connect to a running boom server, press a key
//! every so often, and count the frames they receive. It reports how many
//! frames per second each player got, to compare with the server's frame
//! rate (the server is served at full frame rate when every player gets
//! about 1000 / frame-ms frames per second while the arenas keep changing).
//!
//! ```text
//! cargo run --release -p boom -- --render plain --bots 2 &
//! cargo run --release -p boom --example load -- --clients 10000 --seconds 20
//! ```
//!
//! A measurement on a shared 2-core machine, the load generator running on
//! the same machine: `boom --classic --frame-ms 50` (every player gets the
//! whole board every 50 ms) with 10,000 players got 12.2 frames per second
//! per player (min 11.9), the server using about one core, 85% of it in the
//! kernel sending (one `send` per player per frame: the floor for this
//! design). In the full game (`--bots 2`) with 10,000 telnet players
//! (`--telnet --key-ms 100`, so ANSI updates) in 1,250 arenas, the server
//! sent 46,600 updates per second (every change, at the next 50 ms tick;
//! rounds pause between them) using under half a core and 56 MB resident.
//!
//! Players here never speak telnet (unless `--telnet`), so with `--render auto` they get plain
//! frames; a frame is counted at each second border line.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use weft::time::{LoopingCall, Scheduler, StartAt};
use weft::{Address, CloseReason, Protocol, Reactor, Transport};

/// Connects many players to a boom server and counts their frames.
#[derive(Parser, Debug)]
struct Args {
    /// Server host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, default_value_t = 8900)]
    port: u16,
    /// How many players.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// How long to measure, after everyone connected.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Each player presses a key this often (milliseconds).
    #[arg(long, default_value_t = 200)]
    key_ms: u64,
    /// Answer the server's telnet negotiation (with an 80 x 24 window), so
    /// that `--render auto` sends ANSI updates; frames are then not
    /// counted here: read the server's `server load` log line instead
    /// (`RUST_LOG=info`).
    #[arg(long)]
    telnet: bool,
}

/// What a stock telnet client answers: DO ECHO, DO SGA, WILL NAWS, 80 x 24.
const TELNET_HELLO: &[u8] = &[
    255, 253, 1, 255, 253, 3, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240,
];

#[derive(Default)]
struct Totals {
    connected: usize,
    lost: usize,
    frames: Vec<u64>,
    bytes: u64,
    transports: Vec<Transport>,
}

/// When measuring started, each player's frames then, and the bytes then.
type Mark = (Instant, Vec<u64>, u64);

struct Player {
    telnet: bool,
    index: usize,
    totals: Rc<RefCell<Totals>>,
    line_start: bool,
    borders: u64,
}

impl Protocol for Player {
    fn connection_made(&mut self, transport: Transport) {
        if self.telnet {
            transport.write(TELNET_HELLO);
        }
        let mut totals = self.totals.borrow_mut();
        totals.connected += 1;
        totals.transports.push(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        for &byte in data {
            if self.line_start && byte == b'+' {
                self.borders += 1;
            }
            self.line_start = byte == b'\n';
        }
        let mut totals = self.totals.borrow_mut();
        totals.bytes += data.len() as u64;
        totals.frames[self.index] = self.borders / 2;
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        self.totals.borrow_mut().lost += 1;
    }
}

fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    raise_open_file_limit();
    let reactor = Reactor::new()?;
    let totals = Rc::new(RefCell::new(Totals {
        frames: vec![0; args.clients],
        ..Totals::default()
    }));
    let telnet = args.telnet;
    for index in 0..args.clients {
        let totals = totals.clone();
        reactor.connect_tcp(&args.host, args.port, None, move |_: &Address| {
            Some(Player {
                telnet,
                index,
                totals: totals.clone(),
                line_start: true,
                borders: 0,
            })
        });
    }
    // Keys: every player presses one of "wasde" every key_ms, spread out.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let keys = {
        let totals = totals.clone();
        LoopingCall::start(
            &reactor,
            Duration::from_millis(args.key_ms.max(1)),
            StartAt::AfterInterval,
            move |_| {
                for transport in &totals.borrow().transports {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    transport.write(&[b"wasdwasde"[(seed % 9) as usize]]);
                }
            },
        )
    };
    let clients = args.clients;
    let seconds = args.seconds;
    let started = Instant::now();
    let start_frames: Rc<RefCell<Option<Mark>>> = Rc::default();
    let check = {
        let totals = totals.clone();
        let reactor = reactor.clone();
        let start_frames = start_frames.clone();
        LoopingCall::start(
            &reactor.clone(),
            Duration::from_millis(500),
            StartAt::AfterInterval,
            move |_| {
                let totals = totals.borrow();
                let mut mark = start_frames.borrow_mut();
                match &*mark {
                    None if totals.connected >= clients
                        || started.elapsed() > Duration::from_secs(60) =>
                    {
                        println!(
                            "{} of {clients} connected in {:.1} s; measuring for {seconds} s",
                            totals.connected,
                            started.elapsed().as_secs_f64()
                        );
                        *mark = Some((reactor.now(), totals.frames.clone(), totals.bytes));
                    }
                    Some((at, _, _)) if at.elapsed() >= Duration::from_secs(seconds) => {
                        reactor.stop()
                    }
                    _ => {}
                }
            },
        )
    };
    reactor.run()?;
    keys.stop();
    check.stop();
    let totals = totals.borrow();
    let Some((at, before, bytes_before)) = start_frames.borrow_mut().take() else {
        return Err("never finished connecting".into());
    };
    let wall = at.elapsed().as_secs_f64();
    let mut rates: Vec<f64> = totals
        .frames
        .iter()
        .zip(&before)
        .map(|(after, before)| (after - before) as f64 / wall)
        .collect();
    rates.sort_by(f64::total_cmp);
    let mean = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    let pct = |p: f64| rates[((rates.len() - 1) as f64 * p) as usize];
    println!(
        "{} players ({} lost): frames per second per player: mean {mean:.1}, min {:.1}, p10 {:.1}, median {:.1}, max {:.1}; {:.1} MB/s received",
        totals.connected,
        totals.lost,
        pct(0.0),
        pct(0.1),
        pct(0.5),
        pct(1.0),
        (totals.bytes - bytes_before) as f64 / wall / 1e6
    );
    Ok(())
}
