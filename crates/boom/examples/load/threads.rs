//! The players' threads: one per core of `--player-cores`, each pinned to
//! its core and playing its share of the players (the shares differ by one
//! at most) until the measuring thread stops it: on a weft reactor of its
//! own over TCP (plain, telnet, web), or on a tokio runtime of its own
//! over SSH. Together they connect at the rate one thread did (a wave of
//! players every 20 ms, the wave divided among the threads), so that the
//! server's accept queue never overflows.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use weft::time::{LoopingCall, StartAt};
use weft::{Address, Reactor, Transport};

use super::seen::Shared;
use super::{Client, Player, ssh, web_key};

/// Time between two waves of connecting players.
const WAVE_EVERY: Duration = Duration::from_millis(20);

/// How the players play.
#[derive(Clone, Copy, Debug)]
pub enum Play {
    /// Over TCP to 127.0.0.1:`port`, as `client` does, on weft reactors;
    /// all threads together connect 200 players a wave.
    Weft { client: Client, port: u16 },
    /// Over SSH to `address`, one tokio task per player; all threads
    /// together connect 50 players a wave.
    Ssh { address: SocketAddr },
}

impl Play {
    /// How many players all threads together connect in a wave.
    fn wave(self) -> usize {
        match self {
            Play::Weft { .. } => 200,
            Play::Ssh { .. } => 50,
        }
    }
}

/// Stops one thread's players (from any thread).
type Stop = Box<dyn FnOnce() + Send>;

/// One running thread of players.
struct Group {
    stop: Stop,
    thread: JoinHandle<Result<(), String>>,
}

/// The running threads of players.
pub struct Players {
    groups: Vec<Group>,
}

/// Starts a thread of players on each core of `cores`, playing as `play`
/// says, the players of `seen` split evenly over them; each presses a key
/// every `key_every`. An error names the thread that could not start
/// (the others are stopped).
pub fn start(
    play: Play,
    cores: &[usize],
    seen: &[Shared],
    key_every: Duration,
) -> Result<Players, String> {
    let mut players = Players { groups: Vec::new() };
    let wave = (play.wave() / cores.len()).max(1);
    let mut first = 0;
    for (index, &core) in cores.iter().enumerate() {
        let count = weft_bench::generator::share(seen.len(), cores.len(), index);
        let mine = seen[first..first + count].to_vec();
        let seed = 0x2545_f491_4f6c_dd1d ^ index as u64;
        let started = match play {
            Play::Weft { client, port } => spawn(core, move |ready| {
                weft_players(client, port, mine, key_every, wave, seed, ready)
            }),
            Play::Ssh { address } => spawn(core, move |ready| {
                ssh_players(address, first, mine, key_every, wave, ready)
            }),
        };
        match started {
            Ok(group) => players.groups.push(group),
            Err(e) => {
                let _ = players.stop();
                return Err(e);
            }
        }
        first += count;
    }
    Ok(players)
}

impl Players {
    /// Whether a thread ended before it was stopped (its error comes
    /// from [`stop`](Self::stop)).
    pub fn failed(&self) -> bool {
        self.groups.iter().any(|group| group.thread.is_finished())
    }

    /// Stops every thread, waits for each, and returns the first error.
    pub fn stop(self) -> Result<(), String> {
        let mut threads = Vec::new();
        for group in self.groups {
            (group.stop)();
            threads.push(group.thread);
        }
        let mut outcome = Ok(());
        for thread in threads {
            let ended = join(thread);
            if outcome.is_ok() {
                outcome = ended;
            }
        }
        outcome
    }
}

/// What a thread of players ended with.
fn join(thread: JoinHandle<Result<(), String>>) -> Result<(), String> {
    thread
        .join()
        .unwrap_or_else(|_| Err("a players' thread panicked".into()))
}

/// Starts a thread pinned to `core` running `body`, which hands over how
/// to stop it once it is set up.
fn spawn(
    core: usize,
    body: impl FnOnce(mpsc::Sender<Stop>) -> Result<(), String> + Send + 'static,
) -> Result<Group, String> {
    let (ready, stop) = mpsc::channel();
    let thread = thread::Builder::new()
        .name(format!("players-{core}"))
        .spawn(move || {
            weft_bench::pin_to_core(core)
                .map_err(|e| format!("cannot pin a players' thread to core {core}: {e}"))?;
            body(ready)
        })
        .map_err(|e| format!("cannot start a players' thread: {e}"))?;
    match stop.recv() {
        Ok(stop) => Ok(Group { stop, thread }),
        // It ended before it was set up: say why.
        Err(_) => Err(join(thread)
            .err()
            .unwrap_or_else(|| "a players' thread ended at once".into())),
    }
}

/// The players of `seen` over TCP on a weft reactor of this thread, until
/// it is stopped: they connect `wave` at a time, and each presses a key
/// every `key_every` (random keys from `seed`).
fn weft_players(
    client: Client,
    port: u16,
    seen: Vec<Shared>,
    key_every: Duration,
    wave: usize,
    mut seed: u64,
    ready: mpsc::Sender<Stop>,
) -> Result<(), String> {
    let reactor = Reactor::new().map_err(|e| e.to_string())?;
    let remote = reactor.remote();
    let keyboards: Rc<RefCell<Vec<(Transport, Client)>>> = Rc::default();
    let waiting = Rc::new(RefCell::new(seen));
    let connecting = {
        let (reactor, keyboards) = (reactor.clone(), keyboards.clone());
        LoopingCall::start(&reactor.clone(), WAVE_EVERY, StartAt::Now, move |_| {
            let next: Vec<Shared> = {
                let mut waiting = waiting.borrow_mut();
                let n = waiting.len().min(wave);
                waiting.drain(..n).collect()
            };
            for seen in next {
                let keyboards = keyboards.clone();
                let started = Instant::now();
                reactor.connect_tcp("127.0.0.1", port, None, move |_: &Address| {
                    Some(Player::new(
                        client,
                        seen.clone(),
                        keyboards.clone(),
                        started,
                    ))
                });
            }
        })
    };
    let typing = LoopingCall::start(&reactor, key_every, StartAt::AfterInterval, move |_| {
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
    });
    ready
        .send(Box::new(move || {
            let _ = remote.stop();
        }))
        .map_err(|_| "the measuring thread is gone")?;
    let ran = reactor.run().map_err(|e| e.to_string());
    connecting.stop();
    typing.stop();
    ran
}

/// The players of `seen` (numbered from `first`) over SSH, one task each
/// on a tokio runtime of this thread, until it is stopped: they connect
/// `wave` at a time, and each presses a key every `key_every`.
fn ssh_players(
    address: SocketAddr,
    first: usize,
    seen: Vec<Shared>,
    key_every: Duration,
    wave: usize,
    ready: mpsc::Sender<Stop>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    ready
        .send(Box::new(move || {
            let _ = stop.send(());
        }))
        .map_err(|_| "the measuring thread is gone")?;
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (n, player) in seen.into_iter().enumerate() {
            tasks.push(tokio::spawn(ssh::play(
                address,
                first + n,
                key_every,
                player,
            )));
            if n % wave == wave - 1 {
                tokio::time::sleep(WAVE_EVERY).await;
            }
        }
        // Stopped, or the measuring thread is gone.
        let _ = stopped.await;
        for task in tasks {
            task.abort();
        }
    });
    Ok(())
}
