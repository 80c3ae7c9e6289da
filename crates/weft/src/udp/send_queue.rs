//! [`SendLimits`], and the queue of the datagrams the kernel would not
//! take yet, within them (no I/O).

use std::collections::VecDeque;
use std::net::SocketAddr;

/// Flow-control limits of a UDP socket's send queue, in bytes of queued
/// datagrams.
///
/// The defaults are the stream transport's marks (pause above 64 KiB,
/// resume at 16 KiB) and a hard limit of 1 MiB, past which datagrams are
/// dropped and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendLimits {
    /// Above this many queued bytes, the protocol is told to pause writing.
    pub high: usize,
    /// At or below this many, a paused protocol is told to resume.
    pub low: usize,
    /// A datagram that would take the queue past this many bytes is
    /// dropped (and counted) instead of queued.
    pub max: usize,
}

impl Default for SendLimits {
    fn default() -> Self {
        SendLimits {
            high: 64 * 1024,
            low: 16 * 1024,
            max: 1024 * 1024,
        }
    }
}

/// What [`SendQueue::push`] did with a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued.
    Queued,
    /// Queued, and the queue passed its high-water mark: time to pause.
    QueuedAndPaused,
    /// Dropped: it would have passed the hard limit.
    Dropped,
}

/// Datagrams waiting for the kernel to take them, in order, with their
/// destination (`None`: the connected peer); the pause state they imply
/// and the count of datagrams dropped.
#[derive(Debug, Default)]
pub(crate) struct SendQueue {
    datagrams: VecDeque<(Box<[u8]>, Option<SocketAddr>)>,
    bytes: usize,
    limits: SendLimits,
    paused: bool,
    dropped: u64,
}

impl SendQueue {
    /// Queues `data` for `to`, or drops it past the hard limit.
    pub(crate) fn push(&mut self, data: &[u8], to: Option<SocketAddr>) -> Pushed {
        if self.bytes + data.len() > self.limits.max {
            self.dropped += 1;
            return Pushed::Dropped;
        }
        self.datagrams.push_back((data.into(), to));
        self.bytes += data.len();
        if !self.paused && self.bytes > self.limits.high {
            self.paused = true;
            return Pushed::QueuedAndPaused;
        }
        Pushed::Queued
    }

    /// The oldest datagram and its destination.
    pub(crate) fn front(&self) -> Option<(&[u8], Option<SocketAddr>)> {
        self.datagrams.front().map(|(data, to)| (&data[..], *to))
    }

    /// Removes the oldest datagram (sent, or failed); whether that ended a
    /// pause.
    pub(crate) fn pop(&mut self) -> bool {
        if let Some((data, _)) = self.datagrams.pop_front() {
            self.bytes -= data.len();
        }
        if self.datagrams.is_empty() {
            self.datagrams = VecDeque::new();
        }
        self.resume_if_low()
    }

    fn resume_if_low(&mut self) -> bool {
        let resumed = self.paused && self.bytes <= self.limits.low;
        self.paused &= !resumed;
        resumed
    }

    /// Counts one more datagram that was not sent.
    pub(crate) fn count_dropped(&mut self) {
        self.dropped += 1;
    }

    /// Sets the limits; whether the queue now passes the new high mark
    /// (`Some(true)`: pause) or falls to the new low one (`Some(false)`:
    /// resume).
    pub(crate) fn set_limits(&mut self, limits: SendLimits) -> Option<bool> {
        self.limits = limits;
        if !self.paused && self.bytes > limits.high {
            self.paused = true;
            return Some(true);
        }
        self.resume_if_low().then_some(false)
    }

    pub(crate) fn limits(&self) -> SendLimits {
        self.limits
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.datagrams.is_empty()
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused
    }

    /// Bytes queued.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Datagrams dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(high: usize, low: usize, max: usize) -> SendQueue {
        let mut queue = SendQueue::default();
        queue.set_limits(SendLimits { high, low, max });
        queue
    }

    #[test]
    fn passing_the_high_mark_pauses_once_and_the_low_mark_resumes() {
        let mut queue = queue(10, 4, 100);
        assert_eq!(queue.push(&[0; 6], None), Pushed::Queued);
        assert_eq!(queue.push(&[0; 6], None), Pushed::QueuedAndPaused);
        assert_eq!(queue.push(&[0; 6], None), Pushed::Queued);
        assert!(!queue.pop(), "12 bytes left: above the low mark");
        assert!(!queue.pop(), "6 bytes left");
        assert!(queue.pop(), "0 bytes left: resumed");
        assert!(!queue.is_paused() && queue.is_empty() && queue.bytes() == 0);
    }

    #[test]
    fn past_the_hard_limit_datagrams_are_dropped_and_counted_in_order() {
        let mut queue = queue(10, 4, 16);
        let to = Some("127.0.0.1:9".parse().unwrap());
        queue.push(b"first---", to);
        queue.push(b"second--", None);
        assert_eq!(queue.push(b"third", to), Pushed::Dropped);
        assert_eq!((queue.dropped(), queue.bytes()), (1, 16));
        assert_eq!(queue.front(), Some((&b"first---"[..], to)));
        queue.pop();
        assert_eq!(queue.front(), Some((&b"second--"[..], None)));
        queue.count_dropped();
        assert_eq!(queue.dropped(), 2);
    }

    #[test]
    fn new_limits_pause_or_resume_at_once() {
        let mut queue = queue(100, 10, 1000);
        queue.push(&[0; 50], None);
        assert_eq!(
            queue.set_limits(SendLimits {
                high: 40,
                low: 10,
                max: 1000
            }),
            Some(true)
        );
        assert_eq!(
            queue.set_limits(SendLimits {
                high: 100,
                low: 60,
                max: 1000
            }),
            Some(false)
        );
        assert_eq!(queue.set_limits(SendLimits::default()), None);
    }
}
