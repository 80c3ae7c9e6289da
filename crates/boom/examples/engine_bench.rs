//! Measures the boom engine: simulated rounds per second with 4 bots on
//! 11 × 11, the cost of one 50 ms step of a 101 × 101 board with 100 bots,
//! and the cost of an idle step and of a plain frame.
//!
//! Run with: `cargo run --release -p boom --example engine_bench`

use std::hint::black_box;
use std::time::{Duration, Instant};

use boom::game::{Arena, Config, Event};
use boom::render::plain::frame;

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

fn main() {
    rounds_per_second(1000);
    big_board_step(2000);
    idle_step(1_000_000);
    plain_frame(100_000);
}
