//! [`Incomplete`]: the only input a TLS connection keeps between reads,
//! the bytes of a record (or of a handshake message split over records)
//! that has not fully arrived.

/// The largest TLS record rustls accepts: a 5-byte header and 16 KiB of
/// payload with up to 2 KiB of expansion. rustls refuses a record that
/// announces more as soon as its header arrives.
const MAX_RECORD: usize = 5 + 16_384 + 2_048;

/// The most bytes a connection holds while waiting for the rest of a
/// record: a handshake message of the largest size rustls accepts
/// (64 KiB) with its record headers, and one more record after it.
/// A peer that makes a connection hold more (a large handshake message
/// cut into tiny records) is refused.
pub(super) const MAX_INCOMPLETE: usize = 96 * 1024;

const _: () = assert!(MAX_INCOMPLETE > 0x1_0000 + 5 * 5 + MAX_RECORD);

/// The bytes rustls has not finished with, kept from one read to the
/// next. Empty, with no allocation, whenever the input ended on a
/// complete record, as it does on an idle connection; while a record is
/// incomplete, the allocation is kept from read to read (at most
/// [`MAX_INCOMPLETE`] bytes), and released once none is.
#[derive(Default)]
pub(super) struct Incomplete {
    bytes: Vec<u8>,
}

/// A peer made a connection hold more than [`MAX_INCOMPLETE`] bytes of
/// an incomplete record or handshake message.
#[derive(Debug, thiserror::Error)]
#[error(
    "the peer sent {held} bytes without completing a TLS record or handshake message \
     (at most {MAX_INCOMPLETE} are held)"
)]
pub(super) struct TooMuchIncomplete {
    held: usize,
}

impl Incomplete {
    /// The bytes kept, which rustls must see again, first.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes kept, for rustls to work in place.
    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Keeps `rest`, what rustls left of the input, in place of what was
    /// kept; refuses more than [`MAX_INCOMPLETE`] bytes.
    pub(super) fn keep(&mut self, rest: &[u8]) -> Result<(), TooMuchIncomplete> {
        if rest.len() > MAX_INCOMPLETE {
            self.bytes = Vec::new();
            return Err(TooMuchIncomplete { held: rest.len() });
        }
        if rest.is_empty() {
            self.bytes = Vec::new();
        } else {
            self.bytes.clear();
            self.bytes.extend_from_slice(rest);
        }
        Ok(())
    }

    /// Drops the first `done` bytes, which rustls is done with.
    pub(super) fn discard(&mut self, done: usize) {
        if done > 0 {
            let rest = self.bytes.split_off(done);
            self.bytes = rest;
        }
    }
}
