//! [`IdleTimeout`]: close a connection that stays silent too long
//! (Twisted's `TimeoutMixin`).

use std::time::Duration;

use crate::Transport;
use crate::time::{DelayedCall, Scheduler};

/// Closes a connection once a period passes without
/// [`reset`](Self::reset) being called.
///
/// A protocol starts one in `connection_made` and resets it whenever it
/// sees activity (data, usually); it [`cancel`](Self::cancel)s it once the
/// peer needs no more watching. When the period passes, the connection is
/// closed after flushing, with the reason "no activity for …"
/// ([`Transport::lose_connection_because`]). Dropping the timeout cancels
/// it, so a protocol that owns one needs no clean-up.
///
/// It runs on any [`Scheduler`]: the reactor, or the test clock.
#[derive(Debug)]
pub struct IdleTimeout {
    call: DelayedCall,
    period: Duration,
}

impl IdleTimeout {
    /// Starts watching `transport`: it is closed after `period` of
    /// silence.
    pub fn start(scheduler: &dyn Scheduler, period: Duration, transport: &Transport) -> Self {
        let transport = transport.clone();
        let call = scheduler.call_at(
            scheduler.now() + period,
            Box::new(move || {
                let why = format!("no activity for {}", describe(period));
                tracing::debug!(peer = %transport.peer_address(), %why, "closing an idle connection");
                transport.lose_connection_because(&why);
            }),
        );
        IdleTimeout { call, period }
    }

    /// There was activity: the period starts again from now. Does nothing
    /// once the timeout fired or was cancelled.
    pub fn reset(&self) {
        self.call.reset(self.period);
    }

    /// Stops watching for good.
    pub fn cancel(&self) {
        self.call.cancel();
    }

    /// Whether the timeout is still running.
    pub fn is_active(&self) -> bool {
        self.call.active()
    }

    /// The period of silence allowed.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl Drop for IdleTimeout {
    fn drop(&mut self) {
        self.call.cancel();
    }
}

/// A period as people write it: `90 s`, `250 ms`.
fn describe(period: Duration) -> String {
    if period.subsec_millis() == 0 {
        format!("{} s", period.as_secs())
    } else {
        format!("{} ms", period.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CloseKind;
    use crate::testing::{Clock, StringTransport};

    #[test]
    fn silence_for_the_period_closes_and_activity_postpones_it() {
        let clock = Clock::new();
        let peer = StringTransport::new();
        let transport = peer.transport();
        let timeout = IdleTimeout::start(&clock, Duration::from_secs(30), &transport);
        clock.advance(Duration::from_secs(20));
        timeout.reset();
        clock.advance(Duration::from_secs(20));
        assert!(!transport.is_closing(), "reset at 20 s: 30 s more allowed");
        clock.advance(Duration::from_secs(10));
        assert!(transport.is_closing());
        assert_eq!(
            peer.close_requested(),
            Some(CloseKind::Flush(Some("no activity for 30 s".into())))
        );
        assert!(!timeout.is_active());
    }

    #[test]
    fn a_cancelled_or_dropped_timeout_never_closes() {
        let clock = Clock::new();
        let (first, second) = (StringTransport::new(), StringTransport::new());
        let cancelled = IdleTimeout::start(&clock, Duration::from_millis(250), &first.transport());
        cancelled.cancel();
        drop(IdleTimeout::start(
            &clock,
            Duration::from_millis(250),
            &second.transport(),
        ));
        clock.advance(Duration::from_secs(1));
        assert!(!first.transport().is_closing());
        assert!(!second.transport().is_closing());
        assert_eq!(clock.pending_calls(), 0);
    }
}
