//! [`FrameDecoder`]: what the message framers (netstrings, length prefixes)
//! have in common, so that one protocol adapter can drive any of them.

/// A sans-I/O decoder of self-delimited frames (netstrings, length-prefixed
/// frames).
///
/// Contract:
/// - [`next_frame`](Self::next_frame) returns `Ok(Some(frame))` for each
///   complete frame, advancing `input` past it; `Ok(None)` once `input` is
///   used up (it is then empty, the incomplete tail kept inside the decoder);
///   `Err(_)` when the stream is malformed.
/// - After an error the decoder is *failed*: every later call returns the
///   same error and consumes nothing. The stream cannot be resynchronised;
///   the connection should be closed with the error as the reason.
/// - Any split of the same stream into chunks yields the same frames and the
///   same error.
pub trait FrameDecoder {
    /// The error that names what was malformed.
    type Error: std::error::Error + Clone + 'static;

    /// Decodes the next frame from `input`, advancing it past the bytes used.
    ///
    /// The frame is a slice of `input` when it lies whole in it, otherwise a
    /// slice of the decoder's own buffer; either way it is valid until the
    /// next call on the decoder.
    fn next_frame<'s, 'c: 's>(
        &'s mut self,
        input: &mut &'c [u8],
    ) -> Result<Option<&'s [u8]>, Self::Error>;

    /// The number of bytes held inside the decoder (an incomplete frame).
    fn buffered_len(&self) -> usize;
}

/// A buffer emptied with more capacity than this is given back to the
/// allocator, so that an idle connection costs little memory.
const RELEASE_CAPACITY: usize = 1024;

/// The buffer a frame decoder keeps a payload in while it arrives in
/// pieces: what the netstring and length-prefix decoders share.
///
/// A payload handed out from the buffer stays in it until the decoder's
/// next call ([`begin`](Self::begin)); growth is geometric, never past the
/// payload's length; an emptied buffer over 1 KiB is freed.
#[derive(Clone, Debug, Default)]
pub(crate) struct PayloadBuffer {
    buf: Vec<u8>,
    /// `buf` holds a payload already handed out.
    spent: bool,
}

impl PayloadBuffer {
    /// Starts a decoder call: drops the payload handed out by the last one.
    #[inline]
    pub(crate) fn begin(&mut self) {
        if self.spent {
            self.buf.clear();
            self.spent = false;
        }
    }

    /// The decoder needs more input: frees an empty buffer that grew large.
    /// Returns `None`, the decoder's answer.
    #[inline]
    pub(crate) fn need_more<'s>(&mut self) -> Option<&'s [u8]> {
        if self.buf.is_empty() && self.buf.capacity() > RELEASE_CAPACITY {
            self.buf = Vec::new();
        }
        None
    }

    /// Appends `data`, a piece of a payload `limit` bytes long, growing the
    /// buffer geometrically but never past `limit`.
    #[inline]
    pub(crate) fn extend(&mut self, data: &[u8], limit: usize) {
        let needed = self.buf.len() + data.len();
        if needed > self.buf.capacity() {
            let target = needed
                .max(self.buf.capacity().saturating_mul(2))
                .max(64)
                .min(limit);
            self.buf.reserve_exact(target - self.buf.len());
        }
        self.buf.extend_from_slice(data);
    }

    /// Hands out the whole payload; it is dropped at the next
    /// [`begin`](Self::begin).
    #[inline]
    pub(crate) fn hand_out(&mut self) -> &[u8] {
        self.spent = true;
        &self.buf
    }

    /// Bytes of a payload not handed out yet (what the decoder holds for
    /// the next call).
    #[inline]
    pub(crate) fn buffered(&self) -> usize {
        if self.spent { 0 } else { self.buf.len() }
    }

    /// Bytes of the payload begun, during a decoder call (after
    /// [`begin`](Self::begin)).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether no payload is begun, during a decoder call (after
    /// [`begin`](Self::begin)).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The memory held, in bytes.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Frees the buffer (a decoder that failed needs it no more).
    pub(crate) fn free(&mut self) {
        *self = PayloadBuffer::default();
    }
}
