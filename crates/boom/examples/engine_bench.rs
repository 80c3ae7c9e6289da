//! Measures the boom engine: simulated rounds per second with 4 bots on
//! 11 × 11, the cost of one 50 ms step of a 101 × 101 board with 100 bots
//! and of an 11 × 11 board with 30,000 bots, the cost of an idle step and
//! of a plain frame, and 10,000 players in 2,500 arenas at 20 frames per
//! second.
//!
//! Run with: `cargo run --release -p boom --example engine_bench`

use std::hint::black_box;
use std::time::{Duration, Instant};

use boom::game::{Action, Arena, Config, Direction, Event, PawnId, Rng};
use boom::render::plain::{frame, write_frame};

fn rounds_per_second(rounds: usize) {
    let mut arena = Arena::new(Config::default().with_seed(1)).unwrap();
    for name in ["W", "X", "Y", "Z"] {
        arena.add_bot(name);
    }
    let started = Instant::now();
    let mut done = 0;
    let mut draws = 0;
    while done < rounds {
        let Some(next) = arena.next_deadline() else {
            break;
        };
        arena.advance(next);
        for (_, event) in arena.drain_events() {
            if let Event::RoundOver { winner, .. } = event {
                done += 1;
                draws += winner.is_none() as usize;
            }
        }
    }
    let wall = started.elapsed();
    println!(
        "4 bots on 11x11: {done} rounds ({draws} draws, {:.0} s of game time) in {:.3} s: {:.0} rounds/s, {:.0}x real time",
        arena.now().as_secs_f64(),
        wall.as_secs_f64(),
        done as f64 / wall.as_secs_f64(),
        arena.now().as_secs_f64() / wall.as_secs_f64(),
    );
}

fn big_board_step(steps: u32) {
    let config = Config::default().with_size(101, 101).with_seed(2);
    let mut arena = Arena::new(config).unwrap();
    for k in 0..100 {
        arena.add_bot(&format!("B{k}"));
    }
    let step = Duration::from_millis(50);
    let mut now = Duration::ZERO;
    // Past the countdown, into play.
    now += Duration::from_secs(3);
    arena.advance(now);
    arena.drain_events();
    let mut worst = Duration::ZERO;
    let mut events = 0;
    let started = Instant::now();
    for _ in 0..steps {
        now += step;
        let t0 = Instant::now();
        arena.advance(now);
        events += arena.drain_events().count();
        worst = worst.max(t0.elapsed());
    }
    let wall = started.elapsed();
    let alive = arena.pawns().iter().filter(|p| p.is_alive()).count();
    println!(
        "100 bots on 101x101: {steps} steps of 50 ms, mean {:.1} us/step, worst {:.1} us ({events} events, {alive} alive at the end)",
        wall.as_secs_f64() * 1e6 / f64::from(steps),
        worst.as_secs_f64() * 1e6,
    );
}

/// One arena crowded with bots (a server started with `--bots 30000`):
/// the time to add them, then the cost of a 50 ms step once play started.
fn crowd_step(bots: usize, steps: u32) {
    let started = Instant::now();
    let mut arena = Arena::new(Config::default().with_seed(3)).unwrap();
    for k in 0..bots {
        arena.add_bot(&format!("B{k}"));
    }
    let joined = started.elapsed();
    // Past the countdown, into play.
    let mut now = Duration::from_secs(3);
    arena.advance(now);
    arena.drain_events();
    let mut worst = Duration::ZERO;
    let started = Instant::now();
    for _ in 0..steps {
        now += Duration::from_millis(50);
        let t0 = Instant::now();
        arena.advance(now);
        arena.drain_events();
        worst = worst.max(t0.elapsed());
    }
    let wall = started.elapsed();
    println!(
        "{bots} bots on 11x11: added in {:.3} s, then {steps} steps of 50 ms, mean {:.2} ms/step, worst {:.2} ms",
        joined.as_secs_f64(),
        wall.as_secs_f64() * 1e3 / f64::from(steps),
        worst.as_secs_f64() * 1e3,
    );
}

fn idle_step(steps: u32) {
    let mut arena = Arena::new(Config::default()).unwrap();
    arena.join("A");
    arena.join("B");
    let mut now = Duration::from_secs(10);
    arena.advance(now);
    let started = Instant::now();
    for _ in 0..steps {
        now += Duration::from_millis(50);
        arena.advance(now);
        black_box(arena.version());
    }
    println!(
        "idle 11x11 arena (2 players, nobody acting): {:.1} ns/step",
        started.elapsed().as_secs_f64() * 1e9 / f64::from(steps)
    );
}

fn plain_frame(frames: u32) {
    let mut arena = Arena::new(Config::classic()).unwrap();
    for name in ["A", "B", "C", "D"] {
        arena.join(name);
    }
    let started = Instant::now();
    for _ in 0..frames {
        black_box(frame(black_box(&arena)));
    }
    println!(
        "plain frame of 11x11 with 4 pawns: {:.2} us/frame",
        started.elapsed().as_secs_f64() * 1e6 / f64::from(frames)
    );
}

/// 2,500 arenas of 4 players each (10,000 players), every player pressing
/// a random key 5 times a second, every arena stepped 20 times a second
/// and its frame rebuilt when its version changed.
fn ten_thousand_players(seconds: u32) {
    let mut arenas: Vec<(Arena, Vec<PawnId>, u64)> = (0..2500)
        .map(|k| {
            let mut arena = Arena::new(Config::default().with_seed(k)).unwrap();
            let ids = (0..4).map(|n| arena.join(&format!("P{n}"))).collect();
            (arena, ids, u64::MAX)
        })
        .collect();
    let mut rng = Rng::new(7);
    let mut buffer = Vec::new();
    let mut frames = 0u64;
    let mut now = Duration::ZERO;
    let steps = seconds * 20;
    let started = Instant::now();
    for step in 0..steps {
        now += Duration::from_millis(50);
        for (arena, ids, seen) in &mut arenas {
            if step % 4 == 0 {
                for &id in ids.iter() {
                    let action = match rng.below(6) {
                        4 => Action::DropBomb,
                        d => Action::Move(Direction::ALL[d.min(3)]),
                    };
                    let _ = arena.act(id, action, now);
                }
            }
            arena.advance(now);
            arena.drain_events();
            if arena.version() != *seen {
                *seen = arena.version();
                buffer.clear();
                write_frame(arena, &mut buffer);
                frames += 1;
            }
        }
    }
    let wall = started.elapsed();
    println!(
        "10,000 players in 2,500 arenas, {seconds} s of play at 20 steps/s: {:.2} s of CPU, {:.0}% of one core, {frames} frames built",
        wall.as_secs_f64(),
        100.0 * wall.as_secs_f64() / f64::from(seconds),
    );
}

fn main() {
    rounds_per_second(1000);
    big_board_step(2000);
    crowd_step(30_000, 20);
    idle_step(1_000_000);
    plain_frame(100_000);
    ten_thousand_players(30);
}
