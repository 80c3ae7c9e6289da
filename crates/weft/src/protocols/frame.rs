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
