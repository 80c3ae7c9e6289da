//! A connection's state machine: where it is in its life, and what its
//! reading and sending sides are doing. Each part is an enum whose
//! transitions are methods, so that no combination the reactor cannot be
//! in can be written down.

use crate::CloseReason;

/// Where a connection is in its life.
///
/// ```text
/// Open ──shutdown_write──▶ HalfClosing ──flushed──▶ HalfClosed
///   │                          │                        │
///   └──────────────┬───────────┴────────────────────────┘
///                  ▼ lose / abort / peer closed / error
///              Closing { abort, reason } ──flushed (or abort)──▶ Closed
/// ```
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// Open both ways.
    Open,
    /// The protocol asked for a half-close: flush, then shut down the
    /// sending side; reading goes on.
    HalfClosing,
    /// The sending side is shut down; reading goes on.
    HalfClosed,
    /// A close was asked for and is not carried out yet.
    Closing(PendingClose),
    /// Gone: the socket is closed and the protocol was told.
    Closed,
}

/// A close that was asked for and not yet carried out.
#[derive(Clone, Debug)]
pub(crate) struct PendingClose {
    /// Close without flushing, resetting the connection.
    pub(crate) abort: bool,
    pub(crate) reason: CloseReason,
}

impl Phase {
    /// Asks for a close. A later abort overrides an earlier flushing close;
    /// otherwise the first request stands. Returns whether the phase
    /// changed.
    pub(crate) fn request_close(&mut self, abort: bool, reason: CloseReason) -> bool {
        match self {
            Phase::Closed => false,
            Phase::Closing(existing) if existing.abort || !abort => false,
            _ => {
                *self = Phase::Closing(PendingClose { abort, reason });
                true
            }
        }
    }

    /// Asks for a half-close; returns whether the phase changed (only an
    /// open connection can start one).
    pub(crate) fn request_half_close(&mut self) -> bool {
        if matches!(self, Phase::Open) {
            *self = Phase::HalfClosing;
            true
        } else {
            false
        }
    }

    /// Whether writes are still accepted.
    pub(crate) fn accepts_writes(&self) -> bool {
        matches!(self, Phase::Open)
    }

    /// Whether input is still delivered (a close that was asked for stops
    /// reading; a half-close does not).
    pub(crate) fn accepts_input(&self) -> bool {
        matches!(self, Phase::Open | Phase::HalfClosing | Phase::HalfClosed)
    }
}

/// The receiving side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Input is read and delivered.
    Active,
    /// The protocol paused reading.
    Paused,
    /// End of input was read.
    Ended,
}

/// Whether the socket takes writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sending {
    /// Writes are tried.
    Ready,
    /// The socket refused a write (`EAGAIN`): none is tried until the
    /// poller says it is writable again.
    Blocked,
}

/// What the protocol was last told about producing output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Producer {
    /// Producing (no `pause_writing`, or `resume_writing` after it).
    Producing,
    /// `pause_writing` was delivered and `resume_writing` not yet.
    Paused,
}

/// The connection's two sides, besides its [`Phase`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sides {
    pub(crate) reading: Reading,
    pub(crate) sending: Sending,
    pub(crate) producer: Producer,
    /// The poller reported that the peer closed its side: reading goes on
    /// to the end of input even after a short read.
    pub(crate) peer_closed: bool,
}

impl Default for Sides {
    fn default() -> Self {
        Sides {
            reading: Reading::Active,
            sending: Sending::Ready,
            producer: Producer::Producing,
            peer_closed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abort_overrides_a_flushing_close_and_nothing_reopens() {
        let mut phase = Phase::Open;
        assert!(phase.request_half_close());
        assert!(!phase.accepts_writes());
        assert!(phase.accepts_input());
        assert!(phase.request_close(false, CloseReason::Done));
        assert!(!phase.request_close(false, CloseReason::PeerClosed));
        assert!(
            matches!(&phase, Phase::Closing(c) if !c.abort && matches!(c.reason, CloseReason::Done))
        );
        assert!(phase.request_close(true, CloseReason::Aborted));
        assert!(!phase.request_close(true, CloseReason::Done));
        assert!(
            matches!(&phase, Phase::Closing(c) if c.abort && matches!(c.reason, CloseReason::Aborted))
        );
        assert!(!phase.accepts_input());
        assert!(!phase.request_half_close());
        phase = Phase::Closed;
        assert!(!phase.request_close(true, CloseReason::Aborted));
    }
}
