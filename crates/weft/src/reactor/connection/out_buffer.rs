//! [`OutBuffer`]: a connection's output waiting for the socket.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::ops::Range;
use std::rc::Rc;

/// Most slices handed to one vectored write.
pub(crate) const MAX_SLICES: usize = 64;

/// Output waiting for the socket, as a queue of segments: bytes copied in
/// (small writes coalesce into one segment), and ranges of read buffers
/// handed over without a copy. Holds no allocation while empty, so an idle
/// connection costs nothing here; with one segment pending (the common
/// case), only that segment's bytes are allocated.
#[derive(Debug, Default)]
pub(crate) struct OutBuffer {
    /// The first segment, kept out of `rest`.
    head: Option<Segment>,
    rest: VecDeque<Segment>,
    len: usize,
}

#[derive(Debug)]
enum Segment {
    /// Copied bytes; those before `sent` are already sent.
    Copied { bytes: Vec<u8>, sent: usize },
    /// Unsent bytes of a read buffer.
    Shared {
        buffer: Rc<[u8]>,
        range: Range<usize>,
    },
}

impl Segment {
    fn unsent(&self) -> &[u8] {
        match self {
            Segment::Copied { bytes, sent } => &bytes[*sent..],
            Segment::Shared { buffer, range } => &buffer[range.clone()],
        }
    }

    /// Records that `n` bytes, fewer than it holds, were sent.
    fn advance(&mut self, n: usize) {
        match self {
            Segment::Copied { sent, .. } => *sent += n,
            Segment::Shared { range, .. } => range.start += n,
        }
    }
}

impl OutBuffer {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues a copy of `data`.
    pub(crate) fn push(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.len += data.len();
        let last = match self.rest.back_mut() {
            Some(last) => Some(last),
            None => self.head.as_mut(),
        };
        if let Some(Segment::Copied { bytes, sent }) = last {
            // Reclaim the sent prefix before growing, so a connection that
            // streams steadily reuses one buffer.
            if *sent > 0 && bytes.len() + data.len() > bytes.capacity() {
                bytes.drain(..*sent);
                *sent = 0;
            }
            bytes.extend_from_slice(data);
        } else {
            self.push_segment(Segment::Copied {
                bytes: data.to_vec(),
                sent: 0,
            });
        }
    }

    /// Queues `range` of `buffer` without copying it.
    pub(crate) fn push_shared(&mut self, buffer: Rc<[u8]>, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.len += range.len();
        self.push_segment(Segment::Shared { buffer, range });
    }

    fn push_segment(&mut self, segment: Segment) {
        if self.head.is_none() {
            self.head = Some(segment);
        } else {
            self.rest.push_back(segment);
        }
    }

    /// The unsent bytes, as slices for one vectored write; returns how
    /// many of `slices` it filled.
    pub(crate) fn slices<'a>(&'a self, slices: &mut [IoSlice<'a>; MAX_SLICES]) -> usize {
        let segments = self.head.iter().chain(&self.rest);
        let mut count = 0;
        for (slot, segment) in slices.iter_mut().zip(segments) {
            *slot = IoSlice::new(segment.unsent());
            count += 1;
        }
        count
    }

    /// Records that `n` more bytes were sent; hands each read buffer whose
    /// bytes are all sent to `release`. Frees everything once all was sent.
    pub(crate) fn consume(&mut self, mut n: usize, mut release: impl FnMut(Rc<[u8]>)) {
        self.len -= n.min(self.len);
        while n > 0 {
            let Some(head) = self.head.as_mut() else {
                return;
            };
            let unsent = head.unsent().len();
            if n < unsent {
                head.advance(n);
                return;
            }
            n -= unsent;
            if let Some(Segment::Shared { buffer, .. }) = self.head.take() {
                release(buffer);
            }
            self.head = self.rest.pop_front();
        }
        if self.head.is_none() {
            self.rest = VecDeque::new();
        }
    }

    /// Drops everything queued, handing back the read buffers.
    pub(crate) fn clear(&mut self, release: impl FnMut(Rc<[u8]>)) {
        self.consume(self.len, release);
        *self = OutBuffer::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsent(out: &OutBuffer) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = out.slices(&mut slices);
        slices[..count]
            .iter()
            .flat_map(|s| s.iter().copied())
            .collect()
    }

    #[test]
    fn copies_and_shared_ranges_go_out_in_order_and_free_themselves() {
        let mut out = OutBuffer::default();
        out.push(b"hello ");
        out.push(b"world");
        let shared: Rc<[u8]> = Rc::from(&b"--shared--"[..]);
        out.push_shared(shared.clone(), 2..8);
        out.push(b"!");
        assert_eq!(unsent(&out), b"hello worldshared!");
        assert_eq!(out.len(), 18);
        let mut released = Vec::new();
        out.consume(6, |b| released.push(b));
        assert_eq!(unsent(&out), b"worldshared!");
        out.consume(7, |b| released.push(b));
        assert_eq!(unsent(&out), b"ared!");
        assert!(released.is_empty(), "the shared range is not all sent yet");
        out.consume(4, |b| released.push(b));
        assert_eq!(released.len(), 1);
        assert!(Rc::ptr_eq(&released[0], &shared));
        assert_eq!(unsent(&out), b"!");
        out.consume(1, |b| released.push(b));
        assert!(out.is_empty());
        assert!(out.head.is_none());
        assert_eq!(
            out.rest.capacity(),
            0,
            "an empty buffer holds no allocation"
        );
    }

    #[test]
    fn clearing_hands_back_what_was_shared() {
        let mut out = OutBuffer::default();
        let shared: Rc<[u8]> = Rc::from(&b"abc"[..]);
        out.push(b"x");
        out.push_shared(shared.clone(), 0..3);
        let mut released = 0;
        out.clear(|_| released += 1);
        assert_eq!(released, 1);
        assert!(out.is_empty());
    }
}
