//! An observer: a boom player that only watches. It connects from
//! 127.0.0.1 as `nc` would (it never speaks telnet, so it gets plain
//! frames), presses one key (so the join timeout does not apply to it),
//! and notes when each frame arrives. On a classic server every frame
//! interval repaints the whole board, so its frames fall on a fixed grid
//! (every 50 ms with `--frame-ms 50`) whatever happens in the game: how
//! often they come during an attack, against without, is the attack's
//! cost to everyone else.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::report::quantile;

/// What ends a plain frame: its last row, then its bottom border (the only
/// border that follows a row).
const FRAME_END: &[u8] = b"|\r\n+";

/// Frames seen over a window.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameStats {
    /// Frames that arrived in the window.
    pub frames: usize,
    /// Frames per second.
    pub per_second: f64,
    /// Median time between two frames.
    pub median_gap: Duration,
    /// 99th percentile of the time between two frames.
    pub p99_gap: Duration,
    /// The longest time without a frame (up to the window's end).
    pub longest_silence: Duration,
}

impl FrameStats {
    /// "20.0 frames/s; gaps: median 50.0 ms, p99 52.1 ms, longest 56.0 ms".
    pub fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        format!(
            "{:.1} frames/s; gaps: median {:.1} ms, p99 {:.1} ms, longest {:.1} ms",
            self.per_second,
            ms(self.median_gap),
            ms(self.p99_gap),
            ms(self.longest_silence)
        )
    }

    /// A line of detail: the observer `when` (`during`), and without the
    /// attack.
    pub fn against(&self, when: &str, without: &FrameStats) -> String {
        format!(
            "observer {when}: {}; without the attack: {}",
            self.summary(),
            without.summary()
        )
    }
}

#[derive(Default)]
struct Seen {
    frames: Vec<Instant>,
    ended: Option<Instant>,
}

/// A connected observer; dropping it disconnects.
pub struct Observer {
    seen: Arc<Mutex<Seen>>,
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
}

impl Observer {
    /// Connects to the boom server at `address` and starts watching.
    pub fn connect(address: SocketAddr) -> io::Result<Observer> {
        let mut stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        // A move into the wall: refused, but it counts as a key pressed.
        stream.write_all(b"w")?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut reader = stream.try_clone()?;
        let record = seen.clone();
        let thread = std::thread::Builder::new()
            .name("observer".into())
            .spawn(move || watch(&mut reader, &record))?;
        Ok(Observer {
            seen,
            stream,
            thread: Some(thread),
        })
    }

    /// Whether the server still serves it.
    pub fn is_connected(&self) -> bool {
        self.lock().ended.is_none()
    }

    /// Frames between `from` and `to`.
    pub fn between(&self, from: Instant, to: Instant) -> FrameStats {
        let seen = self.lock();
        let to = seen.ended.map_or(to, |ended| ended.min(to));
        let times: Vec<Instant> = seen
            .frames
            .iter()
            .copied()
            .filter(|t| *t >= from && *t <= to)
            .collect();
        frame_stats(&times, from, to)
    }

    /// Waits `window` and returns the frames seen meanwhile.
    pub fn watch(&self, window: Duration) -> FrameStats {
        let from = Instant::now();
        std::thread::sleep(window);
        self.between(from, Instant::now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads until the end, noting the instant of each frame's end.
fn watch(stream: &mut TcpStream, seen: &Mutex<Seen>) {
    let mut buffer = vec![0u8; 64 * 1024];
    // The bytes of FRAME_END matched so far, across reads.
    let mut matched = 0;
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let now = Instant::now();
        let mut frames = 0;
        for &byte in &buffer[..n] {
            matched = if byte == FRAME_END[matched] {
                matched + 1
            } else if byte == FRAME_END[0] {
                1
            } else {
                0
            };
            if matched == FRAME_END.len() {
                frames += 1;
                matched = 0;
            }
        }
        if frames > 0 {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.frames.extend(std::iter::repeat_n(now, frames));
        }
    }
    seen.lock().unwrap_or_else(|e| e.into_inner()).ended = Some(Instant::now());
}

/// The statistics of frames that arrived at `times` (in order) over the
/// window `from`..`to`.
fn frame_stats(times: &[Instant], from: Instant, to: Instant) -> FrameStats {
    let seconds = (to - from).as_secs_f64().max(1e-9);
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    let at = |q: f64| Duration::from_secs_f64(quantile(&gaps, q).unwrap_or(seconds));
    let edges = [
        times.first().map_or(to - from, |first| *first - from),
        times.last().map_or(to - from, |last| to - *last),
    ];
    let longest = gaps
        .iter()
        .map(|g| Duration::from_secs_f64(*g))
        .chain(edges)
        .max()
        .unwrap_or_default();
    FrameStats {
        frames: times.len(),
        per_second: times.len() as f64 / seconds,
        median_gap: at(0.5),
        p99_gap: at(0.99),
        longest_silence: longest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_every_50_ms_make_20_a_second() {
        let from = Instant::now();
        let times: Vec<Instant> = (1..=20)
            .map(|i| from + Duration::from_millis(50 * i))
            .collect();
        let stats = frame_stats(&times, from, from + Duration::from_secs(1));
        assert_eq!(stats.frames, 20);
        assert!((stats.per_second - 20.0).abs() < 1e-9);
        assert_eq!(stats.median_gap, Duration::from_millis(50));
        assert_eq!(stats.longest_silence, Duration::from_millis(50));
    }

    #[test]
    fn no_frame_is_a_silence_as_long_as_the_window() {
        let from = Instant::now();
        let stats = frame_stats(&[], from, from + Duration::from_secs(2));
        assert_eq!(stats.frames, 0);
        assert_eq!(stats.longest_silence, Duration::from_secs(2));
    }
}
