//! [`Backoff`]: how long a reconnecting client waits between attempts.

use std::time::Duration;

/// Jittered exponential back-off (Twisted's `backoffPolicy`): after `n`
/// failed attempts in a row the wait is `initial × factor^n`, at most
/// `max`, plus a random extra of up to `jitter`, so that many clients
/// that lost the same server do not all come back at the same instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The wait after a connection is lost, before any failure.
    pub initial: Duration,
    /// What each failure in a row multiplies the wait by.
    pub factor: f64,
    /// The longest wait, jitter aside.
    pub max: Duration,
    /// The most random extra added to each wait.
    pub jitter: Duration,
}

impl Default for Backoff {
    /// Twisted's defaults: 1 s, ×1.5, at most 60 s, up to 1 s of jitter.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            factor: 1.5,
            max: Duration::from_secs(60),
            jitter: Duration::from_secs(1),
        }
    }
}

impl Backoff {
    /// The wait before the next attempt, after `failures` failed attempts
    /// in a row.
    pub fn delay(&self, failures: u32) -> Duration {
        let exponent = i32::try_from(failures).unwrap_or(i32::MAX);
        let grown = self.initial.as_secs_f64() * self.factor.max(1.0).powi(exponent);
        let base = Duration::try_from_secs_f64(grown)
            .unwrap_or(self.max)
            .min(self.max);
        base + self.jitter.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_by_the_factor_up_to_the_maximum() {
        let backoff = Backoff {
            initial: Duration::from_secs(1),
            factor: 2.0,
            max: Duration::from_secs(5),
            jitter: Duration::ZERO,
        };
        let waits: Vec<u64> = (0..5).map(|n| backoff.delay(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn jitter_adds_at_most_its_amount() {
        let backoff = Backoff {
            jitter: Duration::from_millis(500),
            ..Backoff::default()
        };
        for _ in 0..100 {
            let wait = backoff.delay(0);
            assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_millis(1500));
        }
    }
}
